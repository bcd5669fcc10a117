"""CLI habits: --version, --help, usage errors exit 2 with one line and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mtqa import __version__
from mtqa.cli import main


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mtqa", *args], capture_output=True, text=True,
                          timeout=120)


def test_version() -> None:
    out = _run("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"mtqa {__version__}"


@pytest.mark.parametrize("cmd", [[], ["check"], ["gate"], ["config"], ["translators"]])
def test_help_for_every_command(cmd: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*cmd, "--help"])
    assert exc.value.code == 0
    assert "usage: mtqa" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["check"], "the following arguments are required: INPUT"),
        (["check", "x.txt", "--no-translate", "--translator", "opus-mt"], "contradict"),
        (["check", "x.txt", "--format", "yaml"], "unknown format 'yaml'"),
        (["check", "x.txt", "--format", "json", "--format", "html"], "need as many -o"),
        (["check", "x.txt", "-o", "report.pdf"], "cannot tell the format"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    out = _run(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_bad_config_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[checks]\nunknown_key = 1\n", encoding="utf-8")
    out = _run("check", str(tmp_path), "--no-translate", "--config", str(bad))
    assert out.returncode == 2
    assert "bad.toml: unknown key 'checks.unknown_key'" in out.stderr
    assert "Traceback" not in out.stderr


def test_missing_input_exits_2(tmp_path: Path) -> None:
    out = _run("check", str(tmp_path / "nope.txt"), "--no-translate")
    assert out.returncode == 2
    assert "nope.txt" in out.stderr and "Traceback" not in out.stderr


def test_config_command_shows_resolved_settings() -> None:
    out = _run("config")
    assert out.returncode == 0
    assert '"translate"' in out.stdout and '"default"' in out.stdout
