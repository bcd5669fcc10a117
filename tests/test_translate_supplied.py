"""Supplied translations: sentence split, Gale–Church-style alignment, attachment to passages."""

from __future__ import annotations

from mtqa.model import Article, Passage, Translation
from mtqa.translate import attach_supplied
from mtqa.translate.supplied import align, align_texts, numbers, sentences


def _article(paragraphs: list[list[str]], translation: str | None, kinds: dict[int, str] | None = None,
             ) -> Article:
    passages, pos, n = [], 0, 0
    lines = []
    for p_no, para in enumerate(paragraphs):
        line = " ".join(para)
        start = pos
        for s in para:
            at = line.index(s, start - pos) + pos
            kind = (kinds or {}).get(n, "content")
            passages.append(Passage(id=f"a:{n}", article_id="a", start=at, end=at + len(s), text=s, lang="ar",
                                    paragraph=p_no, kind=kind))  # type: ignore[arg-type]
            start = at + len(s)
            n += 1
        lines.append(line)
        pos += len(line) + 1
    text = "\n".join(lines)
    art = Article(id="a", source="a.txt", text=text, lang="ar", supplied_translation=translation,
                  passages=tuple(passages))
    assert all(text[p.start : p.end] == p.text for p in art.passages)
    return art


SRC = [
    "قال وزير الخارجية إن المحادثات مع الوفد الأمريكي ستستمر الأسبوع المقبل في بغداد.",
    "وأضاف أن 2500 جندي ما زالوا في البلاد.",
    "ارتفعت أسعار الوقود في العاصمة يوم الأحد بنسبة كبيرة بعد قرار الحكومة.",
    "وقال مسؤول إن القرار سيراجع في 15 آذار.",
]
EN = [
    "The foreign minister said talks with the American delegation will continue next week in Baghdad.",
    "He added that 2,500 soldiers are still in the country.",
    "Fuel prices in the capital rose sharply on Sunday after the government's decision.",
    "An official said the decision would be reviewed on 15 March.",
]


def test_sentences_and_numbers() -> None:
    assert sentences("One. Two? Three!\nFour") == ["One.", "Two?", "Three!", "Four"]
    assert numbers("في ٢٠٢٤ قتل ۱۵ و 2,500") == {"2024", "15", "2500"}


def test_one_to_one_alignment_and_order() -> None:
    art = _article([SRC], " ".join(EN))
    out = attach_supplied(art)
    got = [p.translations[0] for p in out.passages]
    assert [t.system for t in got] == ["supplied"] * 4
    assert [t.text for t in got] == EN
    assert art.passages[0].translations == ()  # not mutated


def test_omission_gives_an_empty_translation() -> None:
    art = _article([SRC], " ".join([EN[0], EN[2], EN[3]]))  # sentence 2 was left out
    texts = [p.translations[0].text for p in attach_supplied(art).passages]
    assert texts == [EN[0], "", EN[2], EN[3]]


def test_one_to_two_link_joins_both_sentences() -> None:
    split = ["Fuel prices in the capital rose sharply on Sunday.", "This followed the government's decision."]
    art = _article([SRC], " ".join([EN[0], EN[1], *split, EN[3]]))
    texts = [p.translations[0].text for p in attach_supplied(art).passages]
    assert texts == [EN[0], EN[1], " ".join(split), EN[3]]


def test_two_to_one_link_splits_the_sentence_without_losing_words() -> None:
    merged = "The foreign minister said talks will continue next week in Baghdad, and 2,500 soldiers remain."
    links = align(SRC[:2] + SRC[2:], [merged, EN[2], EN[3]])
    assert links[0] == ((0, 1), (0,))
    texts = align_texts(SRC, [merged, EN[2], EN[3]])
    assert " ".join(texts[:2]) == merged and texts[0] and texts[1]
    assert texts[2:] == [EN[2], EN[3]]


def test_numbers_anchor_an_ambiguous_alignment() -> None:
    src = ["قتل 12 شخصا.", "وأصيب 40 آخرون."]
    # The first English sentence is missing; lengths alone would pair it with passage 0.
    texts = align_texts(src, ["Another 40 people were injured."])
    assert texts == ["", "Another 40 people were injured."]


def test_paragraph_level_alignment_when_counts_match() -> None:
    art = _article([SRC[:2], SRC[2:]], f"{EN[0]} {EN[1]}\n{EN[2]}\n")  # EN[3] omitted in paragraph 2
    texts = [p.translations[0].text for p in attach_supplied(art).passages]
    assert texts == [EN[0], EN[1], EN[2], ""]


def test_extra_english_sentence_stays_with_a_neighbour() -> None:
    extra = "Reporting by the news desk."
    texts = align_texts(SRC[:2], [EN[0], EN[1], extra])
    assert texts[0] == EN[0] and texts[1] == f"{EN[1]} {extra}"


def test_only_content_passages_get_supplied_text_and_it_goes_first() -> None:
    art = _article([[*SRC[:2], "اقرأ أيضا"]], " ".join(EN[:2]), kinds={2: "boilerplate"})
    mt = Translation("gemma3-270m", "machine")
    art = Article(**{**art.__dict__, "passages": tuple(
        Passage(**{**p.__dict__, "translations": (mt,)}) for p in art.passages)})
    out = attach_supplied(art)
    assert [t.system for t in out.passages[0].translations] == ["supplied", "gemma3-270m"]
    assert out.passages[2].translations == (mt,)


def test_articles_without_translation_pass_through() -> None:
    art = _article([SRC], None)
    assert attach_supplied(art) is art
    blank = _article([SRC], "   ")
    assert attach_supplied(blank) is blank
