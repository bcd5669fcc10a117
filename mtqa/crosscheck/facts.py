"""Fact extraction over articles, and merging mentions into corroborated / conflict / single-source.

Extraction runs over *runs* of consecutive content passages of one paragraph (so a name that the
segmenter cut at a stray full stop is still read whole); offtopic, boilerplate and duplicate
passages are never read. Each mention is mapped back to offsets into ``Article.text`` and to the
passage holding its start. With ``translation_facts`` the first translation of each content
passage is read too (``side="translation"``, offsets into that translation's text).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mtqa.crosscheck import dates, lexicon, names, numbers
from mtqa.crosscheck.mention import Mention
from mtqa.crosscheck.text import View
from mtqa.model import Article, Conflict, Fact, FactStatus, Passage


def runs(article: Article) -> list[list[Passage]]:
    """Maximal runs of consecutive content passages within one paragraph."""
    out: list[list[Passage]] = []
    prev: Passage | None = None
    for p in article.passages:
        if p.kind != "content":
            prev = None
            continue
        if prev is not None and prev.paragraph == p.paragraph and out:
            out[-1].append(p)
        else:
            out.append([p])
        prev = p
    return out


def extract_text(text: str, start: int, end: int, cfg: Mapping[str, Any], side: str) -> list[Mention]:
    """Mentions in ``text[start:end]`` with ``start``/``end``/``text`` set to original offsets."""
    lex = lexicon.get(cfg, "src" if side == "source" else "en")
    view = View.of(text, start, end)
    types = set(cfg["fact_types"])
    out: list[Mention] = []
    date_mentions, spans = dates.extract(view.norm, lex, cfg)
    if "date" in types:
        out += date_mentions
    if "number" in types:
        out += numbers.extract(view.norm, lex, cfg, spans)
    if "name" in types:
        out += names.extract(view.norm, lex, cfg)
    for m in out:
        m.start, m.end = view.span(m.a, m.b)
        m.text = text[m.start:m.end]
        m.side = side
        if m.type == "name":
            m.display = m.text
    return out


def extract_article(article: Article, cfg: Mapping[str, Any]) -> list[Mention]:
    """All mentions of one article (source side, and translation side when configured)."""
    out: list[Mention] = []
    for run in runs(article):
        starts = [p.start for p in run]
        for m in extract_text(article.text, run[0].start, run[-1].end, cfg, "source"):
            p = run[max(0, bisect.bisect_right(starts, m.start) - 1)]
            m.article, m.source, m.passage = article.id, article.source, p.id
            out.append(m)
    if cfg["translation_facts"]:
        for p in article.content():
            if not p.translations or not p.translations[0].text.strip():
                continue
            tr = p.translations[0].text
            for m in extract_text(tr, 0, len(tr), cfg, "translation"):
                m.article, m.source, m.passage = article.id, article.source, p.id
                out.append(m)
    return out


# --- merging -------------------------------------------------------------------------------

def compatible(x: Mention, y: Mention, cfg: Mapping[str, Any]) -> bool:
    """Whether two mentions of one key agree."""
    if x.type == "number":
        return _numbers_agree(x.data, y.data, cfg)
    if x.type == "date":
        return dates.compatible(x.data["date"], y.data["date"])
    if x.type == "name":
        return names.compatible(x.value, y.value, lexicon.get(cfg, "src"))
    return x.value == y.value


def _numbers_agree(a: Mapping[str, Any], b: Mapping[str, Any], cfg: Mapping[str, Any]) -> bool:
    if "vague" in a or "vague" in b:
        if "vague" in a and "vague" in b:
            return True
        v, n = (a, b) if "vague" in a else (b, a)
        lo, hi = v["vague"]
        return lo <= n["num"] <= hi
    x, y = float(a["num"]), float(b["num"])
    if x == y:
        return True
    if cfg["bounds_compatible"]:
        for p, u, w in ((a, x, y), (b, y, x)):
            if (p.get("bound") == "more" and w >= u) or (p.get("bound") == "less" and w <= u):
                return True
    if a.get("approx") or b.get("approx"):
        return abs(x - y) <= float(cfg["approx_tolerance"]) * max(abs(x), abs(y))
    return False


def _is_vague(m: Mention) -> bool:
    return m.type == "number" and "vague" in m.data


def resolve_unqualified(mentions: list[Mention], cfg: Mapping[str, Any]) -> None:
    """Attach "troops|us|*" to the one "troops|us|<place>" of the story it agrees with (in place)."""
    if not cfg["resolve_unqualified"]:
        return
    by_key: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        by_key[m.key].append(m)
    for m in mentions:
        if m.type != "number" or not m.key.endswith("|*") or _is_vague(m):
            continue
        noun, nat, _ = m.key.split("|")
        cands = []
        for key, ms in by_key.items():
            kn, knat, kplace = key.split("|") if key.count("|") == 2 else ("", "", "*")
            if key == m.key or kn != noun or kplace == "*" or nat not in ("*", knat):
                continue
            if all(compatible(m, o, cfg) for o in ms if not _is_vague(o)):
                cands.append((key, ms))
        if len(cands) == 1:
            key, ms = cands[0]
            m.data["resolved_from"] = m.key
            m.key, m.label = key, ms[0].label


def merge(mentions: Sequence[Mention], story: str, cfg: Mapping[str, Any],
          start_id: int = 1) -> list[Fact]:
    """Facts of one story's mentions, grouped by key."""
    groups: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        groups[m.key].append(m)
    facts = []
    for n, (key, ms) in enumerate(sorted(groups.items()), start=start_id):
        ms.sort(key=lambda m: (m.article, m.side != "source", m.start))
        status, conflicts = status_of(ms, cfg)
        facts.append(Fact(id=f"fact-{n}", story=story, type=ms[0].type, key=key,
                          label=ms[0].label, status=status,
                          values=tuple(m.to_value() for m in ms),
                          articles=tuple(sorted({m.article for m in ms})),
                          conflicts=tuple(conflicts)))
    return facts


def _deciding(ms: Iterable[Mention]) -> list[Mention]:
    """Per article: its source-side mentions, else (no source mention) its translation-side ones."""
    by_article: dict[str, list[Mention]] = defaultdict(list)
    for m in ms:
        by_article[m.article].append(m)
    out = []
    for group in by_article.values():
        src = [m for m in group if m.side == "source"]
        out += src or group
    return out


MAX_CONFLICTS = 20  # disagreeing pairs listed per fact


def status_of(ms: Sequence[Mention], cfg: Mapping[str, Any]) -> tuple[FactStatus, list[Conflict]]:
    """("corroborated" | "conflict" | "single-source", the disagreeing value pairs)."""
    deciding = _deciding(ms)
    precise = [m for m in deciding if not _is_vague(m)]
    vague = [m for m in deciding if _is_vague(m)]
    conflicts: list[Conflict] = []
    checked = precise + (vague if cfg["vague_conflicts"] else [])
    # A story of thousands of articles repeats a few values thousands of times: each pair of
    # distinct values is compared once, and the search stops at the conflicts the report keeps.
    sig = [(m.type, m.value, repr(sorted(m.data.items()))) for m in checked]
    agree: dict[tuple[Any, Any], bool] = {}
    for i, x in enumerate(checked):
        for j in range(i + 1, len(checked)):
            y = checked[j]
            if x.article == y.article and x.side != y.side:
                continue
            if _is_vague(x) and _is_vague(y):
                continue
            pair = (sig[i], sig[j])
            if pair not in agree:
                agree[pair] = compatible(x, y, cfg)
            if not agree[pair]:
                conflicts.append(Conflict(x.to_value(), y.to_value()))
                if len(conflicts) == MAX_CONFLICTS:
                    return "conflict", conflicts
    if conflicts:
        return "conflict", conflicts
    articles = {m.article for m in precise} or {m.article for m in vague}
    return ("corroborated" if len(articles) >= 2 else "single-source"), []
