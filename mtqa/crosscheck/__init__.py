"""Stage 7, cross-check: agreement between translations, and facts across outlets.

OWNER: cross-check helper. Interface used by the pipeline:

    agreement(articles: list[Article], cfg: dict) -> list[Article]
    stories(articles: list[Article], cfg: dict) -> dict
    signature(cfg: dict) -> dict[str, object]
"""
