"""Stage 4, segment: paragraphs and sentences with character offsets into the input text.

Reads: ``Article.text`` (paragraphs) and the cleaner's labels (passages). Adds:
``Article.passages``, each with its offsets, paragraph, language, kind and reason.

Interface::

    paragraphs(text) -> list[tuple[int, int]]
    passages(article, paragraphs, labels, cfg) -> list[Passage]
    signature(cfg) -> dict

A paragraph is one non-blank line (``\\r`` counts as white space, so CRLF files keep their
offsets). Sentences are split after a run of terminal marks (``cfg["terminators"]``: ``. ؟ ? ! ؛``)
plus any closing quotes, and between a closing and an opening quote; never inside numbers
("3.5"), after single-letter initials or listed abbreviations, inside ellipses, or before a
lower-case Latin letter. A sentence longer than ``max_chars`` is cut at the last clause mark
(``، , ؛ ; :``) that fits, else at the last space, else hard, so no text is ever dropped.
Everything runs in one left-to-right pass: linear time in the length of the text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

from mtqa.model import Article, Passage
from mtqa.script import CLOSERS, ELLIPSIS, OPENING_QUOTES, in_any_block, sentence_end_pattern

VERSION = "1"

_WS = frozenset(" \t\r\n\f\v\u00a0\u200b\u2028\u2029\u3000\ufeff")


class _Labelled(Protocol):
    kind: Any
    reason: str


def _is_space(ch: str) -> bool:
    return ch in _WS or ch.isspace()


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` so it neither starts nor ends with white space."""
    while start < end and _is_space(text[start]):
        start += 1
    while end > start and _is_space(text[end - 1]):
        end -= 1
    return start, end


_LINE = re.compile("[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Offsets of every non-blank line, trimmed of surrounding white space.

    Lines end where :meth:`str.splitlines` ends them (``\n``, ``\r\n``, a lone ``\r``,
    U+2028 …), so offsets stay those of the text as decoded."""
    out: list[tuple[int, int]] = []
    for m in _LINE.finditer(text):
        s, e = trim(text, m.start(), m.end())
        if s < e:
            out.append((s, e))
    return out


@lru_cache(maxsize=16)
def _boundary_re(terminators: str) -> re.Pattern[str]:
    # A run of terminal marks or dots/ellipses, then closing quotes/brackets.
    return re.compile(sentence_end_pattern(terminators + "." + ELLIPSIS, CLOSERS, then=""))


@lru_cache(maxsize=16)
def _clause_re(clause_marks: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(clause_marks)}]")


def _prev_token(text: str, end: int, lo: int) -> str:
    """The run of non-space characters ending at ``end`` (at most 12 chars back)."""
    i = end
    while i > lo and i > end - 12 and not _is_space(text[i - 1]):
        i -= 1
    return text[i:end]


def _is_boundary(text: str, m: re.Match[str], lo: int, hi: int, cfg: dict[str, Any],
                 abbrevs: frozenset[str]) -> bool:
    """Whether the run of terminal marks matched by ``m`` ends a sentence."""
    run = m.group(0)
    marks = run.rstrip(CLOSERS)
    after = m.end()
    if after >= hi:
        return False  # end of the paragraph: nothing to split
    nxt = text[after]
    if marks.count(".") >= 2 or "…" in marks:
        if not cfg["split_after_ellipsis"]:
            return False  # "..." / "…": a trailing-off, not a sentence end
    elif not any(c in cfg["terminators"] for c in marks):
        return False
    if marks == ".":
        prev = text[m.start() - 1] if m.start() > lo else ""
        if prev.isdigit() and nxt.isdigit():
            return False  # 3.5
        token = _prev_token(text, m.start(), lo).lstrip("([{«“‘\"'")
        if token.casefold() in abbrevs or (len(token) == 1 and token.isalpha()):
            return False  # "Dr.", "U.S.", an initial, "م." after a year
        if prev.isascii() and prev.isalpha() and not _is_space(nxt):
            return False  # "fox.com"
    if not _is_space(nxt):
        # Missing space after the marks: split only before an Arabic-script character or an opening quote.
        return in_any_block(nxt) or nxt in OPENING_QUOTES
    j = after
    while j < hi and _is_space(text[j]):
        j += 1
    return not (text[j].isascii() and text[j].islower())  # "etc. and": no split


def sentences(text: str, start: int, end: int, cfg: dict[str, Any]) -> list[tuple[int, int]]:
    """Trimmed sentence spans inside ``text[start:end]`` (not yet length-limited)."""
    abbrevs = _abbrevs(tuple(cfg["abbreviations"]))
    cuts: list[int] = []
    for m in _boundary_re(cfg["terminators"]).finditer(text, start, end):
        if _is_boundary(text, m, start, end, cfg, abbrevs):
            cuts.append(m.end())
    if cfg["split_at_quotes"]:
        cuts.extend(_quote_cuts(text, start, end))
        cuts.sort()
    spans: list[tuple[int, int]] = []
    prev = start
    for c in cuts:
        if c <= prev:
            continue
        s, e = trim(text, prev, c)
        if s < e:
            spans.append((s, e))
        prev = c
    s, e = trim(text, prev, end)
    if s < e:
        spans.append((s, e))
    return spans


_QUOTE_GAP = re.compile(r"[”»][ \t]+(?=[“«])")


def _quote_cuts(text: str, start: int, end: int) -> list[int]:
    """Cut points between a closing quote and the next opening quote: ``”  “``."""
    return [m.start() + 1 for m in _QUOTE_GAP.finditer(text, start, end)]


@lru_cache(maxsize=16)
def _abbrevs(items: tuple[str, ...]) -> frozenset[str]:
    return frozenset(i.casefold().rstrip(".") for i in items)


def limit_length(text: str, start: int, end: int, cfg: dict[str, Any]) -> list[tuple[int, int]]:
    """Cut ``[start, end)`` into pieces of at most ``max_chars``, at clause marks, else spaces."""
    max_chars = cfg["max_chars"]
    if end - start <= max_chars:
        return [(start, end)]
    min_piece = max(1, int(max_chars * cfg["min_piece_share"]))
    clause = [m.end() for m in _clause_re(cfg["clause_marks"]).finditer(text, start, end)
              if not _in_number(text, m.start())]
    out: list[tuple[int, int]] = []
    pos = start
    while end - pos > max_chars:
        limit = pos + max_chars
        k = bisect.bisect_right(clause, limit) - 1
        cut = clause[k] if k >= 0 and clause[k] >= pos + min_piece else -1
        if cut < 0:
            sp = _rfind_space(text, pos + min_piece, limit)
            cut = sp + 1 if sp >= 0 else limit
        s, e = trim(text, pos, cut)
        if s < e:
            out.append((s, e))
        pos = cut
        while pos < end and _is_space(text[pos]):
            pos += 1
    s, e = trim(text, pos, end)
    if s < e:
        out.append((s, e))
    return out


def _in_number(text: str, i: int) -> bool:
    """A comma between digits ("2,500") is not a clause mark."""
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def _rfind_space(text: str, lo: int, hi: int) -> int:
    for i in range(hi - 1, lo - 1, -1):
        if _is_space(text[i]):
            return i
    return -1


def split_paragraph(text: str, start: int, end: int, cfg: dict[str, Any]) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph, each at most ``max_chars`` long."""
    out: list[tuple[int, int]] = []
    for s, e in sentences(text, start, end, cfg):
        out.extend(limit_length(text, s, e, cfg))
    return out


def passages(article: Article, paragraphs: Sequence[tuple[int, int]],
             labels: Sequence[_Labelled], cfg: dict[str, Any]) -> list[Passage]:
    """Sentence passages of every paragraph, inheriting the paragraph's label."""
    if len(labels) != len(paragraphs):
        raise ValueError(f"{len(labels)} labels for {len(paragraphs)} paragraphs")
    text = article.text
    out: list[Passage] = []
    for index, ((pstart, pend), label) in enumerate(zip(paragraphs, labels, strict=True)):
        for s, e in split_paragraph(text, pstart, pend, cfg):
            out.append(Passage(
                id=f"{article.id}:{len(out)}", article_id=article.id, start=s, end=e,
                text=text[s:e], lang=article.lang or "", paragraph=index,
                kind=label.kind, reason=label.reason,
            ))
    return out


def signature(cfg: dict[str, Any]) -> dict[str, object]:
    return {"seg": VERSION, "max": cfg["max_chars"], "quotes": cfg["split_at_quotes"]}
