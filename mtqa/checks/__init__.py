"""Stage 6, checks: garble evidence per passage, combined into a calibrated probability.

OWNER: checks helper. Interface used by the pipeline:

    score(articles: list[Article], cfg: dict, translated: bool) -> list[Article]
    signature(cfg: dict, translated: bool) -> dict[str, object]
"""
