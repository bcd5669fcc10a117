"""The publication gate: thresholds from ``configs/gate.toml`` decide pass or fail.

Reads: the finished report (and a baseline report). Adds: a ``GateResult`` (``Report.gate``).

Interface used by the CLI::

    load_gate_config(path) -> dict
    evaluate(report, gate_cfg, baseline) -> GateResult      # result.passed, result.to_dict()

Every threshold is one small rule in :data:`RULES` (name → function measuring each article),
configured by a table ``[gate.<name>]`` with ``enabled``, ``limit`` and ``action`` (``"fail"``
or ``"warn"``). The gate judges the report *as written*: a typed :class:`~mtqa.model.Report` is
serialised once with ``to_dict()`` and judged exactly like a saved JSON report (the baseline is
always one, and ``mtqa gate`` may judge a saved report), so re-gating the JSON gives the same
answer as gating the run that wrote it: one code path, and the values compared are the rounded
ones the report publishes. The rules read the schema's keys directly, with no fallbacks; a dict
that lacks one is not a well-formed report and raises :class:`~mtqa.errors.InputError`.

The result types (:class:`GateResult`, :class:`GateCheck`, :class:`GateDetail` and the
per-article :class:`ArticleVerdict`) live in :mod:`mtqa.model` beside the report that carries
them (``Report.gate``); they are re-exported here.

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

from mtqa.config import load_toml, merge, resolve_config_path
from mtqa.errors import ConfigError, InputError
from mtqa.model import (
    LANGS,
    REPORT_WIDE,
    SCHEMA_VERSION,
    ArticleVerdict,
    GateCheck,
    GateDetail,
    GateResult,
    PassageVerdict,
    Report,
)

ACTIONS = ("fail", "warn")
STATUSES = ("pass", "fail", "warn", "skipped")
SECTION = "gate"

__all__ = ["ACTIONS", "REPORT_WIDE", "RULES", "STATUSES", "ArticleVerdict", "GateCheck",
           "GateDetail", "GateResult", "PassageVerdict", "evaluate", "load_gate_config"]


# --- configuration ------------------------------------------------------------------------------

def default_path() -> Path:
    return resolve_config_path("gate.toml")


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
            merge(cfg, user[SECTION], SECTION, origin)
    _validate(cfg, origin)
    return cfg


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
    # what the rule judges: the articles, by default
    subjects: Callable[[dict[str, Any]], list[dict[str, Any]]] = lambda r: list(r["articles"])


def _content(article: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in article["passages"] if p["kind"] == "content"]


def _measure_garble(article: dict[str, Any], limit: Any) -> Measure | None:
    scored = [p for p in _content(article) if p["garble"] is not None]
    if not scored:
        return None
    return Measure(max(p["garble"] for p in scored),
                   [p["id"] for p in scored if p["garble"] > limit])


def _measure_share(article: dict[str, Any], limit: Any) -> Measure | None:
    content = _content(article)
    if not content:
        return None
    flagged = [p["id"] for p in content if p["flagged"]]
    return Measure(round(len(flagged) / len(content), 4), flagged)


def _measure_agreement(article: dict[str, Any], limit: Any) -> Measure | None:
    pairs = [(p["id"], p["evidence"]["agreement_chrf"]) for p in _content(article)
             if "agreement_chrf" in p["evidence"]]
    if not pairs:
        return None
    return Measure(min(v for _, v in pairs), [pid for pid, v in pairs if v < limit])


def _measure_lang(article: dict[str, Any], limit: Any) -> Measure | None:
    return Measure(article["lang"] or "none")


def _articles_and_refused(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The articles, and the inputs refused for their language (problems with a ``lang``: an
    Urdu article) as article-like dicts: ``required_langs`` fails on those too."""
    refused = [{"id": p["source"], "source": p["source"], "lang": p["lang"], "passages": []}
               for p in report.get("problems", []) if p.get("lang")]
    return [*report["articles"], *refused]


def _measure_conflicts_article(article: dict[str, Any], limit: Any) -> Measure | None:
    return None  # report-wide rule: see _conflicts_report


def _conflicts_report(report: dict[str, Any]) -> Measure | None:
    if report["crosscheck"] is None:
        return None
    return Measure(int(report["crosscheck"]["summary"]["conflict"]))


def _conflict_articles(report: dict[str, Any]) -> dict[str, tuple[int, list[str]]]:
    """Article id → (conflicting mentions, passage ids) from the cross-check facts."""
    out: dict[str, tuple[int, list[str]]] = {}
    for fact in (report["crosscheck"] or {"facts": []})["facts"]:
        if fact["status"] != "conflict":
            continue
        for value in fact["values"]:
            aid, pid = value["article"], value["passage"]
            n, pids = out.get(aid, (0, []))
            if pid not in pids:
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
             _langs_worst, none_note="no articles", subjects=_articles_and_refused),
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
    try:
        if baseline is not None:
            base_articles = {a["id"]: a for a in baseline["articles"]}
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
    check = GateCheck(rule.name, rule.description, limit, None, action, "pass",
                      passage_level=rule.passage_level)
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
    for article in rule.subjects(report):
        measured = rule.measure(article, limit)
        if measured is None:
            continue
        values.append(measured.value)
        if not rule.exceeds(measured.value, limit):
            continue
        detail = GateDetail(article["id"], article["source"], measured.value, "fail",
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
    return next((str(a["source"]) for a in report["articles"] if a["id"] == article_id), "")
