"""Markdown reporter: a summary for a CI step summary (``$GITHUB_STEP_SUMMARY``).

Sections, most important first: verdict, gate thresholds against observed values, input problems,
articles, flagged passages with reasons, cross-check conflicts, translation disagreements. The
output stays under :data:`MAX_BYTES` (GitHub refuses step summaries over 1 MiB) however large the
report: each list is cut at its share of the budget and ends with "… N more … not shown".
All article text is escaped: it cannot add links, images, HTML or break a table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from mtqa.model import REPORT_WIDE, Disagreement, Fact, GateCheck, Report
from mtqa.report._util import Index, file_ref, fmt_num, shorten, verdict, visible, where

MAX_BYTES = 1_000_000  # GitHub's step summary limit is 1 MiB (1,048,576 bytes); keep a margin
SNIPPET = 160  # characters of passage text shown per flagged passage
ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "flagged": "⚠️", "skipped": "⏭️"}
# Share of MAX_BYTES each list section may use, in rendering order; what a section leaves unused
# passes on to the next, so the total stays under the cap even if every section is full.
SHARES = {"gate": 0.08, "problems": 0.08, "articles": 0.14, "flagged": 0.46, "conflicts": 0.12,
          "disagreements": 0.1}

_ESCAPE = {"\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
           "<": "&lt;", ">": "&gt;", "&": "&amp;", "#": "\\#", "~": "\\~", "!": "\\!"}


def esc(text: Any, limit: int = 300) -> str:
    """Markdown-inert text on one line (at most ``limit`` characters before escaping): no links,
    emphasis, HTML, or table breaks."""
    flat = visible(shorten(str(text), limit))
    return "".join(_ESCAPE.get(c, c) for c in flat)


def code(text: Any, limit: int = 300, table: bool = False) -> str:
    """Inline code that survives backticks inside ``text`` (and pipes, inside a table cell)."""
    flat = visible(shorten(str(text), limit)).replace("`", "ˋ")
    if table:  # GFM splits cells at "|" even inside code spans unless it is escaped
        flat = flat.replace("|", "\\|")
    return f"`{flat}`" if flat else ""


def _size(line: str) -> int:
    return len(line.encode("utf-8")) + 1


class Budget:
    """Bytes a section may use: the shares of every section up to it, less what was used.

    So a section inherits what earlier (or absent) sections left, and the total never exceeds
    ``sum(SHARES) * MAX_BYTES``.
    """

    def __init__(self) -> None:
        self.used = 0

    def take(self, section: str) -> int:
        names = list(SHARES)
        share = sum(SHARES[n] for n in names[: names.index(section) + 1])
        return max(0, int(MAX_BYTES * share) - self.used)

    def spend(self, used: int) -> None:
        self.used += used


def capped(items: Sequence[Any], fmt: Callable[[Any], Iterable[str]], budget: int | Budget,
           what: str, section: str = "") -> list[str]:
    """Lines for ``items`` until the budget is used; then one "… N more" line."""
    allowed = budget.take(section) if isinstance(budget, Budget) else budget
    out = _capped(items, fmt, allowed, what)
    if isinstance(budget, Budget):
        budget.spend(sum(_size(x) for x in out))
    return out


def _capped(items: Sequence[Any], fmt: Callable[[Any], Iterable[str]], budget: int,
            what: str) -> list[str]:
    out: list[str] = []
    used = 0
    for i, item in enumerate(items):
        lines = list(fmt(item))
        size = sum(_size(x) for x in lines)
        if used + size > budget - 200:  # room for the "more" line
            out.append(f"\n… {len(items) - i} more {what} not shown (the markdown summary is capped; "
                       "see the JSON or HTML report)")
            break
        out.extend(lines)
        used += size
    return out


def render(report: Report) -> str:
    """The markdown summary."""
    idx = Index(report)
    status, line = verdict(report)
    out = ["# mtqa report", "",
           f"**{ICONS.get(status, '')} {status.upper()}** — {esc(line)}", "",
           f"Signature: {code(report.signature)}", ""]
    budget = Budget()
    out += _gate(report, budget)
    out += _problems(report, budget)
    out += _articles(report, idx, budget)
    out += _flagged(report, idx, budget)
    out += _conflicts(idx, budget)
    out += _disagreements(idx, budget)
    text = "\n".join(out).rstrip("\n") + "\n"
    # Belt and braces: the shares above already keep the total under the cap.
    raw = text.encode("utf-8")
    if len(raw) > MAX_BYTES:
        cut = raw[: MAX_BYTES - 200].decode("utf-8", "ignore")
        text = cut[: cut.rfind("\n") + 1] + "\n… output cut at the size limit\n"
    return text


def _gate(report: Report, budget: Budget) -> list[str]:
    gate = report.gate
    if gate is None:
        return []
    out = ["## Gate", ""]
    if gate.baseline:
        out += [f"Baseline: {code(gate.baseline)} (only regressions fail)", ""]
    out += ["| Check | Limit | Observed | Action | Result | Over the limit |",
            "|---|---|---|---|---|---|"]

    def row(c: GateCheck) -> list[str]:
        over = [d for d in c.details if d.article != REPORT_WIDE]
        shown = ", ".join(f"{esc(d.article)} ({fmt_num(d.observed)}"
                          f"{', ' + d.status if d.status else ''})" for d in over[:5])
        if len(over) > 5:
            shown += f", … {len(over) - 5} more"
        note = esc(c.note)
        result = f"{ICONS.get(c.status, '')} {c.status}"
        return [f"| {esc(c.name)} | {esc(fmt_num(c.limit))} | "
                f"{esc(fmt_num(c.observed))} | {esc(c.action)} | {result} | "
                f"{shown or note or '—'} |"]

    out += capped(gate.checks, row, budget, "gate checks", "gate")
    return [*out, ""]


def _problems(report: Report, budget: Budget) -> list[str]:
    if not report.problems:
        return []
    out = [f"## Input problems ({len(report.problems)})", ""]
    out += capped(report.problems, lambda p: [f"- {code(p.source)}: {esc(p.message)}"],
                  budget, "problems", "problems")
    return [*out, ""]


def _articles(report: Report, idx: Index, budget: Budget) -> list[str]:
    if not report.articles:
        return ["No articles were read.", ""]
    out = ["## Articles", "",
           "| Article | Source | Lang | Content | Removed | Flagged | Share | Max garble | Gate |",
           "|---|---|---|---|---|---|---|---|---|"]

    def row(a: Any) -> list[str]:
        content = a.content()
        flagged = sum(p.flagged for p in a.passages)
        share = flagged / len(content) if content else 0.0
        garbles = [p.garble for p in content if p.garble is not None]
        gate = idx.gate_status(a.id)
        gate_cell = f"{ICONS.get(gate, '')} {gate}" if gate else "—"
        return [f"| {esc(a.id)} | {code(file_ref(a), table=True)} | {esc(a.lang or 'none')} | "
                f"{len(content)} | "
                f"{len(a.passages) - len(content)} | {flagged} | {share:.2f} | "
                f"{fmt_num(max(garbles) if garbles else None)} | {gate_cell} |"]

    out += capped(report.articles, row, budget, "articles", "articles")
    noted = [(a, n) for a in report.articles for n in a.notes]
    if noted:
        out += ["", "Notes on the input:", ""]
        out += capped(noted, lambda an: [f"- **{esc(an[0].id)}** {code(an[1].code)} "
                                         f"{esc(an[1].message)}"], budget, "notes", "articles")
    return [*out, ""]


def _flagged(report: Report, idx: Index, budget: Budget) -> list[str]:
    items = [(a, p) for a in report.articles for p in a.passages if p.flagged]
    if not items:
        return []
    out = [f"## Flagged passages ({len(items)})", ""]

    def item(ap: tuple[Any, Any]) -> list[str]:
        a, p = ap
        gate = idx.gate_passage_status(a.id, p.id)
        tag = f" — gate: **{gate}**" if gate else ""
        lines = [f"- **{esc(p.id)}** ({code(where(a, p.start))}, garble {fmt_num(p.garble)}){tag}: "
                 f"{esc(shorten(p.text, SNIPPET))}"]
        if p.first_translation:
            lines.append(f"  - translation: *{esc(shorten(p.first_translation, SNIPPET))}*")
        for f in p.flags[:8]:
            lines.append(f"  - {code(f.code)} {esc(f.name)}: {esc(shorten(f.message, 200))}")
        if len(p.flags) > 8:
            lines.append(f"  - … {len(p.flags) - 8} more reasons")
        return lines

    out += capped(items, item, budget, "flagged passages", "flagged")
    return [*out, ""]


def _conflicts(idx: Index, budget: Budget) -> list[str]:
    conflicts = idx.conflicts()
    if not conflicts:
        return []
    out = [f"## Cross-check conflicts ({len(conflicts)})", "", "| Fact | Type | Values |",
           "|---|---|---|"]

    def row(f: Fact) -> list[str]:
        values = []
        for v in f.values[:8]:
            values.append(f"{esc(v.display or v.value)} ({esc(v.article)}"
                          f"{', ' + esc(v.side) if v.side == 'translation' else ''})")
        more = len(f.values) - 8
        if more > 0:
            values.append(f"… {more} more")
        return [f"| {esc(f.label or f.key)} | {esc(f.type)} | "
                f"{'; '.join(values)} |"]

    out += capped(conflicts, row, budget, "conflicts", "conflicts")
    return [*out, ""]


def _disagreements(idx: Index, budget: Budget) -> list[str]:
    items = idx.disagreements()
    if not items:
        return []
    out = [f"## Translation disagreements ({len(items)})", "",
           "| Passage | Systems | chrF | cosine |", "|---|---|---|---|"]

    def row(d: Disagreement) -> list[str]:
        return [f"| {esc(d.passage)} | {esc(', '.join(d.systems))} | "
                f"{fmt_num(d.chrf, 1)} | {fmt_num(d.cosine)} |"]

    out += capped(items, row, budget, "disagreements",
                  "disagreements")
    return [*out, ""]
