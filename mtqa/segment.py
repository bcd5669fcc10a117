"""Stage 4, segment: paragraphs and sentences with character offsets into the input text.

OWNER: ingest/clean/segment helper. Interface:

    paragraphs(text: str) -> list[tuple[int, int]]
    passages(article, paragraphs, labels, cfg) -> list[Passage]
    signature(cfg: dict) -> dict[str, object]
"""
