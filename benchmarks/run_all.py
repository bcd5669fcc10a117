"""Run every benchmark in turn (``make bench``); each writes benchmarks/results/<name>.json and .md.

A benchmark whose module is not present is reported as skipped; one that fails does not stop
the others. Exit status: 0 when all that ran succeeded, 1 otherwise.

    python -m benchmarks.run_all                  # the full set (tens of minutes on 2 cores)
    python -m benchmarks.run_all --quick          # every benchmark's --quick smoke run
    python -m benchmarks.run_all --only qe scaling
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from collections.abc import Sequence

from benchmarks.common import REPO

# (name, module, arguments for a full run). Gemma is slow, so translation quality uses a subset;
# the garble benchmark evaluates the shipped model (--no-fit) so `make bench` never rewrites
# configs/garble_model.json. With --quick a module gets --quick when its source accepts it.
BENCHMARKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("garble", "benchmarks.garble.run", ("--no-fit",)),
    ("crosscheck", "benchmarks.crosscheck", ()),
    ("translation_quality", "benchmarks.translation_quality", ("--limit", "50")),
    ("qe", "benchmarks.qe", ()),
    ("throughput", "benchmarks.throughput", ()),
    ("scaling", "benchmarks.scaling", ()),
    ("robustness", "benchmarks.robustness", ()),
)


def available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def accepts_quick(module: str) -> bool:
    """Whether the module's source mentions a ``--quick`` option."""
    spec = importlib.util.find_spec(module)
    origin = spec.origin if spec else None
    if not origin or not origin.endswith(".py"):
        return False
    with open(origin, encoding="utf-8") as fh:
        return '"--quick"' in fh.read()


def plan(only: Sequence[str] | None, quick: bool) -> list[tuple[str, list[str] | None]]:
    """(name, command or None when the module is absent) for each selected benchmark."""
    out: list[tuple[str, list[str] | None]] = []
    for name, module, args in BENCHMARKS:
        if only and name not in only:
            continue
        if not available(module):
            out.append((name, None))
            continue
        extra = ["--quick"] if quick and accepts_quick(module) else list(args)
        out.append((name, [sys.executable, "-m", module, *extra]))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run_all", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=[b[0] for b in BENCHMARKS], help="a subset")
    ap.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    args = ap.parse_args(argv)
    summary, failed = [], 0
    for name, cmd in plan(args.only, args.quick):
        if cmd is None:
            summary.append(f"{name:22s} skipped (module not present)")
            continue
        print(f"=== {name}: {' '.join(cmd[1:])}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call(cmd, cwd=REPO)
        failed += code != 0
        summary.append(f"{name:22s} exit {code}  {time.perf_counter() - t0:7.0f} s")
    print("\n".join(["", "summary:", *summary]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
