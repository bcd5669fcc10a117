"""mtqa.script on constructed cases: letter variants, digits, numbers, sentence ends, folding."""

from __future__ import annotations

import re

import pytest

from mtqa import script

PERSIAN = "یکگپچژ"
ARABIC = "ابتثجحخدذرزسشصضطظعغفقلمنهويىكةءأإآ"


# --- letters -----------------------------------------------------------------------------------

@pytest.mark.parametrize("ch", [*ARABIC, *PERSIAN, "ە", "ۺ", "ݐ", "ࢠ", "ﺑ", "ﻻ", "ﷲ"])
def test_letters_of_every_range(ch: str) -> None:
    assert script.is_letter(ch)
    assert script.is_letter_or_bom(ch)
    assert script.LETTER_RE.fullmatch(ch)
    assert script.in_any_block(ch)


@pytest.mark.parametrize("ch", ["\u200c", "\u200d", "\u064e", "\u0651", "\u0654", "٣", "۴", "،", "؟", "a",
                                "é", " ", "\ufeff"])
def test_not_letters(ch: str) -> None:
    assert not script.is_letter(ch)
    assert not script.LETTER_RE.match(ch)
    assert not script.CORE_LETTER_RE.match(ch)


def test_tatweel_and_superscript_alef_fall_inside_the_letter_ranges() -> None:
    for ch in "\u0640\u0670":
        assert script.is_letter(ch) and script.CORE_LETTER_RE.match(ch)
        assert script.MARKS_RE.match(ch)


def test_letter_variants_differ_where_documented() -> None:
    # Core letters: Arabic, Persian, Supplement, presentation forms; not the Kurdish/Sindhi extras
    # nor Extended-A.
    for ch in ARABIC + PERSIAN + "ݐﺑﻻ":
        assert script.CORE_LETTER_RE.match(ch), ch
    for ch in "ەۺࢠ":
        assert script.is_letter(ch) and not script.CORE_LETTER_RE.match(ch), ch
    # The checks' test also takes the tail of Presentation Forms-B (the BOM).
    assert script.is_letter_or_bom("\ufeff") and not script.is_letter("\ufeff")
    # Any block: digits, punctuation, marks and tatweel of the Arabic blocks too, not ZWNJ.
    for ch in "٣۴،؟\u064e":
        assert script.in_any_block(ch) and not script.is_letter(ch), ch
    assert not script.in_any_block("\u200c") and not script.in_any_block("a")
    # Main block: U+0600–06FF only (no Supplement, no presentation forms).
    assert script.in_main_block("پ") and script.in_main_block("٣")
    assert not script.in_main_block("ݐ") and not script.in_main_block("ﺑ")


def test_sets_and_patterns_agree() -> None:
    for ch in map(chr, range(0x0590, 0x0900)):
        assert script.is_letter(ch) == bool(script.LETTER_RE.match(ch)), hex(ord(ch))
    assert script.LETTERS == {chr(o) for a, b in script.LETTER_RANGES for o in range(a, b + 1)}


def test_script_of_words() -> None:
    assert script.script_of("پژوهش") == "arabic"
    assert script.script_of("\u200cکتاب") == "arabic"
    assert script.script_of("«می‌رود»") == "arabic"
    assert script.script_of("Kabul") == "latin"
    assert script.script_of("۲۵۰۰") == "digit"
    assert script.script_of("2024م") == "digit"
    assert script.script_of("Ωμέγα") == "other"
    assert script.script_of("—") == "other"


def test_latin_letters() -> None:
    assert script.is_latin_letter("z") and script.is_latin_letter("é")
    assert not script.is_latin_letter("Ω") and not script.is_latin_letter("ب")


# --- marks and digits --------------------------------------------------------------------------

def test_marks_cover_harakat_and_tatweel_not_joiners() -> None:
    assert script.MARKS_RE.sub("", "مَدْرَسَةٌ ـكبيرة\u0670") == "مدرسة كبيرة"
    assert script.MARKS_RE.sub("", "می\u200cرود") == "می\u200cرود"
    assert all(script.MARKS_RE.match(h) for h in script.HARAKAT)


def test_digits_of_every_script_fold_to_ascii() -> None:
    assert script.ascii_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert script.ascii_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert script.ascii_digits("ab 12 ٫٬") == "ab 12 ٫٬"
    assert len(script.ascii_digits("سال ۱۴۰۲")) == len("سال ۱۴۰۲")


# --- numbers -----------------------------------------------------------------------------------

def _values(text: str, **kw) -> list[str]:
    return [v for v, _, _ in script.numbers(text, **kw)]


def test_numbers_checks_reading() -> None:
    assert _values("۲٬۵۰۰ و 1,200 و 3.5 و ٣٫٥ و 2.500 و 3,50 و 007") == [
        "2500", "1200", "3.5", "3.5", "2500", "3.5", "7"]
    assert _values("0.5 و 1.2.3") == [".5", "123"]
    assert _values("7 و 12", min_digits=2) == ["12"]
    text = "قتل ۱۵ شخصا"
    ((value, start, end),) = script.numbers(text)
    assert (value, text[start:end]) == ("15", "۱۵")


def test_numbers_supplied_reading() -> None:
    kw = {"pattern": script.number_re(".,٫", 1), "thousands": ",", "strict_groups": False, "trim": False}
    assert _values("1,200 and 3.50 and ٣٫٥ and 07 and 2,5", **kw) == ["1200", "3.50", "3.5", "07", "25"]
    assert _values("1,234,567", **kw) == ["1234", "567"]  # one separator per token
    assert _values("۲٬۵۰۰", **kw) == ["2", "500"]  # ٬ is no separator here


def test_parse_number_parameters() -> None:
    assert script.parse_number("2,500") == "2500"
    assert script.parse_number("2٬500") == "2500"
    assert script.parse_number("2،500") == "2500"
    assert script.parse_number("1.234") == "1.234"  # "." is no thousands separator by default
    assert script.parse_number("1.234", thousands=".,") == "1234"
    assert script.parse_number("3٫50") == "3.5"
    assert script.parse_number("3٫50", trim=False) == "3.50"
    assert script.parse_number("2,5") == "2.5"
    assert script.parse_number("2,5", strict_groups=False) == "25"
    assert float(script.parse_number("12,345,678")) == 12345678.0


def test_grouped_numbers_stand_alone() -> None:
    def found(text: str) -> list[str]:
        return [m.group(1) for m in script.GROUPED_NUMBER_RE.finditer(text)]

    assert found("2,500 and 3.5 and 2٬500 and 1٫5") == ["2,500", "3.5", "2٬500", "1٫5"]
    assert found("2.3.2024") == []
    assert found("1,23") == []
    assert found("in 2011") == ["2011"]


def test_number_re_separators_and_count() -> None:
    assert script.number_re().fullmatch("1.2.3,4٫5٬6")
    assert not script.number_re(".,٫", 1).fullmatch("1,234,567")
    assert script.number_re(".,٫", 1).fullmatch("3.5")
    assert script.number_re(".,", 2).fullmatch("1,234.5")
    assert not script.number_re(".,", 2).fullmatch("1,234,567.5")


# --- sentence ends -----------------------------------------------------------------------------

def test_sentence_end_with_closing_quotes() -> None:
    text = "قال «انتهى.» ثم رفت! آیا؟ بله… “Done.” (end.) next"
    ends = [m.group() for m in script.SENTENCE_END_RE.finditer(text)]
    assert ends == [".»", "!", "؟", "…", ".”", ".)"]
    # ’ does not close a unit in the checks' set; the segmenter's set takes it.
    assert not script.SENTENCE_END_RE.search("it.’ next")
    assert re.search(script.sentence_end_pattern(closers=script.CLOSERS), "it.’ next")
    assert not script.SENTENCE_END_RE.search("3.5 and U.S")


def test_sentence_end_pattern_parts() -> None:
    rx = re.compile(script.sentence_end_pattern(script.SENTENCE_MARKS, ""))
    assert rx.search("a. b") and not rx.search("a… b") and not rx.search("a.» b")
    seg = re.compile(script.sentence_end_pattern(".؟" + script.ELLIPSIS, script.CLOSERS, then=""))
    assert seg.match("؟»").group() == "؟»"
    assert script.TERMINAL == ".!?؟…"
    assert script.URDU_FULL_STOP not in script.TERMINAL


def test_ends_sentence() -> None:
    assert script.ends_sentence("انتهى.")
    assert script.ends_sentence("قال: «انتهى؟»")
    assert script.ends_sentence("end…) ")
    assert not script.ends_sentence("القاهرة –")
    assert not script.ends_sentence("انتهى. »")
    assert script.ends_sentence("انتهى. »", space_in_closers=True)
    assert not script.ends_sentence("{انتهى.}")
    assert script.ends_sentence("{انتهى.}", script.CLOSERS_AND_BRACE)
    assert not script.ends_sentence("")


def test_closer_sets() -> None:
    assert set(script.CLOSERS) == set(script.CLOSERS_EXCEPT_RSQUO) | {"’"}
    assert set(script.CLOSERS_AND_BRACE) - set(script.CLOSERS) == {"}"}
    assert "»" not in script.LATIN_CLOSERS and "’" in script.LATIN_CLOSERS
    assert not set(script.OPENING_QUOTES) & set(script.CLOSING_QUOTES)


# --- folding -----------------------------------------------------------------------------------

def test_normalize_keeps_length() -> None:
    text = "إِنَّ الكتابَ ــ ﺑﻴﺖ ٣٢ و۱۴ كيلو\u200cمتر\u200f"
    out = script.normalize(text)
    assert len(out) == len(text)
    assert "32" in out and "14" in out
    assert "کتاب" in out and "بیت" in out
    assert "\u200c" not in out and "\u200f" not in out
    assert "ﻻ" in script.normalize("ﻻ")  # a ligature that expands stays as it is


def test_normalize_with_map() -> None:
    text = "مَدْرَسَةٌ ـ"
    norm, index = script.normalize_with_map(text)
    assert norm == "مدرسة "
    assert [text[i] for i in index] == list("مدرسة ")


def test_fold_spelling_vs_fold_lookup() -> None:
    # Spelling fold: towards Persian yeh/kaf, ى merged, ZWNJ as space, digits ASCII, casefolded.
    assert script.fold_spelling("علي") == script.fold_spelling("على") == "علی"
    assert script.fold_spelling("كيلو\u200cمتر") == "کیلو متر"
    assert script.fold_spelling("  Read   ALSO ۲ ") == "read also 2"
    assert script.fold_spelling("أَحمد") == "احمد"
    # Lookup fold: towards Arabic yeh/kaf, ى kept apart, ZWNJ kept, digits kept.
    assert script.fold_lookup("ی") == script.fold_lookup("ي") == "ي"
    assert script.fold_lookup("ک") == "ك"
    assert script.fold_lookup("على") != script.fold_lookup("علي")
    assert script.fold_lookup("می\u200cرود") == "مي\u200cرود"
    assert script.fold_lookup("مَدْرَسَةٌ\u200d") == "مدرسة"
    assert script.fold_lookup("ﺑ") == "ب"  # NFKC
    assert script.fold_lookup("۲") == "۲"
    assert script.fold_lookup("إسلامۀ") == "اسلامه"


def test_fold_yeh_kaf_keeps_madda() -> None:
    assert script.fold_yeh_kaf("آمريكا") == "آمریکا"
    assert script.fold_yeh_kaf("امریکا") != script.fold_yeh_kaf("آمریکا")
    assert script.fold_yeh_kaf("صدر\u200cاعظم  ـجدی") == "صدر اعظم جدی"
