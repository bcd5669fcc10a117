"""Continuous signals of a passage, shared by the rules that flag on them and by the evidence.

Character-LM surprisal (``boundary_stats``, ``lm_stats``), word-list coverage (``word_stats``),
the length ratio of a rendering and the source–rendering cosine (``attach_cosines``, one batch).
Each is computed once per ``Context`` and kept in its cache.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from mtqa.checks.base import Context
from mtqa.checks.charlm import BOS, CharLM, get_lm, map_text
from mtqa.checks.text import Token
from mtqa.config import resolve_config_path
from mtqa.script import fold_lookup


def word_stats(ctx: Context) -> tuple[float, float, list[Token]]:
    """(share of unknown words, share of rare words, unknown words) among the passage's words."""
    if "wstats" in ctx._cache:
        return ctx._cache["wstats"]
    min_len = ctx.param("unknown_min_chars")
    rare = ctx.param("rare_zipf")
    words = [w for w in ctx.words()
             if len(fold_lookup(w.text)) >= min_len and not any(c.isdigit() for c in w.text)]
    zs = [ctx.lexicon.zipf(w.text) for w in words]
    unknown = [w for w, z in zip(words, zs, strict=True) if z == 0.0]
    n = max(1, len(words))
    out = (len(unknown) / n, sum(z < rare for z in zs) / n, unknown)
    ctx._cache["wstats"] = out
    return out


_LM_BY_NAME: dict[str, CharLM] = {}


def _lm(ctx: Context) -> CharLM:
    lang = ctx.cfg["lexicon_alias"].get(ctx.lang, ctx.lang)
    name = ctx.cfg["lm"][lang]
    lm = _LM_BY_NAME.get(name)
    if lm is None:
        lm = _LM_BY_NAME[name] = get_lm(resolve_config_path(name))
    return lm


def boundary_stats(ctx: Context) -> tuple[float, float, float]:
    """(stop-bits, start-bits, end-bits) of the passage under the clean character LM.

    stop-bits: the highest surprisal of a full stop in the passage given the characters before it
    (a full stop dropped inside a phrase is unexpected); start-bits: the highest mean surprisal
    of the first characters of a sentence that follows a full stop inside the paragraph (a
    fragment such as "يضعط." or "مهدي المهندس" starts unlike a sentence); end-bits: surprisal of
    the text ending where the passage ends. 0 where there is no such full stop or sentence.
    """
    if "bstats" in ctx._cache:
        return ctx._cache["bstats"]
    lm = _lm(ctx)
    hist = ctx.param("boundary_context_chars")
    ahead = ctx.param("boundary_ahead_chars")
    units = ctx.para_units()
    stop_bits = start_bits = 0.0
    for i in ctx.unit_window():  # only units touching the passage can count
        us, ue = units[i]
        stop = ctx.text.rfind(".", us, ue)
        if stop >= 0 and ctx.inside(stop):
            mapped, _ = map_text(ctx.text[max(us, stop - hist):stop])
            h = (BOS * (lm.order - 1) + mapped)[-(lm.order - 1):]
            stop_bits = max(stop_bits, -math.log2(lm.prob(h, ".")))
        if i > 0 and ctx.inside(us):
            ps, pe = units[i - 1]
            prev_stop = ctx.text.rfind(".", ps, pe)
            if prev_stop >= 0:
                lo = max(ps, prev_stop - hist)
                window = ctx.text[lo:min(ue, us + ahead)]
                start_bits = max(start_bits, lm.window_bits(window, us - lo))
    out = (stop_bits, start_bits, lm.end_bits(ctx.passage))
    ctx._cache["bstats"] = out
    return out


def lm_stats(ctx: Context) -> tuple[float, Token | None, float]:
    """(bits per character of the passage, its most surprising word, that word's bits per char)."""
    if "lm" in ctx._cache:
        return ctx._cache["lm"]
    lm = _lm(ctx)
    bits, idx = lm.char_bits(ctx.passage)
    mean = sum(bits) / len(bits) if bits else 0.0
    worst, worst_bits = None, 0.0
    min_chars = ctx.param("unknown_min_chars")
    j = 0
    for w in ctx.words():
        a, b = w.start - ctx.start, w.end - ctx.start
        while j < len(idx) and idx[j] < a:
            j += 1
        k = j
        while k < len(idx) and idx[k] < b:
            k += 1
        if k - j >= min_chars:
            # include the following space: how well the word ends matters too
            wb = bits[j : min(k + 1, len(bits))]
            score = sum(wb) / len(wb)
            if score > worst_bits:
                worst, worst_bits = w, score
    out = (mean, worst, worst_bits)
    ctx._cache["lm"] = out
    return out


def length_ratio(source: str, translation: str) -> float:
    """log of English characters per source character (an empty translation counts as one
    character, so it is an extreme; 0 for an empty source)."""
    a, b = len(source.strip()), max(1, len(translation.strip()))
    return math.log(b / a) if a else 0.0


def attach_cosines(contexts: Sequence[Context], cfg: Mapping[str, Any]) -> None:
    """Fill ``xling_cos`` of every context with a translation, in one embedding batch."""
    todo = [c for c in contexts if c.translation is not None and c.xling_cos is None]
    if not todo:
        return
    from mtqa.embed import get_embedder

    emb = get_embedder(cfg["embedder"])
    texts = [c.passage for c in todo] + [c.translation.text if c.translation else "" for c in todo]
    vecs = emb.encode(texts)
    n = len(todo)
    for i, c in enumerate(todo):
        c.xling_cos = float(vecs[i] @ vecs[n + i])
