"""Agreement between renderings (XCHK001) and number/name preservation (XCHK002-004) in the checks,
and the cross-check's list of disagreements read from what the checks produced."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mtqa import checks, crosscheck, pipeline
from mtqa.checks import agreement
from mtqa.config import Config
from mtqa.model import Article, Translation

SOURCE = "وللولايات المتحدة 2500 جندي في العراق يقدمون المشورة للقوات المحلية."
GOOD = "The United States has 2,500 troops in Iraq advising local forces."
CLOSE = "The US has 2,500 soldiers in Iraq who advise the local forces."
GARBLED = "Weather of football tomorrow in the kitchen was blue, said the bank."


@pytest.fixture(scope="module")
def config() -> Config:
    return Config.load()


def _with_translations(config: Config, renderings: list[tuple[str, str]]) -> Article:
    art = pipeline.prepare(Article(id="t", source="t.txt", text=SOURCE, lang="ar"), config)
    p = art.passages[0]
    trs = tuple(Translation(system=s, text=t) for s, t in renderings)
    return replace(art, passages=(replace(p, translations=trs),))


def _score(config: Config, renderings: list[tuple[str, str]]) -> Article:
    (out,) = checks.score([_with_translations(config, renderings)], config.section("checks"),
                          config.get("crosscheck.lexicon"))
    return out


def test_agreeing_renderings_are_not_flagged(config: Config) -> None:
    p = _score(config, [("supplied", GOOD), ("m", CLOSE)]).passages[0]
    assert p.agreement is not None and p.agreement.disagreeing is None
    assert p.agreement.cos > 0.7 and p.agreement.chrf > 30
    assert (p.evidence["agreement_chrf"], p.evidence["agreement_cos"]) == (p.agreement.chrf, p.agreement.cos)
    assert [pair.hyp for pair in p.agreement.pairs] == ["supplied"]  # the feed's text is scored
    assert not [f for f in p.flags if f.code.startswith("XCHK")]


def test_disagreeing_renderings_are_flagged_and_listed_by_the_crosscheck(config: Config) -> None:
    art = _score(config, [("supplied", GARBLED), ("m", GOOD)])
    q = art.passages[0]
    assert q.agreement is not None and q.agreement.disagreeing is not None
    flag = next(f for f in q.flags if f.code == "XCHK001")
    assert "supplied" in flag.message and "m" in flag.message
    assert (flag.start, flag.end) == (q.start, q.end)
    missing = [f for f in q.flags if f.code == "XCHK002"]  # 2500 missing from the garbled rendering
    assert [SOURCE[f.start:f.end] for f in missing] == ["2500"]
    section = crosscheck.stories([art], config.section("crosscheck"))
    assert section is not None and section.translations.compared == 1
    (d,) = section.translations.disagreements
    assert d.systems == ("supplied", "m") and d.message == flag.message
    assert section.summary.per_article["t"].disagreements == 1


def test_one_rendering_has_no_agreement(config: Config) -> None:
    p = _score(config, [("supplied", GOOD)]).passages[0]
    assert p.agreement is None and "agreement_chrf" not in p.evidence


def test_mean_reduce_and_repeated_systems() -> None:
    cfg = {"reduce": "mean", "chrf_min": 30.0, "cos_min": 0.7, "min_chars": 12}
    scored = [agreement.RenderingPair("a", "b", 20.0, 0.9), agreement.RenderingPair("a#2", "b", 60.0, 0.5)]
    agr = agreement.reduce(scored, cfg)
    assert (agr.chrf, agr.cos) == (40.0, 0.7)
    assert agr.disagreeing == scored[1]  # both fail; the lower cosine is shown


def test_preservation_reads_number_words_and_ignores_other_systems(config: Config) -> None:
    text = "قتل ثلاثة جنود في الهجوم."
    art = pipeline.prepare(Article(id="n", source="n.txt", text=text, lang="ar"), config)
    p = replace(art.passages[0], translations=(Translation("supplied", "Three soldiers were killed."),
                                               Translation("m", "Four soldiers were killed.")))
    (out,) = checks.score([replace(art, passages=(p,))], config.section("checks"),
                          config.get("crosscheck.lexicon"))
    codes = [f.code for f in out.passages[0].flags if f.code in ("XCHK002", "XCHK003")]
    assert codes == []  # "three soldiers" = ثلاثة جنود; "m" is not a preservation system


def test_a_dropped_number_is_flagged_once(config: Config) -> None:
    """TRAN003 and XCHK002/003 read numbers alike; on a preservation system's rendering only the
    preservation flag is kept, while TRAN003's count stays in the evidence."""
    text = "قتل 40 شخصا في الحادث."
    art = pipeline.prepare(Article(id="d", source="d.txt", text=text, lang="ar"), config)
    p = replace(art.passages[0], translations=(Translation("supplied", "In the accident 45 people died."),))
    cfg = {**config.section("checks"), "threshold_translated": 0.0}  # flagged, so rule flags show
    (out,) = checks.score([replace(art, passages=(p,))], cfg, config.get("crosscheck.lexicon"))
    q = out.passages[0]
    codes = sorted(f.code for f in q.flags if f.code in ("TRAN003", "XCHK002", "XCHK003"))
    assert codes == ["XCHK002", "XCHK003"]
    assert q.evidence["number-mismatch"] == 2.0
    other = {**cfg, "agreement": {**cfg["agreement"], "preservation_systems": []}}
    (out2,) = checks.score([replace(art, passages=(p,))], other, config.get("crosscheck.lexicon"))
    assert sorted(f.code for f in out2.passages[0].flags if f.code.startswith(("TRAN003", "XCHK"))) == \
        ["TRAN003", "TRAN003"]
