"""Helpers shared by the reporters: positions in input files, spans, lookups, truncation.

Positions (used by the ``github`` reporter and shown in markdown/HTML):

* plain-text sources: ``Article.text`` is the whole file, so line = 1 + the number of ``\\n``
  before the offset and column = 1 + code points since the last ``\\n`` (``\\r\\n`` files work:
  the ``\\r`` sits at the end of the previous line).
* record sources (JSONL, ``.ndjson``; or any article with ``line > 1`` or ``column_offset > 0``):
  the record is ONE physical line, ``Article.line``; the column is ``1 + column_offset +`` the
  code-point offset inside the record's decoded ``text`` value. ``column_offset`` (set by ingest,
  0 by default) is where that value starts in the line, so column points "into the record".
* extracted sources (HTML pages, RSS/Atom feeds): the text was extracted, so offsets do not map
  to lines of the file; annotations name the file only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import PurePath
from typing import Any

from mtqa.model import (
    Article,
    ArticleVerdict,
    Disagreement,
    Fact,
    Flag,
    GateResult,
    Passage,
    PassageVerdict,
    Report,
)

RECORD_SUFFIXES = frozenset({".jsonl", ".ndjson", ".jsonlines"})
EXTRACTED_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".xml", ".rss", ".atom", ".feed"})


@dataclass(frozen=True)
class Position:
    """1-based line/column of a span in its input file; ``line is None`` means file-only."""

    line: int | None
    col: int | None
    end_line: int | None
    end_col: int | None


def source_mode(article: Article) -> str:
    """``"text"``, ``"record"`` or ``"extracted"``: how offsets map onto the input file."""
    suffix = PurePath(article.source).suffix.lower() if article.source else ""
    if suffix in RECORD_SUFFIXES or article.line > 1 or article.column_offset > 0:
        return "record"
    if suffix in EXTRACTED_SUFFIXES or "://" in article.source:
        return "extracted"
    return "text"


def line_col(text: str, offset: int, first_line: int = 1) -> tuple[int, int]:
    """1-based (line, column) of ``offset`` in ``text`` that starts on ``first_line``."""
    offset = max(0, min(offset, len(text)))
    line = first_line + text.count("\n", 0, offset)
    last_nl = text.rfind("\n", 0, offset)
    return line, offset - (last_nl + 1) + 1


def position(article: Article, start: int, end: int) -> Position:
    """Where ``article.text[start:end]`` lies in ``article.source`` (see module docstring)."""
    mode = source_mode(article)
    if mode == "extracted":
        return Position(None, None, None, None)
    n = len(article.text)
    start = max(0, min(start, n))
    end = max(start, min(end, n))
    if mode == "record":
        base = 1 + article.column_offset
        return Position(article.line, base + start, article.line, base + end)
    line, col = line_col(article.text, start, article.line)
    end_line, end_col = line_col(article.text, end, article.line)
    return Position(line, col, end_line, end_col)


def file_ref(article: Article) -> str:
    """The source, with ``:line`` for records (one file holds many articles)."""
    return f"{article.source}:{article.line}" if source_mode(article) == "record" else article.source


def where(article: Article, start: int) -> str:
    """``source:line:col`` (or just ``source``) for messages."""
    pos = position(article, start, start)
    if pos.line is None:
        return article.source
    return f"{article.source}:{pos.line}:{pos.col}"


# C0 controls (but tab, newline, carriage return), DEL and C1 controls: raw in a terminal or a
# browser they can hide text, move the cursor or ring bells. Each is shown as one visible
# character (U+2400 control pictures; C1 as U+FFFD). Bidi embeddings, overrides and isolates
# (U+202A-E, U+2066-9) can reorder what a reader sees ("Trojan source"): shown as ``\u202e``.
# LRM/RLM/ALM, ZWNJ and ZWJ stay: Persian and Arabic text needs them.
_CONTROLS: dict[int, str] = {c: chr(0x2400 + c) for c in range(32) if chr(c) not in "\t\n\r"}
_CONTROLS[0x7F] = "\u2421"
_CONTROLS.update({c: "\ufffd" for c in range(0x80, 0xA0)})
_CONTROLS.update({c: f"\\u{c:04x}" for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


def visible(text: str) -> str:
    """``text`` with control characters (NUL, ESC …) and bidi overrides made visible."""
    return text.translate(_CONTROLS)


def shorten(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, white space collapsed, "…" when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 1)].rstrip() + "…"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters ("…" when cut), white space kept."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def fmt_num(value: Any, digits: int = 3) -> str:
    """A number for humans: ints as is, floats rounded; None as an em dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if value == value else "nan"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_num(v, digits) for v in value) or "—"
    return str(value)


@dataclass(frozen=True)
class Segment:
    """A piece of a passage: ``text[start:end]`` covered by ``flags`` (empty: plain text)."""

    start: int
    end: int
    flags: tuple[Flag, ...]


def segments(length: int, flags: Iterable[Flag], base: int = 0) -> list[Segment]:
    """Cut ``[0, length)`` at flag boundaries (flag offsets minus ``base``).

    Flags are clipped to the passage; flags with nothing left are dropped. Overlapping flags
    give segments covered by several flags; neighbouring segments with the same flags merge.
    """
    spans: list[tuple[int, int, Flag]] = []
    for flag in flags:
        s, e = max(0, flag.start - base), min(length, flag.end - base)
        if e > s:
            spans.append((s, e, flag))
    if not spans:
        return [Segment(0, length, ())] if length else []
    cuts = sorted({0, length, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[Segment] = []
    for s, e in pairwise(cuts):
        cover = tuple(f for fs, fe, f in spans if fs <= s and e <= fe)
        if out and out[-1].flags == cover and out[-1].end == s:
            out[-1] = Segment(out[-1].start, e, cover)
        else:
            out.append(Segment(s, e, cover))
    return out


def source_flags(passage: Passage) -> list[Flag]:
    return [f for f in passage.flags if f.side == "source"]


def translation_flags(passage: Passage) -> list[Flag]:
    return [f for f in passage.flags if f.side == "translation"]


class Index:
    """Lookups the reporters need: articles and passages by id, gate verdicts, facts."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.articles: dict[str, Article] = {a.id: a for a in report.articles}
        self.passages: dict[str, tuple[Article, Passage]] = {
            p.id: (a, p) for a in report.articles for p in a.passages
        }
        self.gate_articles: dict[str, ArticleVerdict] = (
            report.gate.articles() if report.gate is not None else {})
        self.facts_by_passage: dict[str, list[Fact]] = {}
        for fact in self.facts():
            for value in fact.values:
                bucket = self.facts_by_passage.setdefault(value.passage, [])
                if fact not in bucket:
                    bucket.append(fact)

    def facts(self) -> tuple[Fact, ...]:
        return self.report.crosscheck.facts if self.report.crosscheck is not None else ()

    def conflicts(self) -> list[Fact]:
        return [f for f in self.facts() if f.status == "conflict"]

    def disagreements(self) -> tuple[Disagreement, ...]:
        cc = self.report.crosscheck
        return cc.translations.disagreements if cc is not None else ()

    def gate_status(self, article_id: str) -> str | None:
        """``"pass" | "warn" | "fail"`` for an article when a gate ran, else None."""
        if self.report.gate is None:
            return None
        entry = self.gate_articles.get(article_id)
        return entry.status if entry else "pass"

    def gate_passage(self, article_id: str, passage_id: str) -> PassageVerdict | None:
        """The gate's verdict on one passage (status ``fail`` or ``warn``, and its checks)."""
        entry = self.gate_articles.get(article_id)
        return entry.passages.get(passage_id) if entry is not None else None

    def gate_passage_status(self, article_id: str, passage_id: str) -> str | None:
        """The gate's verdict on one passage (``"fail"``/``"warn"``), or None."""
        verdict = self.gate_passage(article_id, passage_id)
        return verdict.status if verdict else None


def verdict(report: Report) -> tuple[str, str]:
    """(status, one-line summary).

    With a gate result the status is ``pass | warn | fail``; without one it comes from the
    counts: ``flagged`` when any passage is flagged or an input had a problem, else ``pass``.
    """
    articles = report.articles
    flagged = sum(p.flagged for a in articles for p in a.passages)
    content = sum(len(a.content()) for a in articles)
    hit = sum(any(p.flagged for p in a.passages) for a in articles)
    counts = (f"{flagged} of {content} content passages flagged in {hit} of {len(articles)} "
              f"article{'s' if len(articles) != 1 else ''}")
    if report.problems:
        counts += f"; {len(report.problems)} input problem{'s' if len(report.problems) != 1 else ''}"
    gate: GateResult | None = report.gate
    if gate is not None:
        failed = [c.name for c in gate.checks if c.status == "fail"]
        warned = [c.name for c in gate.checks if c.status == "warn"]
        if not gate.passed:
            return "fail", f"gate FAILED ({', '.join(failed) or 'see checks'}); {counts}"
        if warned:
            return "warn", f"gate passed with warnings ({', '.join(warned)}); {counts}"
        return "pass", f"gate passed; {counts}"
    if report.problems or flagged:
        return "flagged", counts
    return "pass", counts
