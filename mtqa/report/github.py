"""GitHub Actions reporter: workflow-command annotations pointing into the input files.

One line per:

* flagged passage — ``::error`` when the gate fails on it, otherwise ``::warning``; located at the
  passage (``line``/``col`` to ``endLine``/``endColumn``), the message lists every reason with its
  own ``line:col``;
* article the gate fails (or warns) without naming a passage (e.g. ``required_langs``);
* cross-check conflict — ``::warning`` at its first mention, the message listing every value with
  its file and line;
* input problem — ``::error`` with the file only.

Positions are 1-based; columns count code points. For JSONL sources the line is the record's line
and the column counts into the record's decoded ``text`` (see :mod:`mtqa.report._util`); HTML and
feed sources get file-level annotations. Escaping follows the workflow-command rules: in the
message ``%``, ``\\r``, ``\\n`` become ``%25``, ``%0D``, ``%0A``; in properties also ``:`` and
``,`` become ``%3A`` and ``%2C``.
"""

from __future__ import annotations

from mtqa.model import Article, Fact, Passage, Report
from mtqa.report._util import Index, Position, clip, fmt_num, position, shorten, visible, where

MAX_MESSAGE = 2000  # characters of message per annotation (the rest is cut with …)


def escape_data(text: str) -> str:
    """Escape an annotation message."""
    return visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape an annotation property value (file, title)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, file: str | None = None, pos: Position | None = None,
            title: str | None = None) -> str:
    """One ``::level props::message`` line."""
    props: list[str] = []
    if file:
        props.append(f"file={escape_property(file)}")
    if pos is not None and pos.line is not None:
        props += [f"line={pos.line}", f"col={pos.col}", f"endLine={pos.end_line}",
                  f"endColumn={pos.end_col}"]
    if title:
        props.append(f"title={escape_property(title)}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(clip(message, MAX_MESSAGE))}"


def _passage_line(article: Article, p: Passage, idx: Index) -> str:
    verdict = idx.gate_passage(article.id, p.id)
    gate = verdict.status if verdict is not None else None
    level = "error" if gate == "fail" else "warning"
    reasons = []
    for f in p.flags:
        s = max(p.start, min(f.start, p.end))
        pos = position(article, s, max(s, min(f.end, p.end))) if f.side == "source" else None
        at = f" at {pos.line}:{pos.col}" if pos is not None and pos.line is not None else ""
        side = " (translation)" if f.side == "translation" else ""
        reasons.append(f"{f.code} {f.name}{side}{at}: {clip(f.message, 300)}")
    codes = sorted({f.code for f in p.flags})
    checks = list(verdict.checks) if verdict is not None else []
    what = "garbled passage" if p.flagged else "passage"
    title = f"mtqa: {what} {p.id}" + (f" ({', '.join(codes)})" if codes else "")
    head = f"Passage {p.id} (garble {fmt_num(p.garble)}"
    head += f"; gate {gate} on {', '.join(checks)})" if gate else ")"
    if not reasons:
        reasons = ["flagged by the combined garble score"] if p.flagged else \
            [f"gate check {name}" for name in checks]
    message = f"{head}: “{shorten(p.text, 120)}”\n" + "\n".join(f"- {r}" for r in reasons)
    return command(level, message, article.source, position(article, p.start, p.end), title)


def _conflict_line(fact: Fact, idx: Index) -> str:
    anchor_file: str | None = None
    pos: Position | None = None
    for v in sorted(fact.values, key=lambda v: v.side != "source"):
        found = idx.passages.get(v.passage)
        article = idx.articles.get(v.article) or (found[0] if found else None)
        if article is None:
            continue
        anchor_file = article.source
        if v.side == "source":
            pos = position(article, v.start, v.end)
        elif found is not None:
            pos = position(article, found[1].start, found[1].end)
        break
    shown = []
    for v in fact.values:
        article = idx.articles.get(v.article)
        loc = v.source or (article.source if article else "?")
        if article is not None and v.side == "source":
            loc = where(article, v.start)
        shown.append(f"{v.display or v.value} ({loc})")
    label = fact.label or fact.key or fact.id
    message = f"Outlets disagree on {label}: " + "; ".join(shown)
    return command("warning", message, anchor_file or (fact.values[0].source if fact.values else None),
                   pos, f"mtqa: cross-check conflict ({fact.type or 'fact'})")


def render(report: Report) -> str:
    """The annotation lines (one per finding; empty output when there is nothing to say)."""
    idx = Index(report)
    lines: list[str] = []
    for article in report.articles:
        named: set[str] = set()
        for p in article.passages:
            if p.flagged or idx.gate_passage_status(article.id, p.id):
                lines.append(_passage_line(article, p, idx))
                named.add(p.id)
        entry = idx.gate_articles.get(article.id)
        if entry is not None and entry.status in ("fail", "warn") and not named:
            level = "error" if entry.status == "fail" else "warning"
            checks = entry.failed if level == "error" else entry.warned
            detail = f"language {article.lang or 'not identified'}; " \
                if "required_langs" in checks else ""
            lines.append(command(level, f"Article {article.id}: {detail}gate "
                                 f"{'failed' if level == 'error' else 'warned'} on "
                                 f"{', '.join(checks)}", article.source,
                                 position(article, 0, 0), f"mtqa gate: {article.id}"))
        for note in article.notes:
            lines.append(command("notice", f"Article {article.id}: {note.message}", article.source,
                                 position(article, 0, 0), f"mtqa: {note.code}"))
    for fact in idx.conflicts():
        lines.append(_conflict_line(fact, idx))
    for problem in report.problems:
        lines.append(command("error", problem.message, problem.source, None, "mtqa: input problem"))
    return "\n".join(lines) + ("\n" if lines else "")
