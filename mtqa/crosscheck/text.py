"""Text helpers for the cross-check: normalised views with offset maps, phrase lexicons, clauses.

Extraction runs on a *normalised* view of a span of an article (``mtqa.script.normalize`` with the
removed marks dropped, Arabic-Indic and Persian digits as ASCII, letter variants unified, Latin
lower-cased); every match is mapped back to offsets into the original text through the index map.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mtqa.config import load_toml, resolve_config_path
from mtqa.errors import ConfigError
from mtqa.script import (
    CLOSERS_EXCEPT_RSQUO,
    SENTENCE_MARKS,
    TATWEEL,
    normalize_with_map,
    sentence_end_pattern,
)

# Word characters: letters and digits of every script, plus tatweel (kept inside words).
_LETTER = r"[^\W_]"
# Conjunction/preposition prefixes glued to Arabic words (و ب ل ف ک) and the article ال.
PREFIX = r"(?:[وبلفک]{0,2}ال|[وبلفک]{1,2}|لل)?"


@dataclass(frozen=True)
class View:
    """A normalised, lower-cased view of ``text[start:end]`` of some original text."""

    norm: str
    index: tuple[int, ...]  # index[i]: offset in the original text of norm[i]
    end: int  # original end offset (for spans that run to the end)

    @classmethod
    def of(cls, text: str, start: int = 0, end: int | None = None) -> View:
        end = len(text) if end is None else end
        norm, idx = normalize_with_map(text[start:end])
        return cls(norm.lower(), tuple(start + i for i in idx), end)

    def span(self, a: int, b: int) -> tuple[int, int]:
        """Original offsets of ``norm[a:b]``."""
        if not self.index:
            return self.end, self.end
        s = self.index[a] if a < len(self.index) else self.end
        e = self.index[b - 1] + 1 if 0 < b <= len(self.index) else s
        return s, e


def norm_phrase(phrase: str) -> str:
    """A lexicon entry in the form it is matched in: normalised, lower-cased, spaces collapsed."""
    norm, _ = normalize_with_map(phrase)
    return " ".join(norm.lower().split())


def strip_article(word: str) -> str:
    """Drop a leading conjunction/preposition + article ("والعراق" → "عراق", "al-" → "")."""
    w = re.sub(r"^(?:al-|el-)", "", word)
    m = re.match(r"^(?:[وبلفک]{0,2}ال|لل)(.{2,})$", w)
    return m.group(1) if m else w


class PhraseTable:
    """Phrases → canonical keys, matched as whole words in a :class:`View` (longest first).

    Arabic-script phrases may carry a prefix (و ب ل ف ک, ال): "العراق", "بالعراق" and "والعراق"
    all match the entry "عراق" or "العراق".
    """

    def __init__(self, entries: Mapping[str, Iterable[str]], prefixes: bool = True) -> None:
        self.lookup: dict[str, str] = {}
        for key, phrases in entries.items():
            for p in phrases:
                n = norm_phrase(p)
                if n:
                    self.lookup.setdefault(n, key)
                    base = strip_article(n)
                    if prefixes and base != n and len(base) > 2:
                        self.lookup.setdefault(base, key)
        self._prefixes = prefixes
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        """The alternation of every phrase, longest first, compiled on first use: building every
        lexicon compiles a few hundred patterns, and a run pays only for those it consults."""
        if self._regex is None:
            alts = sorted(self.lookup, key=len, reverse=True)
            if not alts:
                self._regex = re.compile(r"(?!x)x")
            else:
                body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts)
                pre = PREFIX if self._prefixes else ""
                self._regex = re.compile(rf"(?<!{_LETTER}){pre}({body})(?!{_LETTER})")
        return self._regex

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterable[tuple[str, int, int]]:
        """(key, start, end) of each match in ``text[pos:endpos]``; start/end cover the prefix too."""
        endpos = len(text) if endpos is None else endpos
        for m in self.regex.finditer(text, pos, endpos):
            phrase = " ".join(m.group(1).split())
            key = self.lookup.get(phrase)
            if key is not None:
                yield key, m.start(), m.end()

    def keys_in(self, text: str, pos: int = 0, endpos: int | None = None) -> list[str]:
        return [k for k, _, _ in self.finditer(text, pos, endpos)]

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> tuple[str, int, int] | None:
        return next(iter(self.finditer(text, pos, endpos)), None)


# Clause and sentence boundaries in a normalised view.
_SENT_END = re.compile(sentence_end_pattern(SENTENCE_MARKS, CLOSERS_EXCEPT_RSQUO) + r"|\n")
_CLAUSE_END = re.compile(r"[،;؛:–—()]|,(?!\d{3})|\s-\s|" + sentence_end_pattern(SENTENCE_MARKS, "") + r"|\n")


UNIT_MAX_CHARS = 2000
"""A clause or sentence is read at most this many characters either side of the position asked
about (cut at a space): a 5 MB line without punctuation is one "sentence", and every date and
number in it would otherwise scan all of it. News sentences are far shorter."""

_MARKS_CACHE: dict[tuple[str, str], tuple[list[int], list[int]]] = {}


def _marks(text: str, regex: re.Pattern[str]) -> tuple[list[int], list[int]]:
    """(starts, ends) of every match of ``regex`` in the whole ``text``, found once per text."""
    key = (regex.pattern, text)
    hit = _MARKS_CACHE.get(key)
    if hit is None:
        found = [m.span() for m in regex.finditer(text)]
        hit = ([a for a, _ in found], [b for _, b in found])
        if len(_MARKS_CACHE) >= 8:
            _MARKS_CACHE.pop(next(iter(_MARKS_CACHE)))
        _MARKS_CACHE[key] = hit
    return hit


def bounds(text: str, pos: int, regex: re.Pattern[str], lo: int = 0,
           hi: int | None = None) -> tuple[int, int]:
    """The [start, end) of the unit (clause or sentence) around ``pos``, at most
    :data:`UNIT_MAX_CHARS` either side of it.

    The unit starts after the last match of ``regex`` in ``text[lo:pos]`` and ends at the first
    match at or after ``pos``. ``regex`` must match only punctuation and white space (it may look
    ahead at anything): the matches over the whole text are found once and looked up by bisection,
    so each call costs the same however long the text is.
    """
    hi = len(text) if hi is None else hi
    if lo != 0 or hi != len(text):
        start, end = _bounds_scan(text, pos, regex, lo, hi)
    else:
        starts, ends = _marks(text, regex)
        start = _unit_start(text, pos, regex, ends)
        end = _unit_end(text, pos, regex, starts, ends)
    cap_lo, cap_hi = pos - UNIT_MAX_CHARS, pos + UNIT_MAX_CHARS
    if start < cap_lo:
        m = _SPACE.search(text, cap_lo, pos)
        start = m.end() if m else cap_lo
    if end > cap_hi:
        cut = max(text.rfind(" ", pos, cap_hi), text.rfind("\n", pos, cap_hi))
        end = cut if cut > pos else cap_hi
    return start, max(end, pos)


_SPACE = re.compile(r"\s")


def _bounds_scan(text: str, pos: int, regex: re.Pattern[str], lo: int, hi: int) -> tuple[int, int]:
    """:func:`bounds` without the index: scans ``text[lo:pos]`` (the text is cut at ``pos``)."""
    start = lo
    for m in regex.finditer(text, lo, pos):
        start = m.end()
    m = regex.search(text, pos, hi)
    return start, m.start() if m else hi


def _unit_start(text: str, pos: int, regex: re.Pattern[str], ends: list[int]) -> int:
    """End of the last match in ``text[:pos]`` as if the text were cut at ``pos``.

    Cutting the text changes only matches that reach (or look ahead to) within a few characters of
    ``pos``. Before a letter or digit ``q`` at least 4 characters back no match can run on (the
    regex matches no letters or digits), so matches ending before ``q`` are those of the whole
    text, and only ``text[q:pos]`` is scanned again.
    """
    q = pos - 4
    while q > 0 and not text[q - 1].isalnum():
        q -= 1
    if q <= 0:
        return _bounds_scan(text, pos, regex, 0, len(text))[0]
    k = bisect.bisect_right(ends, q) - 1
    start = ends[k] if k >= 0 else 0
    for m in regex.finditer(text, q, pos):
        start = m.end()
    return start


def _unit_end(text: str, pos: int, regex: re.Pattern[str], starts: list[int], ends: list[int]) -> int:
    """Start of the first match at or after ``pos`` (what ``regex.search(text, pos)`` finds).

    Each match attempt depends only on the text from where it starts, so the first whole-text
    match starting at or after ``pos`` is it, unless ``pos`` falls inside a whole-text match:
    then the positions up to that match's end are tried one by one first."""
    k = bisect.bisect_right(starts, pos) - 1
    resume = pos
    if k >= 0 and starts[k] < pos < ends[k]:
        for p in range(pos, ends[k]):
            if regex.match(text, p) is not None:
                return p
        resume = ends[k]
    j = bisect.bisect_left(starts, resume)
    return starts[j] if j < len(starts) else len(text)


def clause(text: str, pos: int) -> tuple[int, int]:
    return bounds(text, pos, _CLAUSE_END)


def sentence(text: str, pos: int) -> tuple[int, int]:
    return bounds(text, pos, _SENT_END)


WORD_RE = re.compile(rf"{_LETTER}[\w{TATWEEL}]*")


def words(text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[str, int, int]]:
    endpos = len(text) if endpos is None else endpos
    return [(m.group(0), m.start(), m.end()) for m in WORD_RE.finditer(text, pos, endpos)]


# --- the lexicon file ----------------------------------------------------------------------

@lru_cache(maxsize=8)
def _read_lexicon(path: str) -> dict[str, Any]:
    if not Path(path).exists():
        raise ConfigError(f"{path}: cross-check lexicon not found (crosscheck.lexicon)")
    return load_toml(Path(path))


def lexicon_path(cfg: Mapping[str, Any]) -> Path:
    """The lexicon file named by ``cfg["lexicon"]`` (a path relative to ``configs/``)."""
    return resolve_config_path(str(cfg["lexicon"]))


def lexicon_data(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The lexicon tables named by ``cfg["lexicon"]``."""
    return _read_lexicon(str(lexicon_path(cfg)))


def table_lexicon(table: Mapping[str, Any], side: str, prefixes: bool = True) -> PhraseTable:
    """A PhraseTable over ``{key: {side: [...]}}`` tables (e.g. nouns, places) for side src/en."""
    return PhraseTable({k: v.get(side, []) for k, v in table.items() if isinstance(v, Mapping)},
                   prefixes=prefixes and side == "src")
