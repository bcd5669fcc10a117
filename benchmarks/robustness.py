"""Robustness: time per MB of one very long line, and one huge story, each in a fresh process.

Long line: one single-line Arabic article of 100 KB … 5 MB (UTF-8 bytes) recombined from FLORES-200
devtest sentences joined with spaces, and the same without sentence or clause punctuation (one
"sentence" the whole line long). Each run is ``mtqa check --no-translate`` on the file, after a
warm-up that loads the models, with the results cache off (``scaling.check_worker``). Linear
growth shows as a flat time per MB and a log-log slope near 1.

Huge story: n articles (each 6–10 FLORES sentences from one 40-sentence window, so they read as
one event) forced into one story (story grouping, an embedding step linear in n, is skipped);
timed is the cross-check of that story (facts, passage alignment), with its peak RSS. Rows with
``align_max_articles`` raised above n show the all-pairs alignment that ran before.

    python -m benchmarks.robustness                  # long line up to 5 MB, stories 100/400/1600
    python -m benchmarks.robustness --quick          # small sizes (smoke run)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import read_lines, save, shared_dir
from benchmarks.scaling import check_worker, emit, loglog_slope, run_worker

CORPUS = "flores200_devtest/arb_Arab.devtest"
PUNCT = str.maketrans("", "", ".؟?!؛،,:;")
MB = 1_000_000


def sentences(root: Path) -> list[str]:
    path = root / "data" / CORPUS
    if not path.is_file():
        sys.exit(f"benchmark needs {path}")
    return [s.strip() for s in read_lines(path) if s.strip()]


def long_line(pool: Sequence[str], size: int, punct: bool = True, seed: int = 1) -> str:
    """One line of about ``size`` UTF-8 bytes of randomly drawn sentences joined by spaces."""
    rng = random.Random(seed)
    out: list[str] = []
    n = 0
    while n < size:
        s = rng.choice(pool)
        if not punct:
            s = s.translate(PUNCT)
        out.append(s)
        n += len(s.encode("utf-8")) + 1
    line = " ".join(out)
    return line.encode("utf-8")[:size].decode("utf-8", errors="ignore").rstrip()


def measure_lines(pool: Sequence[str], sizes: Sequence[int], repeats: int, big_repeats: int,
                  workdir: Path, timeout: float) -> list[dict[str, Any]]:
    warm = workdir / "warm.txt"
    warm.write_text(long_line(pool, 20_000) + "\n", encoding="utf-8")
    rows = []
    for punct in (True, False):
        for size in sizes:
            path = workdir / f"line_{size}_{int(punct)}.txt"
            text = long_line(pool, size, punct)
            path.write_text(text + "\n", encoding="utf-8")
            n = repeats if size <= 1 * MB else big_repeats
            spec = {"dir": str(path), "warmup": str(warm), "out": str(workdir / "r.json")}
            results = [run_worker("benchmarks.robustness", {"kind": "line", **spec}, timeout=timeout)
                       for _ in range(n)]
            ok = sorted((r for r in results if "error" not in r), key=lambda r: r["seconds"])
            row: dict[str, Any] = {"text": "sentences" if punct else "no punctuation",
                                   "MB": size / MB, "chars": len(text)}
            if not ok:
                row["error"] = results[0]["error"]
            else:
                med = ok[len(ok) // 2]
                row.update(passages=med["passages"], seconds=med["seconds"],
                           s_per_MB=med["seconds"] / (size / MB), peak_rss_mib=med["peak_rss_mib"],
                           runs=len(ok))
            rows.append(row)
            print(f"[robustness] {json.dumps(row)}", file=sys.stderr, flush=True)
    return rows


def story_articles(pool: Sequence[str], n: int, seed: int = 5) -> list[tuple[str, str]]:
    """``n`` (id, text) articles drawn from one 40-sentence window of the corpus."""
    rng = random.Random(seed)
    window = pool[100:140]
    out = []
    for i in range(n):
        k = rng.randint(6, 10)
        picked = rng.sample(window, k)
        out.append((f"a{i:05d}", "\n".join(" ".join(picked[j:j + 2]) for j in range(0, k, 2)) + "\n"))
    return out


def story_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Prepare the articles, then time the cross-check of them as one story."""
    from mtqa import crosscheck, pipeline
    from mtqa.config import Config
    from mtqa.crosscheck import grouping
    from mtqa.model import Article

    config = Config.load()
    cfg = dict(config.section("crosscheck"))
    if spec.get("align_max_articles"):
        cfg["align_max_articles"] = int(spec["align_max_articles"])
    arts = [pipeline.prepare(Article(id=i, source=f"{i}.txt", text=t, lang="ar"), config)
            for i, t in story_articles(sentences(Path(spec["shared"])), int(spec["n"]))]
    grouping.group = lambda articles, _cfg: [list(range(len(articles)))]  # one story, no embedder
    t0 = time.perf_counter()
    report = crosscheck.stories(arts, cfg)
    seconds = time.perf_counter() - t0
    assert report is not None and len(report.stories) == 1
    story = report.stories[0]
    return {"seconds": seconds, "passages": sum(len(a.content()) for a in arts),
            "alignments": len(story.alignments or ()), "facts": len(report.facts),
            "noted": story.note is not None}


def measure_stories(root: Path, sizes: Sequence[int], before_max: int,
                    timeout: float) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        for mode in ("bounded", "all pairs (before)"):
            if mode != "bounded" and n > before_max:
                continue
            spec = {"kind": "story", "n": n, "shared": str(root)}
            if mode != "bounded":
                spec["align_max_articles"] = 10**9
            r = run_worker("benchmarks.robustness", spec, timeout=timeout)
            row: dict[str, Any] = {"articles": n, "alignment": mode}
            row.update({k: r[k] for k in ("error", "passages", "seconds", "alignments", "facts",
                                          "noted", "peak_rss_mib") if k in r})
            rows.append(row)
            print(f"[robustness] {json.dumps(row)}", file=sys.stderr, flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.robustness", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.1, 0.2, 0.4, 0.8, 1.6, 5.0],
                    help="long-line sizes in MB (UTF-8 bytes)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per size up to 1 MB (median)")
    ap.add_argument("--big-repeats", type=int, default=1, help="runs per size above 1 MB")
    ap.add_argument("--stories", type=int, nargs="+", default=[100, 400, 1600],
                    help="articles in the one story")
    ap.add_argument("--before-max", type=int, default=400,
                    help="also time the all-pairs alignment up to this many articles")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    ap.add_argument("--quick", action="store_true", help="0.05/0.1 MB lines, stories of 20/60")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        emit(check_worker(spec) if spec["kind"] == "line" else story_worker(spec))
        return 0
    root = shared_dir()
    sizes = [int(s * MB) for s in ([0.05, 0.1] if args.quick else args.sizes)]
    stories = [20, 60] if args.quick else args.stories
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory(prefix="mtqa-robustness-") as tmp:
        os.environ.setdefault("MTQA_CACHE_DIR", str(Path(tmp) / "cache"))
        lines = measure_lines(sentences(root), sizes, repeats, args.big_repeats, Path(tmp), args.timeout)
        story_rows = measure_stories(root, stories, 60 if args.quick else args.before_max, args.timeout)
    notes = []
    for text in ("sentences", "no punctuation"):
        good = [r for r in lines if r["text"] == text and "error" not in r]
        if len({r["MB"] for r in good}) > 1:
            slope = loglog_slope([r["MB"] for r in good], [r["seconds"] for r in good])
            notes.append(f"long line ({text}): log-log slope of time against size {slope:.3f} "
                         "(1.0 = linear)")
    print("\n".join(notes))
    settings = {"bench": "robustness", "sizes": "+".join(f"{s / MB:g}" for s in sizes),
                "stories": "+".join(map(str, stories)), "repeats": f"{repeats}/{args.big_repeats}",
                "threads": os.cpu_count(), "tr": "none", "test": "flores200-devtest", "langs": "arb_Arab"}
    save("robustness", {"long_line": lines, "story": story_rows, "notes": notes}, settings,
         tables=[("One single-line article, `check --no-translate` (median; warm models)", lines),
                 ("One story of n articles: cross-check time and peak RSS", story_rows)],
         notes="\n".join(notes), quick=args.quick)
    return 0 if all("error" not in r for r in lines + story_rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
