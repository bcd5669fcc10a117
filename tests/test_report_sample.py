"""The hand-built sample report (``report_fixtures``) holds what the reporter tests rely on."""

from __future__ import annotations

from report_fixtures import HOSTILE_IMG, HOSTILE_SCRIPT, sample_report


def test_sample_offsets_are_consistent() -> None:
    report = sample_report()
    for article in report.articles:
        for p in article.passages:
            assert article.text[p.start : p.end] == p.text
            for f in p.flags:
                if f.side == "translation":
                    assert 0 <= f.start < f.end <= len(p.translations[0].text)


def test_sample_covers_what_the_reporters_must_handle() -> None:
    report = sample_report()
    kinds = {p.kind for a in report.articles for p in a.passages}
    assert {"content", "boilerplate"} <= kinds
    assert {a.lang for a in report.articles} == {"ar", "fa", "prs"}
    assert any(a.line > 1 for a in report.articles)
    assert any(HOSTILE_IMG in a.text and HOSTILE_SCRIPT in a.text for a in report.articles)
    assert report.crosscheck is not None and report.crosscheck.summary.conflict == 1
    # one flag reaches before the passage and one beyond it: reporters must clip them
    p = report.articles[0].passages[3]
    assert any(f.start < p.start for f in p.flags) and any(f.end > p.end for f in p.flags)
