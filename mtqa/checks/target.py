"""Translation-side checks: evidence in the English rendering of a passage.

Spans of ``side="translation"`` flags index the translation's text; number mismatches found only
in the source are flagged on the source side. Thresholds for continuous scores come from the
fitted model file (``ctx.calib``) or the ``[checks.params]`` config.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from mtqa.checks.base import Check, Context
from mtqa.checks.signals import length_ratio
from mtqa.checks.text import repeated_ngrams
from mtqa.model import Flag
from mtqa.script import HARAKAT, ZWNJ, is_letter_or_bom, numbers

_RESIDUE_GLUE = " " + ZWNJ + HARAKAT
_EN_TOKEN = re.compile(r"[A-Za-z0-9']+")


class TranslationCheck(Check):
    """A check of the passage's (first) translation; spans index that translation's text."""

    side = "translation"
    needs_translation = True


class LowConfidence(TranslationCheck):
    """The translator's own mean token log-probability (Seq-Logprob) is low."""

    code = "TRAN001"
    name = "low-confidence"
    feature = "low-confidence"
    message = "The translation model was unsure of this rendering: “{text}”"
    severity = "info"

    def run(self, ctx: Context) -> list[Flag]:
        tr = ctx.translation
        if tr is None or ctx.logprob is None or ctx.logprob >= ctx.param("logprob_flag"):
            return []
        return [self.flag(0, len(tr.text), tr.text, ctx.param("continuous_flag_confidence"))]


class MeaningDrift(TranslationCheck):
    """Source and translation are far apart in the multilingual embedding space."""

    code = "TRAN002"
    name = "meaning-drift"
    feature = "meaning-drift"
    message = "The translation's meaning drifts from the source: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        tr = ctx.translation
        limit = ctx.calib.get("xling_cos_flag")
        if tr is None or ctx.xling_cos is None or limit is None or ctx.xling_cos >= limit:
            return []
        return [self.flag(0, len(tr.text), tr.text, ctx.param("continuous_flag_confidence"))]


class NumberMismatch(TranslationCheck):
    """A number or year appears on one side only (digits of every script compared as values)."""

    code = "TRAN003"
    name = "number-mismatch"
    feature = "number-mismatch"
    message = "Number appears on one side only: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        tr = ctx.translation
        if tr is None:
            return []
        min_digits = ctx.param("number_min_digits")
        src = numbers(ctx.passage, min_digits)
        dst = numbers(tr.text, min_digits)
        src_count = Counter(v for v, _, _ in src)
        dst_count = Counter(v for v, _, _ in dst)
        out = []
        seen: Counter[str] = Counter()
        for v, s, e in dst:
            seen[v] += 1
            if seen[v] > src_count[v]:
                out.append(self.flag(s, e, tr.text))
        seen.clear()
        for v, s, e in src:
            seen[v] += 1
            if seen[v] > dst_count[v]:
                f = self.flag(ctx.start + s, ctx.start + e, ctx.text)
                out.append(replace(f, side="source"))
        return out


class ScriptResidue(TranslationCheck):
    """Arabic-script letters left in the English translation."""

    code = "TRAN004"
    name = "script-residue"
    feature = "script-residue"
    message = "Untranslated Arabic-script text left in the English: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        tr = ctx.translation
        if tr is None:
            return []
        out = []
        text = tr.text
        i = 0
        while i < len(text):
            if is_letter_or_bom(text[i]):
                j = i
                while j < len(text) and (is_letter_or_bom(text[j]) or text[j] in _RESIDUE_GLUE):
                    j += 1
                while j > i and text[j - 1] == " ":
                    j -= 1
                out.append(self.flag(i, j, text))
                i = j
            i += 1
        return out


class RepetitionLoop(TranslationCheck):
    """The English repeats itself (a decoder loop): a phrase back to back or one n-gram many times."""

    code = "TRAN005"
    name = "repetition-loop"
    feature = "repetition-loop"
    message = "The translation repeats itself: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        tr = ctx.translation
        if tr is None:
            return []
        toks = list(_EN_TOKEN.finditer(tr.text))
        words = [m.group().lower() for m in toks]
        out = []
        min_n = ctx.param("loop_min_n")
        for i, n in repeated_ngrams(words, ctx.param("loop_max_n")):
            if n >= min_n:
                out.append(self.flag(toks[i].start(), toks[i + 2 * n - 1].end(), tr.text))
        if not out:
            n = ctx.param("loop_ngram")
            grams = Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
            if grams and max(grams.values()) >= ctx.param("loop_min_count"):
                gram = max(grams, key=lambda g: grams[g])
                idx = [i for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == gram]
                out.append(self.flag(toks[idx[0]].start(), toks[idx[-1] + n - 1].end(), tr.text))
        return out


class LengthRatio(TranslationCheck):
    """The translation is much longer or shorter than usual for its source."""

    code = "TRAN006"
    name = "length-ratio"
    feature = None  # flags only: the continuous ``length-ratio`` signal is the model's feature
    message = "The translation is unusually long or short for its source: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        tr = ctx.translation
        lo, hi = ctx.calib.get("log_len_ratio_lo"), ctx.calib.get("log_len_ratio_hi")
        if tr is None or lo is None or hi is None or not ctx.passage.strip():
            return []
        r = length_ratio(ctx.passage, tr.text)
        if lo <= r <= hi:
            return []
        return [self.flag(0, len(tr.text), tr.text, ctx.param("continuous_flag_confidence"))]
