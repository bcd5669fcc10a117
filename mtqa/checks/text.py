"""Text helpers for the checks: tokens with offsets, sentence units, quotes, word frequency.

Everything here keeps offsets into the text it was given. Letters, digits, numbers, sentence ends
and the dictionary key of a word (:func:`mtqa.script.fold_lookup`, used for word lists, wordfreq
look-ups and the character LM) come from :mod:`mtqa.script`.
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

from mtqa.script import (
    LOOKUP_FOLD,
    MARKS_CLASS,
    MARKS_RE,
    NUMBER_SEPARATORS,
    SENTENCE_END_RE,
    ZWJ,
    ZWNJ,
    fold_lookup,
    script_of,
)

# A token: letters or digits, with inner marks, tatweel, ZWNJ/ZWJ, apostrophes and decimal/thousand
# separators between digits.
TOKEN_RE = re.compile(
    rf"[^\W_][\w{MARKS_CLASS}]*"
    rf"(?:(?:[{ZWNJ}{ZWJ}'’]|(?<=\d)[{NUMBER_SEPARATORS}](?=\d))[\w{MARKS_CLASS}]+)*"
)
OPEN_CLOSE = {"“": "”", "«": "»"}
CLOSE_OPEN = {v: k for k, v in OPEN_CLOSE.items()}


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
        word = m.group().rstrip(ZWNJ + ZWJ)
        out.append(Token(word, m.start(), m.start() + len(word), script_of(word)))
    return out


def units(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence-like units of ``text[start:end]``: (start, end) including their final marks."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for m in SENTENCE_END_RE.finditer(text, start, end):
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


def folded_frequencies(lang: str) -> dict[str, float]:
    """wordfreq's list for ``lang`` with folded keys (where words fold together, the commonest wins)."""
    import wordfreq

    freq = wordfreq.get_frequency_dict(lang)
    return {fold_lookup(k): v for k, v in sorted(freq.items(), key=lambda kv: kv[1])}


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
    afterwards, so a process that checks a few passages pays no start-up. Where that file cannot
    be written or read (read-only or full disk), the folded list is kept in memory instead, with
    one warning per process; a corrupt file is moved aside (``.corrupt-<time>``) and derived again."""

    def __init__(self, lang: str) -> None:
        from mtqa.store import is_corrupt, move_aside

        self.lang = lang
        self._mem: dict[str, float] | None = None
        self._conn: Any = None
        path = self.path()
        try:
            self._open(path)
        except (OSError, sqlite3.Error) as exc:
            if isinstance(exc, sqlite3.Error) and is_corrupt(exc) and path.is_file():
                moved = move_aside(path)
                _warn_once(f"word-frequency cache {path} was corrupt ({exc}); moved it to "
                           f"{moved.name if moved else '(could not move it)'}")
                try:
                    self._open(path)
                    return
                except (OSError, sqlite3.Error) as again:
                    exc = again
            self._in_memory(exc)

    def path(self) -> Path:
        from mtqa.store import cache_root, digest

        rules = digest(MARKS_RE.pattern, sorted(LOOKUP_FOLD.items()), unicodedata.unidata_version)[:12]
        return cache_root() / "wordfreq" / f"{self.lang}-{wordfreq_version()}-{rules}.sqlite"

    def _open(self, path: Path) -> None:
        if not path.is_file():
            self._derive(path)
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        try:
            conn.execute("SELECT 1 FROM freq LIMIT 1")
        except sqlite3.Error:
            conn.close()
            raise
        self._conn = conn

    def _in_memory(self, exc: BaseException) -> None:
        """Give up the file (warned once per process) and fold the list in memory."""
        from mtqa.store import is_corrupt, move_aside

        if self._conn is not None:
            self._conn.close()
            self._conn = None
        path = self.path()
        moved = move_aside(path) if isinstance(exc, sqlite3.Error) and is_corrupt(exc) else None
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _warn_once(f"word-frequency cache {path.parent} is unusable ({reason})"
                   f"{f'; moved {path.name} to {moved.name}' if moved else ''}; "
                   "folding the word lists in memory instead")
        self._mem = folded_frequencies(self.lang)

    def _derive(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
        try:
            with closing(sqlite3.connect(tmp)) as conn:
                # a private file, renamed into place only when complete: no journal is needed,
                # so none can be left behind when the disk fills up
                conn.execute("PRAGMA journal_mode = OFF")
                conn.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, f REAL NOT NULL) WITHOUT ROWID")
                conn.executemany("INSERT INTO freq VALUES (?, ?)", folded_frequencies(self.lang).items())
                conn.commit()
            os.replace(tmp, path)
        finally:
            for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-journal", "-wal", "-shm"))):
                leftover.unlink(missing_ok=True)

    def get(self, key: str) -> float | None:
        if self._mem is None:
            try:
                row = self._conn.execute("SELECT f FROM freq WHERE word = ?", (key,)).fetchone()
            except sqlite3.Error as exc:  # damaged or vanished under us: go on from memory
                self._in_memory(exc)
            else:
                return None if row is None else float(row[0])
        assert self._mem is not None
        return self._mem.get(key)


_WARNED: set[str] = set()


def _warn_once(message: str) -> None:
    """One warning per process about the word-frequency cache (every language shares it)."""
    from mtqa.store import warn

    if "wordfreq" not in _WARNED:
        _WARNED.add("wordfreq")
        warn(message)


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
    return _zipf(fold_lookup(word), wf_lang)


class WordLists:
    """Per-language word lists from the config, folded for matching, with clitic-aware frequency."""

    def __init__(self, table: dict, wf_lang: str) -> None:
        self.wf_lang = wf_lang
        self.sets = {k: frozenset(fold_lookup(w) for w in v) for k, v in table.items() if isinstance(v, list)}
        self.prefixes = sorted((fold_lookup(p) for p in table.get("clitic_prefixes", [])), key=len,
                               reverse=True)
        self.suffixes = sorted((fold_lookup(s) for s in table.get("clitic_suffixes", [])), key=len,
                               reverse=True)
        self.split_zipf = float(table.get("split_min_zipf", 3.0))
        self._cache: dict[str, float] = {}

    def has(self, name: str, word: str) -> bool:
        return fold_lookup(word) in self.sets.get(name, frozenset())

    def zipf(self, word: str) -> float:
        """Best zipf frequency of the word, of its ZWNJ parts, or of it without clitics."""
        key = fold_lookup(word)
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
        if ZWNJ in key:
            parts = [p for p in key.split(ZWNJ) if p]
            scores = [word_zipf(p, self.wf_lang) or self._affix(p) for p in parts]
            if scores and all(s > 0 for s in scores):
                return min(scores)
        key = key.replace(ZWNJ, "")
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
