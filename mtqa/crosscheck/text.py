"""Text helpers for the cross-check: normalised views with offset maps, phrase lexicons, clauses.

Extraction runs on a *normalised* view of a span of an article (``mtqa.script.normalize`` with the
removed marks dropped, Arabic-Indic and Persian digits as ASCII, letter variants unified, Latin
lower-cased); every match is mapped back to offsets into the original text through the index map.
"""

from __future__ import annotations

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


def bounds(text: str, pos: int, regex: re.Pattern[str], lo: int = 0,
           hi: int | None = None) -> tuple[int, int]:
    """The [start, end) of the unit (clause or sentence) around ``pos``."""
    hi = len(text) if hi is None else hi
    start = lo
    for m in regex.finditer(text, lo, pos):
        start = m.end()
    m = regex.search(text, pos, hi)
    end = m.start() if m else hi
    return start, max(end, pos)


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
