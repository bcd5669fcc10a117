"""Command line: ``mtqa check``, ``mtqa gate``, ``mtqa config``, ``mtqa translators``.

Exit status, as ruff does it: 0 pass, 1 findings (flagged passages / gate failed),
2 usage, configuration or input error. The library never exits or prints; this module maps
its results and exceptions to output and an exit status, in one place.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mtqa import __version__
from mtqa.errors import ConfigError, MtqaError

if TYPE_CHECKING:
    from mtqa.config import Config
    from mtqa.model import Problem, Report
    from mtqa.pipeline import RunOptions

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

EXTENSIONS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xml": "junit",
    ".html": "html",
    ".htm": "html",
    ".txt": "github",
}


class UsageError(MtqaError):
    """Bad command-line arguments."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too, but prints usage noise
        raise UsageError(message if self.prog == "mtqa" else f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mtqa",
        description="Machine-translation quality checks for Arabic and Persian news translated "
        "to English: flags garbled passages, cross-checks translations and outlets, gates CI.",
    )
    parser.add_argument("--version", action="version", version=f"mtqa {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("inputs", nargs="+", metavar="INPUT",
                       help="text, JSONL, HTML or RSS/Atom files, directories of them, or - for stdin")
        p.add_argument("--translator", action="append", default=[], metavar="NAME",
                       help="translator from the registry (`mtqa translators`); repeat to compare "
                       "two systems. Default: translate.default in the config")
        p.add_argument("--no-translate", action="store_true",
                       help="source-side checks only (fast); supplied translations are still scored")
        p.add_argument("--format", action="append", default=[], metavar="FMT",
                       help="json (default), jsonl, markdown, junit, github, html; repeat with -o")
        p.add_argument("-o", "--output", action="append", default=[], metavar="FILE",
                       help="write to FILE instead of stdout; pair each with a --format, or let "
                       "the extension choose (.json .jsonl .md .xml .html)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress bars on stderr")
        p.add_argument("--engine", choices=("local", "ray"), default=None,
                       help="local (one process) or ray (Ray Data workers); default: engine.name")
        p.add_argument("--ray-address", metavar="ADDR", default=None,
                       help="Ray cluster for --engine ray ('auto', 'ray://host:10001'); "
                       "default: engine.ray_address ('' = start a local Ray)")

    check = sub.add_parser("check", help="check articles and write a report",
                           description="Read articles, run every stage and write a report. "
                           "Exit 0: nothing flagged; 1: flagged passages; 2: bad input or usage.")
    run_options(check)
    check.add_argument("--config", metavar="FILE", help="TOML overriding configs/defaults")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even if passages are flagged")
    check.add_argument("--stream", action="store_true",
                       help="read JSONL/Parquet in chunks and write --format jsonl as articles "
                       "finish (memory flat with input size; no 64 MB limit on JSONL)")
    check.add_argument("--chunk-size", type=int, default=256, metavar="N",
                       help="articles per chunk with --stream (default 256)")

    gate = sub.add_parser("gate", help="check articles and decide pass/fail for publication",
                          description="Run the checks and apply the gate thresholds. "
                          "Exit 0: pass; 1: gate failed; 2: bad input or usage.")
    run_options(gate)
    gate.add_argument("--config", metavar="FILE", default=None,
                      help="gate thresholds (default: configs/gate.toml)")
    gate.add_argument("--check-config", metavar="FILE",
                      help="TOML overriding configs/defaults for the checks themselves")
    gate.add_argument("--baseline", metavar="REPORT",
                      help="an earlier JSON report: only regressions against it fail")

    conf = sub.add_parser("config", help="show the resolved settings as JSON")
    conf.add_argument("--config", metavar="FILE", help="TOML overriding configs/defaults")

    sub.add_parser("translators", help="list the registered translators")
    return parser


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """Pair formats with destinations (None = stdout)."""
    from mtqa.report import FORMATS

    formats, outputs = list(args.format), list(args.output)
    if not outputs:
        if len(formats) > 1:
            raise UsageError("several --format values need as many -o FILE destinations")
        pairs: list[tuple[str, str | None]] = [(formats[0] if formats else "json", None)]
    elif not formats:
        pairs = []
        for out in outputs:
            fmt = EXTENSIONS.get(Path(out).suffix.lower())
            if fmt is None:
                raise UsageError(f"{out}: cannot tell the format from the extension; add --format")
            pairs.append((fmt, out))
    elif len(formats) == len(outputs):
        pairs = list(zip(formats, outputs, strict=True))
    else:
        raise UsageError(f"{len(formats)} --format values but {len(outputs)} -o destinations")
    for fmt, _ in pairs:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
    from mtqa.report import output

    # before any model loads or article is read: every destination must take a report
    problems = output.check_destinations([dest or output.STDOUT for _, dest in pairs])
    if problems:
        raise output.OutputError("\n".join(problems))
    return pairs


def _write(report: Report, pairs: list[tuple[str, str | None]]) -> None:
    """Render and write every output; a destination that fails does not stop the others.

    Raises OutputError naming each failed destination, or BrokenPipeError when the reader of
    standard output went away (after the files were written)."""
    from mtqa.report import output

    outcome = output.write_reports(report, pairs)
    if outcome.errors:
        raise output.OutputError("\n".join(outcome.errors))
    if outcome.broken_pipe:
        raise BrokenPipeError


def _settings(args: argparse.Namespace, config_path: str | None) -> tuple[Config, RunOptions]:
    """The configuration and run options of ``check``/``gate`` (shared by every engine)."""
    from mtqa import pipeline
    from mtqa.config import Config

    if args.no_translate and args.translator:
        raise UsageError("--translator and --no-translate contradict each other")
    config = Config.load(config_path)
    quiet = args.quiet or not sys.stderr.isatty()
    return config, pipeline.RunOptions(translators=args.translator, translate=not args.no_translate,
                                       quiet=quiet)


def _run(args: argparse.Namespace, config_path: str | None) -> Report:
    from mtqa import pipeline

    config, options = _settings(args, config_path)
    engine = args.engine or config.get("engine.name")
    if engine == "ray":
        from mtqa import distributed

        return distributed.run(args.inputs, config, options, address=args.ray_address)
    if args.ray_address is not None:
        raise UsageError("--ray-address needs --engine ray")
    return pipeline.run(args.inputs, config, options)


def cmd_check(args: argparse.Namespace) -> int:
    pairs = _outputs(args)
    if args.stream:
        return _check_stream(args, pairs)
    report = _run(args, args.config)
    try:
        _write(report, pairs)
    finally:
        _print_problems(report.problems)
    if report.problems:
        return EXIT_ERROR
    flagged = sum(p.flagged for a in report.articles for p in a.passages)
    return EXIT_OK if flagged == 0 or args.exit_zero else EXIT_FINDINGS


def _check_stream(args: argparse.Namespace, pairs: list[tuple[str, str | None]]) -> int:
    """``check --stream``: JSONL lines written as articles finish (see mtqa.stream)."""
    from mtqa import stream

    if len(pairs) != 1 or pairs[0][0] != "jsonl":
        raise UsageError("--stream writes one report in --format jsonl")
    if args.chunk_size < 1:
        raise UsageError("--chunk-size must be at least 1")
    config, options = _settings(args, args.config)
    result = stream.run_to_file(args.inputs, config, options, pairs[0][1], args.chunk_size)
    _print_problems(result.problems)
    if result.problems:
        return EXIT_ERROR
    return EXIT_OK if result.flagged == 0 or args.exit_zero else EXIT_FINDINGS


def cmd_gate(args: argparse.Namespace) -> int:
    from mtqa import gate

    pairs = _outputs(args)
    gate_cfg = gate.load_gate_config(args.config)
    baseline = _load_baseline(args.baseline) if args.baseline else None
    report = _run(args, args.check_config)
    report.gate = gate.evaluate(report, gate_cfg, baseline)
    try:
        _write(report, pairs)
    finally:
        _print_problems(report.problems)
    print(f"mtqa gate: {'PASS' if report.gate.passed else 'FAIL'}", file=sys.stderr)
    if report.problems:
        return EXIT_ERROR
    return EXIT_OK if report.gate.passed else EXIT_FINDINGS


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(f"mtqa: error: {problem.source}: {problem.message}", file=sys.stderr)


def _load_baseline(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: baseline report not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: baseline is not a JSON report ({exc})") from None
    except RecursionError:
        raise UsageError(f"{path}: baseline is not a JSON report (nested too deeply)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the baseline ({exc.strerror or exc})") from None
    if not isinstance(data, dict) or "articles" not in data:
        raise UsageError(f"{path}: baseline is not an mtqa JSON report (no 'articles')")
    return data


def cmd_config(args: argparse.Namespace) -> int:
    from mtqa.config import Config

    config = Config.load(args.config)
    json.dump({"sources": config.sources, "settings": config.data}, sys.stdout,
              indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return EXIT_OK


def cmd_translators(args: argparse.Namespace) -> int:
    from mtqa.translate import describe_translators

    for name, description in describe_translators():
        print(f"{name:24s} {description}")
    return EXIT_OK


COMMANDS = {"check": cmd_check, "gate": cmd_gate, "config": cmd_config,
            "translators": cmd_translators}


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of standard output went away


def _in_worker(command: Any, args: argparse.Namespace) -> int:
    """Run ``command(args)`` in a worker thread while the main thread waits in short steps.

    Python runs a signal handler only in the main thread and only between bytecodes, so a
    Ctrl-C during a long native call (a model's matrix products, a llama.cpp decode) would wait
    for that call to return. Waiting here instead, the main thread sees KeyboardInterrupt at
    once and the process ends (caches are SQLite transactions; reports are written atomically).
    """
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["status"] = command(args)
        except BaseException as exc:  # re-raised in the main thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name="mtqa-run", daemon=True)
    previous = signal.signal(signal.SIGINT, lambda signum, frame: _interrupted())
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    finally:
        signal.signal(signal.SIGINT, previous)
    if "error" in outcome:
        raise outcome["error"]
    return int(outcome["status"])


def _interrupted() -> None:
    """End the process now with status 130 (worker threads are not waited for)."""
    with contextlib.suppress(Exception):
        print("mtqa: interrupted", file=sys.stderr, flush=True)
    os._exit(EXIT_INTERRUPTED)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_ERROR
        command = COMMANDS[args.command]
        if args.command in ("check", "gate") and threading.current_thread() is threading.main_thread():
            return _in_worker(command, args)
        return command(args)
    except (MtqaError, ConfigError) as exc:
        for line in str(exc).splitlines() or [""]:
            print(f"mtqa: error: {line}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("mtqa: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        from mtqa.report.output import silence_stdout

        silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # last resort: one line, no traceback
        if os.environ.get("MTQA_DEBUG"):
            raise
        print(f"mtqa: internal error: {type(exc).__name__}: {exc} (set MTQA_DEBUG=1 for a traceback)",
              file=sys.stderr)
        return EXIT_ERROR
