"""HTML reporter: ONE self-contained page for editors.

* No network: inline ``<style>`` and one small inline ``<script>``; a Content-Security-Policy
  ``<meta>`` allows exactly those two (by SHA-256 hash) and nothing else (``default-src 'none'``),
  so even text that escaped escaping could not load or run anything.
* The verdict at the top (the gate's, or counts), then the gate table, input problems, the
  cross-check facts (each value links to its passage, ``#<passage id>``), translation
  disagreements, and per article the source and translation side by side, passage by passage.
  English is on the left (``dir="ltr"``), the Arabic/Persian source on the right (``dir="rtl"``,
  ``lang``); ``unicode-bidi: plaintext`` keeps mixed-direction text readable.
* Flagged spans are ``<mark class="flag" data-code="…" title="reasons">``: reasons on hover
  (title) and on click (the script opens the passage's reasons list and highlights them). Their
  background is :data:`FLAG_COLOUR` (#ffd60a, amber); the browser test looks for that colour.
* Removed passages (boilerplate, off-topic, duplicate) are collapsed ``<details>`` with the reason.
* ALL article text goes through ``html.escape(..., quote=True)``, in element text and attributes.
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from mtqa.model import REPORT_WIDE, Article, Flag, Passage, Report, Translation
from mtqa.report._util import (
    Index,
    fmt_num,
    position,
    segments,
    shorten,
    source_flags,
    translation_flags,
    verdict,
    visible,
)

FLAG_COLOUR = "#ffd60a"  # background of mark.flag (RGB 255, 214, 10); tests look for it
# Script direction and the ``lang`` attribute per internal language code (Dari: Afghan Persian).
LANG_ATTRS: dict[str, tuple[str, str]] = {"ar": ("ar", "rtl"), "fa": ("fa", "rtl"),
                                          "prs": ("fa-AF", "rtl")}
STATUS_LABELS = {"pass": "PASS", "warn": "PASS with warnings", "fail": "FAIL", "flagged": "FLAGGED"}

CSS = """
:root { --ink:#1d2433; --muted:#5b6475; --line:#d9dee7; --bg:#f6f7f9; --card:#fff;
  --pass:#1a7f37; --warn:#9a6700; --fail:#cf222e; --flag:%(flag)s; --flag-multi:#ffb703; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
  color:var(--ink); background:var(--bg); }
main { max-width:1400px; margin:0 auto; padding:0 20px 40px; }
a { color:#0b5cad; }
h1 { font-size:22px; margin:0 0 4px; }
h2 { font-size:19px; margin:28px 0 10px; }
h3 { font-size:16px; margin:0; }
.verdict { padding:18px 20px; color:#fff; margin-bottom:18px; }
.verdict .inner { max-width:1400px; margin:0 auto; }
.verdict .big { font-size:28px; font-weight:700; letter-spacing:.02em; }
.v-pass { background:var(--pass); } .v-warn { background:var(--warn); }
.v-fail, .v-flagged { background:var(--fail); }
.sig { font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace; color:var(--muted);
  word-break:break-all; }
.verdict .sig { color:#eef; }
table.grid { border-collapse:collapse; width:100%%; background:var(--card); font-size:14px; }
table.grid th, table.grid td { border:1px solid var(--line); padding:5px 8px; text-align:left;
  vertical-align:top; }
table.grid th { background:#eef1f5; font-weight:600; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600;
  color:#fff; white-space:nowrap; }
.b-pass, .b-corroborated { background:var(--pass); } .b-warn, .b-single-source { background:#8c959f; }
.b-fail, .b-conflict { background:var(--fail); } .b-skipped { background:#afb8c1; }
.b-warn { background:var(--warn); }
.article { background:var(--card); border:1px solid var(--line); border-radius:8px; margin:22px 0;
  padding:14px 16px; }
.article-head { display:flex; gap:12px; align-items:baseline; flex-wrap:wrap; }
.meta { color:var(--muted); font-size:13px; }
.passages { margin-top:10px; border-top:1px solid var(--line); }
.row { display:grid; grid-template-columns: 150px 1fr 1fr; gap:0 16px; padding:8px 4px;
  border-bottom:1px solid var(--line); }
.row.flagged { background:#fff8e1; }
.row:target, details.removed:target { outline:3px solid #0b5cad; outline-offset:-3px; }
.pmeta { font-size:12px; color:var(--muted); }
.pmeta a.pid { font:12px ui-monospace,"DejaVu Sans Mono",monospace; color:var(--muted); }
.score { display:inline-block; margin-top:3px; padding:0 6px; border-radius:4px; background:#eef1f5; }
.score.hot { background:var(--fail); color:#fff; }
.txt { white-space:pre-wrap; overflow-wrap:anywhere; unicode-bidi:plaintext; }
.tr { text-align:left; }
.src { text-align:right; font-family:"Noto Naskh Arabic","Noto Sans Arabic",Vazirmatn,Tahoma,
  "DejaVu Sans",sans-serif; font-size:17px; line-height:1.9; }
.none { color:var(--muted); font-style:italic; }
mark.flag { background:var(--flag); color:#111; border-radius:2px; padding:1px 0; cursor:pointer; }
mark.flag.multi { background:var(--flag-multi); }
mark.flag:focus { outline:2px solid var(--fail); }
details.reasons { grid-column: 2 / -1; margin-top:6px; font-size:13px; }
details.reasons summary { cursor:pointer; color:var(--muted); }
details.reasons ul { margin:4px 0 0; padding-left:18px; }
nav.toc { margin:0 0 4px; font-size:14px; }
details.reasons li.hit { background:var(--flag); }
.code { font:12px ui-monospace,"DejaVu Sans Mono",monospace; font-weight:700; }
details.removed { padding:4px 4px 4px 154px; border-bottom:1px dashed var(--line);
  color:var(--muted); font-size:13px; }
details.removed summary { cursor:pointer; }
details.removed .txt { margin:6px 0; color:var(--ink); }
details.alt { font-size:13px; color:var(--muted); margin-top:4px; }
.vals a { white-space:nowrap; }
.vals li { margin:2px 0; }
ul.plain { margin:0; padding-left:18px; }
.cols .src-head { text-align:right; }
.cols { display:grid; grid-template-columns: 150px 1fr 1fr; gap:0 16px; padding:4px; font-size:12px;
  font-weight:600; color:var(--muted); text-transform:uppercase; letter-spacing:.04em; }
footer { margin-top:30px; }
@media (max-width: 900px) { .row, .cols { grid-template-columns: 1fr; }
  details.removed { padding-left:4px; } }
""".replace("%(flag)s", FLAG_COLOUR).replace("%%", "%")

SCRIPT = """
(function () {
  document.documentElement.setAttribute("data-js", "on");
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    for (var n = el; n; n = n.parentElement) { if (n.tagName === "DETAILS") { n.open = true; } }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  function show(mark) {
    var box = document.getElementById(mark.getAttribute("data-reasons"));
    if (!box) { return; }
    var codes = (mark.getAttribute("data-code") || "").split(" ");
    var wasOpen = box.open && box.getAttribute("data-shown") === mark.getAttribute("data-code");
    box.open = !wasOpen;
    box.setAttribute("data-shown", wasOpen ? "" : mark.getAttribute("data-code"));
    box.querySelectorAll("li[data-code]").forEach(function (li) {
      li.classList.toggle("hit", !wasOpen && codes.indexOf(li.getAttribute("data-code")) >= 0);
    });
  }
  document.addEventListener("click", function (e) {
    var mark = e.target.closest && e.target.closest("mark.flag");
    if (mark) { show(mark); }
  });
  document.addEventListener("keydown", function (e) {
    if ((e.key === "Enter" || e.key === " ") && e.target.matches && e.target.matches("mark.flag")) {
      e.preventDefault(); show(e.target);
    }
  });
})();
"""


def esc(value: Any) -> str:
    """Text for element content or a quoted attribute value."""
    return html_lib.escape(visible("" if value is None else str(value)), quote=True)


def anchor(ident: str) -> str:
    """``href`` value for an in-page link to the element with id ``ident``."""
    return "#" + quote(ident, safe="-_.:~")


def _sha(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def csp() -> str:
    """The Content-Security-Policy: nothing but this page's own style and script."""
    return (f"default-src 'none'; style-src '{_sha(CSS)}'; script-src '{_sha(SCRIPT)}'; "
            "img-src 'none'; font-src 'none'; connect-src 'none'; media-src 'none'; "
            "object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'")


def _flag_title(flags: Iterable[Flag]) -> str:
    return "\n".join(f"{f.code} {f.name}: {f.message}" for f in flags)


def highlight(text: str, flags: Iterable[Flag], base: int, reasons_id: str) -> str:
    """``text`` escaped, with flagged spans (offsets minus ``base``) in ``<mark class="flag">``."""
    out = []
    for seg in segments(len(text), flags, base):
        piece = esc(text[seg.start : seg.end])
        if not seg.flags:
            out.append(piece)
            continue
        codes = " ".join(dict.fromkeys(f.code for f in seg.flags))
        cls = "flag multi" if len(seg.flags) > 1 else "flag"
        out.append(f'<mark class="{cls}" data-code="{esc(codes)}" data-reasons="{esc(reasons_id)}" '
                   f'title="{esc(_flag_title(seg.flags))}" tabindex="0">{piece}</mark>')
    return "".join(out)


def _lang_attrs(lang: str | None) -> str:
    if lang in LANG_ATTRS:
        code, direction = LANG_ATTRS[lang]
        return f'lang="{code}" dir="{direction}"'
    return 'dir="auto"'


def _badge(status: str, text: str | None = None) -> str:
    return f'<span class="badge b-{esc(status)}">{esc(text or status)}</span>'


def render(report: Report) -> str:
    """The complete HTML document."""
    idx = Index(report)
    status, line = verdict(report)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en" dir="ltr" data-js="off">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp())}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>mtqa report — {esc(STATUS_LABELS.get(status, status))}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f'<header class="verdict v-{esc(status)}"><div class="inner">',
        f'<div class="big" id="verdict">{esc(STATUS_LABELS.get(status, status))}</div>',
        f"<div>{esc(line)}</div>",
        f'<div class="sig">mtqa {esc(report.version)} · {esc(report.signature)}</div>',
        "</div></header>",
        "<main>",
    ]
    parts += _nav(report, idx)
    parts += _overview(report, idx)
    parts += _gate(report)
    parts += _problems(report)
    for article in report.articles:
        parts += _article(article, idx)
    parts += _facts(idx)
    parts += _disagreements(idx)
    parts += ['<footer class="meta">Generated by mtqa. Flagged spans are highlighted; hover for '
              "the reasons or click to list them. Removed passages are collapsed.</footer>",
              "</main>", f"<script>{SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _nav(report: Report, idx: Index) -> list[str]:
    links = [("articles", "Articles")]
    if report.gate is not None:
        links.append(("gate", "Gate"))
    if report.problems:
        links.append(("problems", f"Input problems ({len(report.problems)})"))
    if idx.facts():
        links.append(("facts", f"Cross-check ({len(idx.conflicts())} conflicting)"))
    if idx.disagreements():
        links.append(("disagreements", "Translations that disagree"))
    return ['<nav class="toc">' + " · ".join(f'<a href="#{k}">{esc(v)}</a>' for k, v in links)
            + "</nav>"]


def _article_anchor(article_id: str) -> str:
    return f"article-{article_id}"


def _overview(report: Report, idx: Index) -> list[str]:
    if not report.articles:
        return ["<p>No articles were read.</p>"]
    out = ['<h2 id="articles">Articles</h2>', '<table class="grid"><thead><tr><th>Article</th>'
           "<th>Source</th><th>Language</th><th>Content</th><th>Removed</th><th>Flagged</th>"
           "<th>Max garble</th><th>Gate</th></tr></thead><tbody>"]
    for a in report.articles:
        content = a.content()
        flagged = sum(p.flagged for p in a.passages)
        garbles = [p.garble for p in content if p.garble is not None]
        gate = idx.gate_status(a.id)
        out.append(
            f'<tr><td><a href="{esc(anchor(_article_anchor(a.id)))}">{esc(a.id)}</a></td>'
            f"<td>{esc(a.source)}</td><td>{esc(a.lang or 'none')}"
            f"{'' if a.lang_confidence is None else ' (' + fmt_num(a.lang_confidence, 2) + ')'}</td>"
            f"<td>{len(content)}</td><td>{len(a.passages) - len(content)}</td><td>{flagged}</td>"
            f"<td>{fmt_num(max(garbles) if garbles else None)}</td>"
            f"<td>{_badge(gate) if gate else '—'}</td></tr>")
    out.append("</tbody></table>")
    return out


def _gate(report: Report) -> list[str]:
    gate = report.gate
    if gate is None:
        return []
    out = ['<h2 id="gate">Gate</h2>']
    if gate.baseline:
        out.append(f'<p class="meta">Compared with baseline <span class="sig">'
                   f"{esc(gate.baseline)}</span>: only regressions fail.</p>")
    out.append('<table class="grid"><thead><tr><th>Check</th><th>Limit</th><th>Observed</th>'
               "<th>Action</th><th>Result</th><th>Over the limit</th></tr></thead><tbody>")
    for c in gate.checks:
        items = []
        for d in c.details:
            if d.article == REPORT_WIDE:
                continue
            links = ", ".join(f'<a href="{esc(anchor(pid))}">{esc(pid)}</a>'
                              for pid in d.passages[:10])
            more = len(d.passages) - 10
            if more > 0:
                links += f", … {more} more"
            note = f' <span class="meta">{esc(d.note)}</span>' if d.note else ""
            items.append(f'<li>{_badge(d.status)} <a href="'
                         f'{esc(anchor(_article_anchor(d.article)))}">'
                         f'{esc(d.article)}</a>: {esc(fmt_num(d.observed))}'
                         f"{' — ' + links if links else ''}{note}</li>")
        detail = f'<ul class="plain">{"".join(items)}</ul>' if items else esc(c.note or "—")
        out.append(f"<tr><td><b>{esc(c.name)}</b><br><span class=\"meta\">"
                   f"{esc(c.description)}</span></td><td>{esc(fmt_num(c.limit))}</td>"
                   f"<td>{esc(fmt_num(c.observed))}</td><td>{esc(c.action)}</td>"
                   f"<td>{_badge(c.status)}</td><td>{detail}</td></tr>")
    out.append("</tbody></table>")
    return out


def _problems(report: Report) -> list[str]:
    if not report.problems:
        return []
    out = [f'<h2 id="problems">Input problems ({len(report.problems)})</h2>', '<ul>']
    out += [f"<li><b>{esc(p.source)}</b>: {esc(p.message)}</li>" for p in report.problems]
    out.append("</ul>")
    return out


def _facts(idx: Index) -> list[str]:
    cc = idx.report.crosscheck
    if cc is None or not cc.facts:
        return []
    stories = {s.id: s for s in cc.stories}
    counts = cc.summary.counts
    order = {"conflict": 0, "corroborated": 1, "single-source": 2}
    facts = sorted(cc.facts, key=lambda f: order[f.status])
    out = [f'<h2 id="facts">Cross-check: facts across outlets ({len(facts)})</h2>',
           f'<p class="meta">{esc(counts.conflict)} conflicting, '
           f'{esc(counts.corroborated)} corroborated, '
           f'{esc(counts.single_source)} single-source; '
           f'{esc(cc.summary.stories)} stor{"y" if len(stories) == 1 else "ies"}.</p>',
           '<table class="grid"><thead><tr><th>Status</th><th>Fact</th><th>Type</th><th>Story</th>'
           "<th>Values (each links to its passage)</th></tr></thead><tbody>"]
    for f in facts:
        values = []
        for v in f.values:
            label = esc(v.display or v.value)
            link = f'<a href="{esc(anchor(v.passage))}" title="{esc(v.text)}">{label}</a>'
            values.append(f'<li>{link} <span class="meta">{esc(v.article)}'
                          f"{' · translation' if v.side == 'translation' else ''}</span></li>")
        story = stories.get(f.story)
        title = story.title if story is not None and story.title else f.story
        out.append(f'<tr id="{esc(f.id)}"><td>{_badge(f.status)}</td>'
                   f"<td>{esc(f.label or f.key)}</td><td>{esc(f.type)}</td>"
                   f"<td>{esc(shorten(title, 80))}</td>"
                   f'<td><ul class="plain vals">{"".join(values)}</ul></td></tr>')
    out.append("</tbody></table>")
    return out


def _disagreements(idx: Index) -> list[str]:
    items = idx.disagreements()
    if not items:
        return []
    out = [f'<h2 id="disagreements">Translations that disagree ({len(items)})</h2>',
           '<table class="grid"><thead><tr><th>Passage</th><th>chrF</th><th>cosine</th>'
           "<th>Renderings</th></tr></thead><tbody>"]
    for d in items:
        pid = d.passage
        renders = "".join(f'<li><b>{esc(name)}</b>: <span class="txt" dir="ltr" lang="en">'
                          f"{esc(text)}</span></li>"
                          for name, text in d.renderings.items())
        out.append(f'<tr><td><a href="{esc(anchor(pid))}">{esc(pid)}</a></td>'
                   f"<td>{esc(fmt_num(d.chrf, 1))}</td><td>{esc(fmt_num(d.cosine))}</td>"
                   f'<td><ul class="plain">{renders}</ul></td></tr>')
    out.append("</tbody></table>")
    return out


def _article(article: Article, idx: Index) -> list[str]:
    content = article.content()
    flagged = sum(p.flagged for p in article.passages)
    gate = idx.gate_status(article.id)
    entry = idx.gate_articles.get(article.id)
    bits = [f"source {esc(article.source)}"]
    pos = position(article, 0, 0)
    if pos.line is not None and article.line > 1:
        bits.append(f"line {pos.line}")
    bits.append(f"language {esc(article.lang or 'not identified')}")
    bits.append(f"{len(content)} content passages, {flagged} flagged, "
                f"{len(article.passages) - len(content)} removed")
    if article.published:
        bits.append(f"published {esc(article.published)}")
    if article.url:
        url = article.url
        if url.startswith(("https://", "http://")):
            bits.append(f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(shorten(url, 80))}</a>')
        else:
            bits.append(esc(shorten(url, 80)))
    gate_html = ""
    if gate:
        names = (entry.failed or entry.warned) if entry is not None else []
        gate_html = f" {_badge(gate, 'gate ' + gate)}" + (
            f' <span class="meta">{esc(", ".join(names))}</span>' if names else "")
    title = f'<span class="meta" {_lang_attrs(article.lang)}>{esc(article.title)}</span>' \
        if article.title else ""
    out = [f'<section class="article" id="{esc(_article_anchor(article.id))}">',
           f'<div class="article-head"><h3>{esc(article.id)}</h3>{title}{gate_html}</div>',
           f'<div class="meta">{" · ".join(bits)}</div>']
    if article.notes:
        out.append('<ul class="plain notes">' + "".join(
            f"<li><b>{esc(n.code)}</b> {esc(n.message)}</li>" for n in article.notes) + "</ul>")
    if not article.passages:
        out.append('<p class="none">No passages (nothing to check).</p></section>')
        return out
    out.append('<div class="cols" aria-hidden="true"><span>passage</span><span>English</span>'
               f'<span class="src-head">source ({esc(article.lang or "unknown")})</span></div>')
    out.append('<div class="passages">')
    for p in article.passages:
        out.append(_passage(article, p, idx) if p.kind == "content" else _removed(article, p))
    out.append("</div></section>")
    return out


def _removed(article: Article, p: Passage) -> str:
    return (f'<details class="removed" id="{esc(p.id)}"><summary>removed: <b>{esc(p.kind)}</b>'
            f"{' — ' + esc(p.reason) if p.reason else ''} · "
            f'<span {_lang_attrs(article.lang)}>{esc(shorten(p.text, 70))}</span></summary>'
            f'<div class="txt src" {_lang_attrs(article.lang)}>{esc(p.text)}</div></details>')


def _translation_cell(p: Passage, reasons_id: str) -> str:
    if not p.translations:
        return '<div class="txt tr none" dir="ltr" lang="en">no translation</div>'
    first: Translation = p.translations[0]
    body = highlight(first.text, translation_flags(p), 0, reasons_id)
    extra = ""
    if len(p.translations) > 1:
        alts = "".join(f'<li><b>{esc(t.system)}</b>: <span class="txt">{esc(t.text)}</span></li>'
                       for t in p.translations[1:])
        extra = (f'<details class="alt"><summary>{len(p.translations) - 1} other rendering(s)'
                 f'</summary><ul class="plain">{alts}</ul></details>')
    return (f'<div class="tr-cell"><div class="txt tr" dir="ltr" lang="en" '
            f'title="{esc(first.system)}">{body}</div>{extra}</div>')


def _passage(article: Article, p: Passage, idx: Index) -> str:
    reasons_id = f"reasons-{p.id}"
    hot = p.flagged or idx.gate_passage_status(article.id, p.id) == "fail"
    meta = [f'<a class="pid" href="{esc(anchor(p.id))}">{esc(p.id)}</a>']
    if p.garble is not None:
        meta.append(f'<span class="score{" hot" if hot else ""}" title="calibrated garble '
                    f'probability">garble {esc(fmt_num(p.garble, 2))}</span>')
    gate = idx.gate_passage_status(article.id, p.id)
    if gate:
        meta.append(_badge(gate, "gate " + gate))
    if "agreement_chrf" in p.evidence:
        meta.append(f'<span class="meta">agreement chrF {esc(fmt_num(p.evidence["agreement_chrf"], 1))}'
                    "</span>")
    for fact in idx.facts_by_passage.get(p.id, []):
        meta.append(f'<a href="{esc(anchor(fact.id))}" class="meta">'
                    f'{esc(fact.label or fact.id)}</a> {_badge(fact.status)}')
    reasons = ""
    if p.flags:
        items = "".join(
            f'<li data-code="{esc(f.code)}"><span class="code">{esc(f.code)}</span> {esc(f.name)}'
            f"{' (translation)' if f.side == 'translation' else ''}: {esc(f.message)}</li>"
            for f in p.flags)
        reasons = (f'<details class="reasons" id="{esc(reasons_id)}"{" open" if p.flagged else ""}>'
                   f"<summary>{len(p.flags)} reason{'s' if len(p.flags) != 1 else ''}</summary>"
                   f"<ul>{items}</ul></details>")
    src = highlight(p.text, source_flags(p), p.start, reasons_id)
    cls = "row flagged" if p.flagged else "row"
    return (f'<div class="{cls}" id="{esc(p.id)}"><div class="pmeta">{"<br>".join(meta)}</div>'
            f"{_translation_cell(p, reasons_id)}"
            f'<div class="txt src" {_lang_attrs(article.lang)}>{src}</div>{reasons}</div>')
