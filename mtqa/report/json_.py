"""JSON reporters: the whole report as one document, or one line per article (JSONL).

JSONL lines (each a complete JSON object, keys ``type``, ``schema``, ``mtqa_version``,
``signature`` first):

* ``{"type": "article", ..., "article": <Article.to_dict()>}`` — one per article, in order;
* ``{"type": "summary", ..., "articles": N, "problems": [...], "crosscheck": {...}, "gate": ...}``
  — always the last line. ``gate`` is present only when a gate ran.

The article lines plus the summary line hold everything the JSON document holds, so a JSONL
report can be turned back into the JSON one (see :func:`jsonl_to_dict`).
"""

from __future__ import annotations

import json
from typing import Any

from mtqa.model import SCHEMA_VERSION, Report


def _header(report: Report, kind: str) -> dict[str, Any]:
    return {"type": kind, "schema": SCHEMA_VERSION, "mtqa_version": report.version,
            "signature": report.signature}


def render_json(report: Report) -> str:
    """``report.to_dict()`` as indented UTF-8 JSON (non-ASCII kept as is)."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


def render_jsonl(report: Report) -> str:
    """One line per article, then one summary line."""
    data = report.to_dict()
    lines = [json.dumps({**_header(report, "article"), "article": art}, ensure_ascii=False)
             for art in data["articles"]]
    summary = {**_header(report, "summary"), "articles": len(data["articles"]),
               "problems": data["problems"], "crosscheck": data["crosscheck"]}
    if "gate" in data:
        summary["gate"] = data["gate"]
    lines.append(json.dumps(summary, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def jsonl_to_dict(text: str) -> dict[str, Any]:
    """Rebuild the JSON report (``Report.to_dict()`` shape) from a JSONL report."""
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    if not rows or rows[-1].get("type") != "summary":
        raise ValueError("not an mtqa JSONL report: the last line is not a summary line")
    summary = rows[-1]
    out: dict[str, Any] = {
        "schema": summary["schema"],
        "mtqa_version": summary["mtqa_version"],
        "signature": summary["signature"],
        "articles": [r["article"] for r in rows[:-1] if r.get("type") == "article"],
        "problems": summary["problems"],
        "crosscheck": summary["crosscheck"],
    }
    if "gate" in summary:
        out["gate"] = summary["gate"]
    return out
