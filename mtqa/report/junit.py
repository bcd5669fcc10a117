"""JUnit XML reporter: one ``<testcase>`` per article, one erroring test case per input problem.

* ``classname`` = the article's source file, ``name`` = the article id.
* ``<failure>`` when the article fails: the gate's per-article verdict when a gate ran (an
  article that only warns passes, with the warnings in ``<system-out>``); otherwise when any
  passage is flagged. The failure text names each passage (id, position, garble) and its reasons.
* ``<error>`` test cases (``name="input problem N"``) for ``report.problems``.
* ``tests``/``failures``/``errors`` on ``<testsuite>`` and ``<testsuites>`` count them.

Built with :mod:`xml.etree.ElementTree` (which escapes ``<``, ``&`` and quotes); characters
XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/U+FFFF) are replaced
by a visible ``\\uXXXX`` so the output always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from mtqa.model import Article, ArticleVerdict, Report
from mtqa.report._util import Index, fmt_num, shorten, where

_ILLEGAL = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: Any) -> str:
    """``text`` with characters illegal in XML 1.0 shown as ``\\uXXXX``."""
    return _ILLEGAL.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_safe(text)
    return el


def _passage_lines(article: Article, idx: Index, only: set[str] | None = None) -> list[str]:
    lines = []
    for p in article.passages:
        if not (p.flagged or (only is not None and p.id in only)):
            continue
        gate = idx.gate_passage_status(article.id, p.id)
        lines.append(f"{p.id} at {where(article, p.start)} (garble {fmt_num(p.garble)}"
                     f"{', gate ' + gate if gate else ''}): {shorten(p.text, 200)}")
        for f in p.flags:
            lines.append(f"  {f.code} {f.name} [{f.severity}]: {shorten(f.message, 300)}")
    return lines


def render(report: Report) -> str:
    """The JUnit XML document."""
    idx = Index(report)
    root = ET.Element("testsuites", {"name": "mtqa"})
    suite = _el(root, "testsuite", name="mtqa")
    props = _el(suite, "properties")
    _el(props, "property", name="mtqa_version", value=report.version)
    _el(props, "property", name="signature", value=report.signature)
    if report.gate is not None:
        _el(props, "property", name="gate", value="pass" if report.gate.passed else "fail")

    failures = errors = 0
    for article in report.articles:
        case = _el(suite, "testcase", classname=article.source, name=article.id, time="0")
        flagged = [p for p in article.passages if p.flagged]
        status = idx.gate_status(article.id)
        entry = idx.gate_articles.get(article.id) or ArticleVerdict("pass", article.source)
        if status is not None:
            failed = status == "fail"
            message = f"gate failed: {', '.join(entry.failed)}" if failed else ""
        else:
            failed = bool(flagged)
            message = f"{len(flagged)} flagged passage{'s' if len(flagged) != 1 else ''}"
        if failed:
            failures += 1
            body = []
            if status is not None:
                body.append(f"gate: failed {', '.join(entry.failed)}"
                            + (f"; warned {', '.join(entry.warned)}" if entry.warned else ""))
                if "required_langs" in entry.failed:
                    body.append(f"language: {article.lang or 'not identified'} is not a required "
                                "language")
            body += _passage_lines(article, idx, set(entry.passages))
            _el(case, "failure", "\n".join(body) or message, message=message,
                type="gate" if status is not None else "flagged")
        out_lines = []
        if status == "warn":
            out_lines.append(f"gate warnings: {', '.join(entry.warned)}")
        if not failed and flagged:
            out_lines += _passage_lines(article, idx)
        if out_lines:
            _el(case, "system-out", "\n".join(out_lines))

    for n, problem in enumerate(report.problems, start=1):
        errors += 1
        case = _el(suite, "testcase", classname=problem.source, name=f"input problem {n}", time="0")
        _el(case, "error", f"{problem.source}: {problem.message}", message=problem.message,
            type="input")

    tests = len(report.articles) + len(report.problems)
    for el in (suite, root):
        el.set("tests", str(tests))
        el.set("failures", str(failures))
        el.set("errors", str(errors))
        el.set("skipped", "0")
        el.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
