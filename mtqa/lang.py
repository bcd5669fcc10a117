"""Stage 2, language: tell Arabic from Persian (and keep Dari, ``prs``), and normalise text.

OWNER: ingest/clean/segment helper. Interface:

    identify(article: Article, cfg: dict) -> Article      # sets lang, lang_confidence; InputError if neither
    normalize(text: str) -> str                           # same length as text (offsets stay valid)
    signature(cfg: dict) -> dict[str, object]
"""
