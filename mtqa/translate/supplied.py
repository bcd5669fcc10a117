"""Translations supplied with the input: split into sentences, aligned to the source passages.

A feed may carry an English translation of the whole article (``Article.supplied_translation``). It is
aligned monotonically to the article's content passages: paragraph by paragraph when both sides
have the same number of paragraphs, otherwise over the whole text, with a length-based dynamic
programme in the spirit of Gale & Church (1993) — links 1–1, 1–0, 0–1, 1–2 and 2–1, the cost of
a link being how improbable its length ratio is, plus a prior per link type — and numbers as
anchors (a link whose two sides share numbers is cheaper, one that drops numbers dearer).

A passage left with nothing (1–0) gets an empty translation: the signal of an omission. An
unaligned English sentence (0–1) is kept with its neighbouring passage, so additions stay
visible; a 2–1 link splits the English sentence at the word boundary nearest the two passages'
length proportion. The supplied translation goes first in ``passage.translations``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace

from mtqa.model import Article, Passage, Translation
from mtqa.script import LATIN_CLOSERS, TERMINAL, number_re
from mtqa.script import numbers as _numbers

SYSTEM = "supplied"

# Gale & Church's link-type priors (their Table 5) and variance of the length ratio.
PRIORS: dict[tuple[int, int], float] = {(1, 1): 0.89, (1, 0): 0.0099, (0, 1): 0.0099, (2, 1): 0.089,
                                        (1, 2): 0.089}
VARIANCE = 6.8
NUMBER_MATCH_BONUS = 1.0  # per number shared by both sides of a link
NUMBER_MISS_COST = 4.0  # per number on one side only (a dropped number is strong evidence)
# Expected English characters per source character: the FLORES-200 devtest totals
# (eng 132,978 / arb 117,332 / pes 124,842 / prs 121,677 characters). A fixed expectation,
# not the article's own ratio, which omissions would bias towards merging links.
LENGTH_RATIO: dict[str, float] = {"ar": 1.13, "fa": 1.07, "prs": 1.09}
DEFAULT_RATIO = 1.1

# A sentence gap: after a terminal mark and any closers, the white space before the next sentence.
_SENT_END = re.compile(rf"(?<=[{re.escape(TERMINAL)}])[{re.escape(LATIN_CLOSERS)}]*\s+(?=\S)")
# English numbers: one separator at most, "," always groups thousands, written form kept ("3.50").
_NUMBER = number_re(".,٫", 1)


def sentences(text: str) -> list[str]:
    """English sentences of ``text`` (split after . ! ? and at line breaks), stripped, non-empty."""
    out: list[str] = []
    for line in text.splitlines():
        out += [s.strip() for s in _SENT_END.split(line) if s.strip()]
    return out


def numbers(text: str) -> set[str]:
    """Numbers written in ``text``, with Arabic-Indic and Persian digits normalised to ASCII."""
    return {v for v, _, _ in _numbers(text, pattern=_NUMBER, thousands=",", strict_groups=False, trim=False)}


def _link_cost(src: Sequence[str], tgt: Sequence[str], ratio: float) -> float:
    if not src or not tgt:
        # Omissions and insertions cost their prior only. Gale & Church also charge the
        # length of the skipped segment, which makes a long omitted sentence nearly
        # impossible to detect — and omissions are what this alignment is for.
        return -math.log(PRIORS[(len(src), len(tgt))])
    ls = sum(len(s) for s in src)
    lt = sum(len(t) for t in tgt)
    mean = (ls + lt / ratio) / 2 or 1.0
    delta = (lt - ls * ratio) / math.sqrt(mean * VARIANCE)
    prob = max(math.erfc(abs(delta) / math.sqrt(2)), 1e-300)
    cost = -math.log(prob) - math.log(PRIORS[(len(src), len(tgt))])
    ns = set().union(*(numbers(s) for s in src))
    nt = set().union(*(numbers(t) for t in tgt))
    return cost + NUMBER_MISS_COST * len(ns ^ nt) - NUMBER_MATCH_BONUS * len(ns & nt)


def align(src: Sequence[str], tgt: Sequence[str], ratio: float = DEFAULT_RATIO,
          ) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Monotone alignment of source segments to target sentences: a list of (src ids, tgt ids)."""
    n, m = len(src), len(tgt)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if cost[i][j] == inf:
                continue
            for di, dj in PRIORS:
                a, b = i + di, j + dj
                if a > n or b > m:
                    continue
                c = cost[i][j] + _link_cost(src[i:a], tgt[j:b], ratio)
                if c < cost[a][b]:
                    cost[a][b] = c
                    back[a][b] = (di, dj)
    links = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None
        di, dj = step
        links.append((tuple(range(i - di, i)), tuple(range(j - dj, j))))
        i, j = i - di, j - dj
    return links[::-1]


def _split_sentence(text: str, share: float) -> tuple[str, str]:
    """Cut ``text`` at the space nearest ``share`` of its length (for a 2–1 link)."""
    spaces = [k for k, c in enumerate(text) if c.isspace()]
    if not spaces:
        return text, ""
    cut = min(spaces, key=lambda k: abs(k - share * len(text)))
    return text[:cut].strip(), text[cut:].strip()


def align_texts(src: Sequence[str], english: Sequence[str], ratio: float = DEFAULT_RATIO) -> list[str]:
    """The English text aligned to each source segment ("" where nothing aligns)."""
    out = [""] * len(src)
    pending = ""  # 0–1 sentences before any source segment
    last = -1
    for s_ids, t_ids in align(src, english, ratio):
        text = " ".join(english[t] for t in t_ids)
        if not s_ids:
            if last >= 0:
                out[last] = f"{out[last]} {text}".strip()
            else:
                pending = f"{pending} {text}".strip()
            continue
        if len(s_ids) == 2:
            a, b = s_ids
            share = len(src[a]) / max(1, len(src[a]) + len(src[b]))
            out[a], out[b] = _split_sentence(text, share)
        else:
            out[s_ids[0]] = text
        last = s_ids[-1]
    if pending:
        out[0] = f"{pending} {out[0]}".strip() if out else pending
    return out


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def attach_supplied(article: Article) -> Article:
    """Attach the article's supplied English translation to its content passages (first)."""
    if not article.supplied_translation or not article.supplied_translation.strip():
        return article
    content = [p for p in article.passages if p.kind == "content"]
    if not content:
        return article
    by_para: dict[int, list[Passage]] = {}
    for p in content:
        by_para.setdefault(p.paragraph, []).append(p)
    en_paras = _paragraphs(article.supplied_translation)
    ratio = LENGTH_RATIO.get(article.lang or "", DEFAULT_RATIO)
    aligned: dict[str, str] = {}
    if len(by_para) > 1 and len(en_paras) == len(by_para):
        for group, para in zip(by_para.values(), en_paras, strict=True):
            texts = align_texts([p.text for p in group], sentences(para), ratio)
            aligned.update({p.id: t for p, t in zip(group, texts, strict=True)})
    else:
        texts = align_texts([p.text for p in content], sentences(article.supplied_translation), ratio)
        aligned.update({p.id: t for p, t in zip(content, texts, strict=True)})
    passages = tuple(
        replace(p, translations=(Translation(system=SYSTEM, text=aligned[p.id]), *p.translations))
        if p.id in aligned else p
        for p in article.passages)
    return replace(article, passages=passages)
