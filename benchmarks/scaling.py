"""Scaling: time and peak memory of ``mtqa check --no-translate`` for 10, 100 and 1,000 articles.

Articles are pseudo-articles recombined from the shared corpora (runs of consecutive FLORES-200
and TICO-19 devtest sentences, grouped into paragraphs of one to three sentences, Arabic and
Persian mixed). Each size runs in a fresh subprocess, so its peak RSS is its own. Inside that
process a two-article warm-up loads the models first; the timed run is the CLI itself
(``mtqa.cli.main``) writing a JSON report. Linear growth shows as a constant time per article
and a log-log slope near 1.

    python -m benchmarks.scaling                 # 10, 100, 1000 articles (several minutes)
    python -m benchmarks.scaling --quick         # 3, 6, 12 articles (smoke run)
    python -m benchmarks.scaling --stream --sizes 1000 10000 100000
                                                 # one JSONL file per size, `check --stream`
                                                 # (memory flat with input size)
    python -m benchmarks.scaling --engine ray --workers 1 2 --sizes 100 300
                                                 # local engine vs Ray with 1 and 2 worker
                                                 # actors, same inputs, same run
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import REPO, peak_rss_mib, read_lines, save, shared_dir

# (language code, corpus file relative to shared/data) the generator draws from.
CORPORA: tuple[tuple[str, str], ...] = (
    ("ar", "flores200_devtest/arb_Arab.devtest"),
    ("fa", "flores200_devtest/pes_Arab.devtest"),
    ("ar", "tico19/en-ar/tico19-test.ar"),
    ("fa", "tico19/en-fa/tico19-test.fa"),
)
RESULT_PREFIX = "BENCH-RESULT "


def load_corpora(root: Path) -> dict[str, list[list[str]]]:
    """Sentences per language, one list per corpus (kept apart so runs stay within one corpus)."""
    out: dict[str, list[list[str]]] = {}
    for lang, rel in CORPORA:
        path = root / "data" / rel
        if path.is_file():
            lines = [s.strip() for s in read_lines(path) if s.strip()]
            out.setdefault(lang, []).append(lines)
    if not out:
        raise FileNotFoundError(f"no corpus found under {root / 'data'}")
    return out


def make_articles(corpora: dict[str, list[list[str]]], n: int, seed: int = 13,
                  min_sentences: int = 6, max_sentences: int = 16) -> list[tuple[str, str]]:
    """``n`` pseudo-articles as (language, text); paragraphs are lines separated by a blank line.

    Languages alternate; each article is a run of consecutive sentences from one corpus (FLORES
    and TICO keep documents in order, so runs read like one story), split into paragraphs of
    one to three sentences. Deterministic for a given seed.
    """
    rng = random.Random(seed)
    langs = sorted(corpora)
    articles = []
    for i in range(n):
        lang = langs[i % len(langs)]
        corpus = rng.choice(corpora[lang])
        k = min(len(corpus), rng.randint(min_sentences, max_sentences))
        start = rng.randrange(0, len(corpus) - k + 1)
        sentences = corpus[start:start + k]
        paragraphs, j = [], 0
        while j < len(sentences):
            size = rng.choice((1, 2, 2, 3))
            paragraphs.append(" ".join(sentences[j:j + size]))
            j += size
        articles.append((lang, "\n\n".join(paragraphs) + "\n"))
    return articles


def write_articles(articles: Sequence[tuple[str, str]], directory: Path) -> list[Path]:
    """One UTF-8 ``.txt`` file per article, named ``<index>_<lang>.txt``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (lang, text) in enumerate(articles):
        path = directory / f"{i:05d}_{lang}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_jsonl(corpora: dict[str, list[list[str]]], n: int, path: Path, seed: int = 13) -> None:
    """``n`` pseudo-articles (as :func:`make_articles`) as one JSONL file, written in slices so the
    benchmark's own memory stays small at 100,000 articles."""
    path.parent.mkdir(parents=True, exist_ok=True)
    step = 5000
    with path.open("w", encoding="utf-8") as fh:
        for lo in range(0, n, step):
            batch = make_articles(corpora, min(step, n - lo), seed=seed + lo)
            for i, (lang, text) in enumerate(batch, start=lo):
                fh.write(json.dumps({"id": f"a{i:06d}", "lang": lang, "text": text},
                                    ensure_ascii=False) + "\n")


def count_jsonl_passages(report_path: Path) -> tuple[int, int]:
    """(all passages, content passages) in a JSONL report, read line by line."""
    total = content = 0
    with report_path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            for p in row.get("article", {}).get("passages", []):
                total += 1
                content += p.get("kind") == "content"
    return total, content


def loglog_slope(sizes: Sequence[float], times: Sequence[float]) -> float:
    """Least-squares slope of log(time) against log(size); 1.0 is linear growth."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(t, 1e-9)) for t in times]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:
        raise ValueError("need at least two different sizes for a slope")
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


# ---------------------------------------------------------------- subprocess plumbing

def run_worker(module: str, spec: dict[str, Any], timeout: float | None = None,
               env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m <module> --worker <json>`` in a fresh process; return its result dict.

    The result also carries ``process_s`` (wall time of the whole process, interpreter start
    included). A failed worker gives ``{"error": ...}`` instead of raising, so one broken
    configuration does not lose the others.
    """
    cmd = [sys.executable, "-m", module, "--worker", json.dumps(spec)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX):])
            result["process_s"] = wall
            return result
    lines = (proc.stderr or proc.stdout).strip().splitlines()
    said = [ln for ln in lines if ln.startswith("mtqa:")]  # the CLI's own one-line errors first
    return {"error": f"exit {proc.returncode}: " + " / ".join([*said[-2:], *lines[-2:]])}


def emit(result: dict[str, Any]) -> None:
    """Worker side: print the result line the parent looks for."""
    result["peak_rss_mib"] = peak_rss_mib()  # VmHWM: per process, not inherited from the parent
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def count_passages(report_path: Path) -> tuple[int, int]:
    """(all passages, content passages) in a JSON report."""
    data = json.loads(report_path.read_text(encoding="utf-8"))
    total = content = 0
    for article in data.get("articles", []):
        for p in article.get("passages", []):
            total += 1
            content += p.get("kind") == "content"
    return total, content


def check_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Time ``mtqa check`` over ``spec['dir']`` after a warm-up on ``spec['warmup']``."""
    from mtqa import cli

    extra = list(spec.get("args", ["--no-translate"]))
    out = Path(spec["out"])
    if not spec.get("results_cache", False):
        # Measure the work itself: with the results cache on, a repeat over the same articles
        # (or the warm-up's) would read stored results back instead of computing them.
        off = out.with_name(out.stem + ".no-results-cache.toml")
        off.write_text("[cache]\nresults = false\n", encoding="utf-8")
        extra += ["--config", str(off)]
    t0 = time.perf_counter()
    if spec.get("warmup"):
        code = cli.main(["check", spec["warmup"], *extra, "-q", "--exit-zero", "-o", str(out)])
        if code != 0:
            raise RuntimeError(f"warm-up run exited {code}")
    warm_s = time.perf_counter() - t0
    if spec.get("stream"):
        extra += ["--stream", "--format", "jsonl"]
        out = out.with_suffix(".jsonl")
    t1 = time.perf_counter()
    code = cli.main(["check", spec["dir"], *extra, "-q", "--exit-zero", "-o", str(out)])
    elapsed = time.perf_counter() - t1
    if code != 0:
        raise RuntimeError(f"check exited {code}")
    passages, content = count_jsonl_passages(out) if spec.get("stream") else count_passages(out)
    return {"seconds": elapsed, "warmup_s": warm_s, "passages": passages, "content": content}


def ray_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Time the Ray engine over ``spec['dir']`` with ``spec['workers']`` worker actors.

    Ray is started first (not timed: a cluster is already up in real use); the timed part is
    ``distributed.run``: actors start, load their models, check every article; stories are
    cross-checked as tasks. Results cache off, as for the local engine.
    """
    import ray

    from mtqa import distributed, pipeline
    from mtqa.config import Config

    workers = int(spec["workers"])
    ray.init(num_cpus=max(2, workers), include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    config = Config.load(overrides={"cache": {"results": False}})
    stats: dict[str, Any] = {}
    t0 = time.perf_counter()
    report = distributed.run([spec["dir"]], config, pipeline.RunOptions(translate=False),
                             workers=workers, stats=stats)
    elapsed = time.perf_counter() - t0
    ray.shutdown()
    peaks = stats.get("worker_peak_rss_mib", {})
    return {"seconds": elapsed, "articles_out": len(report.articles),
            "passages": sum(len(a.passages) for a in report.articles),
            "worker_peak_rss_mib": sorted(peaks.values())}


def measure_ray(sizes: Sequence[int], worker_counts: Sequence[int], seed: int, workdir: Path,
                timeout: float | None = None) -> list[dict[str, Any]]:
    """Per size: the local engine, then Ray with each worker count, as ratios to the local time."""
    corpora = load_corpora(shared_dir())
    warm = workdir / "warmup"
    write_articles(make_articles(corpora, 2, seed=seed + 1), warm)
    rows = []
    for n in sizes:
        d = workdir / f"n{n}.jsonl"
        write_jsonl(corpora, n, d, seed=seed)
        local = run_worker("benchmarks.scaling", {"dir": str(d), "warmup": str(warm),
                                                  "out": str(workdir / f"report{n}.json")},
                           timeout=timeout)
        if "error" in local:
            rows.append({"articles": n, "engine": "local", "error": local["error"]})
            continue
        rows.append({"articles": n, "engine": "local", "seconds": local["seconds"], "x_local": 1.0,
                     "ms_per_article": 1000 * local["seconds"] / n,
                     "driver_peak_rss_mib": local["peak_rss_mib"], "worker_peak_rss_mib": ""})
        print(f"[scaling] {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
        for w in worker_counts:
            r = run_worker("benchmarks.scaling", {"ray": True, "dir": str(d), "workers": w},
                           timeout=timeout)
            if "error" in r:
                rows.append({"articles": n, "engine": f"ray x{w}", "error": r["error"]})
                continue
            rows.append({"articles": n, "engine": f"ray x{w}", "seconds": r["seconds"],
                         "x_local": r["seconds"] / local["seconds"],
                         "ms_per_article": 1000 * r["seconds"] / n,
                         "driver_peak_rss_mib": r["peak_rss_mib"],
                         "worker_peak_rss_mib": " / ".join(f"{m:.0f}" for m in r["worker_peak_rss_mib"])})
            print(f"[scaling] {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
    return rows


def measure_sizes(sizes: Sequence[int], seed: int, workdir: Path, repeats: int = 1,
                  timeout: float | None = None, streaming: bool = False) -> list[dict[str, Any]]:
    """One row per size: median check time, time per article, passages/s and peak RSS."""
    corpora = load_corpora(shared_dir())
    warm = workdir / "warmup"
    write_articles(make_articles(corpora, 2, seed=seed + 1), warm)
    rows = []
    for n in sizes:
        d = workdir / f"n{n}"
        if streaming:
            d = d.with_suffix(".jsonl")
            write_jsonl(corpora, n, d, seed=seed)
        else:
            write_articles(make_articles(corpora, n, seed=seed), d)
        spec = {"dir": str(d), "warmup": str(warm), "out": str(workdir / f"report{n}.json"),
                "stream": streaming}
        results = [run_worker("benchmarks.scaling", spec, timeout=timeout) for _ in range(repeats)]
        ok = [r for r in results if "error" not in r]
        if not ok:
            rows.append({"articles": n, "error": results[0]["error"]})
            continue
        ok.sort(key=lambda r: r["seconds"])
        med = ok[len(ok) // 2]
        rows.append({"articles": n, "passages": med["passages"], "seconds": med["seconds"],
                     "ms_per_article": 1000 * med["seconds"] / n,
                     "passages_per_s": med["passages"] / med["seconds"],
                     "peak_rss_mib": med["peak_rss_mib"], "process_s": med["process_s"],
                     "runs": len(ok)})
        print(f"[scaling] {json.dumps(rows[-1])}", file=sys.stderr, flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000], help="article counts")
    ap.add_argument("--repeats", type=int, default=1, help="runs per size (median reported)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--quick", action="store_true", help="sizes 3 6 12: a smoke run")
    ap.add_argument("--stream", action="store_true",
                    help="one JSONL input per size, run with `check --stream --format jsonl`")
    ap.add_argument("--engine", choices=("local", "ray"), default="local",
                    help="ray: the local engine and Ray with --workers actors, as ratios")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray worker actors")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        emit(ray_worker(spec) if spec.get("ray") else check_worker(spec))
        return 0
    sizes = [3, 6, 12] if args.quick else args.sizes
    if args.engine == "ray":
        return _main_ray(args, sizes)
    with tempfile.TemporaryDirectory(prefix="mtqa-scaling-") as tmp:
        os.environ.setdefault("MTQA_CACHE_DIR", str(Path(tmp) / "cache"))
        rows = measure_sizes(sizes, args.seed, Path(tmp), repeats=args.repeats,
                             streaming=args.stream)
    good = [r for r in rows if "error" not in r]
    slope = loglog_slope([r["articles"] for r in good], [r["seconds"] for r in good]) \
        if len({r["articles"] for r in good}) > 1 else None
    settings = {"bench": "scaling", "sizes": "+".join(map(str, sizes)), "seed": args.seed,
                "repeats": args.repeats, "threads": os.cpu_count(), "tr": "none",
                "mode": "stream" if args.stream else "local"}
    notes = (f"log-log slope of time against articles: {slope:.3f} (1.0 = linear)"
             if slope is not None else "log-log slope: not enough sizes")
    print(notes)
    save("scaling_stream" if args.stream else "scaling", {"rows": rows, "loglog_slope": slope}, settings,
         tables=[("check --no-translate by corpus size (warm: models loaded before timing)", rows)],
         notes=notes, quick=args.quick)
    return 0 if good else 1


def _main_ray(args: argparse.Namespace, sizes: Sequence[int]) -> int:
    with tempfile.TemporaryDirectory(prefix="mtqa-scaling-ray-") as tmp:
        os.environ.setdefault("MTQA_CACHE_DIR", str(Path(tmp) / "cache"))
        rows = measure_ray(sizes, args.workers, args.seed, Path(tmp))
    settings = {"bench": "scaling", "engine": "ray", "sizes": "+".join(map(str, sizes)),
                "workers": "+".join(map(str, args.workers)), "seed": args.seed,
                "threads": os.cpu_count(), "tr": "none"}
    notes = ("local: warm (models loaded before timing). ray: Ray already started; the time "
             "includes starting the actors and loading their models. x_local = time / local time.")
    save("scaling_ray", {"rows": rows}, settings,
         tables=[("check --no-translate: local engine vs Ray (same inputs, same run)", rows)],
         notes=notes, quick=args.quick)
    return 0 if all("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
