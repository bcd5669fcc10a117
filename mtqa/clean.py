"""Stage 3, clean: label each paragraph content / boilerplate / offtopic / duplicate, with a reason.

OWNER: ingest/clean/segment helper. Interface:

    classify(article: Article, paragraphs: list[tuple[int, int]], cfg: dict) -> list[Label]
    signature(cfg: dict) -> dict[str, object]
"""
