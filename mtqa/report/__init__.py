"""Reporters: registered render functions, one per ``--format``.

Reads: the finished ``Report`` (with ``Report.gate`` when the gate ran). Adds nothing to it.

Interface used by the CLI::

    FORMATS: dict[str, Reporter]        # name -> reporter, in the order shown in --help
    render(report: Report, fmt: str) -> str
    position(article, start, end) -> Position   # where a span lies in its input file (and
    line_col, segments, source_mode)             # the helpers the reporters share)

Each reporter lives in its own module and is imported only when chosen, so rendering JSON never
imports the HTML or XML machinery. See docs/report-schema.md for every format's contract.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from mtqa.errors import MtqaError
from mtqa.model import Report
from mtqa.report._util import Position, line_col, position, segments, source_mode

__all__ = ["FORMATS", "Position", "Reporter", "line_col", "position", "render", "segments",
           "source_mode"]

RenderFn = Callable[[Report], str]


@dataclass(frozen=True)
class Reporter:
    """A registered output format: ``module:function`` loaded lazily."""

    name: str
    target: str  # "mtqa.report.<module>:<function>"
    description: str

    def load(self) -> RenderFn:
        module_name, _, func = self.target.partition(":")
        return getattr(importlib.import_module(module_name), func)

    def __call__(self, report: Report) -> str:
        return self.load()(report)


FORMATS: dict[str, Reporter] = {
    r.name: r
    for r in (
        Reporter("json", "mtqa.report.json_:render_json", "the full report as one JSON document"),
        Reporter("jsonl", "mtqa.report.json_:render_jsonl",
                 "one JSON line per article, then a summary line"),
        Reporter("markdown", "mtqa.report.markdown:render",
                 "a summary for a CI step summary (capped under 1 MiB)"),
        Reporter("junit", "mtqa.report.junit:render", "JUnit XML: one test case per article"),
        Reporter("github", "mtqa.report.github:render",
                 "GitHub Actions annotations pointing into the input files"),
        Reporter("html", "mtqa.report.html:render",
                 "one self-contained HTML page: source and translation side by side"),
    )
}


def render(report: Report, fmt: str) -> str:
    """Render ``report`` in format ``fmt`` (a key of :data:`FORMATS`)."""
    try:
        reporter = FORMATS[fmt]
    except KeyError:
        raise MtqaError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})") from None
    return reporter(report)
