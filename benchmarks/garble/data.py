"""Clean sentences from ../shared and the fixed split between LM training, model fitting and testing.

- TICO-19 lines [0, TICO_LM_END) (and Tatoeba) train the character LMs only (train_lm.py);
- FLORES-200 devtest (all lines) and TICO-19 lines [TICO_LM_END, end) form the labelled set,
  split by sentence (a sentence and all its corrupted twins land in the same part) with a fixed
  seed: FIT_SHARE of the sentences fit the combiner and choose the threshold, the rest is held out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import read_lines, shared_dir

TICO_LM_END = 1400
FIT_SHARE = 0.6
SEED = 20240127

FLORES = {"ar": "arb_Arab", "fa": "pes_Arab", "prs": "prs_Arab"}
TICO = {"ar": ("en-ar", "ar"), "fa": ("en-fa", "fa"), "prs": ("en-prs", "prs")}


@dataclass(frozen=True)
class Sentence:
    id: str
    lang: str
    text: str
    english: str
    part: str  # "fit" or "test"


def data_dir() -> Path:
    return shared_dir() / "data"


def lm_training_text(lang: str) -> list[str]:
    """Clean text for the character LM of ``lang`` ("ar" or "fa"; fa includes Dari)."""
    d = data_dir()
    out: list[str] = []
    langs = ["ar"] if lang == "ar" else ["fa", "prs"]
    for lg in langs:
        folder, ext = TICO[lg]
        out += read_lines(d / "tico19" / folder / f"tico19-test.{ext}")[:TICO_LM_END]
    tatoeba = d / "tatoeba" / ("ara-eng" if lang == "ar" else "eng-fas")
    ext = "ara" if lang == "ar" else "fas"
    out += read_lines(tatoeba / f"tatoeba-test-v2021-08-07.{ext}")
    return [t for t in out if t.strip()]


def sentences(lang: str) -> list[Sentence]:
    """The labelled set's clean sentences for ``lang`` with their English and their part."""
    d = data_dir()
    src = read_lines(d / "flores200_devtest" / f"{FLORES[lang]}.devtest")
    eng = read_lines(d / "flores200_devtest" / "eng_Latn.devtest")
    pairs = [(f"flores:{i}", s, e) for i, (s, e) in enumerate(zip(src, eng, strict=True))]
    folder, ext = TICO[lang]
    ts = read_lines(d / "tico19" / folder / f"tico19-test.{ext}")
    te = read_lines(d / "tico19" / folder / "tico19-test.en")
    pairs += [(f"tico:{i}", ts[i], te[i]) for i in range(TICO_LM_END, min(len(ts), len(te)))]
    pairs = [p for p in pairs if p[1].strip() and p[2].strip()]
    rng = random.Random(SEED)
    order = list(range(len(pairs)))
    rng.shuffle(order)
    fit = set(order[: int(len(order) * FIT_SHARE)])
    return [Sentence(f"{lang}:{pid}", lang, s.strip(), e.strip(), "fit" if i in fit else "test")
            for i, (pid, s, e) in enumerate(pairs)]
