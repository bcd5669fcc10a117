"""Helpers every benchmark uses: where data is, peak memory, saving JSON + Markdown with a signature."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mtqa import __version__
from mtqa.signature import format_signature

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
# Smoke runs (``--quick``) save here, never over the figures the README quotes.
QUICK_RESULTS = REPO / "benchmarks" / "out" / "quick"


def shared_dir() -> Path:
    """``$MTQA_SHARED_DIR`` or ``../shared`` beside the repo; exits with a message if absent."""
    env = os.environ.get("MTQA_SHARED_DIR")
    path = Path(env) if env else REPO.parent / "shared"
    if not (path / "data").is_dir():
        sys.exit(f"benchmark needs the shared data at {path} (set MTQA_SHARED_DIR)")
    return path


def read_lines(path: Path, limit: int | None = None) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        lines = [line.rstrip("\n") for line in fh]
    return lines[:limit] if limit else lines


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB.

    Reads VmHWM from /proc (per process); ``getrusage`` would report a forked child's
    parent's peak. Falls back to ``getrusage`` elsewhere.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def timed(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, list[float], Any]:
    """Run ``fn`` ``repeats`` times; return (median seconds, all times, last result)."""
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return "(no rows)\n"
    cols = list(columns or rows[0].keys())
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in rows:
        out.append("| " + " | ".join(_cell(row.get(c)) for c in cols) + " |")
    return "\n".join(out) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
    return "" if value is None else str(value)


def command_line() -> str:
    """How this benchmark was started, as a reader would type it in the repository root
    (``python -m benchmarks.garble.run --n 10``), without this machine's absolute paths."""
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    root = Path(__file__).resolve().parents[1]
    head = "python"
    if script is not None and script.suffix == ".py" and script.is_relative_to(root):
        head = "python -m " + ".".join(script.relative_to(root).with_suffix("").parts)
    elif sys.argv and sys.argv[0]:
        head = f"python {sys.argv[0]}"
    return " ".join([head, *sys.argv[1:]])


def save(name: str, data: Mapping[str, Any], settings: Mapping[str, object],
         tables: Iterable[tuple[str, Sequence[Mapping[str, Any]]]] = (), notes: str = "",
         quick: bool = False) -> Path:
    """Write ``benchmarks/results/<name>.json`` and ``<name>.md``; print the tables; return the JSON path.

    ``quick`` (a smoke run) writes to ``benchmarks/out/quick/`` instead, which git ignores.
    """
    out = QUICK_RESULTS if quick else RESULTS
    out.mkdir(parents=True, exist_ok=True)
    signature = format_signature(settings, __version__)
    payload = {"benchmark": name, "signature": signature, "machine": machine(),
               "command": command_line(), **data}
    json_path = out / f"{name}.json"
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md = [f"# {name}\n", f"Signature: `{signature}`\n", f"Command: `{payload['command']}`\n"]
    if notes:
        md.append(notes.strip() + "\n")
    for title, rows in tables:
        md.append(f"## {title}\n")
        md.append(markdown_table(rows))
        print(f"\n{title}\n{markdown_table(rows)}")
    (out / f"{name}.md").write_text("\n".join(md), encoding="utf-8")
    shown = json_path.relative_to(REPO) if json_path.is_relative_to(REPO) else json_path
    print(f"saved {shown} and {name}.md (signature {signature})")
    return json_path
