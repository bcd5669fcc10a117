"""Agreement between several English renderings of one passage, and number/name preservation.

For every content passage with at least two renderings, ``translations[0]`` is compared with each
other rendering: sentence chrF (sacrebleu, 0-100) and the cosine of their English embeddings (all
renderings of all articles embedded in one batch). In feed-scoring mode (``translations[0]`` is the
feed's "supplied" translation) mtqa's rendering is the pseudo-reference: chrF scores the supplied
text against it; otherwise the first rendering is the reference. Over several pairs the per-passage
score is the minimum (``agreement_reduce = "min"``: the worst pair decides) or the mean.
``evidence["agreement_chrf"]`` and ``evidence["agreement_cos"]`` hold them; when chrF is below
``chrf_min`` or the cosine below ``cos_min`` the passage gets XCHK001 translations-disagree.

Preservation (systems in ``preservation_systems``): numbers of the source passage missing from the
rendering (XCHK002, source offsets), numbers in the rendering not in the source (XCHK003,
translation offsets), known names missing (XCHK004). Numbers compare as values, whatever the
digits or separators ("۲٬۵۰۰" = "2,500"), and number words with a counted noun count ("ثلاثة
جنود" = "three soldiers").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from mtqa.crosscheck import lexicon
from mtqa.crosscheck.text import View
from mtqa.model import Article, Flag, Passage, Translation
from mtqa.script import GROUPED_NUMBER_RE, parse_number


def system_names(translations: Sequence[Translation]) -> list[str]:
    """System names, numbered when one system gave several samples ("gemma3-270m#2")."""
    seen: Counter[str] = Counter()
    out = []
    for t in translations:
        seen[t.system] += 1
        out.append(t.system if seen[t.system] == 1 else f"{t.system}#{seen[t.system]}")
    return out


def chrf(hyp: str, ref: str) -> float:
    import sacrebleu

    return float(sacrebleu.sentence_chrf(hyp, [ref]).score)


def _pairs(p: Passage, min_chars: int) -> list[tuple[int, int]]:
    """(hyp index, ref index) pairs: supplied vs each mtqa rendering, else each vs the first."""
    trs = p.translations
    if len(trs) < 2 or len(trs[0].text.strip()) < min_chars:
        return []
    out = []
    for j in range(1, len(trs)):
        if len(trs[j].text.strip()) < min_chars:
            continue
        out.append((0, j) if trs[0].system == "supplied" else (j, 0))
    return out


def agreement(articles: list[Article], cfg: Mapping[str, Any]) -> list[Article]:
    """Articles with agreement evidence and XCHK001-004 flags on their content passages."""
    min_chars = int(cfg.get("min_chars", 12))
    jobs: list[tuple[int, int, list[tuple[int, int]]]] = []
    texts: list[str] = []
    where: dict[tuple[int, int, int], int] = {}
    for ai, a in enumerate(articles):
        for pi, p in enumerate(a.passages):
            if p.kind != "content":
                continue
            pairs = _pairs(p, min_chars)
            if pairs:
                jobs.append((ai, pi, pairs))
                for t in range(len(p.translations)):
                    where[(ai, pi, t)] = len(texts)
                    texts.append(p.translations[t].text)
    vecs = None
    if texts:
        from mtqa.embed import get_embedder

        vecs = np.asarray(get_embedder(str(cfg.get("agreement_embedder", "minilm"))).encode(texts))
    out_passages: dict[tuple[int, int], Passage] = {}
    reduce = str(cfg.get("agreement_reduce", "min"))
    for ai, pi, pairs in jobs:
        p = articles[ai].passages[pi]
        names = system_names(p.translations)
        scores = []
        for h, r in pairs:
            c = chrf(p.translations[h].text, p.translations[r].text)
            assert vecs is not None
            cos = float(vecs[where[(ai, pi, h)]] @ vecs[where[(ai, pi, r)]])
            scores.append((c, cos, h, r))
        if reduce == "mean":
            c_val = float(np.mean([s[0] for s in scores]))
            cos_val = float(np.mean([s[1] for s in scores]))
        else:
            c_val = min(s[0] for s in scores)
            cos_val = min(s[1] for s in scores)
        evidence = dict(p.evidence)
        evidence["agreement_chrf"] = round(c_val, 4)
        evidence["agreement_cos"] = round(max(-1.0, min(1.0, cos_val)), 4)
        flags = list(p.flags)
        bad = [s for s in scores if s[0] < float(cfg.get("chrf_min", 30.0))
               or s[1] < float(cfg.get("cos_min", 0.7))]
        if bad:
            worst = min(bad, key=lambda s: s[1])
            c, cos, h, r = worst
            failing = (c < float(cfg["chrf_min"])) + (cos < float(cfg["cos_min"]))
            flags.append(Flag(
                code="XCHK001", name="translations-disagree",
                message=(f"The {names[h]} and {names[r]} translations of this passage disagree "
                         f"(chrF {c:.1f}, cosine {cos:.2f}): check the meaning by hand"),
                start=p.start, end=p.end, severity="warning", confidence=0.5 * failing))
        out_passages[(ai, pi)] = replace(p, evidence=evidence, flags=tuple(flags))
    systems = set(cfg.get("preservation_systems", ["supplied"]))
    result = []
    for ai, a in enumerate(articles):
        ps = []
        for pi, p in enumerate(a.passages):
            p = out_passages.get((ai, pi), p)
            if p.kind == "content" and systems:
                extra = preservation_flags(a.text, p, systems, cfg)
                if extra:
                    p = replace(p, flags=p.flags + tuple(extra))
            ps.append(p)
        result.append(replace(a, passages=tuple(ps)))
    return result


def quantities(text: str, start: int, end: int, cfg: Mapping[str, Any],
               side: str) -> list[tuple[float, int, int]]:
    """(value, start, end) of the digits and counted number words in ``text[start:end]``."""
    from mtqa.crosscheck.numbers import _noun_after

    lex = lexicon.get(cfg, side)
    view = View.of(text, start, end)
    out = []
    for m in GROUPED_NUMBER_RE.finditer(view.norm):
        out.append((float(parse_number(m.group(1))), *view.span(*m.span())))
    for key, a, b in lex.number_words.finditer(view.norm):
        if _noun_after(view.norm, lex, b, min(len(view.norm), b + 40), 2) is not None:
            out.append((float(lex.number_values.get(key, 0)), *view.span(a, b)))
    return out


def preservation_flags(text: str, p: Passage, systems: set[str], cfg: Mapping[str, Any]) -> list[Flag]:
    """XCHK002-004 between the source passage and each rendering by a system in ``systems``."""
    flags: list[Flag] = []
    src_nums = quantities(text, p.start, p.end, cfg, "src")
    src_lex, en_lex = lexicon.get(cfg, "src"), lexicon.get(cfg, "en")
    src_view = View.of(text, p.start, p.end)
    src_ents = {}
    for k, a, b in src_lex.entities.finditer(src_view.norm):
        src_ents.setdefault(k, src_view.span(a, b))
    for t in p.translations:
        if t.system not in systems or not t.text.strip():
            continue
        dst_nums = quantities(t.text, 0, len(t.text), cfg, "en")
        have = Counter(v for v, _, _ in dst_nums)
        want = Counter(v for v, _, _ in src_nums)
        used: Counter[float] = Counter()
        for v, s, e in src_nums:
            used[v] += 1
            if used[v] > have[v]:
                flags.append(Flag("XCHK002", "numbers-missing",
                                  f"The number {text[s:e]} is missing from the {t.system} translation",
                                  s, e, "warning"))
        used.clear()
        for v, s, e in dst_nums:
            used[v] += 1
            if used[v] > want[v]:
                flags.append(Flag("XCHK003", "numbers-added",
                                  f"The {t.system} translation has the number {t.text[s:e]}, "
                                  "which is not in the source", s, e, "warning", side="translation"))
        dst_ents = set(en_lex.entities.keys_in(View.of(t.text).norm))
        for k, (s, e) in src_ents.items():
            if k not in dst_ents:
                flags.append(Flag("XCHK004", "names-missing",
                                  f"{en_lex.entity_labels.get(k, k)} ({text[s:e]}) is not named in the "
                                  f"{t.system} translation", s, e, "info", 0.7))
    return flags
