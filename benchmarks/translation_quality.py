"""Translation quality: BLEU and chrF of a registered translator on FLORES-200 devtest → English.

Arabic (arb_Arab), Iranian Persian (pes_Arab) and Dari (prs_Arab) into English (eng_Latn),
scored with sacrebleu's corpus BLEU and chrF (its own signatures are kept in the JSON), printed
beside the published anchors. ``--limit N`` scores the first N lines of each language (a fixed,
documented subset for slow models); scores on a subset are not comparable digit-for-digit with
the full-devtest anchors.

    python -m benchmarks.translation_quality --translator gemma3-270m --limit 50
    python -m benchmarks.translation_quality --translator hf:/path/to/opus-mt-ar-en
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.common import read_lines, save, shared_dir

# FLORES-200 file code → mtqa language code.
LANGS: dict[str, str] = {"arb_Arab": "ar", "pes_Arab": "fa", "prs_Arab": "prs"}
TARGET = "eng_Latn"

# Published FLORES-200 devtest → English scores (shared/README.md, OPUS-MT leaderboard).
ANCHORS: dict[str, list[tuple[str, float | None, float | None]]] = {
    "arb_Arab": [("opus-mt-tc-big-ar-en", 42.8, 67.2), ("nllb-200-distilled-600M", 37.4, 63.0)],
    "pes_Arab": [("nllb-200-distilled-600M", 33.3, 59.6)],
    "prs_Arab": [("nllb-200-distilled-600M", 34.9, None)],
}

# A short sentence per language, not in the test set, translated once to load the model.
WARMUP: dict[str, str] = {"ar": "صباح الخير.", "fa": "صبح بخیر.", "prs": "صبح بخیر."}


@dataclass
class LangResult:
    flores: str
    n: int
    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    seconds: float
    cached: int = 0
    hyps: list[str] | None = None


def corpus_scores(hyps: Sequence[str], refs: Sequence[str]) -> tuple[float, float, str, str]:
    """(BLEU, chrF, BLEU signature, chrF signature) with sacrebleu's defaults."""
    from sacrebleu.metrics import BLEU, CHRF

    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses for {len(refs)} references")
    bleu, chrf = BLEU(), CHRF()
    b = bleu.corpus_score(list(hyps), [list(refs)])
    c = chrf.corpus_score(list(hyps), [list(refs)])
    return b.score, c.score, str(bleu.get_signature()), str(chrf.get_signature())


def load_pairs(flores: str, limit: int | None) -> tuple[list[str], list[str]]:
    root = shared_dir() / "data" / "flores200_devtest"
    src = read_lines(root / f"{flores}.devtest", limit)
    ref = read_lines(root / f"{TARGET}.devtest", limit)
    return src, ref


def evaluate(translate: Callable[[list[str], str], Any], pairs: dict[str, tuple[list[str], list[str]]],
             ) -> list[LangResult]:
    """Translate each language's sources and score them; ``translate`` returns Translations or str."""
    results = []
    for flores, (src, ref) in pairs.items():
        t0 = time.perf_counter()
        out = translate(src, LANGS[flores])
        seconds = time.perf_counter() - t0
        hyps = [o if isinstance(o, str) else o.text for o in out]
        cached = sum(bool(getattr(o, "cached", False)) for o in out)
        bleu, chrf, bsig, csig = corpus_scores(hyps, ref)
        results.append(LangResult(flores, len(src), bleu, chrf, bsig, csig, seconds, cached, hyps))
    return results


def table(results: Sequence[LangResult], system: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for r in results:
        rows.append({"lang": f"{r.flores}→eng", "system": system, "N": r.n, "BLEU": f"{r.bleu:.1f}",
                     "chrF": f"{r.chrf:.1f}", "s/sent": r.seconds / max(r.n, 1),
                     "cached": r.cached, "note": "this run" + (" (subset)" if r.n < 1012 else "")})
        for name, bleu, chrf in ANCHORS.get(r.flores, []):
            rows.append({"lang": f"{r.flores}→eng", "system": name, "N": 1012,
                         "BLEU": None if bleu is None else f"{bleu:.1f}",
                         "chrF": None if chrf is None else f"{chrf:.1f}", "s/sent": None,
                         "cached": None, "note": "published anchor"})
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.translation_quality",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--translator", default=None,
                    help="registry name (default: translate.default in the config)")
    ap.add_argument("--limit", type=int, default=None,
                    help="first N sentences of each language (default: all 1012)")
    ap.add_argument("--langs", nargs="+", default=list(LANGS), choices=list(LANGS))
    ap.add_argument("--config", help="TOML overriding configs/defaults")
    ap.add_argument("--quick", action="store_true", help="first 3 sentences of Arabic only")
    args = ap.parse_args(argv)
    if args.quick:
        args.limit, args.langs = 3, ["arb_Arab"]
    from mtqa.config import Config
    from mtqa.translate import get_translator

    config = Config.load(args.config)
    name = args.translator or config.get("translate.default")
    pairs = {f: load_pairs(f, args.limit) for f in args.langs}
    t0 = time.perf_counter()
    translator = get_translator(name, config)
    # Load the model before timing: one short sentence that is not in the test set.
    translator.translate([WARMUP[LANGS[args.langs[0]]]], LANGS[args.langs[0]])
    load_s = time.perf_counter() - t0
    results = evaluate(lambda texts, lang: translator.translate(texts, lang), pairs)
    total = time.perf_counter() - t0
    tr_sig = translator.signature()
    settings = {"bench": "translation_quality", **tr_sig,
                "test": "flores200-devtest", "langs": "+".join(args.langs),
                "N": args.limit or "all"}
    rows = table(results, name)
    notes = (f"N = first {args.limit or 1012} lines of each FLORES-200 devtest file. "
             f"Anchors are full-devtest (1012 lines) published scores. Wall time {total:.0f} s, of which "
             f"{load_s:.0f} s loading the model (not in s/sent); `cached` counts sentences served "
             "from mtqa's translation cache (their s/sent is near zero).")
    slug = re.sub(r"[^A-Za-z0-9.-]+", "_", name).strip("_")[-60:]
    save(f"translation_quality_{slug}", {"translator": name, "results": [r.__dict__ for r in results]},
         settings, tables=[(f"FLORES-200 devtest → English: {name}", rows)], notes=notes,
         quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
