"""A small character n-gram language model (interpolated Witten–Bell) of clean Arabic or Persian.

The shipped models (``configs/charlm_<lang>.json.gz``) hold only pruned n-gram counts derived
from clean text; ``benchmarks/garble/train_lm.py`` builds them. A passage's cross-entropy in bits
per character under the clean model is garble evidence (machine output and broken text read as
less like the clean text); the word with the highest per-character surprisal gives the span.

Text is mapped before scoring: marks dropped, letter variants unified (``script.fold_lookup``), digits to
``0``, Latin letters to ``a``, other symbols to ``#``, white space to one space.
"""

from __future__ import annotations

import gzip
import json
import math
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from mtqa.errors import ModelError
from mtqa.script import ZWNJ, fold_lookup, is_latin_letter, is_letter_or_bom

FORMAT = "mtqa-charlm-1"
BOS = "^"
EOS = "$"  # end of text (map_text never produces it)


_CHAR: dict[str, str] = {}


def _map_char(ch: str) -> str:
    """One character as the LM sees it ("" = dropped)."""
    c = _CHAR.get(ch)
    if c is None:
        if ch.isspace():
            c = " "
        elif ch.isdigit():
            c = "0"
        elif is_latin_letter(ch):
            c = "a"
        else:
            c = fold_lookup(ch)[:1]
            if c and not (is_letter_or_bom(c) or c in ".،,؛:!?؟«»“”\"()-" or c == ZWNJ):
                c = "#"
        if len(_CHAR) < 100_000:
            _CHAR[ch] = c
    return c


def map_text(text: str) -> tuple[str, list[int]]:
    """The LM's view of ``text`` and, for each of its characters, the index in ``text``."""
    out: list[str] = []
    idx: list[int] = []
    last = ""
    for i, ch in enumerate(text):
        c = _map_char(ch)
        if not c or (c == " " and last == " "):
            continue
        out.append(c)
        idx.append(i)
        last = c
    return "".join(out), idx


class CharLM:
    """Interpolated Witten–Bell character model over pruned counts of orders 1..order."""

    def __init__(self, order: int, counts: dict[str, int], meta: dict | None = None) -> None:
        self.order = order
        self.counts = counts
        self.meta = meta or {}
        self.total: Counter[str] = Counter()
        self.types: Counter[str] = Counter()
        for gram, c in counts.items():
            h = gram[:-1]
            self.total[h] += c
            self.types[h] += 1
        self.vocab = max(2, self.types.get("", 0)) + 1
        self._memo: dict[str, float] = {}

    # -- training -------------------------------------------------------------------------
    @classmethod
    def train(cls, texts: Iterable[str], order: int = 5, min_count: int = 2) -> CharLM:
        """Count n-grams of the mapped texts; drop those of order ≥ 3 seen fewer than ``min_count`` times."""
        counts: Counter[str] = Counter()
        n_chars = 0
        for text in texts:
            mapped, _ = map_text(text)
            s = BOS * (order - 1) + mapped + EOS
            n_chars += len(mapped)
            for i in range(order - 1, len(s)):
                for n in range(1, order + 1):
                    counts[s[i - n + 1 : i + 1]] += 1
        pruned = {g: c for g, c in counts.items() if len(g) < 3 or c >= min_count}
        return cls(order, pruned, {"chars": n_chars, "min_count": min_count})

    def save(self, path: Path) -> None:
        data = {"format": FORMAT, "order": self.order, "meta": self.meta,
                "counts": dict(sorted(self.counts.items()))}
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, path: Path) -> CharLM:
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path}: cannot read character LM ({exc})") from None
        if data.get("format") != FORMAT:
            raise ModelError(f"{path}: not a {FORMAT} file")
        return cls(int(data["order"]), {k: int(v) for k, v in data["counts"].items()}, data.get("meta"))

    # -- scoring --------------------------------------------------------------------------
    def prob(self, history: str, ch: str) -> float:
        key = history + ch
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if history:
            lower = self.prob(history[1:], ch)
            total = self.total.get(history, 0)
            if total:
                types = self.types[history]
                p = (self.counts.get(key, 0) + types * lower) / (total + types)
            else:
                p = lower
        else:
            total = self.total.get("", 0)
            types = self.types.get("", 0)
            p = (self.counts.get(ch, 0) + types / self.vocab) / (total + types) if total else 1 / self.vocab
        if len(self._memo) > 500_000:
            self._memo.clear()
        self._memo[key] = p
        return p

    def char_bits(self, text: str) -> tuple[list[float], list[int]]:
        """Surprisal in bits of each mapped character of ``text`` and its index in ``text``."""
        mapped, idx = map_text(text)
        s = BOS * (self.order - 1) + mapped
        k = self.order - 1
        bits = [-math.log2(self.prob(s[i - k : i], s[i])) for i in range(k, len(s))]
        return bits, idx

    def end_bits(self, text: str) -> float:
        """Surprisal in bits of the text ending here (high after a word that cannot end a sentence)."""
        mapped, _ = map_text(text.rstrip())
        h = (BOS * (self.order - 1) + mapped)[-(self.order - 1):]
        return -math.log2(self.prob(h, EOS))

    def window_bits(self, text: str, context: int) -> float:
        """Mean surprisal of ``text`` after its first ``context`` characters (which only condition)."""
        mapped, idx = map_text(text)
        k = self.order - 1
        s = BOS * k + mapped
        first = next((j for j, i in enumerate(idx) if i >= context), len(mapped))
        bits = [-math.log2(self.prob(s[j : j + k], s[j + k])) for j in range(first, len(mapped))]
        return sum(bits) / len(bits) if bits else 0.0

    def bits_per_char(self, text: str) -> float:
        bits, _ = self.char_bits(text)
        return sum(bits) / len(bits) if bits else 0.0


_MODELS: dict[str, CharLM] = {}


def get_lm(path: Path) -> CharLM:
    """The process-wide model loaded from ``path`` (cached)."""
    key = str(path)
    if key not in _MODELS:
        if not path.is_file():
            raise ModelError(f"{path}: character LM missing (run benchmarks/garble/train_lm.py)")
        _MODELS[key] = CharLM.load(path)
    return _MODELS[key]
