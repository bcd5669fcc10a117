"""Cleaner: each rule on constructed text, the seed articles' known chrome, and the examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqa import clean, segment
from mtqa.clean import Label
from mtqa.config import Config
from mtqa.errors import ConfigError
from mtqa.model import Article


@pytest.fixture(scope="module")
def cfg() -> dict:
    return Config.load().section("clean")


def _labels(text: str, cfg: dict, lang: str = "ar") -> list[tuple[str, Label]]:
    art = Article(id="t", source="t.txt", text=text, lang=lang)
    paras = segment.paragraphs(text)
    labels = clean.classify(art, paras, cfg)
    assert len(labels) == len(paras)
    return [(text[s:e], lab) for (s, e), lab in zip(paras, labels, strict=True)]


def _find(rows: list[tuple[str, Label]], needle: str) -> Label:
    hits = [lab for line, lab in rows if needle in line]
    assert len(hits) == 1, f"{needle!r} matched {len(hits)} paragraphs"
    return hits[0]


STORY = [
    "انهيار جزء من سد في الشمال",
    "قال مسؤولون إن المياه غمرت سبع قرى بعد انهيار جزء من السد يوم الثلاثاء.",
    "وأضافوا أن فرق الإنقاذ تبحث عن مفقودين في المنطقة المنكوبة.",
]


def test_plain_story_is_all_content(cfg: dict) -> None:
    rows = _labels("\n".join(STORY), cfg)
    assert all(lab == clean.CONTENT for _, lab in rows)


def test_read_also_marker_and_appended_article(cfg: dict) -> None:
    text = "\n".join([*STORY, "اقرأ أيضا:", "فاز الفريق بالمباراة النهائية.", "وسجل المهاجم هدفين."])
    rows = _labels(text, cfg)
    marker = _find(rows, "اقرأ أيضا")
    assert marker.kind == "boilerplate" and marker.reason.startswith("CLEAN002 read-also")
    for needle in ("فاز الفريق", "وسجل المهاجم"):
        lab = _find(rows, needle)
        assert lab.kind == "offtopic" and "CLEAN001" in lab.reason and "اقرأ أيضا" in lab.reason
    assert all(lab.kind == "content" for line, lab in rows[:3])


def test_inline_read_also_link_does_not_end_the_story(cfg: dict) -> None:
    text = "\n".join([STORY[0], STORY[1], "بیشتر بخوانید: بارش‌ها ادامه دارد", STORY[2]])
    rows = _labels(text, cfg, lang="fa")
    assert _find(rows, "بیشتر بخوانید").kind == "boilerplate"
    assert _find(rows, "فرق الإنقاذ").kind == "content"


@pytest.mark.parametrize("chrome", ["اترك تعليقك", "أضف تعليقك", "المصدر: وكالات",
                                    "كلمات دلالية: سد فيضان", "تاريخ النشر: 5 مارس",
                                    "انقر للحصول على تطبيق FOX NEWS", "لینک‌های دسترسی",
                                    "Hi, what are you looking for?"])
def test_ui_strings(cfg: dict, chrome: str) -> None:
    rows = _labels("\n".join([*STORY, chrome]), cfg)
    lab = _find(rows, chrome)
    assert lab.kind == "boilerplate" and lab.reason.startswith("CLEAN003 ui-string")


def test_short_latin_line_in_arabic_text(cfg: dict) -> None:
    rows = _labels("\n".join([STORY[0], "Download our app today", STORY[1],
                              "وقال مسؤول في UNICEF إن الوضع صعب."]), cfg)
    assert _find(rows, "Download").reason.startswith("CLEAN004 latin-ui")
    assert _find(rows, "UNICEF").kind == "content"


def test_teasers_after_section_label(cfg: dict) -> None:
    text = "\n".join([*STORY, "اخر الاخبار", "ارتفاع أسعار الخضار في الأسواق وسط شكاوى من...",
                      "مقالات ذات صلة", "منتخب الشباب يتأهل إلى النهائي بعد…"])
    rows = _labels(text, cfg)
    assert _find(rows, "أسعار الخضار").reason.startswith("CLEAN005 teaser")
    assert _find(rows, "منتخب الشباب").reason.startswith("CLEAN005 teaser")


def test_ellipsis_in_story_is_not_a_teaser(cfg: dict) -> None:
    rows = _labels("\n".join([*STORY, "وقال الشاهد إن الماء كان يرتفع بسرعة..."]), cfg)
    assert _find(rows, "الشاهد").kind == "content"


def test_exact_and_near_duplicates(cfg: dict) -> None:
    para = "وبدأت المحادثات في يناير لكن بعد أقل من يوم قتل ثلاثة جنود في هجوم بالأردن."
    near = "وبدأت المحادثات بين البلدين في يناير لكن بعد أقل من يوم قتل ثلاثة جنود في هجوم بالأردن وتوقفت."
    rows = _labels("\n".join([STORY[0], para, STORY[1], near, para]), cfg)
    labels = [lab for line, lab in rows]
    assert labels[1].kind == "content"
    assert labels[3].kind == "duplicate" and "repeats paragraph 1" in labels[3].reason
    assert labels[4].kind == "duplicate" and "containment 1.00" in labels[4].reason
    assert labels[2].kind == "content"


def test_related_sentences_are_not_duplicates(cfg: dict) -> None:
    a = "قال الحاكم إن المياه غمرت سبع قرى على ضفتي النهر يوم الثلاثاء."
    b = "وقال وزير المياه إن السد افتتح عام 2009 ويزود القرى بمياه الشرب."
    rows = _labels("\n".join([STORY[0], a, b]), cfg)
    assert all(lab.kind == "content" for _, lab in rows)


def test_pasted_headlines(cfg: dict) -> None:
    text = "\n".join([STORY[0], STORY[1],
                      'الخبراء يحذرون: "السدود القديمة قنبلة موقوتة"',
                      "يحذر الخبراء من أن انهيار السدود يعرض المنطقة للخطر،",
                      "وقال المتحدث:", STORY[2]])
    rows = _labels(text, cfg)
    assert _find(rows, "قنبلة موقوتة").reason.startswith("CLEAN007 pasted-headline: headline pasted")
    assert _find(rows, "يحذر الخبراء").reason.startswith("CLEAN007")
    assert _find(rows, "وقال المتحدث").kind == "content"
    assert rows[0][1].kind == "content"  # the article's own title


def test_fragments(cfg: dict) -> None:
    rows = _labels("\n".join([STORY[0], "القاهرة –", STORY[1]]), cfg)
    assert _find(rows, "القاهرة").reason.startswith("CLEAN008 fragment")


def test_topic_drift_rule_when_enabled(cfg: dict) -> None:
    on = {**cfg, "article_rules": ["topic_drift"]}
    story = [
        "انهيار سد خرزان يغرق سبع قرى",
        "قال مسؤولون إن انهيار سد خرزان أغرق سبع قرى وقتل أربعة عشر شخصا.",
        "وأضاف المسؤولون أن مياه السد غمرت الحقول والمنازل في القرى.",
        "وزار وزير المياه موقع السد وتعهد بالتحقيق في أسباب الانهيار.",
        "وقال الحاكم إن القرى المنكوبة تحتاج خياما وغذاء.",
        "فاز نادي الاتحاد على الشرطة بهدفين مقابل هدف.",
        "وسجل المهاجم كريم سعدي هدف الفوز في الدقيقة الأخيرة.",
    ]
    rows = _labels("\n".join(story), on)
    assert [lab.kind for _, lab in rows] == ["content"] * 5 + ["offtopic"] * 2
    assert "CLEAN009" in rows[-1][1].reason
    rows_off = _labels("\n".join(story), cfg)
    assert all(lab.kind == "content" for _, lab in rows_off)


def test_unknown_rule_is_a_config_error(cfg: dict) -> None:
    with pytest.raises(ConfigError, match="unknown rule"):
        _labels("x", {**cfg, "rules": ["no_such_rule"]})


def test_user_phrase_file(cfg: dict, tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text('[site]\nui_exact = ["تابع قناتنا على يوتيوب"]\n', encoding="utf-8")
    rows = _labels("\n".join([*STORY, "تابع قناتنا على يوتيوب"]),
                   {**cfg, "phrase_files": ["boilerplate.toml", str(extra)]})
    assert _find(rows, "يوتيوب").reason.startswith("CLEAN003")
    bad = tmp_path / "bad.toml"
    bad.write_text('[site]\nnot_a_list = ["x"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown phrase list"):
        _labels("x", {**cfg, "phrase_files": [str(bad)]})


def test_config_rejects_unknown_clean_key(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[clean.duplicate]\ncontainmnet = 0.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="containmnet"):
        Config.load(path)


def test_signature(cfg: dict) -> None:
    sig = clean.signature(cfg)
    assert sig["clean"] == clean.VERSION and sig["dup"] == cfg["duplicate"]["containment"]


# --- seeds (read from ../shared at test time) --------------------------------------------------

def _seed(seeds_dir: Path, prefix: str, cfg: dict) -> list[tuple[str, Label]]:
    path = next(seeds_dir.glob(f"{prefix}_*.txt"))
    return _labels(path.read_text(encoding="utf-8"), cfg)


def test_seed_000(seeds_dir: Path, cfg: dict) -> None:
    rows = _seed(seeds_dir, "000", cfg, )
    assert _find(rows, "لینک های دسترسی").kind == "boilerplate"
    assert _find(rows, "Breaking News").kind == "boilerplate"
    captions = [lab for line, lab in rows if line.startswith("محمد شیاع السودانی، صدراعظم عراق در جریان")]
    assert len(captions) == 2 and captions[1].kind == "duplicate"
    for size in ("XS", "SM", "MD", "LG"):
        assert [lab.kind for line, lab in rows if line == size] == ["boilerplate"]
    for needle in ("۲۷ جنوری", "روز پنجشنبه", "۱۷ اکتوبر", "۲۵۰۰ نظامی", "ختم ماموریت"):
        assert _find(rows, needle).kind == "content", needle


def test_seed_001(seeds_dir: Path, cfg: dict) -> None:
    rows = _seed(seeds_dir, "001", cfg)
    assert _find(rows, "المصدر:").kind == "boilerplate"
    assert _find(rows, "كلمات دلالية:").kind == "boilerplate"
    assert _find(rows, "تاريخ النشر:").kind == "boilerplate"
    marker = next(i for i, (line, _) in enumerate(rows) if line.startswith("إقرأ أيضاً"))
    assert rows[marker][1].kind == "boilerplate"
    after = rows[marker + 1:]
    assert len(after) >= 5 and all(lab.kind == "offtopic" for _, lab in after)
    assert any("غوتيريش" in line for line, _ in after)
    story = rows[:marker]
    assert sum(lab.kind == "content" for _, lab in story) >= 10
    assert _find(rows, "قاسم سليماني").kind == "content"


def test_seed_002_story_paragraphs_stay_content(seeds_dir: Path, cfg: dict) -> None:
    rows = _seed(seeds_dir, "002", cfg)
    for needle in ("يضعط.", "أبو علي. مهدي", "لنقل السلطة", "عقدت الولايات المتحدة",
                   "ولم يرد البيت الأبيض", "واكتسبت هذه المحادثات"):
        assert _find(rows, needle).kind == "content", needle
    assert all(lab.kind == "content" for line, lab in rows if line.endswith("."))
    promo = _find(rows, "انقر للحصول على تطبيق FOX NEWS")
    assert promo.kind == "boilerplate"
    for start in ("النقاد يهاجمون بايدن", "يحذر الخبراء"):
        lab = next(lab for line, lab in rows if line.startswith(start))
        assert lab.kind == "boilerplate" and "headline pasted into body" in lab.reason, start


@pytest.mark.parametrize("prefix", ["003", "004"])
def test_seed_003_004_chrome_and_teasers(seeds_dir: Path, cfg: dict, prefix: str) -> None:
    rows = _seed(seeds_dir, prefix, cfg)
    for chrome in ("Connect with us", "Hi, what are you looking for?", "اضف تعليقك", "اترك تعليقك",
                   "مقالات ذات صلة", "لن يتم نشر عنوان بريدك"):
        assert _find(rows, chrome).kind == "boilerplate", chrome
    labels_ = [lab for line, lab in rows if line == "اخر الاخبار"]
    assert len(labels_) >= 5 and all(lab.kind == "boilerplate" for lab in labels_)
    teasers = [lab for line, lab in rows if line.endswith("...")]
    assert len(teasers) >= 5 and all(lab.reason.startswith("CLEAN005") for lab in teasers)
    content = [line for line, lab in rows if lab.kind == "content"]
    assert len(content) >= 10
    assert not any(line.endswith("...") for line in content)


def test_seed_004_duplicate(seeds_dir: Path, cfg: dict) -> None:
    rows = _seed(seeds_dir, "004", cfg)
    both = [(i, lab) for i, (line, lab) in enumerate(rows)
            if "يناير/كانون الثاني" in line and "24 ساعة" in line]
    assert len(both) == 2
    assert both[0][1].kind == "content"
    assert both[1][1].kind == "duplicate" and f"repeats paragraph {both[0][0]}" in both[1][1].reason


# --- the example articles ----------------------------------------------------------------------

def _example(examples_dir: Path, stem: str, cfg: dict) -> list[tuple[str, Label]]:
    return _labels((examples_dir / "articles" / f"{stem}.txt").read_text(encoding="utf-8"), cfg)


def test_examples_planted_labels(examples_dir: Path, cfg: dict) -> None:
    wire = _example(examples_dir, "ar_wire", cfg)
    assert [lab.kind for _, lab in wire[:3]] == ["boilerplate"] * 3
    assert all(lab.kind == "boilerplate" for _, lab in wire[9:])
    assert all(lab.kind == "content" for _, lab in wire[3:9])

    mt = _example(examples_dir, "ar_mt", cfg)
    assert _find(mt, "كذلكت.").kind == "content"
    assert _find(mt, "رحيم. نوري").kind == "content"
    assert "headline pasted" in _find(mt, "قنبلة موقوتة").reason
    assert _find(mt, "NewsNow").kind == "boilerplate"

    portal = _example(examples_dir, "ar_portal", cfg)
    assert [lab.kind for _, lab in portal] == (
        ["content", "boilerplate", "content", "content", "content", "duplicate",
         "boilerplate", "boilerplate", "boilerplate", "offtopic", "offtopic", "offtopic"])

    fa = _example(examples_dir, "fa_iran", cfg)
    assert [lab.kind for _, lab in fa] == (
        ["boilerplate", "content", "content", "content", "boilerplate", "content", "content",
         "boilerplate", "boilerplate"])

    prs = _example(examples_dir, "prs_dari", cfg)
    assert [lab.kind for _, lab in prs] == (
        ["boilerplate", "boilerplate", "content", "boilerplate", "duplicate", "content", "content",
         "content", "content", "boilerplate"])


def test_explain_reports_every_rule(cfg: dict) -> None:
    text = "\n".join([*STORY, "اترك تعليقك", "اترك تعليقك"])
    art = Article(id="t", source="t.txt", text=text, lang="ar")
    paras = segment.paragraphs(text)
    verdicts = clean.explain(art, paras, cfg)
    assert verdicts[0] == [clean.CONTENT]
    last = [v.reason.split()[0] for v in verdicts[-1]]
    assert last[0] == "CLEAN003" and "CLEAN006" in last  # chrome first, and also a repeat
    assert [v[0] for v in verdicts] == clean.classify(art, paras, cfg)


def test_prefix_phrase_needs_its_colon(cfg: dict) -> None:
    line = "المصدر الأمني قال إن التحقيق بدأ في أسباب الانهيار."
    rows = _labels("\n".join([*STORY, line, "المصدر : وكالات"]), cfg)
    assert _find(rows, "المصدر الأمني").kind == "content"
    assert _find(rows, "وكالات").reason == "CLEAN003 ui-string: matches 'المصدر:'"
