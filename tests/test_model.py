"""The data model: offsets, serialisation, Seq-Logprob."""

from __future__ import annotations

import json

from mtqa.model import Article, Flag, Passage, Report, Translation


def _article() -> Article:
    text = "سطر أول.\nسطر ثان مكرر."
    p0 = Passage(id="a:0", article_id="a", start=0, end=8, text=text[0:8], lang="ar", paragraph=0,
                 translations=(Translation("m", "First line.", ("First", " line."), (-0.5, -1.5)),),
                 garble=0.9, flagged=True,
                 flags=(Flag("GARB001", "broken-name", "A name is cut in two.", 4, 7),))
    p1 = Passage(id="a:1", article_id="a", start=9, end=len(text), text=text[9:], lang="ar",
                 paragraph=1, kind="duplicate", reason="repeats paragraph 0")
    return Article(id="a", source="a.txt", text=text, lang="ar", passages=(p0, p1))


def test_passage_text_matches_offsets() -> None:
    article = _article()
    for p in article.passages:
        assert article.text[p.start:p.end] == p.text


def test_mean_logprob_is_seq_logprob() -> None:
    assert Translation("m", "x", ("a", "b"), (-1.0, -3.0)).mean_logprob == -2.0
    assert Translation("supplied", "x").mean_logprob is None


def test_report_serialises_to_json_with_summary() -> None:
    report = Report(version="0.1.0", signature="version:0.1.0", articles=[_article()])
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    art = data["articles"][0]
    assert data["mtqa_version"] == "0.1.0" and data["schema"] == 1
    assert art["summary"]["flagged"] == 1 and art["summary"]["removed"]["duplicate"] == 1
    assert art["summary"]["flagged_share"] == 1.0
    first = art["passages"][0]
    assert first["translation"] == "First line." and first["reasons"][0]["code"] == "GARB001"
    assert art["passages"][1]["translation"] is None and art["passages"][1]["kind"] == "duplicate"
