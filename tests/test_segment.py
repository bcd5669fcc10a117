"""Paragraphs and sentences: offsets into the input text, no splits inside numbers, long lines."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mtqa import segment
from mtqa.clean import Label
from mtqa.config import Config
from mtqa.model import Article


@pytest.fixture(scope="module")
def cfg() -> dict:
    return Config.load().section("segment")


def _sentences(text: str, cfg: dict) -> list[str]:
    return [text[s:e] for ps, pe in segment.paragraphs(text)
            for s, e in segment.split_paragraph(text, ps, pe, cfg)]


def test_paragraphs_are_trimmed_non_blank_lines() -> None:
    text = "  first line \r\n\r\n\tsecond\u00a0\n   \nthird"
    spans = segment.paragraphs(text)
    assert [text[s:e] for s, e in spans] == ["first line", "second", "third"]


def test_paragraphs_of_blank_text() -> None:
    assert segment.paragraphs("") == [] and segment.paragraphs(" \n\r\n ") == []


def test_sentences_split_after_arabic_and_latin_marks(cfg: dict) -> None:
    text = "قال الوزير إن السد آمن. هل هو آمن؟ نعم! وأضاف؛ ثم غادر."
    assert _sentences(text, cfg) == ["قال الوزير إن السد آمن.", "هل هو آمن؟", "نعم!", "وأضاف؛",
                                     "ثم غادر."]


@pytest.mark.parametrize("text", [
    "بلغت الخسائر 3.5 مليون دولار و2,500 جندي في المنطقة.",
    "سعة السد ۲.۵ میلیارد متر مکعب است.",
    "The U.S. envoy met Dr. Nouri in the capital.",
    "قال ماذا... ثم سكت طويلا.",
    "زار الموقع فريق من fox.com وغيره.",
    "ولد عام 1950 م. في القاهرة وعاش فيها.",
])
def test_no_split_inside_numbers_abbreviations_ellipses(cfg: dict, text: str) -> None:
    assert _sentences(text, cfg) == [text]


def test_split_at_quote_boundaries(cfg: dict) -> None:
    text = "قال: “لن ننسحب من العراق” “هذا تحول كبير”."
    assert _sentences(text, cfg) == ["قال: “لن ننسحب من العراق”", "“هذا تحول كبير”."]


def test_closing_quote_stays_with_its_sentence(cfg: dict) -> None:
    text = "قال: «علت حادثه مشخص می‌شود.» سپس رفت."
    assert _sentences(text, cfg) == ["قال: «علت حادثه مشخص می‌شود.»", "سپس رفت."]


def test_missing_space_after_period_before_arabic_letter(cfg: dict) -> None:
    text = 'قال إن الوعود "في مكانها الصحيح".وكان الرئيس قد استقبل الوفد.'
    assert _sentences(text, cfg) == ['قال إن الوعود "في مكانها الصحيح".', "وكان الرئيس قد استقبل الوفد."]


def test_passages_offsets_kinds_and_ids(cfg: dict) -> None:
    text = "Breaking News\r\n\r\nقال الوزير إن السد آمن. وأضاف أن التحقيق بدأ.\r\nسطر آخر هنا."
    art = Article(id="a1", source="a1.txt", text=text, lang="ar")
    paras = segment.paragraphs(text)
    labels = [Label("boilerplate", "CLEAN004 latin-ui: x"), Label("content"), Label("duplicate", "d")]
    out = segment.passages(art, paras, labels, cfg)
    assert [p.id for p in out] == ["a1:0", "a1:1", "a1:2", "a1:3"]
    assert [p.paragraph for p in out] == [0, 1, 1, 2]
    assert [p.kind for p in out] == ["boilerplate", "content", "content", "duplicate"]
    assert out[0].reason.startswith("CLEAN004")
    for p in out:
        assert text[p.start:p.end] == p.text and p.text == p.text.strip() and p.lang == "ar"


def test_label_count_must_match(cfg: dict) -> None:
    art = Article(id="a", source="a", text="x. y.", lang="ar")
    with pytest.raises(ValueError):
        segment.passages(art, segment.paragraphs(art.text), [], cfg)


def _covers(text: str, spans: list[tuple[int, int]]) -> bool:
    covered = bytearray(len(text))
    for s, e in spans:
        covered[s:e] = b"\x01" * (e - s)
    return all(covered[i] or text[i].isspace() for i in range(len(text)))


def test_long_sentence_is_cut_at_clauses_without_losing_text(cfg: dict) -> None:
    text = ("وقال المسؤول إن المياه غمرت القرى، " * 60) + "وانتهى."
    spans = segment.split_paragraph(text, 0, len(text), cfg)
    assert len(spans) > 1
    assert all(e - s <= cfg["max_chars"] for s, e in spans)
    assert all(text[e - 1] == "،" for s, e in spans[:-1])  # cut after a clause mark
    assert _covers(text, spans)


def test_unbroken_run_is_hard_cut(cfg: dict) -> None:
    text = "ب" * 2000
    spans = segment.split_paragraph(text, 0, len(text), cfg)
    assert "".join(text[s:e] for s, e in spans) == text
    assert all(e - s <= cfg["max_chars"] for s, e in spans)


def test_five_megabyte_line_segments_quickly_and_losslessly(cfg: dict) -> None:
    unit = "تقول الوزارة إن 2,500 أسرة نزحت، وإن فرق الإنقاذ تعمل ليلا ونهارا وسط الأمطار الغزيرة "
    text = unit * (5_000_000 // len(unit))
    t0 = time.perf_counter()
    paras = segment.paragraphs(text)
    spans = [sp for s, e in paras for sp in segment.split_paragraph(text, s, e, cfg)]
    elapsed = time.perf_counter() - t0
    assert elapsed < 10, elapsed
    assert len(paras) == 1
    assert all(0 < e - s <= cfg["max_chars"] for s, e in spans)
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))
    assert _covers(text, spans)


def test_signature(cfg: dict) -> None:
    sig = segment.signature(cfg)
    assert sig["seg"] == segment.VERSION and sig["max"] == cfg["max_chars"]


def test_seed_offsets(seeds_dir: Path, cfg: dict) -> None:
    full = Config.load()
    from mtqa.pipeline import prepare

    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        art = prepare(Article(id=path.stem, source=str(path), text=text), full)
        assert art.passages
        for p in art.passages:
            assert text[p.start:p.end] == p.text
        assert _covers(text, [(p.start, p.end) for p in art.passages])


def test_every_kind_of_line_break_ends_a_paragraph() -> None:
    text = "الف\rباء\r\nجيم\u2028دال\n\nهاء"
    assert [text[s:e] for s, e in segment.paragraphs(text)] == ["الف", "باء", "جيم", "دال", "هاء"]


def test_terminators_and_ellipsis_are_configurable(cfg: dict) -> None:
    text = "قال إنه سيأتي... ثم جاء؛ وبقي. انتهى"
    assert _sentences(text, cfg) == ["قال إنه سيأتي... ثم جاء؛", "وبقي.", "انتهى"]
    custom = {**cfg, "terminators": ".", "split_after_ellipsis": True}
    assert _sentences(text, custom) == ["قال إنه سيأتي...", "ثم جاء؛ وبقي.", "انتهى"]


def test_abbreviation_after_bracket(cfg: dict) -> None:
    text = "التقى الوزير (Dr. Nouri) في المكتب."
    assert _sentences(text, cfg) == [text]
