"""The publication gate: config validation, pass / fail / warn, baseline regressions, CLI exit codes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from report_fixtures import S, clean_report, make_article, sample_report, with_lang

from mtqa import gate
from mtqa.errors import ConfigError
from mtqa.model import Report

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def cfg() -> dict:
    return gate.load_gate_config(None)


def _write(tmp_path: Path, text: str, name: str = "gate.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _check(result: gate.GateResult, name: str) -> gate.GateCheck:
    return next(c for c in result.checks if c.name == name)


# --- configuration --------------------------------------------------------------------------------

def test_shipped_config_is_complete_and_valid(cfg: dict) -> None:
    assert list(cfg) == list(gate.RULES)
    for rule in cfg.values():
        assert set(rule) == {"enabled", "limit", "action"}
        assert rule["action"] in gate.ACTIONS
    assert cfg["required_langs"]["limit"] == ["ar", "fa", "prs"]
    assert 0.0 < cfg["max_garble"]["limit"] <= 1.0


def test_max_garble_sits_above_the_checks_flag_threshold(cfg: dict) -> None:
    # The gate blocks only what the checks already flag: its limit must not be below their threshold.
    from mtqa.config import Config

    checks = Config.load().section("checks")
    assert cfg["max_garble"]["limit"] >= max(checks["threshold_source"], checks["threshold_translated"])


def test_user_config_overrides_part_of_the_defaults(tmp_path: Path) -> None:
    path = _write(tmp_path, "[gate.max_garble]\nlimit = 1\naction = \"warn\"\n"
                            "[gate.required_langs]\nlimit = [\"fa\"]\n")
    cfg = gate.load_gate_config(str(path))
    assert cfg["max_garble"] == {"enabled": True, "limit": 1.0, "action": "warn"}
    assert isinstance(cfg["max_garble"]["limit"], float)
    assert cfg["required_langs"]["limit"] == ["fa"]
    assert cfg["max_flagged_share"] == gate.load_gate_config(None)["max_flagged_share"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[gate.max_garble]\nlimt = 0.5\n", "unknown key 'gate.max_garble.limt'"),
        ("[gate.max_typos]\nenabled = true\n", "unknown key 'gate.max_typos'"),
        ("[thresholds]\nx = 1\n", "unknown key 'thresholds'"),
        ("[gate.max_garble]\nlimit = \"high\"\n", "'gate.max_garble.limit' must be a number, got a string"),
        ("[gate.max_garble]\nenabled = 1\n", "'gate.max_garble.enabled' must be a boolean"),
        ("[gate.max_conflicts]\nlimit = 1.5\n", "'gate.max_conflicts.limit' must be an integer"),
        ("[gate.required_langs]\nlimit = \"ar\"\n", "must be a list of strings"),
        ("[gate.required_langs]\nlimit = [1, 2]\n", "must be a list of strings"),
        ("gate = 3\n", "'gate' must be a table"),
        ("[gate]\nmax_garble = 0.5\n", "'gate.max_garble' must be a table"),
        ("[gate.max_garble]\nlimit = -0.1\n", "between 0 and 1, got -0.1"),
        ("[gate.max_garble]\nlimit = 1.5\n", "between 0 and 1, got 1.5"),
        ("[gate.max_flagged_share]\nlimit = 2\n", "between 0 and 1"),
        ("[gate.max_conflicts]\nlimit = -1\n", "must not be negative"),
        ("[gate.min_agreement]\nlimit = 120.0\n", "chrF between 0 and 100"),
        ("[gate.max_garble]\naction = \"block\"\n", "must be one of fail, warn, got 'block'"),
        ("[gate.required_langs]\nlimit = [\"ar\", \"en\"]\n", "unknown language codes ['en']"),
        ("[gate.required_langs]\nlimit = []\n", "at least one language"),
        ("[gate\n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_config_error_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text, "mygate.toml")
    with pytest.raises(ConfigError) as exc:
        gate.load_gate_config(str(path))
    assert "mygate.toml" in str(exc.value)
    assert message in str(exc.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        gate.load_gate_config(str(tmp_path / "nope.toml"))


# --- evaluation -----------------------------------------------------------------------------------

def test_clean_report_passes(cfg: dict) -> None:
    result = gate.evaluate(clean_report(), cfg)
    assert result.passed
    statuses = {c.name: c.status for c in result.checks}
    assert statuses == {"max_garble": "pass", "max_flagged_share": "pass", "max_conflicts": "skipped",
                        "min_agreement": "skipped", "required_langs": "pass"}
    assert "two renderings" in _check(result, "min_agreement").note
    assert _check(result, "max_garble").observed == 0.11
    assert result.to_dict()["articles"] == {}


def test_garbled_report_fails_with_details(cfg: dict) -> None:
    result = gate.evaluate(sample_report(), cfg)
    assert not result.passed
    garble = _check(result, "max_garble")
    assert (garble.status, garble.observed, garble.limit) == ("fail", 0.97, 0.9)
    assert [(d.article, d.observed, d.passages) for d in garble.details] == [
        ("ar-iraq", 0.97, ["ar-iraq:3"]), ("fa-1", 0.92, ["fa-1:2"])]
    share = _check(result, "max_flagged_share")
    assert share.status == "fail" and [d.article for d in share.details] == ["ar-iraq", "fa-1"]
    assert share.details[0].observed == 0.4 and share.details[0].passages == ["ar-iraq:3", "ar-iraq:5"]
    conflicts = _check(result, "max_conflicts")
    assert (conflicts.status, conflicts.observed) == ("warn", 1)  # shipped action is "warn"
    agreement = _check(result, "min_agreement")
    assert (agreement.status, agreement.observed) == ("warn", 14.5)
    assert agreement.details[0].passages == ["fa-1:1"]
    articles = result.to_dict()["articles"]
    assert articles["ar-iraq"]["status"] == "fail"
    assert articles["ar-iraq"]["failed"] == ["max_garble", "max_flagged_share"]
    assert articles["ar-iraq"]["passages"]["ar-iraq:3"] == {"status": "fail",
                                                           "checks": ["max_garble", "max_flagged_share"]}
    assert articles["fa-1"]["passages"]["fa-1:1"] == {"status": "warn", "checks": ["min_agreement"]}
    assert "prs-kabul" not in articles
    json.dumps(result.to_dict())  # JSON-able


def test_warn_only_config_passes_but_reports(cfg: dict) -> None:
    for rule in cfg.values():
        rule["action"] = "warn"
    result = gate.evaluate(sample_report(), cfg)
    assert result.passed
    assert {c.name: c.status for c in result.checks} == {
        "max_garble": "warn", "max_flagged_share": "warn", "max_conflicts": "warn",
        "min_agreement": "warn", "required_langs": "pass"}
    assert result.to_dict()["articles"]["ar-iraq"]["status"] == "warn"


def test_disabled_rules_are_skipped(cfg: dict) -> None:
    for rule in cfg.values():
        rule["enabled"] = False
    result = gate.evaluate(sample_report(), cfg)
    assert result.passed and {c.status for c in result.checks} == {"skipped"}
    assert all("disabled" in c.note for c in result.checks)


def test_conflicts_can_fail(cfg: dict) -> None:
    cfg["max_conflicts"]["action"] = "fail"
    result = gate.evaluate(sample_report(), cfg)
    check = _check(result, "max_conflicts")
    assert check.status == "fail"
    assert {d.article for d in check.details} == {"*", "ar-iraq", "fa-1"}
    cfg["max_conflicts"]["limit"] = 1
    assert _check(gate.evaluate(sample_report(), cfg), "max_conflicts").status == "pass"


@pytest.mark.parametrize(("lang", "observed"), [("en", "en"), (None, "none")])
def test_required_language(cfg: dict, lang: str | None, observed: str) -> None:
    report = with_lang(clean_report(), "prs-kabul", lang)
    result = gate.evaluate(report, cfg)
    check = _check(result, "required_langs")
    assert not result.passed and check.status == "fail"
    assert [(d.article, d.observed) for d in check.details] == [("prs-kabul", observed)]
    assert result.to_dict()["articles"]["prs-kabul"]["failed"] == ["required_langs"]


def test_thresholds_are_strict_at_the_limit(cfg: dict) -> None:
    art = make_article("edge", "edge.txt", "ar", [[S("نص سليم تماما هنا.", garble=0.9)]])
    result = gate.evaluate(Report(version="0.1.0", signature="s", articles=[art]), cfg)
    assert _check(result, "max_garble").status == "pass"  # 0.9 is not above 0.9


def test_evaluating_a_saved_json_report_gives_the_same_result(cfg: dict) -> None:
    report = sample_report()
    saved = json.loads(json.dumps(report.to_dict()))
    assert gate.evaluate(saved, cfg).to_dict() == gate.evaluate(report, cfg).to_dict()


# --- baseline -------------------------------------------------------------------------------------

def _bump(report: Report, article_id: str, passage_no: int, garble: float) -> Report:
    arts = []
    for a in report.articles:
        if a.id == article_id:
            ps = list(a.passages)
            ps[passage_no] = replace(ps[passage_no], garble=garble, flagged=True)
            a = replace(a, passages=tuple(ps))
        arts.append(a)
    return replace(report, articles=arts)


def test_baseline_tolerates_known_failures(cfg: dict) -> None:
    baseline = sample_report().to_dict()
    result = gate.evaluate(sample_report(), cfg, baseline)
    assert result.passed
    assert result.baseline == baseline["signature"]
    garble = _check(result, "max_garble")
    assert garble.status == "warn"
    assert all(d.status == "warn" and "already over the limit" in d.note for d in garble.details)
    assert garble.details[0].baseline == 0.97


def test_baseline_regression_fails(cfg: dict) -> None:
    baseline = sample_report().to_dict()
    worse = _bump(sample_report(), "ar-iraq", 3, 0.99)  # was 0.97
    result = gate.evaluate(worse, cfg, baseline)
    assert not result.passed
    details = {d.article: d for d in _check(result, "max_garble").details}
    assert details["ar-iraq"].status == "fail" and "regression" in details["ar-iraq"].note
    assert details["fa-1"].status == "warn"  # unchanged: still tolerated
    # a passage newly over the limit in an article that was under it before
    result2 = gate.evaluate(_bump(sample_report(), "prs-kabul", 0, 0.95), cfg, baseline)
    d2 = {d.article: d for d in _check(result2, "max_garble").details}["prs-kabul"]
    assert d2.status == "fail" and d2.baseline == 0.11


def test_baseline_better_than_before_only_warns(cfg: dict) -> None:
    baseline = _bump(sample_report(), "ar-iraq", 3, 0.99).to_dict()
    result = gate.evaluate(sample_report(), cfg, baseline)
    d = {d.article: d for d in _check(result, "max_garble").details}["ar-iraq"]
    assert d.status == "warn" and d.baseline == 0.99


def test_baseline_new_articles_are_judged_normally(cfg: dict) -> None:
    baseline = sample_report().to_dict()
    baseline["articles"] = [a for a in baseline["articles"] if a["id"] != "fa-1"]
    result = gate.evaluate(sample_report(), cfg, baseline)
    assert not result.passed
    details = {d.article: d for d in _check(result, "max_garble").details}
    assert details["fa-1"].status == "fail" and "new article" in details["fa-1"].note
    assert details["ar-iraq"].status == "warn"


def test_baseline_report_wide_conflicts(cfg: dict) -> None:
    cfg["max_conflicts"]["action"] = "fail"
    baseline = sample_report().to_dict()
    assert _check(gate.evaluate(sample_report(), cfg, baseline), "max_conflicts").status == "warn"
    less = copy.deepcopy(baseline)
    less["crosscheck"]["summary"]["conflict"] = 0
    assert _check(gate.evaluate(sample_report(), cfg, less), "max_conflicts").status == "fail"


def test_baseline_language(cfg: dict) -> None:
    report = with_lang(clean_report(), "prs-kabul", "en")
    assert gate.evaluate(report, cfg, report.to_dict()).passed  # same wrong language: warns
    other = with_lang(clean_report(), "prs-kabul", "tr").to_dict()
    assert not gate.evaluate(report, cfg, other).passed  # language changed: judged again


# --- CLI exit codes -------------------------------------------------------------------------------
# These run the whole pipeline (`python -m mtqa gate`), so they need every stage in place.

ARABIC = ("أعلن رئيس الوزراء العراقي يوم الأحد بدء جولة جديدة من الحوار مع الولايات المتحدة حول "
          "مستقبل التحالف الدولي في العراق.\n"
          "وقال المتحدث باسم الحكومة إن الجانبين اتفقا على تشكيل لجنة عسكرية عليا لمتابعة الملف.\n"
          "وأضاف أن الاجتماعات ستعقد في بغداد خلال الأسابيع المقبلة بحضور ممثلين عن وزارتي الدفاع "
          "والخارجية.\n")


def _mtqa(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mtqa", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd or REPO)


def _only_langs(tmp_path: Path, langs: list[str]) -> Path:
    lines = [f"[gate.{name}]\nenabled = false\n" for name in gate.RULES if name != "required_langs"]
    lines.append(f"[gate.required_langs]\nlimit = {json.dumps(langs)}\n")
    return _write(tmp_path, "\n".join(lines), f"gate-{'-'.join(langs)}.toml")


@pytest.fixture()
def arabic_file(tmp_path: Path) -> Path:
    return _write(tmp_path, ARABIC, "iraq.txt")


def test_cli_gate_passes_with_exit_0(tmp_path: Path, arabic_file: Path) -> None:
    out_json = tmp_path / "report.json"
    run = _mtqa("gate", str(arabic_file), "--no-translate", "--config",
                str(_only_langs(tmp_path, ["ar", "fa", "prs"])), "-o", str(out_json))
    assert run.returncode == 0, run.stderr
    assert "mtqa gate: PASS" in run.stderr
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["gate"]["passed"] is True


def test_cli_gate_fails_with_exit_1_and_baseline_tolerates(tmp_path: Path, arabic_file: Path) -> None:
    out_json = tmp_path / "report.json"
    cfg = str(_only_langs(tmp_path, ["fa"]))
    run = _mtqa("gate", str(arabic_file), "--no-translate", "--config", cfg, "-o", str(out_json))
    assert run.returncode == 1, run.stderr
    assert "mtqa gate: FAIL" in run.stderr
    data = json.loads(out_json.read_text(encoding="utf-8"))
    check = next(c for c in data["gate"]["checks"] if c["name"] == "required_langs")
    assert check["status"] == "fail" and check["details"][0]["observed"] == "ar"
    # the same failure against a baseline that already had it only warns
    again = _mtqa("gate", str(arabic_file), "--no-translate", "--config", cfg,
                  "--baseline", str(out_json), "--format", "github")
    assert again.returncode == 0, again.stderr
    assert "::warning file=" in again.stdout


def test_cli_gate_bad_gate_config_exits_2(tmp_path: Path, arabic_file: Path) -> None:
    bad = _write(tmp_path, "[gate.max_garble]\nlimit = 2.0\n", "bad.toml")
    run = _mtqa("gate", str(arabic_file), "--no-translate", "--config", str(bad))
    assert run.returncode == 2
    assert "bad.toml" in run.stderr and "between 0 and 1" in run.stderr
    assert "Traceback" not in run.stderr


def test_cli_gate_bad_baseline_exits_2(tmp_path: Path, arabic_file: Path) -> None:
    base = _write(tmp_path, "{not json", "base.json")
    run = _mtqa("gate", str(arabic_file), "--no-translate", "--baseline", str(base))
    assert run.returncode == 2 and "base.json" in run.stderr and "Traceback" not in run.stderr


def test_cli_gate_missing_input_exits_2(tmp_path: Path) -> None:
    run = _mtqa("gate", str(tmp_path / "nope.txt"), "--no-translate")
    assert run.returncode == 2 and "nope.txt" in run.stderr and "Traceback" not in run.stderr


# The CLI's mapping of gate results to exit codes, with the pipeline replaced by a fixed report
# (runs without the other stages; the subprocess tests above cover the real pipeline).

@pytest.mark.parametrize(
    ("make", "code", "verdict"),
    [(clean_report, 0, "PASS"), (lambda: sample_report(problems=False), 1, "FAIL"),
     (sample_report, 2, "FAIL")],  # input problems: exit 2 even though the gate ran
)
def test_cli_exit_codes_with_a_fixed_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str], make, code: int,
                                            verdict: str) -> None:
    from mtqa import cli, pipeline

    monkeypatch.setattr(pipeline, "run", lambda inputs, config, options=None: make())
    out_xml, out_md = tmp_path / "r.xml", tmp_path / "r.md"
    rc = cli.main(["gate", "in.txt", "--no-translate", "-o", str(out_xml), "-o", str(out_md)])
    assert rc == code
    assert f"mtqa gate: {verdict}" in capsys.readouterr().err
    assert out_xml.read_text(encoding="utf-8").startswith("<?xml")
    assert ("✅ PASS" if code == 0 else "❌ FAIL") in out_md.read_text(encoding="utf-8")


def test_malformed_baseline_is_an_input_error(cfg: dict) -> None:
    from mtqa.errors import InputError

    bad = sample_report().to_dict()
    bad["articles"][0]["passages"][3]["garble"] = "high"
    with pytest.raises(InputError, match="baseline report: is not a well-formed mtqa JSON report"):
        gate.evaluate(sample_report(), cfg, bad)
    with pytest.raises(InputError, match="schema 99"):
        gate.evaluate(sample_report(), cfg, {**sample_report().to_dict(), "schema": 99})
