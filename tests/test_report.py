"""Reporters: every format renders; JSON/JSONL round-trip; JUnit parses with the right counts;
GitHub annotations point at the right line and column; markdown stays under 1 MiB; HTML escapes
hostile text and is self-contained."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from report_fixtures import (
    HOSTILE_IMG,
    HOSTILE_SCRIPT,
    SIGNATURE,
    S,
    make_article,
    sample_report,
)

from mtqa import gate
from mtqa.cli import EXTENSIONS
from mtqa.errors import MtqaError
from mtqa.model import (
    SCHEMA_VERSION,
    Article,
    CrossCheck,
    Fact,
    FactMention,
    Flag,
    Problem,
    Report,
    TranslationComparison,
)
from mtqa.report import FORMATS, line_col, position, render, segments, source_mode
from mtqa.report.github import escape_data, escape_property
from mtqa.report.html import FLAG_COLOUR, highlight
from mtqa.report.json_ import jsonl_to_dict
from mtqa.report.markdown import MAX_BYTES


def gated(report: Report, cfg: dict | None = None) -> Report:
    report.gate = gate.evaluate(report, cfg or gate.load_gate_config(None))
    return report


def empty_report() -> Report:
    return Report(version="0.1.0", signature=SIGNATURE, articles=[])


# --- registry -------------------------------------------------------------------------------------

def test_registry_has_every_cli_format() -> None:
    assert list(FORMATS) == ["json", "jsonl", "markdown", "junit", "github", "html"]
    assert set(EXTENSIONS.values()) <= set(FORMATS)


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(MtqaError, match="unknown format 'yaml'"):
        render(sample_report(), "yaml")


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("variant", ["plain", "gated", "empty"])
def test_every_format_renders(fmt: str, variant: str) -> None:
    report = {"plain": sample_report, "gated": lambda: gated(sample_report()),
              "empty": empty_report}[variant]()
    out = render(report, fmt)
    assert isinstance(out, str)
    if variant != "empty" or fmt != "github":
        assert out.strip()
    if variant != "empty" and fmt not in ("junit", "github"):
        assert "ar-iraq" in out and "prs-kabul" in out


# --- json / jsonl ---------------------------------------------------------------------------------

def test_json_round_trips() -> None:
    report = gated(sample_report())
    out = render(report, "json")
    assert json.loads(out) == report.to_dict()
    assert "العراق" in out  # ensure_ascii=False: text stays readable
    assert json.loads(out)["schema"] == SCHEMA_VERSION


def test_jsonl_lines_carry_header_and_rebuild_the_json() -> None:
    report = gated(sample_report())
    lines = render(report, "jsonl").splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == len(report.articles) + 1
    for row in rows:
        assert row["schema"] == SCHEMA_VERSION and row["signature"] == SIGNATURE
        assert row["mtqa_version"] == "0.1.0"
    assert [r["type"] for r in rows] == ["article"] * 3 + ["summary"]
    assert [r["article"]["id"] for r in rows[:-1]] == ["ar-iraq", "fa-1", "prs-kabul"]
    assert rows[-1]["crosscheck"]["summary"]["conflict"] == 1
    assert rows[-1]["problems"] == [{"source": "feeds/bad.jsonl",
                                     "message": "line 7: not valid JSON (Expecting value)"}]
    assert jsonl_to_dict("\n".join(lines)) == report.to_dict()


def test_jsonl_without_gate_has_no_gate_key() -> None:
    last = json.loads(render(sample_report(), "jsonl").splitlines()[-1])
    assert "gate" not in last
    assert json.loads(render(empty_report(), "jsonl")) ["articles"] == 0


# --- junit ----------------------------------------------------------------------------------------

def _suite(xml_text: str) -> ET.Element:
    root = ET.fromstring(xml_text)
    suite = root.find("testsuite")
    assert suite is not None
    return suite


def test_junit_counts_without_gate() -> None:
    suite = _suite(render(sample_report(), "junit"))
    # 3 articles + 1 input problem; ar-iraq and fa-1 have flagged passages
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "1")
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases[:3]] == [
        ("news/ar_iraq.txt", "ar-iraq"), ("feeds/fa.jsonl", "fa-1"), ("news/prs_kabul.txt", "prs-kabul")]
    failure = cases[0].find("failure")
    assert failure is not None and "ar-iraq:3" in (failure.text or "")
    assert "GARB001 broken-name" in (failure.text or "")
    assert cases[2].find("failure") is None
    error = cases[3].find("error")
    assert error is not None and error.get("message") == "line 7: not valid JSON (Expecting value)"
    assert cases[3].get("classname") == "feeds/bad.jsonl"


def test_junit_follows_the_gate_per_article() -> None:
    cfg = gate.load_gate_config(None)
    cfg["max_flagged_share"]["enabled"] = False
    cfg["max_garble"]["limit"] = 0.95  # only ar-iraq (0.97) fails; fa-1 (0.92) does not
    suite = _suite(render(gated(sample_report(), cfg), "junit"))
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    fail = cases["ar-iraq"].find("failure")
    assert fail is not None and "max_garble" in (fail.get("message") or "")
    assert cases["fa-1"].find("failure") is None  # flagged, but the gate lets it through (warns)
    out = cases["fa-1"].find("system-out")
    assert out is not None and "min_agreement" in (out.text or "") and "fa-1:2" in (out.text or "")


def test_junit_survives_control_characters_and_markup() -> None:
    nasty = "نص \x00\x01\x08\x0b\x0c\x1b[31m\ufffe\ud800 <b>&amp;</b> ]]> آخر"
    art = make_article("x\x02id", "bad\x07name.txt", "ar",
                       [[S(nasty, garble=0.9, flags=(("GARB002", "frag", "msg \x03 <x>", "آخر"),))]])
    report = Report(version="0.1.0", signature=SIGNATURE, articles=[art],
                    problems=[Problem("p\x01.txt", "bad \x1f thing <x>")])
    xml_text = render(report, "junit")
    suite = _suite(xml_text)  # parses
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "1")
    failure = suite.find("testcase/failure")
    assert failure is not None and "\\u0000" in (failure.text or "") and "<b>&amp;</b>" in failure.text
    assert suite.find("testcase").get("name") == "x\\u0002id"


# --- github ---------------------------------------------------------------------------------------

_CMD = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def parse_annotations(text: str) -> list[tuple[str, dict[str, str], str]]:
    out = []
    for line in text.splitlines():
        m = _CMD.match(line)
        assert m, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in m.group(2).split(",")) if m.group(2) else {}
        out.append((m.group(1), props, m.group(3)))
    return out


def test_line_col_basics() -> None:
    text = "ab\ncde\r\nfg"
    assert line_col(text, 0) == (1, 1)
    assert line_col(text, 4) == (2, 2)  # "d"
    assert line_col(text, 8) == (3, 1)  # after \r\n
    assert line_col(text, 9, first_line=5) == (7, 2)


def test_github_points_at_lines_and_columns_of_a_text_file() -> None:
    report = sample_report()
    anns = parse_annotations(render(report, "github"))
    art = report.articles[0]
    lines = art.text.split("\n")
    p = art.passages[3]  # the garbled passage, alone on its line
    expected_line = next(i for i, line in enumerate(lines, start=1) if line == p.text)
    level, props, message = next(a for a in anns if a[2].startswith("Passage ar-iraq:3 "))
    assert level == "warning"  # no gate ran
    assert props["file"] == "news/ar_iraq.txt"
    assert props["title"].startswith("mtqa%3A garbled passage ar-iraq%3A3 (GARB001%2C")
    assert (int(props["line"]), int(props["col"])) == (expected_line, 1)
    assert (int(props["endLine"]), int(props["endColumn"])) == (expected_line, len(p.text) + 1)
    # the GARB001 span "أبو علي. العسكري" is reported with its own line:col
    col = lines[expected_line - 1].index("أبو علي. العسكري") + 1
    assert f"GARB001 broken-name at {expected_line}:{col}:" in message
    # the flag starting before the passage is clipped to the passage start
    assert f"GARB099 garb099 at {expected_line}:1:" in message
    # unflagged passages get no annotation when no gate ran
    assert [a[2].split()[1] for a in anns if a[2].startswith("Passage ")] == [
        "ar-iraq:3", "ar-iraq:5", "fa-1:2"]


def test_github_jsonl_record_points_at_the_record_line() -> None:
    report = sample_report()
    fa = report.articles[1]
    assert source_mode(fa) == "record" and fa.line == 3
    p = fa.passages[2]
    anns = parse_annotations(render(report, "github"))
    _, props, message = next(a for a in anns if "Passage fa-1:2" in a[2])
    assert props["file"] == "feeds/fa.jsonl"
    assert (int(props["line"]), int(props["col"])) == (3, p.start + 1)
    assert (int(props["endLine"]), int(props["endColumn"])) == (3, p.end + 1)
    at = p.start + p.text.index("این این") + 1
    assert f"GARB007 repetition at 3:{at}:" in message
    # column_offset (where the text value starts in the record line) shifts every column
    shifted = replace(report, articles=[replace(fa, column_offset=9)])
    _, props2, _ = next(a for a in parse_annotations(render(shifted, "github")) if "fa-1:2" in a[2])
    assert int(props2["col"]) == p.start + 10 and int(props2["line"]) == 3


def test_github_crlf_text_and_extracted_sources() -> None:
    art = make_article("crlf", "in/crlf.txt", "ar", [
        [S("سطر أول سليم.", garble=0.1)],
        [S("سطر ثان فيه خطأ خطأ.", garble=0.95, flags=(("GARB007", "repetition", "repeat", "خطأ خطأ"),))],
    ], sep="\r\n")
    html_art = replace(art, id="page", source="in/page.html")
    report = Report(version="0.1.0", signature=SIGNATURE, articles=[art, html_art])
    anns = parse_annotations(render(report, "github"))
    props = anns[0][1]
    assert (props["line"], props["col"]) == ("2", "1")
    assert "GARB007 repetition at 2:13:" in anns[0][2]
    assert "line" not in anns[1][1] and anns[1][1]["file"] == "in/page.html"


def test_github_levels_follow_the_gate_and_conflicts_and_problems() -> None:
    report = gated(sample_report())
    anns = parse_annotations(render(report, "github"))
    by_passage = {re.search(r"Passage (\S+)", m).group(1): lvl for lvl, _, m in anns
                  if m.startswith("Passage ")}
    assert by_passage["ar-iraq:3"] == "error" and by_passage["fa-1:2"] == "error"
    assert by_passage["fa-1:1"] == "warning"  # low agreement: a warn-only gate rule
    conflicts = [a for a in anns if "cross-check conflict" in a[1].get("title", "")]
    assert len(conflicts) == 1 and conflicts[0][0] == "warning"
    assert "about 2,500" in conflicts[0][2] and "about 3,000" in conflicts[0][2]
    problems = [a for a in anns if a[1].get("file") == "feeds/bad.jsonl"]
    assert problems == [("error", {"file": "feeds/bad.jsonl", "title": "mtqa%3A input problem"},
                         "line 7: not valid JSON (Expecting value)")]


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    flag = ("G1", "n", "50% of it\r\n::error::x", "فيه")
    art = make_article("e", "dir,with:odd%name.txt", "ar", [[S("نص\nفيه سطر", garble=0.9, flags=(flag,))]])
    out = render(Report(version="0.1.0", signature=SIGNATURE, articles=[art]), "github")
    assert len(out.splitlines()) == 1
    assert "file=dir%2Cwith%3Aodd%25name.txt," in out
    assert "50%25 of it%0D%0A::error::x" in out


def test_github_required_lang_failure_without_passages() -> None:
    report = sample_report(problems=False, with_crosscheck=False)
    report = replace(report, articles=[replace(report.articles[2], lang="en")])
    anns = parse_annotations(render(gated(report), "github"))
    assert [(a[0], a[1]["file"]) for a in anns] == [("error", "news/prs_kabul.txt")]
    assert "language en" in anns[0][2] and "required_langs" in anns[0][2]


# --- markdown -------------------------------------------------------------------------------------

def test_markdown_summary_contents() -> None:
    md = render(gated(sample_report()), "markdown")
    assert md.startswith("# mtqa report")
    assert "**❌ FAIL**" in md
    for name in gate.RULES:
        assert f"| {name.replace('_', chr(92) + '_')} |" in md
    assert "| max\\_garble | 0.9 | 0.97 | fail | ❌ fail |" in md
    assert "**ar-iraq:3**" in md and "`GARB001` broken-name" in md
    assert "about 2,500 (ar-iraq); about 3,000 (fa-1)" in md
    assert "`feeds/bad.jsonl`: line 7: not valid JSON" in md
    # hostile text is inert: no raw tags, table pipes escaped
    assert HOSTILE_SCRIPT not in md and "<img" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md


def test_markdown_verdict_without_gate_comes_from_counts() -> None:
    md = render(sample_report(), "markdown")
    assert "FLAGGED" in md and "3 of 10 content passages flagged in 2 of 3 articles" in md
    clean = Report(version="0.1.0", signature=SIGNATURE, articles=[sample_report().articles[2]])
    assert "**✅ PASS**" in render(clean, "markdown")


def test_markdown_stays_under_one_mib_on_a_huge_report() -> None:
    long = "وأضاف أبو علي. العسكري أن الانسحاب سيتم خلال انقر هنا " * 20
    articles = []
    for i in range(400):
        sentences = [S(long, garble=0.99, translations=(("supplied", "x | y " * 100),),
                       flags=tuple(("GARB00" + str(k), "name", "m" * 400, "أبو علي") for k in range(10)))
                     for _ in range(10)]
        articles.append(make_article(f"a{i}", f"in/{i}.txt", "ar", [sentences]))
    value = FactMention(value="1", display="1" * 100, article="a0", source="in/0.txt",
                        passage="a0:0", start=0, end=1, text="1")
    facts = [Fact(id=f"fact-{i}", story="story-1", type="number", key="n", label="n" * 200,
                  status="conflict", values=(value,) * 20, articles=("a0",))
             for i in range(3000)]
    crosscheck = CrossCheck.build([a.id for a in articles], [], facts, TranslationComparison())
    report = Report(version="0.1.0", signature=SIGNATURE, articles=articles,
                    problems=[Problem(f"in/bad{i}.txt", "p" * 300) for i in range(3000)],
                    crosscheck=crosscheck)
    gated(report)
    md = render(report, "markdown")
    size = len(md.encode("utf-8"))
    assert size < MAX_BYTES <= 1024 * 1024
    assert size > 0.8 * MAX_BYTES  # the budget is used, not wasted
    assert re.search(r"… \d+ more flagged passages not shown", md)
    assert re.search(r"… \d+ more problems not shown", md)
    assert re.search(r"… \d+ more conflicts not shown", md)
    assert "## Gate" in md and "## Cross-check conflicts" in md


# --- html -----------------------------------------------------------------------------------------

class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in self.data else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.data[self._in].append(data)


def _parse(doc: str) -> Tags:
    t = Tags()
    t.feed(doc)
    return t


def test_html_escapes_hostile_text() -> None:
    doc = render(gated(sample_report()), "html")
    assert HOSTILE_SCRIPT not in doc
    assert "<img" not in doc and "onerror=alert(1)>" not in doc
    assert html.escape(HOSTILE_SCRIPT, quote=True) in doc
    assert html.escape(HOSTILE_IMG, quote=True) in doc
    tags = _parse(doc)
    scripts = [a for t, a in tags.tags if t == "script"]
    assert len(scripts) == 1 and "src" not in scripts[0]
    assert not [t for t, _ in tags.tags if t == "img"]
    assert not [(t, a) for t, a in tags.tags if any(k.startswith("on") for k in a)]
    # hostile text inside attributes (the flag message is in the mark's title) stays quoted
    titles = [a["title"] for t, a in tags.tags if t == "mark" and a.get("data-code") == "GARB006"]
    assert titles and HOSTILE_IMG in titles[0]


def test_html_is_self_contained_with_a_strict_csp() -> None:
    doc = render(sample_report(), "html")
    tags = _parse(doc)
    csp = next(a["content"] for t, a in tags.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
    for kind in ("script", "style"):
        body = "".join(tags.data[kind])
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{kind}-src 'sha256-{digest}'" in csp
    for _, attrs in tags.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not value or value.startswith("#"), f"external reference {key}={value}"
    assert not [a for _, a in tags.tags if "style" in a]  # inline style attributes break the CSP
    assert "@import" not in doc and "url(" not in doc


def test_html_layout_directions_and_highlights() -> None:
    report = gated(sample_report())
    tags = _parse(render(report, "html")).tags
    src_cells = [a for t, a in tags if t == "div" and "src" in (a.get("class") or "").split()]
    assert {(a.get("lang"), a.get("dir")) for a in src_cells} >= {("ar", "rtl"), ("fa", "rtl"),
                                                                   ("fa-AF", "rtl")}
    tr_cells = [a for t, a in tags if t == "div" and "tr" in (a.get("class") or "").split()]
    assert tr_cells and all(a.get("dir") == "ltr" and a.get("lang") == "en" for a in tr_cells)
    marks = [a for t, a in tags if t == "mark"]
    codes = {c for a in marks for c in (a.get("data-code") or "").split()}
    assert {"GARB001", "GARB005", "GARB010", "GARB006", "GARB007", "TRAN005"} <= codes
    assert all("flag" in (a.get("class") or "") and a.get("title") for a in marks)
    assert any("multi" in (a.get("class") or "") for a in marks)  # GARB001 and GARB005 overlap
    ids = {a["id"] for _, a in tags if a.get("id")}
    # every passage row has its anchor; every in-page link resolves
    for art in report.articles:
        assert {p.id for p in art.passages} <= ids
    links = [a["href"][1:] for t, a in tags if t == "a" and (a.get("href") or "").startswith("#")]
    assert links and all(link.replace("%3A", ":") in ids for link in links)
    # fact values link to their passages
    assert "ar-iraq:2" in links and "fa-1:1" in links
    # removed passages are collapsed details with their reason
    removed = [a for t, a in tags if t == "details" and "removed" in (a.get("class") or "")]
    assert {a["id"] for a in removed} == {"ar-iraq:4", "prs-kabul:2"}
    assert FLAG_COLOUR in render(report, "html")


def test_html_verdict_at_the_top() -> None:
    doc = render(gated(sample_report()), "html")
    body = doc[doc.index("<body>"):]
    assert body.index('id="verdict"') < body.index('id="articles"') < body.index('id="facts"')
    assert 'class="verdict v-fail"' in doc and ">FAIL<" in doc
    assert 'class="verdict v-pass"' in render(
        Report(version="0.1.0", signature=SIGNATURE, articles=[sample_report().articles[2]]), "html")


def _visible(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_highlight_clips_merges_and_keeps_the_text() -> None:
    text = "abc <def> & ghi"
    flags = [Flag("A", "a", "m", 100 + 2, 100 + 6, side="source"),
             Flag("B", "b", "m", 100 + 4, 100 + 9),  # overlaps A
             Flag("C", "c", "m", 90, 101),  # starts before the passage
             Flag("D", "d", "m", 110, 300),  # runs past its end
             Flag("E", "e", "m", 500, 510),  # outside: dropped
             Flag("F", "f", "m", 105, 105)]  # empty: dropped
    out = highlight(text, flags, 100, "reasons-x")
    assert _visible(out) == text
    assert "<def>" not in out
    segs = segments(len(text), flags, 100)
    assert [(s.start, s.end, sorted(f.code for f in s.flags)) for s in segs] == [
        (0, 1, ["C"]), (1, 2, []), (2, 4, ["A"]), (4, 6, ["A", "B"]), (6, 9, ["B"]), (9, 10, []),
        (10, 15, ["D"])]
    assert segments(0, flags, 100) == []
    assert [(s.start, s.end) for s in segments(5, [], 0)] == [(0, 5)]


def test_position_clips_offsets() -> None:
    art = Article(id="a", source="a.txt", text="ab\ncd")
    assert position(art, -5, 99) == position(art, 0, 5)
    assert (position(art, 3, 4).line, position(art, 3, 4).col) == (2, 1)


def test_html_links_only_web_urls() -> None:
    report = sample_report()
    arts = [replace(report.articles[0], url="javascript:alert(1)"),
            replace(report.articles[2], url="https://example.org/a?b=1&c=\"2\"")]
    doc = render(replace(report, articles=arts), "html")
    hrefs = [a.get("href") or "" for t, a in _parse(doc).tags if t == "a"]
    assert not [h for h in hrefs if h.startswith("javascript")]
    assert 'https://example.org/a?b=1&c="2"' in hrefs
    assert "javascript:alert(1)" in doc  # shown as text


def test_markdown_tables_survive_pipes_and_newlines() -> None:
    art = make_article("a|b\nc", "in/x|y`z.txt", "ar", [[S("نص | فيه\nخط", garble=0.9)]])
    md = render(gated(Report(version="0.1.0", signature=SIGNATURE, articles=[art])), "markdown")
    table = md[md.index("## Articles"):].split("\n\n")[1].splitlines()
    cells = [len(re.findall(r"(?<!\\)\|", row)) for row in table]
    assert len(set(cells)) == 1, table  # every row has as many cell separators as the header
    assert "a\\|b c" in md


def test_html_without_gate_and_unknown_language() -> None:
    report = sample_report()
    report = replace(report, articles=[replace(report.articles[2], lang=None), report.articles[0]])
    doc = render(report, "html")
    assert 'class="verdict v-flagged"' in doc and ">FLAGGED<" in doc
    tags = _parse(doc).tags
    cells = [a for t, a in tags if t == "div" and "src" in (a.get("class") or "").split()]
    assert any(a.get("dir") == "auto" and "lang" not in a for a in cells)
    assert 'id="gate"' not in doc  # no gate section without a gate
