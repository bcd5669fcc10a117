"""Real machine output for the garble benchmark: English FLORES sentences translated to Arabic and
Persian by mtqa's embedded translator (Gemma 3 270M), cached outside the repo.

    .venv/bin/python -m benchmarks.garble.mt --n 120     # slow: ~9 tokens/s on 2 cores

The cache (``<mtqa cache>/garble/mt-<lang>.jsonl``: {"en", "mt"} per line) is read by run.py,
which labels every output as garbled ("mt" kind): a 270M model's Arabic/Persian is far from
publishable news text. Sentences come from the END of FLORES devtest (lines 1012-n..1011).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.common import read_lines, shared_dir
from mtqa.store import cache_root

LANGS = {"ar": "ar", "fa": "fa"}


def cache_path(lang: str) -> Path:
    return cache_root() / "garble" / f"mt-{lang}.jsonl"


def load_cached() -> dict[str, list[tuple[str, str]]]:
    """{lang: [(machine output, English source)]} for the languages whose cache exists."""
    out: dict[str, list[tuple[str, str]]] = {}
    for lang in LANGS:
        path = cache_path(lang)
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            rows = [json.loads(line) for line in lines if line.strip()]
            out[lang] = [(r["mt"], r["en"]) for r in rows if r.get("mt", "").strip()]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=120)
    ap.add_argument("--batch", type=int, default=8)
    args = ap.parse_args()
    from mtqa import translate
    from mtqa.config import Config

    eng = read_lines(shared_dir() / "data" / "flores200_devtest" / "eng_Latn.devtest")
    texts = eng[len(eng) - args.n :]
    tr = translate.get_translator("gemma3-270m", Config.load())
    done = {}
    for lang in LANGS:
        path = cache_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        done[lang] = len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0
    # languages interleaved batch by batch, so a run cut short still covers both
    while any(done[lang] < len(texts) for lang in LANGS):
        for lang in LANGS:
            chunk = texts[done[lang] : done[lang] + args.batch]
            if not chunk:
                continue
            outs = tr.translate(chunk, src_lang="en", tgt_lang=lang)
            with open(cache_path(lang), "a", encoding="utf-8") as fh:
                for en, t in zip(chunk, outs, strict=True):
                    fh.write(json.dumps({"en": en, "mt": t.text}, ensure_ascii=False) + "\n")
            done[lang] += len(chunk)
            print(f"{lang}: {done[lang]}/{len(texts)}", flush=True)

if __name__ == "__main__":
    main()
