"""Story grouping, passage alignment and facts, and the seed articles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mtqa import crosscheck, ingest, pipeline
from mtqa.config import Config
from mtqa.crosscheck import grouping
from mtqa.model import Article, CrossCheck, Fact

STORIES = {
    "a-ar": ("ar", "عقدت الولايات المتحدة والعراق يوم السبت أول جولة من المحادثات الرسمية لإنهاء مهمة "
             "التحالف العسكري في العراق. وللولايات المتحدة نحو 2500 جندي في العراق."),
    "a-fa": ("fa", "ایالات متحده و عراق روز شنبه نخستین دور گفتگوهای رسمی را برای پایان دادن به ماموریت "
             "ائتلاف نظامی در عراق برگزار کردند. حدود ۲۵۰۰ نظامی آمریکایی در عراق مستقر هستند."),
    "b-ar": ("ar", "ضرب زلزلة بقوة 6.3 درجات غرب أفغانستان وأدى إلى مقتل أكثر من 1000 شخص في ولاية هرات، "
             "وفق السلطات المحلية."),
    "b-fa": ("fa", "زمین‌لرزه‌ای به بزرگی ۶.۳ ریشتر غرب افغانستان را لرزاند و بیش از ۱۰۰۰ نفر در ولایت هرات "
             "کشته شدند، به گفته مقامات محلی."),
}


@pytest.fixture(scope="module")
def config() -> Config:
    return Config.load()


def _articles(config: Config) -> list[Article]:
    return [pipeline.prepare(Article(id=k, source=f"{k}.txt", text=t, lang=lang), config)
            for k, (lang, t) in STORIES.items()]


def test_neighbours_and_components_are_sparse_and_exact() -> None:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((5, 16))
    vecs = np.repeat(centres, 4, axis=0) + 0.01 * rng.standard_normal((20, 16))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    exact = grouping.components(20, grouping.neighbours(vecs, 3, 0.9))
    lsh = grouping.components(20, grouping.neighbours(vecs, 3, 0.9, exact_max=1, bits=4, tables=8))
    assert exact == [list(range(i, i + 4)) for i in range(0, 20, 4)]
    assert lsh == exact


def test_two_mixed_stories_in_arabic_and_persian(config: Config) -> None:
    arts = _articles(config)
    out = crosscheck.stories(arts, config.section("crosscheck"))
    assert out is not None
    groups = sorted(sorted(s.articles) for s in out.stories)
    assert groups == [["a-ar", "a-fa"], ["b-ar", "b-fa"]]
    story_of = {a: s.id for s in out.stories for a in s.articles}
    for f in out.facts:  # articles of different stories never share a fact
        assert len({story_of[a] for a in f.articles}) == 1
    troops = next(f for f in out.facts if f.key == "troops|us|iraq")
    assert troops.status == "corroborated" and troops.articles == ("a-ar", "a-fa")
    held = next(f for f in out.facts if f.key == "date|talks_held")
    assert held.status == "corroborated"
    story_a = next(s for s in out.stories if "a-ar" in s.articles)
    assert story_a.alignments and story_a.alignments[0].articles == ("a-ar", "a-fa")
    assert out.summary.per_article["a-ar"].corroborated >= 2
    counts = out.summary.counts
    assert counts.of("single-source") == counts.single_source  # one status -> count mapping
    assert counts.corroborated + counts.conflict + counts.single_source == len(out.facts)
    assert out.to_dict()["summary"]["single_source"] == counts.single_source


def test_stories_of_nothing_is_none(config: Config) -> None:
    assert crosscheck.stories([], config.section("crosscheck")) is None


def test_signature_has_short_keys(config: Config) -> None:
    sig = crosscheck.signature(config.section("crosscheck"))
    assert sig["xc"] == crosscheck.VERSION and "xstory" in sig


def _seed_report(seeds_dir: Path) -> CrossCheck:
    config = Config.load()
    arts, _ = ingest.load([str(seeds_dir)], config.section("ingest"))
    arts = [pipeline.prepare(a, config) for a in arts]
    out = crosscheck.stories(arts, config.section("crosscheck"))
    assert out is not None
    return out


@pytest.fixture(scope="module")
def seed_report(seeds_dir: Path) -> CrossCheck:
    return _seed_report(seeds_dir)


def _fact(report: CrossCheck, key: str) -> Fact:
    return next(f for f in report.facts if f.key == key)


def test_seeds_form_one_story(seed_report: CrossCheck) -> None:
    assert len(seed_report.stories) == 1 and len(seed_report.stories[0].articles) == 5


def test_seeds_corroborated_troop_counts_and_timeline(seed_report: CrossCheck) -> None:
    iraq = _fact(seed_report, "troops|us|iraq")
    assert iraq.status == "corroborated" and len(iraq.articles) >= 3
    assert "2500" in {v.value for v in iraq.values}
    syria = _fact(seed_report, "troops|us|syria")
    assert syria.status == "corroborated" and len(syria.articles) == 2
    for key, year in (("date|invasion", "2003"), ("date|combat_withdrawal", "2011"),
                      ("date|troops_return", "2014")):
        f = _fact(seed_report, key)
        assert f.status == "corroborated" and {v.value for v in f.values} == {year}


def test_seeds_conflicts_an_editor_would_raise(seed_report: CrossCheck) -> None:
    announced = _fact(seed_report, "date|talks_announced")
    assert announced.status == "conflict"
    assert {v.value.split()[-1] for v in announced.values} == {"Thu", "Sun"}
    assert _fact(seed_report, "date|talks_held").status == "conflict"
    attacks = _fact(seed_report, "attacks|*|*")
    assert attacks.status == "conflict" and {v.value for v in attacks.values} == {"130", "150"}
    name = _fact(seed_report, "role|pmf_deputy")
    assert name.status == "conflict"
    assert {v.article[:3] for v in name.values} == {"001", "002"}


def test_seed_conflicts_link_both_sides_with_offsets(seed_report: CrossCheck, seeds_dir: Path) -> None:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in seeds_dir.glob("*.txt")}
    for f in seed_report.facts:
        if f.status != "conflict":
            continue
        for c in f.conflicts:
            assert c.a.article != c.b.article or c.a.start != c.b.start
        for v in f.values:
            if v.side == "source" and v.article in texts:
                assert texts[v.article].replace("\r\n", "\n")[v.start:v.end] == v.text \
                    or v.text in texts[v.article]
                assert v.passage.startswith(v.article + ":")


def test_seed_offtopic_and_duplicates_are_not_read(seed_report: CrossCheck) -> None:
    # 001's appended Lebanon article (offtopic) mentions "60 يوماً" and Mikati; none of it is a fact.
    for f in seed_report.facts:
        for v in f.values:
            assert "ميقاتي" not in v.text and "غوتيريش" not in v.text
    lebanon = [f for f in seed_report.facts if "lebanon" in f.key]
    assert lebanon == []


def test_char_ngram_matrix_is_exact_normalised_counts() -> None:
    assert list(grouping.word_ngrams("Ab c", 3)) == [" ab", "ab ", " c "]  # short word: once, padded
    texts = ["العراق عراق", "عراق", "", "بغداد"]
    x = grouping.char_ngram_matrix(texts, 3)
    sims = (x @ x.T).toarray()
    assert sims[2].tolist() == [0.0] * 4  # an empty text matches nothing (and is no NaN)
    assert np.allclose(np.diag(sims)[[0, 1, 3]], 1.0)
    assert sims[1, 3] == 0.0
    # against a count by hand
    a = list(grouping.word_ngrams(texts[0], 3))
    b = list(grouping.word_ngrams(texts[1], 3))
    ca = {g: a.count(g) for g in a}
    cb = {g: b.count(g) for g in b}
    dot = sum(ca[g] * cb.get(g, 0) for g in ca)
    expect = dot / (np.sqrt(sum(v * v for v in ca.values())) * np.sqrt(sum(v * v for v in cb.values())))
    assert sims[0, 1] == pytest.approx(expect)


def _story_passages(n_articles: int, per_article: int = 3) -> list:
    """Passages of ``n_articles`` articles reporting one event in slightly different words."""
    from mtqa.model import Passage

    words = ["عقدت", "الولايات", "المتحدة", "والعراق", "المحادثات", "الرسمية", "لإنهاء", "مهمة",
             "التحالف", "العسكري", "جندي", "بغداد", "واشنطن", "الأمن", "السبت"]
    rng = np.random.default_rng(3)
    out = []
    for a in range(n_articles):
        for k in range(per_article):
            text = " ".join(rng.choice(words, size=12).tolist()) + f" {a % 7 + k}."
            out.append(Passage(id=f"art{a}:{k}", article_id=f"art{a}", start=0, end=len(text),
                               text=text, lang="ar", paragraph=k))
    return out


def test_huge_story_alignment_compares_a_bounded_number_of_pairs(config: Config,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Over align_max_articles, each article's passages meet those of its k nearest articles
    only: the pairs compared grow with n·k, not n²."""
    cfg = config.section("crosscheck")
    k = int(cfg["align_article_neighbours"])
    n, per = 240, 3
    passages = _story_passages(n, per)
    x = grouping.char_ngram_matrix([p.text for p in passages], 3)
    owners = [p.article_id for p in passages]
    art_pairs = grouping.article_neighbours(x, owners, k)
    assert len(art_pairs) <= n * k and len({a for pr in art_pairs for a in pr}) == n  # none left out
    compared = list(grouping._nearest_article_pairs(x, owners, k))
    assert len(compared) <= n * k * per * per < (n * per) ** 2 // 10
    assert all(owners[i] != owners[j] and i < j for i, j, _ in compared)
    seen = []
    real = grouping._nearest_article_pairs
    monkeypatch.setattr(grouping, "_nearest_article_pairs", lambda *a: seen.append(1) or real(*a))
    out = grouping._align(passages, {}, cfg)
    assert seen and out and all(len({*d["articles"]}) == 2 for d in out)


def test_neighbour_alignment_equals_all_pairs_when_every_article_is_a_neighbour(config: Config) -> None:
    """The bounded path with k >= n - 1 gives exactly the all-pairs alignment, and a story at or
    under align_max_articles takes the all-pairs path (so small stories are as before)."""
    cfg = dict(config.section("crosscheck"))
    passages = _story_passages(12, 3)
    anchors = {p.id: {f"troops|us|iraq={p.text[-2]}"} for p in passages[::2]}
    exhaustive = grouping._align(passages, anchors, cfg)
    assert len({p.article_id for p in passages}) <= cfg["align_max_articles"]
    bounded = grouping._align(passages, anchors, {**cfg, "align_max_articles": 2,
                                                  "align_article_neighbours": 11})
    assert exhaustive and sorted(map(str, bounded)) == sorted(map(str, exhaustive))


def test_huge_story_is_noted_and_facts_use_every_article(config: Config) -> None:
    """A story over align_max_articles says how its alignment was limited; its facts still hold
    mentions from every article."""
    cfg = {**config.section("crosscheck"), "align_max_articles": 2, "align_article_neighbours": 1}
    arts = _articles(config)[:2]
    arts += [pipeline.prepare(Article(id=f"c{i}", source=f"c{i}.txt", text=STORIES["a-ar"][1], lang="ar"),
                              config) for i in range(3)]
    from unittest import mock

    with mock.patch.object(grouping, "group", lambda a, c: [list(range(len(a)))]):
        report = crosscheck.stories(arts, cfg)
    assert report is not None and len(report.stories) == 1
    story = report.stories[0]
    assert story.note and "align_max_articles = 2" in story.note
    troops = [f for f in report.facts if f.key.startswith("troops|us|iraq")]
    assert troops and set(troops[0].articles) == {a.id for a in arts}
