"""Stage 7, cross-check: facts across outlets, after the per-passage checks.

Reads: the checked articles (content passages, their renderings and ``Passage.agreement`` from
``mtqa.checks``). Adds: the report's ``crosscheck`` section, story-level only; no passage is
changed here. Interface used by the pipeline::

    stories(articles, cfg) -> CrossCheck | None  # the report's ``crosscheck`` section
    signature(cfg) -> dict[str, object]

``stories`` groups articles into stories (``grouping.group``), extracts number, date and name facts
from the content passages (``facts``), attaches unqualified counts to their qualified fact, merges
mentions by key into corroborated / conflict / single-source facts, aligns passages inside each
story, and lists the passages whose renderings the checks found to disagree. Settings:
``configs/defaults/crosscheck.toml``; word lists: ``configs/crosscheck_lexicon.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mtqa.model import Article, CrossCheck, Disagreement, Fact, Story, TranslationComparison, system_names

VERSION = "1"

__all__ = ["VERSION", "signature", "stories"]


def _disagreements(articles: list[Article]) -> tuple[int, list[Disagreement]]:
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
            out.append(Disagreement(
                article=a.id, passage=p.id, start=p.start, end=p.end, systems=tuple(names),
                chrf=agr.chrf, cosine=agr.cos,
                renderings={n: t.text for n, t in zip(names, p.translations, strict=True)},
                message=agr.disagreeing.message()))
    return compared, out


def stories(articles: list[Article], cfg: Mapping[str, Any]) -> CrossCheck | None:
    """The ``crosscheck`` report section (schema: stories, facts, translations, summary)."""
    from mtqa.crosscheck import facts as _facts
    from mtqa.crosscheck import grouping as _stories

    if not articles:
        return None
    usable = [a for a in articles if a.content()]
    groups = _stories.group(usable, cfg)
    story_out: list[Story] = []
    fact_out: list[Fact] = []
    min_articles = int(cfg["min_story_articles"])
    for n, members in enumerate(groups, start=1):
        sid = f"story-{n}"
        arts = [usable[i] for i in members]
        lead = _stories.lead(arts[0], 160)
        mentions = [m for a in arts for m in _facts.extract_article(a, cfg)]
        alignments = tuple(_stories.align(arts, mentions, cfg)) if len(arts) >= 2 else None
        note = None
        if len(arts) > int(cfg["align_max_articles"]):
            note = (f"{len(arts)} articles (more than align_max_articles = {cfg['align_max_articles']}): "
                    f"passages were aligned only between each article and its "
                    f"{cfg['align_article_neighbours']} most similar articles; facts are compared "
                    "across all articles")
        story_out.append(Story(sid, tuple(a.id for a in arts), arts[0].title or lead, alignments, note))
        if len(arts) < min_articles:
            continue
        _facts.resolve_unqualified(mentions, cfg)
        fact_out += _facts.merge(mentions, sid, cfg, start_id=len(fact_out) + 1)
    compared, disagreements = _disagreements(articles)
    return CrossCheck.build([a.id for a in articles], story_out, fact_out,
                            TranslationComparison(compared, tuple(disagreements)))


def signature(cfg: Mapping[str, Any]) -> dict[str, object]:
    """Settings that change cross-check results (sacrebleu-style short keys)."""
    from pathlib import Path

    return {
        "xc": VERSION,
        "xemb": cfg["story_embedder"],
        "xstory": cfg["story_threshold"],
        "xtol": cfg["approx_tolerance"],
        "xlex": Path(str(cfg["lexicon"])).stem,
    }
