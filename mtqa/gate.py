"""The publication gate: thresholds from ``configs/gate.toml`` decide pass or fail.

Interface used by the CLI::

    load_gate_config(path) -> dict
    evaluate(report, gate_cfg, baseline) -> GateResult      # result.passed, result.to_dict()

Every threshold is one small rule in :data:`RULES` (name → function measuring each article),
configured by a table ``[gate.<name>]`` with ``enabled``, ``limit`` and ``action`` (``"fail"``
or ``"warn"``). The gate judges the report *as written*: it reads ``report.to_dict()``, so
re-gating a saved JSON report gives the same answer as gating the run that wrote it.

With a baseline (an earlier JSON report), only regressions fail: an article that already
exceeded a threshold in the baseline, with a value not worse than before, only warns. Articles
missing from the baseline are judged normally. Report-wide rules (``max_conflicts``) compare
the whole report with the whole baseline.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtqa.config import config_dir, load_toml
from mtqa.errors import ConfigError, InputError
from mtqa.model import LANGS, SCHEMA_VERSION, Report

ACTIONS = ("fail", "warn")
STATUSES = ("pass", "fail", "warn", "skipped")
SECTION = "gate"
REPORT_WIDE = "*"  # the article id under which report-wide rules record their detail


# --- configuration ------------------------------------------------------------------------------

def default_path() -> Path:
    return config_dir() / "gate.toml"


def load_gate_config(path: str | Path | None = None) -> dict[str, Any]:
    """The gate thresholds: the shipped ``configs/gate.toml``, overridden by ``path`` if given.

    The shipped file is the schema: a key it lacks, or a value of another type, is a
    :class:`ConfigError` naming the file; so are impossible values (a negative limit, a share or
    probability above 1, an unknown action or language).
    """
    shipped = default_path()
    data = load_toml(shipped)
    if SECTION not in data or not isinstance(data[SECTION], dict):
        raise ConfigError(f"{shipped}: missing table [{SECTION}]")
    cfg: dict[str, Any] = copy.deepcopy(data[SECTION])
    origin = str(shipped)
    if path is not None and Path(path).resolve() != shipped.resolve():
        origin = str(path)
        user = load_toml(Path(path))
        unknown = sorted(set(user) - {SECTION})
        if unknown:
            raise ConfigError(f"{path}: unknown key '{unknown[0]}' (gate settings go in [{SECTION}])")
        if SECTION in user:
            if not isinstance(user[SECTION], Mapping):
                raise ConfigError(f"{path}: '{SECTION}' must be a table")
            _merge(cfg, user[SECTION], SECTION, origin)
    _validate(cfg, origin)
    return cfg


def _merge(base: dict[str, Any], override: Mapping[str, Any], where: str, origin: str) -> None:
    for key, value in override.items():
        name = f"{where}.{key}"
        if key not in base:
            raise ConfigError(f"{origin}: unknown key '{name}' (known here: {', '.join(sorted(base))})")
        current = base[key]
        if isinstance(current, dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{origin}: '{name}' must be a table")
            _merge(current, value, name, origin)
        elif not _same_type(current, value):
            raise ConfigError(f"{origin}: '{name}' must be {_type_name(current)}, "
                              f"got {_type_name(value)}")
        else:
            base[key] = float(value) if isinstance(current, float) else copy.deepcopy(value)


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, type(default))


def _type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list of strings", dict: "a table"}
    return names.get(type(value), type(value).__name__)


def _validate(cfg: dict[str, Any], origin: str) -> None:
    for name, rule in cfg.items():
        if name not in RULES:
            raise ConfigError(f"{origin}: '{SECTION}.{name}' is not a gate rule "
                              f"(known: {', '.join(RULES)})")
        if not isinstance(rule, dict):
            raise ConfigError(f"{origin}: '{SECTION}.{name}' must be a table")
        for key in ("enabled", "limit", "action"):
            if key not in rule:
                raise ConfigError(f"{origin}: '{SECTION}.{name}.{key}' is missing")
        if rule["action"] not in ACTIONS:
            raise ConfigError(f"{origin}: '{SECTION}.{name}.action' must be one of "
                              f"{', '.join(ACTIONS)}, got '{rule['action']}'")
        problem = RULES[name].check_limit(rule["limit"])
        if problem:
            raise ConfigError(f"{origin}: '{SECTION}.{name}.limit' {problem}")


# --- results ------------------------------------------------------------------------------------

@dataclass
class GateDetail:
    """One article (or the whole report, ``article == "*"``) exceeding a threshold."""

    article: str
    source: str
    observed: Any
    status: str  # "fail" (a regression, or no baseline) or "warn" (tolerated / warn-only rule)
    passages: list[str] = field(default_factory=list)
    baseline: Any = None  # the baseline's value for this article, when it has one
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"article": self.article, "source": self.source, "observed": self.observed,
                "status": self.status, "passages": list(self.passages),
                "baseline": self.baseline, "note": self.note}


@dataclass
class GateCheck:
    """One threshold as judged on this report."""

    name: str
    description: str
    limit: Any
    observed: Any
    action: str
    status: str  # pass | fail | warn | skipped
    details: list[GateDetail] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "limit": self.limit,
                "observed": self.observed, "action": self.action, "status": self.status,
                "note": self.note, "details": [d.to_dict() for d in self.details]}


@dataclass
class GateResult:
    """The gate's decision: ``passed`` is False when any check has status ``fail``."""

    passed: bool
    checks: list[GateCheck]
    baseline: str | None = None  # the baseline report's signature, when one was given

    def articles(self) -> dict[str, dict[str, Any]]:
        """Per-article verdicts: status, failed/warned checks and passage verdicts.

        ``passages`` maps a passage id to ``{"status": "fail" | "warn", "checks": [...]}`` for
        the passage-level rules that name it (a report-wide rule such as ``max_conflicts`` only
        marks the article).
        """
        out: dict[str, dict[str, Any]] = {}
        for check in self.checks:
            rule = RULES.get(check.name)
            for d in check.details:
                if d.article == REPORT_WIDE:
                    continue
                entry = out.setdefault(d.article, {"status": "pass", "source": d.source,
                                                   "failed": [], "warned": [], "passages": {}})
                if d.status == "fail":
                    entry["status"] = "fail"
                    entry["failed"].append(check.name)
                else:
                    if entry["status"] != "fail":
                        entry["status"] = "warn"
                    entry["warned"].append(check.name)
                if rule is not None and not rule.passage_level:
                    continue
                for pid in d.passages:
                    verdict = entry["passages"].setdefault(pid, {"status": d.status, "checks": []})
                    if d.status == "fail":
                        verdict["status"] = "fail"
                    verdict["checks"].append(check.name)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "verdict": "pass" if self.passed else "fail",
            "baseline": self.baseline,
            "checks": [c.to_dict() for c in self.checks],
            "articles": self.articles(),
        }


# --- rules --------------------------------------------------------------------------------------

@dataclass
class Measure:
    """What a rule measured on one article: a value, and the passages that exceed the limit."""

    value: Any
    passages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    """A gate rule: how to measure an article and how to compare with the limit."""

    name: str
    description: str
    measure: Callable[[dict[str, Any], Any], Measure | None]  # None: nothing to judge
    exceeds: Callable[[Any, Any], bool]  # (value, limit) -> over the threshold?
    not_worse: Callable[[Any, Any], bool]  # (value, baseline value) -> no regression?
    check_limit: Callable[[Any], str | None]  # limit -> problem or None
    worst: Callable[[list[Any]], Any]  # observed value for the whole report
    report_wide: Callable[[dict[str, Any]], Measure | None] | None = None
    none_note: str = "nothing to judge"
    passage_level: bool = True  # False: the passages it lists are context, not verdicts


def _content(article: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in article.get("passages") or [] if p.get("kind", "content") == "content"]


def _measure_garble(article: dict[str, Any], limit: Any) -> Measure | None:
    scored = [p for p in _content(article) if p.get("garble") is not None]
    if not scored:
        return None
    return Measure(max(p["garble"] for p in scored),
                   [p["id"] for p in scored if p["garble"] > limit])


def _measure_share(article: dict[str, Any], limit: Any) -> Measure | None:
    content = _content(article)
    if not content:
        return None
    flagged = [p["id"] for p in content if p.get("flagged")]
    return Measure(round(len(flagged) / len(content), 4), flagged)


def _measure_agreement(article: dict[str, Any], limit: Any) -> Measure | None:
    pairs = [(p["id"], (p.get("evidence") or {})["agreement_chrf"]) for p in _content(article)
             if "agreement_chrf" in (p.get("evidence") or {})]
    if not pairs:
        return None
    return Measure(min(v for _, v in pairs), [pid for pid, v in pairs if v < limit])


def _measure_lang(article: dict[str, Any], limit: Any) -> Measure | None:
    return Measure(article.get("lang") or "none")


def _measure_conflicts_article(article: dict[str, Any], limit: Any) -> Measure | None:
    return None  # report-wide rule: see _conflicts_report


def _conflicts_report(report: dict[str, Any]) -> Measure | None:
    summary = (report.get("crosscheck") or {}).get("summary") or {}
    if "conflict" not in summary:
        return None
    return Measure(int(summary["conflict"]))


def _conflict_articles(report: dict[str, Any]) -> dict[str, tuple[int, list[str]]]:
    """Article id → (conflicting mentions, passage ids) from the cross-check facts."""
    out: dict[str, tuple[int, list[str]]] = {}
    for fact in (report.get("crosscheck") or {}).get("facts") or []:
        if fact.get("status") != "conflict":
            continue
        for value in fact.get("values") or []:
            aid = value.get("article")
            if aid is None:
                continue
            n, pids = out.get(aid, (0, []))
            pid = value.get("passage")
            if pid is not None and pid not in pids:
                pids = [*pids, pid]
            out[aid] = (n + 1, pids)
    return out


def _unit_interval(limit: Any) -> str | None:
    return None if 0.0 <= limit <= 1.0 else f"must be between 0 and 1, got {limit}"


def _non_negative(limit: Any) -> str | None:
    return None if limit >= 0 else f"must not be negative, got {limit}"


def _chrf_range(limit: Any) -> str | None:
    return None if 0.0 <= limit <= 100.0 else f"must be a chrF between 0 and 100, got {limit}"


def _lang_list(limit: Any) -> str | None:
    if not limit:
        return "must name at least one language (disable the rule instead)"
    unknown = [x for x in limit if x not in LANGS]
    return f"has unknown language codes {unknown} (known: {', '.join(LANGS)})" if unknown else None


def _langs_worst(values: list[Any]) -> Any:
    return sorted(set(values))


RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        Rule("max_garble", "highest garble probability of any content passage",
             _measure_garble, lambda v, lim: v > lim, lambda v, b: v <= b, _unit_interval, max,
             none_note="no passage has a garble score"),
        Rule("max_flagged_share", "share of an article's content passages that are flagged",
             _measure_share, lambda v, lim: v > lim, lambda v, b: v <= b, _unit_interval, max,
             none_note="no article has content passages"),
        Rule("max_conflicts", "facts on which outlets disagree (cross-check conflicts)",
             _measure_conflicts_article, lambda v, lim: v > lim, lambda v, b: v <= b,
             _non_negative, max, report_wide=_conflicts_report,
             none_note="no cross-check summary in the report", passage_level=False),
        Rule("min_agreement", "lowest chrF between two renderings of one passage",
             _measure_agreement, lambda v, lim: v < lim, lambda v, b: v >= b, _chrf_range, min,
             none_note="no passage has two renderings to compare (translate with two systems)"),
        Rule("required_langs", "article language must be one of these",
             _measure_lang, lambda v, lim: v not in lim, lambda v, b: v == b, _lang_list,
             _langs_worst, none_note="no articles"),
    )
}


# --- evaluation ---------------------------------------------------------------------------------

def evaluate(report: Report | Mapping[str, Any], gate_cfg: Mapping[str, Any],
             baseline: Mapping[str, Any] | None = None) -> GateResult:
    """Judge ``report`` (a Report or its JSON dict) against ``gate_cfg`` (from
    :func:`load_gate_config`); with ``baseline`` (an earlier JSON report) only regressions fail.

    A malformed baseline or report dict raises :class:`InputError`.
    """
    data = report.to_dict() if isinstance(report, Report) else dict(report)
    base_articles: dict[str, dict[str, Any]] = {}
    if baseline is not None:
        schema = baseline.get("schema", SCHEMA_VERSION)
        if schema != SCHEMA_VERSION:
            raise InputError("baseline report", f"has report schema {schema}; this mtqa reads "
                             f"schema {SCHEMA_VERSION} (re-run the baseline with this version)")
        base_articles = {a["id"]: a for a in baseline.get("articles") or []
                         if isinstance(a, dict) and "id" in a}
    try:
        checks = [
            _judge(RULES[name], rule, data, baseline, base_articles)
            for name, rule in gate_cfg.items()
            if name in RULES and isinstance(rule, Mapping)
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        which = "baseline report" if baseline is not None else "report"
        raise InputError(which, f"is not a well-formed mtqa JSON report "
                         f"({type(exc).__name__}: {exc})") from None
    passed = not any(c.status == "fail" for c in checks)
    base_sig = None
    if baseline is not None:
        base_sig = str(baseline.get("signature") or "unknown")
    return GateResult(passed=passed, checks=checks, baseline=base_sig)


def _judge(rule: Rule, cfg: Mapping[str, Any], report: dict[str, Any],
           baseline: Mapping[str, Any] | None,
           base_articles: dict[str, dict[str, Any]]) -> GateCheck:
    limit, action = cfg["limit"], cfg["action"]
    check = GateCheck(rule.name, rule.description, limit, None, action, "pass")
    if not cfg["enabled"]:
        check.status, check.note = "skipped", "disabled in the gate config"
        return check

    if rule.report_wide is not None:
        measured = rule.report_wide(report)
        if measured is None:
            check.status, check.note = "skipped", rule.none_note
            return check
        check.observed = measured.value
        if rule.exceeds(measured.value, limit):
            previous = rule.report_wide(dict(baseline)) if baseline is not None else None
            detail = GateDetail(REPORT_WIDE, "", measured.value, "fail",
                                baseline=None if previous is None else previous.value)
            _tolerate(rule, detail, limit, action, previous)
            check.details.append(detail)
            # Attribute a report-wide failure to the articles involved (for per-article verdicts).
            for aid, (n, pids) in sorted(_conflict_articles(report).items()):
                src = _source_of(report, aid)
                check.details.append(GateDetail(aid, src, n, detail.status, pids,
                                                note=f"{n} conflicting mention(s)"))
        check.status = _status(check)
        return check

    values: list[Any] = []
    for article in report.get("articles") or []:
        measured = rule.measure(article, limit)
        if measured is None:
            continue
        values.append(measured.value)
        if not rule.exceeds(measured.value, limit):
            continue
        detail = GateDetail(article["id"], article.get("source", ""), measured.value, "fail",
                            measured.passages)
        previous = None
        if article["id"] in base_articles:
            previous = rule.measure(base_articles[article["id"]], limit)
            detail.baseline = None if previous is None else previous.value
        elif baseline is not None:
            detail.note = "new article (not in the baseline)"
        _tolerate(rule, detail, limit, action, previous)
        check.details.append(detail)
    if not values:
        check.status, check.note = "skipped", rule.none_note
        return check
    check.observed = rule.worst(values)
    check.status = _status(check)
    return check


def _tolerate(rule: Rule, detail: GateDetail, limit: Any, action: str,
              previous: Measure | None) -> None:
    """Downgrade a detail to ``warn`` for warn-only rules and baseline-tolerated values."""
    if action == "warn":
        detail.status = "warn"
    if previous is None:
        return
    if rule.exceeds(previous.value, limit) and rule.not_worse(detail.observed, previous.value):
        detail.status = "warn"
        detail.note = f"already over the limit in the baseline ({previous.value}), not worse"
    else:
        detail.note = f"regression: baseline had {previous.value}"


def _status(check: GateCheck) -> str:
    if any(d.status == "fail" for d in check.details):
        return "fail"
    if check.details:
        return "warn"
    return "pass"


def _source_of(report: dict[str, Any], article_id: str) -> str:
    for article in report.get("articles") or []:
        if article.get("id") == article_id:
            return str(article.get("source", ""))
    return ""
