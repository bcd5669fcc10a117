"""Text helpers for the checks: tokens with offsets, sentence units, quotes, digits, word frequency.

Everything here keeps offsets into the text it was given. ``fold`` (used only for dictionary
look-ups, word lists and the character LM) drops marks and unifies alef, Persian yeh/kaf and heh
variants, so it may shorten a word. It deliberately keeps alef maqsura (ى) apart from yeh
(``mtqa.lang.normalize`` merges them): "على" (a preposition) and "علي" (a name) must differ for
the broken-phrase rules.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

# Arabic-script letters (Arabic, Persian, Urdu additions, presentation forms).
_ARABIC_RANGES = ((0x0620, 0x064A), (0x066E, 0x06D3), (0x06D5, 0x06D5), (0x06EE, 0x06EF),
                  (0x06FA, 0x06FC), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
                  (0xFE70, 0xFEFF))
_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
# A token: letters or digits, with inner marks, tatweel, ZWNJ/ZWJ, apostrophes and decimal/thousand
# separators between digits.
TOKEN_RE = re.compile(
    r"[^\W_][\w\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]*"
    r"(?:(?:[\u200c\u200d'’]|(?<=\d)[.,٫٬](?=\d))[\w\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]+)*"
)
TERMINAL = ".!?؟…"
CLOSING_QUOTES = "”»’\"'"
OPEN_CLOSE = {"“": "”", "«": "»"}
CLOSE_OPEN = {v: k for k, v in OPEN_CLOSE.items()}
# A sentence boundary: a run of terminal marks (optionally followed by closing quotes/brackets)
# followed by white space or the end of the text.
BOUNDARY_RE = re.compile(r"[.!?؟…]+[”»\"')\]]*(?=\s|$)")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ی": "ي", "ک": "ك",
                       "ۀ": "ه"})


_ARABIC_LETTERS = frozenset(chr(o) for a, b in _ARABIC_RANGES for o in range(a, b + 1))


def is_arabic_letter(ch: str) -> bool:
    return ch in _ARABIC_LETTERS


def is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and ord(ch) < 0x0250


def fold(word: str) -> str:
    """Dictionary key for a word: NFKC, marks and tatweel removed, alef/yeh/kaf variants unified."""
    w = unicodedata.normalize("NFKC", word)
    w = _MARKS.sub("", w).replace("\u200d", "")
    return w.translate(_FOLD).lower()


def ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


def script_of(word: str) -> str:
    """'arabic', 'latin', 'digit' or 'other' by the word's first letter or digit."""
    for ch in word:
        if ch.isdigit():
            return "digit"
        if ch in _ARABIC_LETTERS:
            return "arabic"
        if is_latin_letter(ch):
            return "latin"
    return "other"


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    script: str  # see script_of


def tokens(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word tokens of ``text[start:end]`` with absolute offsets."""
    end = len(text) if end is None else end
    out = []
    for m in TOKEN_RE.finditer(text, start, end):
        word = m.group().rstrip("\u200c\u200d")
        out.append(Token(word, m.start(), m.start() + len(word), script_of(word)))
    return out


def units(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence-like units of ``text[start:end]``: (start, end) including their final marks."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for m in BOUNDARY_RE.finditer(text, start, end):
        s = pos
        while s < m.start() and text[s].isspace():
            s += 1
        out.append((s, m.end()))
        pos = m.end()
    s = pos
    while s < end and text[s].isspace():
        s += 1
    e = end
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append((s, e))
    return out


def unmatched_quotes(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """Positions of quotes in ``text[start:end]`` that have no partner: (offset, 'open'|'close')."""
    stacks: dict[str, list[int]] = {o: [] for o in OPEN_CLOSE}
    straight: list[int] = []
    bad: list[tuple[int, str]] = []
    for i in range(start, end):
        ch = text[i]
        if ch in OPEN_CLOSE:
            stacks[ch].append(i)
        elif ch in CLOSE_OPEN:
            opener = CLOSE_OPEN[ch]
            if stacks[opener]:
                stacks[opener].pop()
            else:
                bad.append((i, "close"))
        elif ch == '"':
            if straight:
                straight.pop()
            else:
                straight.append(i)
    for positions in stacks.values():
        bad.extend((i, "open") for i in positions)
    bad.extend((i, "open") for i in straight)
    return sorted(bad)


_NUM_RE = re.compile(r"\d+(?:[.,٫٬]\d+)*")


def numbers(text: str, min_digits: int = 2) -> list[tuple[str, int, int]]:
    """Digit numbers in ``text`` as (canonical value, start, end); separators removed, decimals kept."""
    out = []
    t = ascii_digits(text)
    for m in _NUM_RE.finditer(t):
        raw = m.group()
        parts = re.split(r"[.,٫٬]", raw)
        if len(parts) > 1 and all(len(p) == 3 for p in parts[1:]):
            value = "".join(parts)  # thousands separators
        elif len(parts) == 2:
            value = f"{parts[0]}.{parts[1]}".rstrip("0").rstrip(".")
        else:
            value = "".join(parts)
        value = value.lstrip("0") or "0"
        if sum(ch.isdigit() for ch in value) >= min_digits:
            out.append((value, m.start(), m.end()))
    return out


def folded_frequencies(lang: str) -> dict[str, float]:
    """wordfreq's list for ``lang`` with folded keys (where words fold together, the commonest wins)."""
    import wordfreq

    return {fold(k): v for k, v in sorted(wordfreq.get_frequency_dict(lang).items(), key=lambda kv: kv[1])}


@lru_cache(maxsize=1)
def wordfreq_version() -> str:
    """The installed wordfreq version (its lists change with it)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wordfreq")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        return "none"


class FreqTable:
    """The folded frequency list of one language, derived once into an SQLite file and read by key.

    Folding wordfreq's 600k-word lists takes seconds per language; the result is written once per
    wordfreq version, language and folding rules to ``<cache dir>/wordfreq/`` (under a temporary
    name, then renamed, so concurrent processes never see half a file) and looked up word by word
    afterwards, so a process that checks a few passages pays no start-up. Where the cache
    directory cannot be written, the folded list is kept in memory instead."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._mem: dict[str, float] | None = None
        self._conn: Any = None
        path = self.path()
        try:
            if not path.is_file():
                self._derive(path)
            self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self._conn.execute("SELECT 1 FROM freq LIMIT 1")
        except (OSError, sqlite3.Error):
            self._conn = None
            self._mem = folded_frequencies(lang)

    def path(self) -> Path:
        from mtqa.store import cache_root, digest

        rules = digest(_MARKS.pattern, sorted(_FOLD.items()), unicodedata.unidata_version)[:12]
        return cache_root() / "wordfreq" / f"{self.lang}-{wordfreq_version()}-{rules}.sqlite"

    def _derive(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        try:
            with closing(sqlite3.connect(tmp)) as conn:
                conn.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, f REAL NOT NULL) WITHOUT ROWID")
                conn.executemany("INSERT INTO freq VALUES (?, ?)", folded_frequencies(self.lang).items())
                conn.commit()
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def get(self, key: str) -> float | None:
        if self._mem is not None:
            return self._mem.get(key)
        row = self._conn.execute("SELECT f FROM freq WHERE word = ?", (key,)).fetchone()
        return None if row is None else float(row[0])


_TABLES: dict[str, FreqTable] = {}


def _freq_table(lang: str) -> FreqTable:
    if lang not in _TABLES:
        _TABLES[lang] = FreqTable(lang)
    return _TABLES[lang]


@lru_cache(maxsize=500_000)
def _zipf(key: str, wf_lang: str) -> float:
    f = _freq_table(wf_lang).get(key)
    return 0.0 if not f else max(0.0, math.log10(f) + 9.0)


def word_zipf(word: str, wf_lang: str) -> float:
    """Zipf frequency (0 = unknown) of an exact folded word in wordfreq's list for ``wf_lang``."""
    return _zipf(fold(word), wf_lang)


class Lexicon:
    """Per-language word lists from the config, folded for matching, with clitic-aware frequency."""

    def __init__(self, table: dict, wf_lang: str) -> None:
        self.wf_lang = wf_lang
        self.sets = {k: frozenset(fold(w) for w in v) for k, v in table.items() if isinstance(v, list)}
        self.prefixes = sorted((fold(p) for p in table.get("clitic_prefixes", [])), key=len, reverse=True)
        self.suffixes = sorted((fold(s) for s in table.get("clitic_suffixes", [])), key=len, reverse=True)
        self.split_zipf = float(table.get("split_min_zipf", 3.0))
        self._cache: dict[str, float] = {}

    def has(self, name: str, word: str) -> bool:
        return fold(word) in self.sets.get(name, frozenset())

    def zipf(self, word: str) -> float:
        """Best zipf frequency of the word, of its ZWNJ parts, or of it without clitics."""
        key = fold(word)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        best = word_zipf(key, self.wf_lang)
        if best == 0.0:
            best = self._stripped(key)
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[key] = best
        return best

    def _stripped(self, key: str) -> float:
        if "\u200c" in key:
            parts = [p for p in key.split("\u200c") if p]
            scores = [word_zipf(p, self.wf_lang) or self._affix(p) for p in parts]
            if scores and all(s > 0 for s in scores):
                return min(scores)
        key = key.replace("\u200c", "")
        return self._affix(key) or self._split(key)

    def _split(self, key: str) -> float:
        """Two common words run together (a lost space or ZWNJ): the rarer part's frequency."""
        best = 0.0
        for i in range(2, len(key) - 1):
            a, b = word_zipf(key[:i], self.wf_lang), word_zipf(key[i:], self.wf_lang)
            if a >= self.split_zipf and b >= self.split_zipf:
                best = max(best, min(a, b))
        return best

    def _affix(self, key: str) -> float:
        cands = {key}
        for p in self.prefixes:
            if key.startswith(p) and len(key) - len(p) >= 2:
                cands.add(key[len(p):])
        for c in list(cands):
            for s in self.suffixes:
                if c.endswith(s) and len(c) - len(s) >= 2:
                    cands.add(c[: -len(s)])
        cands.discard(key)
        return max((word_zipf(c, self.wf_lang) for c in cands), default=0.0)


def repeated_ngrams(words: Sequence[str], max_n: int) -> Iterable[tuple[int, int]]:
    """(index, n) of each n-gram immediately followed by an identical copy of itself."""
    i = 0
    while i < len(words):
        for n in range(max_n, 0, -1):
            if i + 2 * n <= len(words) and list(words[i : i + n]) == list(words[i + n : i + 2 * n]):
                yield i, n
                i += 2 * n - 1
                break
        i += 1
