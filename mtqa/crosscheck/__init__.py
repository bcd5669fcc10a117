"""Stage 7, cross-check: agreement between translations, and facts across outlets.

Interface used by the pipeline::

    agreement(articles, cfg) -> list[Article]   # per-passage agreement evidence, XCHK001-004 flags
    stories(articles, cfg) -> dict | None        # the report's ``crosscheck`` section
    signature(cfg) -> dict[str, object]

``stories`` groups articles into stories (``stories.group``), extracts number, date and name facts
from the content passages (``facts``), attaches unqualified counts to their qualified fact, merges
mentions by key into corroborated / conflict / single-source facts, aligns passages inside each
story, and collects the translation disagreements flagged by ``agreement``. Settings:
``configs/defaults/crosscheck.toml``; word lists: ``configs/crosscheck_lexicon.toml``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from mtqa.model import Article

VERSION = "1"

__all__ = ["VERSION", "agreement", "signature", "stories"]


def agreement(articles: list[Article], cfg: Mapping[str, Any]) -> list[Article]:
    """Agreement evidence and flags for passages with several renderings (see ``agreement``)."""
    from mtqa.crosscheck import agree as _agreement

    return _agreement.agreement(articles, cfg)


def _disagreements(articles: list[Article]) -> tuple[int, list[dict[str, Any]]]:
    from mtqa.crosscheck.agree import system_names

    compared, out = 0, []
    for a in articles:
        for p in a.content():
            if "agreement_chrf" not in p.evidence:
                continue
            compared += 1
            flag = next((f for f in p.flags if f.code == "XCHK001"), None)
            if flag is None:
                continue
            names = system_names(p.translations)
            out.append({"article": a.id, "passage": p.id, "start": p.start, "end": p.end,
                        "systems": names, "chrf": p.evidence["agreement_chrf"],
                        "cosine": p.evidence["agreement_cos"],
                        "renderings": {n: t.text for n, t in zip(names, p.translations, strict=True)},
                        "message": flag.message})
    return compared, out


def stories(articles: list[Article], cfg: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``crosscheck`` report section (schema: stories, facts, translations, summary)."""
    from mtqa.crosscheck import facts as _facts
    from mtqa.crosscheck import grouping as _stories

    if not articles:
        return None
    usable = [a for a in articles if a.content()]
    groups = _stories.group(usable, cfg)
    story_out, fact_out = [], []
    min_articles = int(cfg.get("min_story_articles", 1))
    for n, members in enumerate(groups, start=1):
        sid = f"story-{n}"
        arts = [usable[i] for i in members]
        lead = _stories.lead(arts[0], 160)
        mentions = [m for a in arts for m in _facts.extract_article(a, cfg)]
        entry: dict[str, Any] = {"id": sid, "articles": [a.id for a in arts],
                                 "title": arts[0].title or lead}
        if len(arts) >= 2:
            entry["alignments"] = _stories.align(arts, mentions, cfg)
        story_out.append(entry)
        if len(arts) < min_articles:
            continue
        _facts.resolve_unqualified(mentions, cfg)
        fact_out += _facts.merge(mentions, sid, cfg, start_id=len(fact_out) + 1)
    compared, disagreements = _disagreements(articles)
    status = Counter(f["status"] for f in fact_out)
    per_article: dict[str, dict[str, int]] = {
        a.id: {"corroborated": 0, "conflict": 0, "single_source": 0, "disagreements": 0}
        for a in articles}
    for f in fact_out:
        for aid in f["articles"]:
            per_article[aid][f["status"].replace("-", "_")] += 1
    for d in disagreements:
        per_article[d["article"]]["disagreements"] += 1
    return {
        "stories": story_out,
        "facts": fact_out,
        "translations": {"compared": compared, "disagreements": disagreements},
        "summary": {
            "stories": len(story_out),
            "facts": len(fact_out),
            "corroborated": status["corroborated"],
            "conflict": status["conflict"],
            "single_source": status["single-source"],
            "disagreements": len(disagreements),
            "per_article": per_article,
        },
    }


def signature(cfg: Mapping[str, Any]) -> dict[str, object]:
    """Settings that change cross-check results (sacrebleu-style short keys)."""
    from pathlib import Path

    return {
        "xc": VERSION,
        "xemb": f"{cfg.get('story_embedder', 'e5-small')}+{cfg.get('agreement_embedder', 'minilm')}",
        "xstory": cfg.get("story_threshold"),
        "xagree": f"chrf{cfg.get('chrf_min')}/cos{cfg.get('cos_min')}/{cfg.get('agreement_reduce')}",
        "xtol": cfg.get("approx_tolerance"),
        "xlex": Path(str(cfg.get("lexicon", ""))).stem,
    }
