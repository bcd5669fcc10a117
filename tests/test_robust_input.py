"""Whole runs over hostile or careless input: one bad record never costs the others (#17, #18)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AR = "قال مسؤولون إن 14 شخصا لقوا حتفهم يوم الثلاثاء بعد انهيار جزء من مفيض سد خرزان."
URDU = ("پاکستان کے وزیر اعظم نے کہا ہے کہ حکومت آئندہ ہفتے نئے بجٹ کا اعلان کرے گی۔ انہوں نے "
        "صحافیوں سے بات کرتے ہوئے بتایا کہ ملک کی معیشت بہتر ہو رہی ہے۔")
ARTISTS = "در این جشنواره آثاری از Taylor Swift، Ed Sheeran، Billie Eilish، Bruno Mars و Adele Adkins پخش شد."


def _run(*args: str) -> tuple[int, dict, list[str]]:
    proc = subprocess.run([sys.executable, "-m", "mtqa", *args, "--no-translate", "-q"],
                          capture_output=True, timeout=300, cwd=REPO)
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err and "internal error" not in err, err
    return proc.returncode, json.loads(proc.stdout), err.splitlines()


def _feed(tmp_path: Path) -> Path:
    lines = [
        json.dumps({"id": "good", "text": AR}),
        '{"id": "surrogate", "text": "\\ud83d ' + AR + '"}',
        '{"id": "deep", "text": ' + "[" * 50_000 + "]" * 50_000 + "}",
        json.dumps({"id": "urdu", "text": URDU}),
        json.dumps({"id": "artists", "text": ARTISTS, "lang": "fa"}),
        json.dumps({"id": "painter", "text": "Pablo Picasso (نقاش) 14:", "lang": "ar"}),
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_records_are_reported_and_the_rest_are_checked(tmp_path: Path) -> None:
    status, report, err = _run("check", str(_feed(tmp_path)))
    assert status == 2  # input problems
    assert [a["id"] for a in report["articles"]] == ["good", "surrogate", "artists", "painter"]
    problems = {p["source"]: p["message"] for p in report["problems"]}
    assert "nested too deeply" in problems[f"{tmp_path}/feed.jsonl:3"]
    assert "Urdu (ur): mtqa checks Arabic and Persian" in problems[f"{tmp_path}/feed.jsonl:4"]
    notes = {a["id"]: a["notes"] for a in report["articles"]}
    assert notes["surrogate"][0]["code"] == "INGEST001" and notes["good"] == [] and notes["artists"] == []
    assert notes["painter"][0]["code"] == "LANG001"
    assert "kept although the text looks like Latin script" in notes["painter"][0]["message"]
    assert report["problems"][1]["lang"] == "ur" and "lang" not in report["problems"][0]
    assert sum(line.startswith("mtqa: error:") for line in err) == 2


def test_gate_fails_an_urdu_article(tmp_path: Path) -> None:
    path = tmp_path / "ur.txt"
    path.write_text(URDU + "\n", encoding="utf-8")
    good = tmp_path / "ar.txt"
    good.write_text(AR + "\n", encoding="utf-8")
    status, report, err = _run("gate", str(path), str(good))
    assert status == 2 and [a["id"] for a in report["articles"]] == ["ar"]
    assert any("Urdu (ur)" in line for line in err) and err[-1] == "mtqa gate: FAIL"
    langs = next(c for c in report["gate"]["checks"] if c["name"] == "required_langs")
    assert langs["status"] == "fail" and [d["observed"] for d in langs["details"]] == ["ur"]


def test_notes_reach_every_human_format(tmp_path: Path) -> None:
    from mtqa.config import Config
    from mtqa.pipeline import RunOptions, run
    from mtqa.report import render

    path = tmp_path / "n.jsonl"
    path.write_text(json.dumps({"id": "p", "lang": "ar", "text": "Pablo Picasso (نقاش) 14:"}) + "\n",
                    encoding="utf-8")
    report = run([str(path)], Config.load(), RunOptions(translate=False, quiet=True))
    assert [n.code for n in report.articles[0].notes] == ["LANG001"]
    assert "<li><b>LANG001</b> declared language" in render(report, "html")
    assert "- **p** `LANG001` declared language" in render(report, "markdown")
    github = render(report, "github")
    assert "::notice file=" in github and "title=mtqa%3A LANG001" in github
