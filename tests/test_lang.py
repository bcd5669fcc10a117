"""Language id (ar / fa / prs, others rejected) and length-preserving normalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqa import lang, script
from mtqa.config import Config
from mtqa.errors import InputError
from mtqa.model import Article
from tests.conftest import shared_path

SHARED = shared_path()


@pytest.fixture(scope="module")
def cfg() -> dict:
    return Config.load().section("language")


def _art(text: str, **kw: object) -> Article:
    return Article(id="t", source="t.txt", text=text, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ذهب الطالب إلى المدرسة التي تقع في وسط المدينة.", "ar"),
        ("قالت الوزارة إن الاجتماع سيعقد يوم الخميس المقبل في العاصمة.", "ar"),
        ("دانشجو به مدرسه‌ای رفت که در مرکز شهر است.", "fa"),
        ("وزیر گفت که نشست روز پنجشنبه در تهران برگزار می‌شود.", "fa"),
        ("استاندار گفت این پروژه تا پایان اسفند به بهره‌برداری می‌رسد.", "fa"),
        ("صدراعظم روز دوشنبه ۱۲ حوت با مقام‌های امریکایی دیدار کرد.", "prs"),
        ("ولسوالی های این ولایت در ماه دلو زیر برف بودند و صدراعظم کمک فرستاد.", "prs"),
    ],
)
def test_identify_short_sentences(cfg: dict, text: str, expected: str) -> None:
    out = lang.identify(_art(text), cfg)
    assert out.lang == expected
    assert 0.5 <= (out.lang_confidence or 0) <= 1.0


def test_iranian_persian_with_iranian_markers_is_not_dari(cfg: dict) -> None:
    text = "نخست وزیر روز سه‌شنبه ۱۵ اسفند با مقام‌های آمریکایی دیدار کرد و درباره ائتلاف گفت‌وگو شد."
    assert lang.identify(_art(text), cfg).lang == "fa"


@pytest.mark.parametrize(
    ("text", "looks"),
    [
        ("The minister said the dam would be repaired within two weeks.", "English"),
        ("Министр сказал, что плотина будет отремонтирована через две недели.", "Cyrillic"),
        ("השר אמר שהסכר יתוקן בתוך שבועיים.", "Hebrew"),
        ("ABC 123 XYZ 456 QWE", "Latin"),
        ("2024 - 12 - 05 / 17:30", "no letters"),
    ],
)
def test_other_languages_are_rejected(cfg: dict, text: str, looks: str) -> None:
    with pytest.raises(InputError) as exc:
        lang.identify(_art(text), cfg)
    assert "not Arabic or Persian" in exc.value.problem
    assert looks in exc.value.problem
    assert exc.value.path == "t.txt"


def test_rejection_of_a_jsonl_record_names_the_line(cfg: dict) -> None:
    art = Article(id="r7", source="feed.jsonl", text="plain English text here", line=7)
    with pytest.raises(InputError) as exc:
        lang.identify(art, cfg)
    assert exc.value.path == "feed.jsonl:7"


@pytest.mark.parametrize(("declared", "code"), [("prs", "prs"), ("fa-AF", "prs"), ("dari", "prs"),
                                                ("fa", "fa"), ("Persian", "fa")])
def test_declared_language_wins(cfg: dict, declared: str, code: str) -> None:
    text = "وزیر گفت که نشست روز پنجشنبه در تهران برگزار می‌شود."
    out = lang.identify(_art(text, lang=declared), cfg)
    assert out.lang == code and out.lang_confidence == 1.0 and out.notes == ()


@pytest.mark.parametrize("declared", ["ar", "ara"])
def test_declared_language_that_contradicts_the_text_is_kept_with_a_note(cfg: dict, declared: str) -> None:
    text = "وزیر گفت که نشست روز پنجشنبه در تهران برگزار می‌شود و گزارش آن را منتشر خواهد کرد."
    out = lang.identify(_art(text, lang=declared), cfg)
    assert out.lang == "ar"
    assert out.lang_confidence is not None and out.lang_confidence < 0.3
    assert len(out.notes) == 1 and out.notes[0].code == "LANG002"
    assert "reads as Persian" in out.notes[0].message and f"'{declared}'" in out.notes[0].message


def test_arabic_declared_persian_is_noted(cfg: dict) -> None:
    text = "قال الوزير إن الاجتماع الذي عقد في القاهرة كان مثمرا وإن المحادثات ستستمر في الأسبوع المقبل."
    out = lang.identify(_art(text, lang="fa"), cfg)
    assert out.lang == "fa" and "reads as Arabic" in out.notes[0].message


def test_unsupported_declared_language_is_ignored(cfg: dict) -> None:
    out = lang.identify(_art("ذهب الطالب إلى المدرسة التي تقع في المدينة.", lang="en"), cfg)
    assert out.lang == "ar"


def test_english_declared_as_arabic_is_rejected_when_it_has_no_arabic_script(cfg: dict) -> None:
    with pytest.raises(InputError, match="no Arabic-script words"):
        lang.identify(_art("This is English, whatever the label says.", lang="ar"), cfg)


@pytest.mark.parametrize("text", [
    "Pablo Picasso (نقاش) 14:",
    "The minister met reporters in the capital on Monday; he said (قال) nothing new about it.",
])
def test_declared_language_is_trusted_over_latin_letters(cfg: dict, text: str) -> None:
    out = lang.identify(_art(text, lang="ar"), cfg)
    assert out.lang == "ar" and out.lang_confidence == 0.5
    assert out.notes[0].code == "LANG001" and "kept although the text looks like" in out.notes[0].message


@pytest.mark.parametrize("text", [
    # a clean Persian sentence naming five English-speaking artists
    "در این جشنواره آثاری از Taylor Swift، Ed Sheeran، Billie Eilish، Bruno Mars و Adele Adkins پخش شد.",
    # Persian with English song titles
    "آهنگ‌های Shape of You و Bad Guy و Blinding Lights در صدر فهرست قرار گرفتند.",
    # markup around a Persian sentence
    '<div class="lead"><span style="color:red">گزارش</span> <a href="https://example.com/x/y?z=1">'
    "وزیر امور خارجه</a> امروز در تهران گفت که مذاکرات ادامه دارد</div>",
])
def test_undeclared_script_is_decided_on_words_not_latin_names(cfg: dict, text: str) -> None:
    out = lang.identify(_art(text), cfg)
    assert out.lang == "fa" and out.notes == ()


def test_english_with_a_few_arabic_words_is_still_rejected(cfg: dict) -> None:
    text = "The president said on Monday that the talks with Iran (ایران) will continue next week."
    with pytest.raises(InputError, match="looks like English"):
        lang.identify(_art(text), cfg)


OTHER_LANGUAGE_SAMPLES = {
    "ur": "پاکستان کے وزیر اعظم نے کہا ہے کہ حکومت آئندہ ہفتے نئے بجٹ کا اعلان کرے گی۔ انہوں نے "
          "صحافیوں سے بات کرتے ہوئے بتایا کہ ملک کی معیشت بہتر ہو رہی ہے۔",
    "pnb": "پنجاب دے وزیر اعلیٰ نے آکھیا اے کہ سرکار لوکاں دی مدد کرے گی تے سکولاں نوں کھولیا جاوے "
           "گا۔ اوہناں نے لاہور وچ گل بات کیتی۔",
    "ps": "د افغانستان د بهرنیو چارو وزارت ویاند وویل چې دا پرېکړه به د هېواد په ګټه وي. هغه زیاته "
          "کړه چې خبرې به دوام ولري.",
    "sd": "سنڌ حڪومت اعلان ڪيو آهي ته ايندڙ هفتي کان اسڪول کليل هوندا. وزير اعليٰ چيو ته ٻارن جي "
          "تعليم اهم آهي.",
    "ckb": "سەرۆکی هەرێمی کوردستان ڕایگەیاند کە هەڵبژاردنەکان لە کاتی خۆیدا ئەنجام دەدرێن و حکومەت "
           "ئامادەیە.",
    "ug": "ئۇيغۇر ئاپتونوم رايونىدىكى ھۆكۈمەت يېڭى قارار ئېلان قىلدى. بۇ قارار ئوقۇغۇچىلار ئۈچۈن مۇھىم.",
}


@pytest.mark.parametrize(("code", "text"), list(OTHER_LANGUAGE_SAMPLES.items()))
def test_other_arabic_script_languages_are_named_and_refused(cfg: dict, code: str, text: str) -> None:
    assert lang.other_language(text, cfg) == code
    with pytest.raises(InputError, match=rf"text is .*\({code}\): mtqa checks Arabic and Persian"):
        lang.identify(_art(text), cfg)
    # declaring it Persian does not make it Persian
    with pytest.raises(InputError, match=rf"\({code}\) although declared 'fa'"):
        lang.identify(_art(text, lang="fa"), cfg)


def test_declared_unchecked_language_is_refused_by_name(cfg: dict) -> None:
    with pytest.raises(InputError, match=r"declared language is Urdu \(ur\)"):
        lang.identify(_art(OTHER_LANGUAGE_SAMPLES["ur"], lang="urd"), cfg)


def test_pashto_names_in_dari_news_stay_dari(cfg: dict) -> None:
    text = ("والی ننگرهار امروز در جلالآباد گفت که شورای پښتون‌ها و نمایندگان ولسوالی‌ها در نشست "
            "روز دوشنبه درباره امنیت شاهراه کابل و تورخم گفتگو کردند و قرار است گزارش آن به "
            "صدراعظم فرستاده شود. مقامات محلی افزودند که کار بازسازی پل‌ها در ماه جدی آغاز می‌شود.")
    assert lang.other_language(text, cfg) is None
    assert lang.identify(_art(text), cfg).lang in ("prs", "fa")


@pytest.mark.parametrize("name", ["arb_Arab", "pes_Arab", "prs_Arab"])
def test_no_flores_sentence_is_called_another_language(cfg: dict, name: str) -> None:
    path = SHARED / "data" / "flores200_devtest" / f"{name}.devtest"
    if not path.exists():
        pytest.skip("../shared FLORES-200 devtest not available")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [line for line in lines if lang.other_language(line, cfg)] == []


def test_normalize_keeps_length_and_unifies_variants() -> None:
    text = "إِنَّ الكتابَ ــ في مكتبةٍ ٣٢ و۱۴ كيلو\u200cمتر"
    out = script.normalize(text)
    assert len(out) == len(text)
    assert "ي" not in out and "ك" not in out and "إ" not in out
    assert "32" in out and "14" in out
    assert "\u200c" not in out
    assert script.fold_spelling("إِنَّ") == script.fold_spelling("ان")
    assert script.fold_spelling("كيلو\u200cمتر") == script.fold_spelling("کیلو متر")


def test_normalize_with_map_points_back_into_the_original() -> None:
    text = "مَدْرَسَةٌ كبيرة"
    norm, index = script.normalize_with_map(text)
    assert len(norm) == len(index)
    assert script.PLACEHOLDER not in norm
    for ch, i in zip(norm, index, strict=True):
        assert script.normalize(text[i]) == ch
    assert norm.startswith("مدرسة")


def test_signature_has_version(cfg: dict) -> None:
    sig = lang.signature(cfg)
    assert sig["lang"] == lang.VERSION and "script" in sig


def test_seed_languages(cfg: dict, seeds_dir: Path) -> None:
    found = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        art = Article(id=path.stem, source=str(path), text=path.read_text(encoding="utf-8"))
        found[path.name[:3]] = lang.identify(art, cfg).lang
    assert found["000"] in ("prs", "fa")
    assert found["000"] == "prs"  # Afghan markers: صدراعظم, ایتلاف, دلو, جنوری, امریکایی
    for n in ("001", "002", "003", "004"):
        assert found[n] == "ar", n


def test_example_languages(cfg: dict, examples_dir: Path) -> None:
    expected = {"ar_wire": "ar", "ar_mt": "ar", "ar_portal": "ar", "fa_iran": "fa", "prs_dari": "prs"}
    for stem, code in expected.items():
        path = examples_dir / "articles" / f"{stem}.txt"
        art = Article(id=stem, source=str(path), text=path.read_text(encoding="utf-8"))
        assert lang.identify(art, cfg).lang == code, stem


def test_flores_arabic_vs_persian(cfg: dict, shared_dir: Path) -> None:
    """On FLORES-200 devtest: Arabic never taken for Persian and vice versa; Iranian Persian is
    almost never called Dari (FLORES Dari is neutral text with few Afghan markers, so most of it
    is called ``fa``: the Dari heuristic favours precision)."""
    base = shared_dir / "data" / "flores200_devtest"
    if not base.is_dir():
        pytest.skip(f"{base} not found")

    def codes(name: str) -> list[str | None]:
        lines = (base / f"{name}.devtest").read_text(encoding="utf-8").splitlines()[:300]
        return [lang.detect(line, cfg)[0] for line in lines]

    ar, pes, prs = codes("arb_Arab"), codes("pes_Arab"), codes("prs_Arab")
    assert ar.count("ar") == len(ar)
    assert "ar" not in pes and "ar" not in prs and None not in pes + prs
    assert pes.count("prs") <= 0.02 * len(pes)
    eng = codes("eng_Latn")
    assert eng.count(None) == len(eng)


def test_too_little_text(cfg: dict) -> None:
    with pytest.raises(InputError, match="cannot identify the language: too little text"):
        lang.identify(_art("في"), cfg)
