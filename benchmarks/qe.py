"""QE quality: how well mtqa's reference-free evidence tracks quality measured against references.

For FLORES-200 devtest sources (Arabic, Iranian Persian, Dari) the benchmark scores many
(source, candidate translation) pairs. Candidates are the human reference itself, corruptions
of it (a dropped clause, changed numbers, an unrelated sentence = hallucination, a repetition
loop) and, when a translator is given, the model's own translation. The "truth" is sentence
chrF of the candidate against the reference. For each evidence source alone and for mtqa's
combined score it reports Kendall τ-b and Spearman ρ with that chrF, and the AUROC for
detecting hallucinations (chrF below 20).

Evidence sources:
- ``xsim``: cross-lingual cosine similarity of source and candidate (multilingual-e5-small).
- ``seq-logprob``: mean token log-probability the translator gave its own output. The
  translators expose no forced decoding of other texts, so this is reported on the model's
  own outputs only (and says so).
- ``pseudo-ref``: chrF of the candidate against mtqa's own rendering of the source (a cheap
  reference-free agreement score); the model's own outputs are excluded from it (they would
  score 100 against themselves).
- ``round-trip``: the candidate translated back into the source language by the translator,
  scored with chrF against the source (in Arabic/Persian). Costly (one more translation per
  candidate), so it covers every candidate of the first ``--roundtrip-n`` sources per language.
- ``mtqa:<key>``: every translation-side evidence value of ``mtqa.checks.score_pairs``
  (``mtqa:-<key>`` when negated so that higher = better, e.g. flag counts);
  ``mtqa combined (1-garble)``: one minus the fitted garble model's probability
  (``mtqa.checks.combined(..., "translated")``).
- combinations (``xsim+round-trip``, ``xsim+seq-logprob``, ...): the mean z-score of their members
  where all are present, with nothing fitted to the truth; two more tables compare every source
  alone and combined on the same candidates (those with a round-trip score, and the model's own
  outputs, the only ones with Seq-Logprob).

    python -m benchmarks.qe                          # 60 sources/language, model on first 20
    python -m benchmarks.qe --translator none        # no model: corruptions and references only
    python -m benchmarks.qe --quick
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.common import read_lines, save, shared_dir

LANGS: dict[str, str] = {"arb_Arab": "ar", "pes_Arab": "fa", "prs_Arab": "prs"}
HALLUCINATION_CHRF = 20.0  # a candidate this far from the reference counts as hallucinated


@dataclass
class Item:
    """One (source, candidate) pair with its reference and how the candidate was made."""

    lang: str
    src: str
    ref: str
    hyp: str
    kind: str
    logprobs: tuple[float, ...] = ()
    chrf: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- corruptions of the reference

_CLAUSE = re.compile(r",\s+|;\s+|\s+(?=(?:and|but|which|while|who|because|although)\s)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def drop_clause(ref: str, rng: random.Random, pool: Sequence[str]) -> str | None:
    """Remove one clause (never the first); with a single clause, the last third of the words."""
    parts = [p for p in _CLAUSE.split(ref) if p.strip()]
    if len(parts) >= 2:
        k = rng.randrange(1, len(parts))
        return ", ".join(p for i, p in enumerate(parts) if i != k).strip()
    words = ref.split()
    if len(words) < 6:
        return None
    return " ".join(words[: len(words) - len(words) // 3])


def swap_numbers(ref: str, rng: random.Random, pool: Sequence[str]) -> str | None:
    """Change every number to a different one; None when the sentence has no digits."""
    if not _NUMBER.search(ref):
        return None

    def other(m: re.Match[str]) -> str:
        digits = m.group(0)
        value = int(re.sub(r"\D", "", digits) or 0)
        new = value * rng.choice((2, 3, 10)) + rng.randint(1, 9)
        return str(new)

    return _NUMBER.sub(other, ref)


def hallucinate(ref: str, rng: random.Random, pool: Sequence[str]) -> str | None:
    """Replace the translation by an unrelated reference sentence (fluent, wrong content)."""
    for _ in range(10):
        cand = rng.choice(pool)
        if cand != ref:
            return cand
    return None


def repeat_loop(ref: str, rng: random.Random, pool: Sequence[str]) -> str | None:
    """A degenerate decoding loop: the first few words repeated over and over."""
    words = ref.split()
    if len(words) < 3:
        return None
    head = words[: rng.randint(2, min(5, len(words)))]
    reps = max(3, len(words) // len(head))
    return " ".join(head * reps)


CORRUPTIONS: dict[str, Callable[[str, random.Random, Sequence[str]], str | None]] = {
    "drop-clause": drop_clause,
    "swap-numbers": swap_numbers,
    "hallucination": hallucinate,
    "repeat-loop": repeat_loop,
}


def build_items(data: dict[str, tuple[list[str], list[str]]], seed: int = 1) -> list[Item]:
    """References and their corruptions for every (source, reference) pair in ``data``."""
    rng = random.Random(seed)
    items = []
    for flores, (srcs, refs) in data.items():
        lang = LANGS.get(flores, flores)
        for src, ref in zip(srcs, refs, strict=True):
            items.append(Item(lang, src, ref, ref, "reference"))
            for name, fn in CORRUPTIONS.items():
                hyp = fn(ref, rng, refs)
                if hyp:
                    items.append(Item(lang, src, ref, hyp, name))
    return items


# ---------------------------------------------------------------- evidence and statistics

def sentence_chrf(hyp: str, ref: str) -> float:
    from sacrebleu.metrics import CHRF

    return CHRF().sentence_score(hyp, [ref]).score


def add_xsim(items: list[Item]) -> None:
    """Cosine of source and candidate embeddings (multilingual-e5-small, mtqa.embed)."""
    import numpy as np

    from mtqa.embed import get_embedder

    emb = get_embedder("e5-small")
    a = emb.encode([it.src for it in items])
    b = emb.encode([it.hyp for it in items])
    for it, s in zip(items, np.sum(a * b, axis=1), strict=True):
        it.scores["xsim"] = float(s)


def add_pseudo_ref(items: list[Item], renderings: dict[str, str]) -> None:
    """chrF against mtqa's own rendering of the source; skipped for that rendering itself."""
    for it in items:
        mt = renderings.get(it.src)
        if mt is not None and it.kind != "model":
            it.scores["pseudo-ref"] = sentence_chrf(it.hyp, mt)


def add_roundtrip(items: list[Item], back: Callable[[list[str], str], list[Any]], per_lang: int) -> int:
    """chrF of each candidate translated back into its source language, against the source.

    Covers every candidate of the first ``per_lang`` sources of each language; returns how many
    candidates were scored."""
    done = 0
    for lang in sorted({it.lang for it in items}):
        keep = set(list(dict.fromkeys(it.src for it in items if it.lang == lang))[:per_lang])
        sub = [it for it in items if it.lang == lang and it.src in keep]
        if not sub:
            continue
        for it, tr in zip(sub, back([it.hyp for it in sub], lang), strict=True):
            it.scores["round-trip"] = sentence_chrf(tr.text, it.src)
        done += len(sub)
    return done


# Evidence where a higher value means a better translation; every other mtqa evidence value
# (flag counts, length-ratio deviation, ...) is negated before scoring so that, in every row,
# higher = better and the AUROC treats low values as hallucinated.
HIGHER_IS_BETTER = {"xsim", "seq-logprob", "pseudo-ref", "round-trip", "xling-cos", "agreement_chrf",
                    "agreement_cos"}
COMBINED = "mtqa combined (1-garble)"


# Unsupervised combinations of the evidence sources the issue compares (no weights are fitted to
# the truth): each member is z-normalised over the candidates that have every member, and the
# combination is their mean. A combination exists only where all its members do.
COMBINATIONS: dict[str, tuple[str, ...]] = {
    "xsim+round-trip": ("xsim", "round-trip"),
    "xsim+seq-logprob": ("xsim", "seq-logprob"),
    "xsim+round-trip+seq-logprob": ("xsim", "round-trip", "seq-logprob"),
    f"{COMBINED}+round-trip": (COMBINED, "round-trip"),
}


def add_combinations(items: list[Item], combos: dict[str, tuple[str, ...]] = COMBINATIONS) -> list[str]:
    """Add each combination's mean z-score where every member is present; return those added."""
    import statistics

    added = []
    for name, members in combos.items():
        sub = [it for it in items if all(m in it.scores for m in members)]
        if len(sub) < 3:
            continue
        stats = {}
        for m in members:
            vals = [it.scores[m] for it in sub]
            stats[m] = (statistics.fmean(vals), statistics.pstdev(vals) or 1.0)
        for it in sub:
            it.scores[name] = sum((it.scores[m] - mu) / sd for m, (mu, sd) in stats.items()) / len(members)
        added.append(name)
    return added


def subset_rows(items: Sequence[Item], where: str, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Correlation rows for ``keys`` restricted to the candidates that have evidence ``where``.

    Each source alone and the combinations on the same candidates: the fair comparison."""
    sub = [it for it in items if where in it.scores]
    return [correlations(sub, k) for k in keys if any(k in it.scores for it in sub)]


def add_mtqa_checks(items: list[Item], system: str) -> str | None:
    """mtqa's own evidence (``checks.score_pairs``) and combined score (``checks.combined``).

    Returns None, or a note on what could not be computed. Evidence that never varies between
    candidates of the same source (source-side checks) cannot rank candidates and is dropped.
    """
    from mtqa import checks
    from mtqa.model import Translation

    if not hasattr(checks, "score_pairs"):
        return "mtqa.checks.score_pairs is not available: no mtqa rows"
    note = None
    for lang in sorted({it.lang for it in items}):
        sub = [it for it in items if it.lang == lang]
        trs = [Translation(system=system if it.kind == "model" else "supplied", text=it.hyp,
                           token_logprobs=it.logprobs) for it in sub]
        evs = checks.score_pairs([it.src for it in sub], trs, lang)
        try:
            probs: list[float | None] = list(checks.combined(evs, "translated"))
        except Exception as exc:  # e.g. the garble model has not been fitted yet
            probs = [None] * len(sub)
            note = f"combined score unavailable: {type(exc).__name__}: {exc}"
        for it, ev, prob in zip(sub, evs, probs, strict=True):
            for key, value in ev.items():
                name = key if key in HIGHER_IS_BETTER else f"-{key}"
                it.scores[f"mtqa:{name}"] = float(value) if key in HIGHER_IS_BETTER else -float(value)
            if prob is not None:
                it.scores[COMBINED] = 1.0 - float(prob)
    drop_constant(items)
    return note


def drop_constant(items: list[Item]) -> None:
    """Remove mtqa evidence that is constant within every source (it cannot rank candidates)."""
    keys = {k for it in items for k in it.scores if k.startswith("mtqa:")}
    groups: dict[str, list[Item]] = {}
    for it in items:
        groups.setdefault(it.src, []).append(it)
    for key in keys:
        varies = any(len({it.scores.get(key) for it in g}) > 1 for g in groups.values())
        if not varies:
            for it in items:
                it.scores.pop(key, None)


def correlations(items: Sequence[Item], key: str) -> dict[str, Any]:
    """Kendall τ-b, Spearman ρ against chrF, and hallucination AUROC (low score = hallucinated)."""
    from scipy.stats import kendalltau, spearmanr
    from sklearn.metrics import roc_auc_score

    sub = [it for it in items if key in it.scores]
    row: dict[str, Any] = {"evidence": key, "n": len(sub)}
    if len(sub) < 3:
        return {**row, "kendall_tau": None, "spearman": None, "auroc_halluc": None}
    x = [it.scores[key] for it in sub]
    y = [it.chrf for it in sub]
    tau = kendalltau(x, y).statistic
    rho = spearmanr(x, y).statistic
    labels = [it.chrf < HALLUCINATION_CHRF for it in sub]
    auc = roc_auc_score(labels, [-v for v in x]) if 0 < sum(labels) < len(labels) else None
    return {**row, "kendall_tau": _f(tau), "spearman": _f(rho), "auroc_halluc": _f(auc),
            "hallucinated": sum(labels)}


def _f(v: Any) -> float | None:
    import math

    return None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 3)


def by_kind(items: Sequence[Item], keys: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    for kind in sorted({it.kind for it in items}):
        sub = [it for it in items if it.kind == kind]
        row: dict[str, Any] = {"candidate": kind, "n": len(sub),
                               "chrF": sum(it.chrf for it in sub) / len(sub)}
        for k in keys:
            vals = [it.scores[k] for it in sub if k in it.scores]
            row[k] = sum(vals) / len(vals) if vals else None
        rows.append(row)
    return rows


def score_items(items: list[Item]) -> None:
    for it in items:
        it.chrf = sentence_chrf(it.hyp, it.ref)


def add_model(items: list[Item], translate: Callable[[list[str], str], list[Any]], model_n: int,
              data: dict[str, tuple[list[str], list[str]]]) -> dict[str, str]:
    """Append the model's translations of the first ``model_n`` sources of each language."""
    renderings: dict[str, str] = {}
    for flores, (srcs, refs) in data.items():
        lang = LANGS.get(flores, flores)
        out = translate(srcs[:model_n], lang)
        for src, ref, tr in zip(srcs[:model_n], refs[:model_n], out, strict=True):
            renderings[src] = tr.text
            items.append(Item(lang, src, ref, tr.text, "model", tuple(tr.token_logprobs)))
            if tr.token_logprobs:
                items[-1].scores["seq-logprob"] = sum(tr.token_logprobs) / len(tr.token_logprobs)
    return renderings


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.qe", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=60, help="source sentences per language (first N)")
    ap.add_argument("--model-n", type=int, default=20,
                    help="of those, how many the translator renders (first M; slow models)")
    ap.add_argument("--translator", default=None,
                    help="registry name, or 'none' (default: translate.default in the config)")
    ap.add_argument("--roundtrip-n", type=int, default=15,
                    help="sources per language whose candidates are back-translated (0 = none; slow)")
    ap.add_argument("--langs", nargs="+", default=list(LANGS), choices=list(LANGS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="5 sources of Arabic, no model")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.langs, args.translator = 5, ["arb_Arab"], "none"
    t0 = time.perf_counter()
    root = shared_dir() / "data" / "flores200_devtest"
    eng = read_lines(root / "eng_Latn.devtest", args.n)
    data = {f: (read_lines(root / f"{f}.devtest", args.n), eng) for f in args.langs}
    items = build_items(data, seed=args.seed)

    from mtqa.config import Config

    config = Config.load()
    name = args.translator or config.get("translate.default")
    rt_n = min(args.roundtrip_n, args.n)
    notes = []
    renderings: dict[str, str] = {}
    tr_sig: dict[str, object] = {}
    if name != "none":
        from mtqa.translate import get_translator

        translator = get_translator(name, config)
        renderings = add_model(items, lambda t, lang: translator.translate(t, lang),
                               min(args.model_n, args.n), data)
        tr_sig = translator.signature()
        if rt_n > 0:
            n_rt = add_roundtrip(items, lambda t, lang: translator.translate(t, "en", lang), rt_n)
            notes.append(f"round-trip: {n_rt} candidates (every candidate of the first {rt_n} "
                         f"sources per language) translated back by {name} and scored with chrF "
                         "against the source.")
        if not any("seq-logprob" in it.scores for it in items):
            notes.append(f"{name} returned no token log-probabilities: no seq-logprob row.")
        notes.append("seq-logprob is measured on the model's own outputs only (no forced decoding "
                     "of references/corruptions is exposed by the translators).")
    score_items(items)
    add_xsim(items)
    add_pseudo_ref(items, renderings)
    try:
        why = add_mtqa_checks(items, name)
    except Exception as exc:  # report the stage's failure in the table rather than crash
        why = f"mtqa.checks failed: {type(exc).__name__}: {exc}"
    if why:
        notes.append(why)
    combos = add_combinations(items)
    keys = sorted({k for it in items for k in it.scores})
    rows = [correlations(items, k) for k in keys]
    tables = [("evidence vs sentence chrF", rows)]
    # The fair comparisons: every source alone and combined on the same candidates.
    same: dict[str, list[dict[str, Any]]] = {}
    alone = ["xsim", "round-trip", "seq-logprob", COMBINED]
    for where, title in (("round-trip", "on the round-trip subset"),
                         ("seq-logprob", "on the model's own outputs (where Seq-Logprob exists)")):
        if any(where in it.scores for it in items):
            same[where] = subset_rows(items, where, alone + combos)
            tables.append((f"{title}: each source alone and combined", same[where]))
    if combos:
        notes.append("combinations (" + ", ".join(combos) + "): the mean of the members' z-scores "
                     "over the candidates that have every member; nothing is fitted to the truth.")
    settings = {"bench": "qe", "test": "flores200-devtest", "langs": "+".join(args.langs), "N": args.n,
                "M": min(args.model_n, args.n) if name != "none" else 0,
                "RT": rt_n if name != "none" else 0, "tr": name,
                **{f"tr.{k}": v for k, v in tr_sig.items()}, "seed": args.seed,
                "halluc": f"chrF<{HALLUCINATION_CHRF:g}", "emb": "e5-small"}
    notes.append(f"{len(items)} pairs; truth = sentence chrF against the FLORES reference; "
                 f"wall time {time.perf_counter() - t0:.0f} s.")
    print("\n".join(notes))
    kinds = by_kind(items, keys)
    tables.append(("means by candidate type", kinds))
    save("qe", {"rows": rows, "same_subset": same, "by_kind": kinds,
                "items": [{"lang": it.lang, "kind": it.kind, "chrf": round(it.chrf, 2),
                           "scores": {k: round(v, 4) for k, v in it.scores.items()}} for it in items]},
         settings, tables=tables,
         notes="\n".join(f"- {n}" for n in notes), quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

