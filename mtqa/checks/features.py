"""Evidence per passage: every check's flag count plus the continuous scores, computed in batches.

Evidence names (all floats; missing when they do not apply):

- one per enabled check with a ``feature`` key (``broken-phrase``, ``dangling-fragment`` …): the
  number of flags it raised, capped at ``params.count_cap``;
- ``stop-bits`` / ``start-bits`` / ``end-bits``: character-LM surprisal of the passage's most
  unexpected full stop, of its most unexpected sentence start after a full stop, and of the
  text ending where the passage ends (``signals.boundary_stats``);
- ``lm-bits``: bits per character under the clean character LM; ``lm-worst``: the same for the
  passage's most surprising word; ``unknown-share`` / ``rare-share``: shares of words unknown to
  wordfreq (after clitics) or rarer than ``params.rare_zipf``;
- with a translation: ``xling-cos`` (e5-small cosine of source and translation), ``length-ratio``
  (|log length ratio − its median on clean pairs|), ``seq-logprob`` (mtqa's own rendering only);
- with several renderings (``mtqa.checks.agreement``, outside the fitted model): ``agreement_chrf``,
  ``agreement_cos``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from mtqa.checks.base import Check, Context
from mtqa.checks.signals import boundary_stats, length_ratio, lm_stats, word_stats
from mtqa.checks.text import WordLists
from mtqa.model import Flag, Translation

# The continuous evidence keys (beside each check's ``feature``), computed in ``evidence``.
SIGNALS = ("stop-bits", "start-bits", "end-bits", "lm-bits", "lm-worst", "unknown-share", "rare-share",
           "xling-cos", "length-ratio", "seq-logprob")


@dataclass
class Result:
    evidence: dict[str, float] = field(default_factory=dict)
    flags: list[Flag] = field(default_factory=list)


_LEXICONS: dict[str, WordLists] = {}


def lexicon(cfg: dict, lang: str) -> WordLists:
    """The lexicon for ``lang`` built from the config's word lists (cached by their content)."""
    base = cfg["lexicon_alias"].get(lang, lang)
    table = cfg["lexicon"][base]
    key = json.dumps([base, cfg["wordfreq_lang"][base], table], sort_keys=True, ensure_ascii=False)
    if key not in _LEXICONS:
        _LEXICONS[key] = WordLists(table, cfg["wordfreq_lang"][base])
    return _LEXICONS[key]


def evidence(ctx: Context, checks: Sequence[Check], cfg: dict) -> Result:
    """Run every applicable check on one context and collect its evidence and flags."""
    res = Result()
    cap = cfg["params"]["count_cap"]
    for check in checks:
        if not check.supports(ctx.lang) or (check.needs_translation and ctx.translation is None):
            continue
        flags = check.run(ctx)
        res.flags.extend(flags)
        if check.feature is not None:
            res.evidence[check.feature] = float(min(len(flags), cap))
    stop, start, end = boundary_stats(ctx)
    res.evidence["stop-bits"] = stop
    res.evidence["start-bits"] = start
    res.evidence["end-bits"] = end
    bits, _, worst = lm_stats(ctx)
    res.evidence["lm-bits"] = bits
    res.evidence["lm-worst"] = worst
    unknown, rare, _ = word_stats(ctx)
    res.evidence["unknown-share"] = unknown
    res.evidence["rare-share"] = rare
    if ctx.translation is not None:
        if ctx.xling_cos is not None:
            res.evidence["xling-cos"] = ctx.xling_cos
        med = ctx.calib.get("log_len_ratio_median", 0.0)
        res.evidence["length-ratio"] = abs(length_ratio(ctx.passage, ctx.translation.text) - med)
        if ctx.logprob is not None:
            res.evidence["seq-logprob"] = ctx.logprob
    return res


def pick_translation(translations: Sequence[Translation]) -> tuple[Translation | None, float | None]:
    """The rendering to check (the first) and the first available Seq-Logprob (mtqa's own)."""
    if not translations:
        return None, None
    lp = next((t.mean_logprob for t in translations if t.mean_logprob is not None), None)
    return translations[0], lp
