"""Train the clean-text character LMs shipped as configs/charlm_{ar,fa}.json.gz.

    .venv/bin/python -m benchmarks.garble.train_lm

Training text: TICO-19 lines [0, 1400) (never used by the labelled benchmark set), Tatoeba, the
same lines joined in consecutive pairs (so full stops are followed by sentences), and wordfreq's
most frequent words (each once). Each text ends with an end marker, so the model also knows which
words end sentences. Only pruned n-gram counts are shipped.
"""

from __future__ import annotations

import argparse
from itertools import pairwise

from benchmarks.garble.data import lm_training_text
from mtqa.checks.charlm import CharLM
from mtqa.config import config_dir

ORDER = 5
MIN_COUNT = 2
TOP_WORDS = 30000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--order", type=int, default=ORDER)
    ap.add_argument("--min-count", type=int, default=MIN_COUNT)
    args = ap.parse_args()
    import wordfreq

    for lang in ("ar", "fa"):
        texts = lm_training_text(lang)
        words = wordfreq.top_n_list(lang, TOP_WORDS)
        # consecutive lines joined, so the model also learns how sentences follow a full stop
        pairs = [f"{a} {b}" for a, b in pairwise(texts)]
        lm = CharLM.train(texts + pairs + words, order=args.order, min_count=args.min_count)
        lm.meta.update({"sources": "tico19[0:1400]+tatoeba+wordfreq-top30000", "lines": len(texts)})
        path = config_dir() / f"charlm_{lang}.json.gz"
        lm.save(path)
        print(f"{lang}: {len(texts)} lines, {len(lm.counts)} n-grams -> {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
