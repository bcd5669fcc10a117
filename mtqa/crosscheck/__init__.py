"""Stage 7, cross-check: facts across outlets, after the per-passage checks.

Reads: the checked articles (content passages, their renderings and ``Passage.agreement`` from
``mtqa.checks``). Adds: the report's ``crosscheck`` section, story-level only; no passage is
changed here. Interface used by the pipeline::

    stories(articles, cfg) -> dict | None        # the report's ``crosscheck`` section
    signature(cfg) -> dict[str, object]

``stories`` groups articles into stories (``grouping.group``), extracts number, date and name facts
from the content passages (``facts``), attaches unqualified counts to their qualified fact, merges
mentions by key into corroborated / conflict / single-source facts, aligns passages inside each
story, and lists the passages whose renderings the checks found to disagree. Settings:
``configs/defaults/crosscheck.toml``; word lists: ``configs/crosscheck_lexicon.toml``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from mtqa.model import Article, system_names

VERSION = "1"

__all__ = ["VERSION", "signature", "stories"]


def _disagreements(articles: list[Article]) -> tuple[int, list[dict[str, Any]]]:
    """How many passages had renderings compared by the checks, and those that disagree."""
    compared, out = 0, []
    for a in articles:
        for p in a.content():
            agr = p.agreement
            if agr is None:
                continue
            compared += 1
            if agr.disagreeing is None:
                continue
            names = system_names(p.translations)
            out.append({"article": a.id, "passage": p.id, "start": p.start, "end": p.end,
                        "systems": names, "chrf": agr.chrf, "cosine": agr.cos,
                        "renderings": {n: t.text for n, t in zip(names, p.translations, strict=True)},
                        "message": agr.disagreeing.message()})
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
        "xemb": cfg.get("story_embedder", "e5-small"),
        "xstory": cfg.get("story_threshold"),
        "xtol": cfg.get("approx_tolerance"),
        "xlex": Path(str(cfg.get("lexicon", ""))).stem,
    }
