"""Agreement between several English renderings of one passage (XCHK001 translations-disagree).

Reads: content passages with at least two renderings. Adds: ``Passage.agreement`` (typed: the
per-pair chrF and cosine, the reduced score, the pair that disagrees), the evidence
``agreement_chrf`` / ``agreement_cos`` and, when a pair disagrees, an XCHK001 flag.

``translations[0]`` is compared with each other rendering: sentence chrF (sacrebleu, 0-100) and
the cosine of their English embeddings (all renderings of all articles embedded in one batch). In
feed-scoring mode (``translations[0]`` is the feed's "supplied" translation) mtqa's rendering is
the pseudo-reference: chrF scores the supplied text against it; otherwise the first rendering is
the reference. Over several pairs the per-passage score is the minimum (``reduce = "min"``: the
worst pair decides) or the mean. Settings: ``[checks.agreement]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mtqa.model import Agreement, Flag, Passage, RenderingPair, system_names

__all__ = ["CODE", "NAME", "RenderingPair", "agreements", "chrf", "flag", "pairs", "reduce"]

CODE, NAME = "XCHK001", "translations-disagree"


def chrf(hyp: str, ref: str) -> float:
    import sacrebleu

    return float(sacrebleu.sentence_chrf(hyp, [ref]).score)


def pairs(p: Passage, min_chars: int) -> list[tuple[int, int]]:
    """(hyp index, ref index) pairs: supplied vs each mtqa rendering, else each vs the first."""
    trs = p.translations
    if p.kind != "content" or len(trs) < 2 or len(trs[0].text.strip()) < min_chars:
        return []
    out = []
    for j in range(1, len(trs)):
        if len(trs[j].text.strip()) < min_chars:
            continue
        out.append((0, j) if trs[0].system == "supplied" else (j, 0))
    return out


def agreements(passages: Sequence[Passage], cfg: Mapping[str, Any]) -> list[Agreement | None]:
    """The agreement of each passage's renderings (None where fewer than two can be compared)."""
    todo = [(i, pr) for i, p in enumerate(passages) if (pr := pairs(p, int(cfg["min_chars"])))]
    out: list[Agreement | None] = [None] * len(passages)
    if not todo:
        return out
    from mtqa.embed import get_embedder

    texts = [t.text for i, _ in todo for t in passages[i].translations]
    vecs = np.asarray(get_embedder(str(cfg["embedder"])).encode(texts))
    row = 0
    for i, pr in todo:
        p = passages[i]
        names = system_names(p.translations)
        scored = []
        for h, r in pr:
            cos = max(-1.0, min(1.0, float(vecs[row + h] @ vecs[row + r])))
            scored.append(RenderingPair(names[h], names[r], chrf(p.translations[h].text,
                                                                 p.translations[r].text), cos))
        row += len(p.translations)
        out[i] = reduce(scored, cfg)
    return out


def reduce(scored: list[RenderingPair], cfg: Mapping[str, Any]) -> Agreement:
    if cfg["reduce"] == "mean":
        c_val = float(np.mean([s.chrf for s in scored]))
        cos_val = float(np.mean([s.cos for s in scored]))
    else:
        c_val = min(s.chrf for s in scored)
        cos_val = min(s.cos for s in scored)
    chrf_min, cos_min = float(cfg["chrf_min"]), float(cfg["cos_min"])
    bad = [s for s in scored if s.chrf < chrf_min or s.cos < cos_min]
    worst = min(bad, key=lambda s: s.cos) if bad else None
    return Agreement(chrf=round(c_val, 4), cos=round(cos_val, 4), pairs=tuple(scored), disagreeing=worst)


def flag(p: Passage, agreement: Agreement, cfg: Mapping[str, Any]) -> Flag | None:
    """XCHK001 over the whole passage when a pair of renderings disagrees."""
    worst = agreement.disagreeing
    if worst is None:
        return None
    failing = (worst.chrf < float(cfg["chrf_min"])) + (worst.cos < float(cfg["cos_min"]))
    return Flag(code=CODE, name=NAME, message=worst.message(), start=p.start, end=p.end,
                severity="warning", confidence=0.5 * failing)
