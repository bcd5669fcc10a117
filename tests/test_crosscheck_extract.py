"""Cross-check extractors pinned on constructed sentences: numbers, dates and calendars, names."""

from __future__ import annotations

import datetime as dt

import pytest

from mtqa.config import Config
from mtqa.crosscheck import calendars, facts, lexicon, names
from mtqa.crosscheck.text import View


@pytest.fixture(scope="module")
def cfg() -> dict:
    return Config.load().section("crosscheck")


def _facts(text: str, cfg: dict, side: str = "source") -> dict[str, list]:
    out: dict[str, list] = {}
    for m in facts.extract_text(text, 0, len(text), cfg, side):
        out.setdefault(m.key, []).append(m)
    return out


def test_persian_counts_with_noun_nationality_place_and_approximation(cfg: dict) -> None:
    text = "کم و بیش ۲۵۰۰ نظامی امریکایی در عراق و حدود ۹۰۰ نظامی دیگر امریکایی در سوریه مستقر اند."
    got = _facts(text, cfg)
    iraq, syria = got["troops|us|iraq"][0], got["troops|us|syria"][0]
    assert (iraq.data["num"], iraq.data["approx"], iraq.display) == (2500, True, "about 2,500")
    assert syria.data["num"] == 900 and syria.data["approx"]
    assert text[iraq.start:iraq.end] == "۲۵۰۰"


def test_arabic_counts_bounds_states_and_number_words(cfg: dict) -> None:
    text = ("وأطلق المسلحون أكثر من 150 صاروخ وطائرة مسيّرة. "
            "وقُتل ثلاثة جنود أمريكيين في هجوم بالأردن. وللولايات المتحدة 2,500 جندي في العراق.")
    got = _facts(text, cfg)
    assert got["attacks|*|*"][0].data["bound"] == "more"
    assert got["killed|us|jordan"][0].data["num"] == 3  # a state cue turns soldiers into killed
    assert got["troops|us|iraq"][0].data["num"] == 2500  # thousands separator


def test_elliptic_counts_inherit_the_noun(cfg: dict) -> None:
    text = "کم از کم ۱۳۰ حمله – ۵۳ در عراق و ۷۷ در سوریه – بر نیروهای امریکایی صورت گرفته است."
    got = _facts(text, cfg)
    assert got["attacks|*|*"][0].display == "at least 130"
    assert got["attacks|*|iraq"][0].data["num"] == 53
    assert got["attacks|*|syria"][0].data["num"] == 77


def test_vague_quantities_and_years_are_not_counts(cfg: dict) -> None:
    text = "وأصيب العشرات من الجنود الأميركيين. في سال ۲۰۱۱ همه نیروهای محاربوی عراق را ترک کردند."
    got = _facts(text, cfg)
    assert got["injured|us|*"][0].data["vague"] == [20, 99]
    assert not any(k.startswith("troops") for k in got)
    assert got["date|combat_withdrawal"][0].value == "2011"


def test_english_translation_side(cfg: dict) -> None:
    text = "About 2,500 US troops are in Iraq and roughly 900 in Syria; talks were held on Saturday."
    got = _facts(text, cfg, side="translation")
    assert got["troops|us|iraq"][0].data["approx"]
    assert got["troops|us|iraq"][0].side == "translation"
    assert got["date|talks_held"][0].data["date"]["wd"] == 5


@pytest.mark.parametrize(("solar", "greg"), [
    ((1403, 1, 1), dt.date(2024, 3, 20)),   # 1 Hamal/Farvardin 1403
    ((1402, 11, 7), dt.date(2024, 1, 27)),  # 7 Dalw/Bahman 1402
    ((1399, 1, 1), dt.date(2020, 3, 20)),
    ((1403, 12, 30), dt.date(2025, 3, 20)),  # 1403 is a leap year: Esfand 30 exists
    ((1357, 11, 22), dt.date(1979, 2, 11)),
])
def test_solar_hijri_conversion_both_ways(solar: tuple[int, int, int], greg: dt.date) -> None:
    assert calendars.to_gregorian(*solar) == greg
    assert calendars.from_gregorian(greg) == solar


def test_solar_hijri_round_trip_and_invalid_days() -> None:
    day = dt.date(1990, 1, 1)
    for i in range(0, 20000, 7):
        d = day + dt.timedelta(days=i)
        assert calendars.to_gregorian(*calendars.from_gregorian(d)) == d
    with pytest.raises(ValueError):
        calendars.to_gregorian(1402, 12, 30)  # 1402 is not leap
    assert calendars.is_leap(1403) and not calendars.is_leap(1402)


def test_dari_date_with_weekday_and_solar_month_is_consistent(cfg: dict) -> None:
    text = "ایالات متحده و عراق نخستین نشست رسمی خود را روز شنبه ۲۷ جنوری (هفتم دلو) برگزار کردند."
    m = _facts(text, cfg)["date|talks_held"][0]
    assert m.data["date"] == {"m": 1, "d": 27, "wd": 5, "sm": 11, "sd": 7}
    assert m.data["problems"] == []
    assert "Saturday 27 January" in m.display and "Dalw" in m.display
    assert text[m.start:m.end].startswith("روز شنبه")


def test_inconsistent_weekday_and_solar_dates_are_noted(cfg: dict) -> None:
    text = "عقدت المحادثات يوم الأحد 27 يناير 2024."
    m = _facts(text, cfg)["date|talks_held"][0]
    assert any("Sunday" in p for p in m.data["problems"])
    text2 = "نشست روز ۲۷ جنوری (دهم دلو) برگزار شد."
    assert _facts(text2, cfg)["date|talks_held"][0].data["problems"]


@pytest.mark.parametrize(("text", "month", "wd"), [
    ("أعلنت الدولتان المحادثات يوم الخميس 25 كانون الثاني 2024", 1, 3),
    ("گفتگوها روز پنجشنبه ۲۵ ژانویه ۲۰۲۴ اعلام شد", 1, 3),
    ("بدأت المحادثات في 7 أكتوبر/تشرين الأول 2024", 10, None),
    ("نشست در ۱۰ اکتوبر ۲۰۲۳ برگزار شد", 10, None),
])
def test_month_and_weekday_names_in_arabic_and_persian(cfg: dict, text: str, month: int,
                                                      wd: int | None) -> None:
    got = _facts(text, cfg)
    date = next(m for k, ms in got.items() if k.startswith("date|talks") for m in ms).data["date"]
    assert date["m"] == month
    assert date.get("wd") == wd


def test_ambiguous_words_are_not_dates(cfg: dict) -> None:
    # "أحد" = "one of", "می" = Persian verb prefix, "آب" = water: no date without day/cue/year.
    text = "قال أحد المسؤولين إن المحادثات عقدت. آب شهر گرم است و او می رود."
    assert not any(k.startswith("date|") for k in _facts(text, cfg))


def test_names_with_variants_and_roles(cfg: dict) -> None:
    lex = lexicon.get(cfg, "src")
    for variant in ("السوداني", "محمد شياع السوداني", "محمد شیاع السودانی"):
        got = _facts(f"قال رئيس الوزراء العراقي {variant} في بيان إن الحوار بدأ.", cfg)
        assert got["role|pm_iraq"][0].value == "entity:sudani"
    for isis in ("داعش", "تنظيم الدولة الإسلامية", "دولت اسلامی"):
        assert "name|isis" in _facts(f"في الحرب ضد {isis} في العراق.", cfg)
    assert names.compatible("entity:sudani", "سودانی", lex)
    assert names.compatible("entity:sudani", "entity:sudani", lex)
    assert not names.compatible("entity:muhandis", "ابو علی مهدی مهندس", lex)


def test_garbled_role_name_conflicts(cfg: dict) -> None:
    good = "غارة قتلت سليماني ونائب قائد الحشد الشعبي أبو مهدي المهندس، خارج مطار بغداد."
    bad = "غارة قتلت سليماني وزعيم الميليشيا العراقية أبو علي. مهدي المهندس قرب مطار بغداد."
    a = _facts(good, cfg)["role|pmf_deputy"][0]
    b = _facts(bad, cfg)["role|pmf_deputy"][0]
    assert b.display == "أبو علي. مهدي المهندس"
    a.article, b.article = "x", "y"
    assert facts.status_of([a, b], cfg)[0] == "conflict"


def test_view_maps_offsets_through_removed_marks() -> None:
    text = "مسيّرة ۲۵۰۰"
    v = View.of(text)
    i = v.norm.index("2500")
    assert v.span(i, i + 4) == (text.index("۲"), len(text))


def test_status_of_numbers(cfg: dict) -> None:
    def m(art: str, text: str) -> object:
        return facts.extract_text(text, 0, len(text), cfg, "source")[0]

    x = m("a", "حوالي 2500 جندي أميركي في العراق")
    y = m("b", "2450 جندي أميركي في العراق")
    z = m("c", "3000 جندي أميركي في العراق")
    x.article, y.article, z.article = "a", "b", "c"
    assert facts.status_of([x, y], cfg)[0] == "corroborated"  # within the 10 % tolerance
    assert facts.status_of([x], cfg)[0] == "single-source"
    status, conflicts = facts.status_of([x, y, z], cfg)
    assert status == "conflict" and conflicts[0].a.article in ("a", "b")


def _bounds_by_scanning(text: str, pos: int, regex) -> tuple[int, int]:
    """The unit around ``pos`` found the old way: rescan from the start of the text (cut at pos)."""
    start = 0
    for m in regex.finditer(text, 0, pos):
        start = m.end()
    m = regex.search(text, pos)
    return start, max(m.start() if m else len(text), pos)


def test_unit_bounds_by_index_equal_a_rescan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clause and sentence bounds come from marks found once per text (each look-up costs the
    same however long the text is), and equal a rescan from the start at every position of
    random strings of marks, quotes, digits, letters and spaces."""
    import random

    from mtqa.crosscheck import text as xt

    monkeypatch.setattr(xt, "UNIT_MAX_CHARS", 10**9)
    alphabet = [*"ab12 .،,;؛:–—()-?!؟\n”»\"')]“«", "500", "۲"]
    rng = random.Random(7)
    for _ in range(3000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for regex in (xt._SENT_END, xt._CLAUSE_END):
            for pos in range(len(s) + 1):
                assert xt.bounds(s, pos, regex) == _bounds_by_scanning(s, pos, regex), (s, pos)


def test_unit_bounds_are_capped_on_a_line_without_marks() -> None:
    """A line with no punctuation is not one huge sentence: the unit stops at a space within
    UNIT_MAX_CHARS of the position."""
    from mtqa.crosscheck import text as xt

    line = " ".join(["كلمة"] * 20_000)
    pos = len(line) // 2
    s, e = xt.sentence(line, pos)
    assert pos - xt.UNIT_MAX_CHARS <= s < pos < e <= pos + xt.UNIT_MAX_CHARS
    assert line[s - 1] == " " and line[e] == " "
