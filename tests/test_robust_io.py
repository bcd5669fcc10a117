"""No report lost, no run lost: outputs, standard streams, caches and Ctrl-C (issues #17, #18).

Each case is a constructed fault; the assertions are the exit status, the one-line message and
that everything else the run produced is still there.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mtqa import cli, store
from mtqa.config import Config
from mtqa.pipeline import RunOptions, run
from mtqa.report import render
from mtqa.report.output import OutputError, check_destinations, write_file
from mtqa.translate.cache import TranslationCache

REPO = Path(__file__).resolve().parents[1]
AR = "قال مسؤولون إن 14 شخصا لقوا حتفهم يوم الثلاثاء بعد انهيار جزء من مفيض سد خرزان."
FA = "وزیر آب و انرژی روز چهارشنبه از سد بازدید کرد و گفت علت حادثه مشخص می‌شود."


def _mtqa(*args: str, **kw: object) -> subprocess.CompletedProcess[bytes]:
    if "stdout" not in kw:
        kw["capture_output"] = True
    return subprocess.run([sys.executable, "-m", "mtqa", *args], timeout=300, cwd=REPO,
                          **kw)  # type: ignore[call-overload]


def _articles(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(AR + "\n", encoding="utf-8")
    (folder / "b.txt").write_text(FA + "\n", encoding="utf-8")
    return folder


def _no_traceback(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err and "internal error" not in err, err
    return err


# ------------------------------------------------------------------ report files


def test_failed_write_keeps_the_earlier_report_and_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "report.json"
    dest.write_text('{"valid": true}\n', encoding="utf-8")

    def full(fd: int, *args: object, **kw: object) -> object:
        handle = open(fd, *args, **kw)
        def no_space(text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")
        handle.write = no_space  # type: ignore[method-assign]
        return handle

    monkeypatch.setattr(os, "fdopen", full)
    with pytest.raises(OutputError, match=r"report\.json: cannot write the report \(No space left"):
        write_file(str(dest), b'{"new": ' + b"1" * 100_000 + b"}")
    assert dest.read_text(encoding="utf-8") == '{"valid": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_write_replaces_whole_file_and_keeps_its_mode(tmp_path: Path) -> None:
    dest = tmp_path / "r.md"
    dest.write_text("old and longer than the new text\n", encoding="utf-8")
    dest.chmod(0o640)
    write_file(str(dest), b"new\n")
    assert dest.read_text(encoding="utf-8") == "new\n" and (dest.stat().st_mode & 0o777) == 0o640
    write_file(str(tmp_path / "made" / "deeper" / "r.json"), b"{}\n")  # folders are created
    assert (tmp_path / "made" / "deeper" / "r.json").read_text() == "{}\n"


def test_bad_destinations_are_found_before_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    folder = tmp_path / "a-dir"
    folder.mkdir()
    good = tmp_path / "good.html"
    started = time.monotonic()
    proc = _mtqa("check", str(_articles(tmp_path)), "--no-translate", "-q",
                 "--format", "json", "--format", "json", "--format", "html",
                 "-o", str(blocker / "r.json"), "-o", str(folder), "-o", str(good))
    err = _no_traceback(proc)
    assert proc.returncode == 2
    lines = [line for line in err.splitlines() if line.startswith("mtqa: error:")]
    assert len(lines) == 2
    assert "a-file/r.json: cannot write the report (" in lines[0] and "a-file is not a directory" in lines[0]
    assert "a-dir: cannot write the report (is a directory)" in lines[1]
    assert not good.exists()  # nothing ran, so nothing half-done was written
    assert time.monotonic() - started < 60


def test_read_only_or_repeated_destination_is_refused_up_front(tmp_path: Path) -> None:
    dest = tmp_path / "r.json"
    dest.write_text("{}")
    dest.chmod(0o444)  # no write bit for anyone: "keep this file", even for root
    new = str(tmp_path / "new.json")
    assert check_destinations([str(dest), new, new, "/dev/null"]) == [
        f"{dest}: cannot write the report (the file is read-only)",
        f"{new}: named twice as a report destination (also as {new})"]


def test_one_failing_destination_does_not_stop_the_others(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, examples_dir: Path) -> None:
    report = run([str(examples_dir / "articles" / "ar_mt.txt")], Config.load(),
                 RunOptions(translate=False, quiet=True))
    first, second = tmp_path / "first.json", tmp_path / "second.md"
    real = write_file

    def flaky(dest: str, data: bytes) -> None:
        if dest.endswith("first.json"):
            raise OutputError(f"{dest}: cannot write the report (No space left on device)")
        real(dest, data)

    monkeypatch.setattr("mtqa.report.output.write_file", flaky)
    with pytest.raises(OutputError, match=r"first\.json"):
        cli._write(report, [("json", str(first)), ("markdown", str(second))])
    assert not first.exists()
    assert second.read_text(encoding="utf-8") == render(report, "markdown")


# ------------------------------------------------------------------ standard streams


def test_closed_standard_input_is_a_usage_error() -> None:
    proc = subprocess.run(["sh", "-c", f'"{sys.executable}" -m mtqa check - --no-translate -q <&-'],
                          capture_output=True, timeout=300, cwd=REPO)
    err = _no_traceback(proc)
    assert proc.returncode == 2 and "<stdin>: standard input is closed or absent" in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_full_standard_output_says_the_report_could_not_be_written(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        proc = _mtqa("check", str(_articles(tmp_path)), "--no-translate", "-q", stdout=full,
                     stderr=subprocess.PIPE)
    err = _no_traceback(proc)
    assert proc.returncode == 2
    assert "could not write the report to standard output: No space left on device" in err


def test_reader_gone_ends_quietly_with_141(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "mtqa", "check", str(_articles(tmp_path)),
                             "--no-translate", "-q"], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head` that already exited
    err = proc.stderr.read().decode("utf-8")
    assert proc.wait(timeout=300) == cli.EXIT_BROKEN_PIPE
    assert "Traceback" not in err and "Exception ignored" not in err, err


# ------------------------------------------------------------------ hostile characters in outputs


def test_control_characters_are_shown_not_emitted(tmp_path: Path) -> None:
    text = ("قال مسؤولون\u001b[2J\u001b]8;;http://evil\u0007 إن 14 شخصا\u0000 لقوا حتفهم\u0085 يوم"
            " \u202eالثلاثاء\u202c\u200c.")
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "c", "text": text, "title": "t\u001b[31m"}) + "\n", encoding="utf-8")
    report = run([str(path)], Config.load(), RunOptions(translate=False, quiet=True))
    assert report.articles[0].text == text  # the data model keeps the exact text
    for fmt in ("html", "github", "markdown"):
        out = render(report, fmt)
        raw = [c for c in out if (ord(c) < 32 and c not in "\t\n\r") or 0x7F <= ord(c) < 0xA0
               or c in "\u202e\u202c"]
        assert raw == [], (fmt, raw)
    html = render(report, "html")
    assert "\u241b" in html  # ␛ shown where ESC was
    assert "\\u202e" in html and "\u200c" in html  # the override shown, ZWNJ kept
    assert json.loads(render(report, "json"))["articles"][0]["title"] == "t\u001b[31m"


# ------------------------------------------------------------------ caches


def test_corrupt_translation_cache_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "translations.sqlite"
    path.write_bytes(b"garbage, not SQLite " * 500)
    cache = TranslationCache(path)
    assert cache.disabled is None and cache.moved_to is not None and cache.moved_to.exists()
    assert len(cache) == 0 and path.exists()


def test_run_finishes_when_every_cache_write_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   examples_dir: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    import sqlite3

    def full(self: store.SqliteStore, sql: str, rows: list[tuple]) -> None:
        if rows and self.disabled is None:
            self._disable(sqlite3.OperationalError("database or disk is full"), "writing it")

    monkeypatch.setattr(store.SqliteStore, "_insert", full)
    config = Config.load(overrides={"cache": {"results_path": str(tmp_path / "r.sqlite")}})
    inputs = [str(examples_dir / "articles")]
    with caplog.at_level("WARNING", logger="mtqa"):
        report = run(inputs, config, RunOptions(translate=False, quiet=True))
    assert report.articles and not report.problems
    warnings = [r.getMessage() for r in caplog.records if "disk is full" in r.getMessage()]
    assert len(warnings) == 1  # once, not once per batch
    store._STORES.clear()


# ------------------------------------------------------------------ Ctrl-C

SLOW_RUN = """
import hashlib, sys
import mtqa.pipeline as pipeline
from mtqa.cli import main

def stuck(*args, **kwargs):
    print("started", file=sys.stderr, flush=True)
    hashlib.pbkdf2_hmac("sha256", b"x", b"y", 10**9)  # many minutes in C, deaf to signals

pipeline.run = stuck
sys.exit(main(["check", sys.argv[1], "--no-translate", "-q"]))
"""


def test_ctrl_c_ends_the_run_at_once_with_130(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RUN, str(_articles(tmp_path))], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    assert proc.stderr.readline().decode().strip() == "started"
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        status = proc.wait(timeout=20)
    finally:
        proc.kill()
    took = time.monotonic() - sent
    err = proc.stderr.read().decode("utf-8")
    assert status == cli.EXIT_INTERRUPTED and "mtqa: interrupted" in err and "Traceback" not in err
    assert took < 5, took


def test_symlinked_report_and_special_files_are_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    write_file(str(link), b"new\n")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "new\n"
    write_file(os.devnull, b"nothing\n")  # never replaced by a regular file
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_word_frequency_cache_full_or_corrupt_falls_back_to_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import sqlite3

    from mtqa.checks import text as check_text

    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(check_text, "_WARNED", set())
    calls = []

    class FillsUp(dict):
        def items(self) -> Any:  # the disk fills up half-way through the derived file
            yield ("a", 0.5)
            raise sqlite3.OperationalError("database or disk is full")

    def folded(lang: str) -> dict[str, float]:
        calls.append(lang)
        return FillsUp() if len(calls) == 1 else {"a": 0.25}

    monkeypatch.setattr(check_text, "folded_frequencies", folded)
    with caplog.at_level("WARNING", logger="mtqa"):
        table = check_text.FreqTable("ar")
    assert table.get("a") == 0.25 and table.get("zz") is None  # from memory
    # no temporary file and no journal left behind on the full disk
    assert not list((tmp_path / "wordfreq").iterdir())
    warnings = [r.getMessage() for r in caplog.records if r.name == "mtqa"]
    assert warnings == [f"mtqa: warning: word-frequency cache {tmp_path / 'wordfreq'} is unusable "
                        "(database or disk is full); folding the word lists in memory instead"]

    monkeypatch.setattr(check_text, "_WARNED", set())
    caplog.clear()
    path = table.path()
    path.write_bytes(os.urandom(4096))  # corrupt: moved aside and derived again
    with caplog.at_level("WARNING", logger="mtqa"):
        again = check_text.FreqTable("ar")
    assert again.get("a") == 0.25 and again._mem is None  # read from the new file
    assert len(list(path.parent.glob(f"{path.name}.corrupt-*"))) == 1
    assert [r.getMessage() for r in caplog.records if "was corrupt" in r.getMessage()]
