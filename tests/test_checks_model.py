"""The fitted combiner, the pipeline entry point ``score``, and the seed articles."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from mtqa import checks
from mtqa.checks.charlm import CharLM
from mtqa.checks.combine import Logistic, load_model
from mtqa.checks.text import units
from mtqa.config import Config, defaults
from mtqa.errors import ModelError
from mtqa.model import Article, Flag, Passage, Translation

CLEAN_AR = "عقدت الولايات المتحدة والعراق جولة أولى من المحادثات الرسمية حول إنهاء مهمة التحالف."
GARBLED_AR = ("عقدت الولايات المتحدة والعراق جولة أولى من. المحادثات الرسمية حول إنهاء مهمة التحالف."
              " يضعط.")
CLEAN_FA = "ایالات متحده و عراق نخستین دور گفتگوهای رسمی را درباره پایان ماموریت ائتلاف برگزار کردند."
GARBLED_FA = ("ایالات متحده و عراق نخستین دور گفتگوهای رسمی را درباره پایان. ماموریت ائتلاف برگزار کردند."
              " کبتش.")


@pytest.fixture(scope="module")
def cfg() -> dict:
    return defaults()["checks"]


def test_model_file_is_fitted_and_valid(cfg: dict) -> None:
    gm = checks.model(cfg)
    assert set(gm.models) == {"source", "translated"}
    assert gm.meta.get("written_by") == "benchmarks/garble/run.py"
    assert "broken-phrase" in gm.models["source"].features
    assert "xling-cos" in gm.models["translated"].features
    assert "xling-cos" not in gm.models["source"].features
    assert {"lm_bits_flag_ar", "lm_bits_flag_fa", "xling_cos_flag"} <= set(gm.calib)


@pytest.mark.parametrize(("lang", "clean", "garbled"),
                         [("ar", CLEAN_AR, GARBLED_AR), ("fa", CLEAN_FA, GARBLED_FA)])
def test_combined_orders_garbled_above_clean_source_mode(cfg: dict, lang: str, clean: str,
                                                         garbled: str) -> None:
    ev = checks.score_pairs([clean, garbled], [None, None], lang, cfg)
    assert ev[1]["dangling-fragment"] == 1.0 and ev[0]["dangling-fragment"] == 0.0
    p_clean, p_garbled = checks.combined(ev, "source", cfg)
    assert 0.0 <= p_clean <= 1.0 and 0.0 <= p_garbled <= 1.0
    assert p_garbled > p_clean
    assert p_garbled >= cfg["threshold_source"] > p_clean


def test_combined_translated_mode_uses_translation_evidence(cfg: dict) -> None:
    en = "The United States and Iraq held a first round of formal talks on ending the coalition mission."
    good = Translation("test", en)
    wrong = Translation("test", "Heavy rain flooded several villages in the north of the country on Monday.")
    ev = checks.score_pairs([CLEAN_AR, CLEAN_AR], [good, wrong], "ar", cfg)
    assert ev[0]["xling-cos"] > ev[1]["xling-cos"]
    p_good, p_wrong = checks.combined(ev, "translated", cfg)
    assert 0.0 <= p_good < p_wrong <= 1.0
    with pytest.raises(ValueError):
        checks.combined(ev, "nonsense", cfg)


def test_missing_features_are_imputed_with_the_mean() -> None:
    m = Logistic(("a", "b"), (1.0, 2.0), (1.0, 1.0), (2.0, -1.0), 0.5)
    assert m.prob({"a": 1.0}) == pytest.approx(m.prob({}))
    assert m.prob({"a": 3.0}) > m.prob({"a": 1.0}) > m.prob({"a": -1.0})
    assert 0.0 < m.prob({"a": 1e6}) <= 1.0 and 0.0 <= m.prob({"a": -1e6}) < 1.0


def test_bad_model_files_raise_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="missing"):
        load_model(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError):
        load_model(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "mtqa-garble-model-1", "models": {"source": {}}}),
                     encoding="utf-8")
    with pytest.raises(ModelError, match="malformed"):
        load_model(wrong)


def test_char_lm_round_trip_prefers_clean_text(tmp_path: Path) -> None:
    texts = [CLEAN_AR, "قال المسؤول إن المحادثات مستمرة في بغداد.", "وأعلنت الحكومة بدء الحوار."]
    lm = CharLM.train(texts * 3, order=4, min_count=1)
    path = tmp_path / "lm.json.gz"
    lm.save(path)
    again = CharLM.load(path)
    assert again.bits_per_char(CLEAN_AR) == pytest.approx(lm.bits_per_char(CLEAN_AR))
    assert again.bits_per_char(CLEAN_AR) < again.bits_per_char("ضصثقفغعهخحجدشسيبلاتنمكطئءؤرلاىةوزظ")


def _article(text: str, kinds: dict[int, str] | None = None, lang: str = "ar") -> Article:
    passages, pos, par = [], 0, 0
    for line in text.split("\n"):
        if line.strip():
            for s, e in units(text, pos, pos + len(line)):
                n = len(passages)
                passages.append(Passage(id=f"t:{n}", article_id="t", start=s, end=e, text=text[s:e],
                                        lang=lang, paragraph=par, kind=(kinds or {}).get(n, "content")))
            par += 1
        pos += len(line) + 1
    return Article(id="t", source="test", text=text, lang=lang, passages=tuple(passages))


def test_score_leaves_non_content_alone_and_keeps_existing_flags(cfg: dict) -> None:
    text = ("اخر الاخبار\nأعلن رئيس الوزراء بدء الحوار بحسب وكالة أسوشيتد برس. يضعط.\n"
            "وأعقب ذلك بيان من التحالف قال إن المسؤولين سيقيمون الوضع.")
    art = _article(text, kinds={0: "boilerplate"})
    xflag = Flag("XCHK001", "renderings-disagree", "The translations disagree.", 0, 5, side="translation")
    last = art.passages[3]
    art = replace(art, passages=(*art.passages[:3],
                                 replace(last, flags=(xflag,), evidence={"agreement_chrf": 80.0})))
    (out,) = checks.score([art], cfg)
    boiler, first, fragment, fluent = out.passages
    assert boiler == art.passages[0]  # untouched: no evidence, no garble
    assert boiler.garble is None and boiler.evidence == {}
    for p in (first, fragment, fluent):
        assert 0.0 <= p.garble <= 1.0
        assert {"lm-bits", "broken-phrase", "dangling-fragment"} <= set(p.evidence)
    assert fragment.flagged and not fluent.flagged
    got = [(f.code, text[f.start:f.end]) for f in fragment.flags if f.code == "GARB002"]
    assert got == [("GARB002", "يضعط.")]
    assert xflag in fluent.flags and fluent.evidence["agreement_chrf"] == 80.0
    assert fluent.flags == (xflag,)  # unflagged passages get no reasons of their own


def test_score_uses_a_supplied_translation_in_no_translate_mode(cfg: dict) -> None:
    art = _article(CLEAN_AR)
    en = "The United States and Iraq held a first round of formal talks on ending the coalition mission."
    p = replace(art.passages[0], translations=(Translation("supplied", en),))
    (out,) = checks.score([replace(art, passages=(p,))], cfg)
    ev = out.passages[0].evidence
    assert "xling-cos" in ev and "seq-logprob" not in ev
    assert not out.passages[0].flagged


def test_signature_names_model_and_thresholds(cfg: dict) -> None:
    sig = checks.signature(cfg, translated=True)
    assert sig["chk"] == checks.VERSION and len(str(sig["gm"])) == 10
    assert sig["thr"] == f"{cfg['threshold_source']:g}/{cfg['threshold_translated']:g}"
    assert sig["qe"] == "e5-small" and "qe" not in checks.signature(cfg, translated=False)


# --- the seed articles (never used for fitting) --------------------------------------------------

GARBLED = {"002": ["يضعط.", "مهمة في العراق”", "أبو علي.", "FOX NEWS"],
           "003": ["فيلق.", "“هذا تحول", "الكردية”. ."]}
FLUENT = {"000": ["ایالات متحده و", "وزارت دفاع ایالات", "واشنگتن پس از"],
          "001": ["وحسب سكاي نيوز", "ولواشنطن تواجد مستمر"],
          "004": ["قال المتحدث باسم", "وفي واشنطن، قال", "وتم تشكيل التحالف"]}


def _seed_articles(seeds_dir: Path) -> list[Article]:
    config = Config.load()
    out = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        art = Article(id=path.stem, source=str(path), text=text)
        try:
            from mtqa.pipeline import prepare

            prepared = prepare(art, config)
        except Exception:  # segmentation not available: fall back to a plain sentence splitter
            prepared = None
        if prepared is None or not prepared.passages:
            lang = "fa" if "پ" in text or "گ" in text else "ar"
            base = _article(text, lang=lang)
            prepared = replace(base, id=path.stem, source=str(path))
        out.append(prepared)
    return checks.score(out, config.section("checks"))


def _covering(art: Article, anchor: str) -> list[Passage]:
    pos = art.text.find(anchor)
    assert pos >= 0, f"anchor {anchor!r} not in {art.id}"
    end = pos + len(anchor)
    return [p for p in art.passages if p.start < end and p.end > pos]


def test_seed_articles(seeds_dir: Path) -> None:
    arts = {a.id[:3]: a for a in _seed_articles(seeds_dir)}
    for key, anchors in GARBLED.items():
        for anchor in anchors:
            # caught: its passage is flagged, or the cleaner already removed it (e.g. an app-promo line)
            caught = [p.flagged or p.kind != "content" for p in _covering(arts[key], anchor)]
            assert any(caught), f"{key}: {anchor!r} not flagged"
    for key, anchors in FLUENT.items():
        for anchor in anchors:
            covering = [p for p in _covering(arts[key], anchor) if p.kind == "content"]
            assert covering and not any(p.flagged for p in covering), f"{key}: fluent {anchor!r} flagged"


def test_score_edge_cases_empty_translation_and_lone_punctuation(cfg: dict) -> None:
    text = "أعلن الوزير بدء الحوار. .\n" + CLEAN_AR
    art = _article(text)
    passages = list(art.passages)
    passages[-1] = replace(passages[-1], translations=(Translation("supplied", ""),))
    (out,) = checks.score([replace(art, passages=tuple(passages))], cfg)
    lone = next(p for p in out.passages if p.text == ".")
    assert lone.flagged and any(f.code == "GARB003" for f in lone.flags)
    empty = out.passages[-1]
    assert empty.evidence["length-ratio"] > 3 and empty.flagged
    assert any(f.code == "TRAN006" and f.side == "translation" for f in empty.flags)


def test_thresholds_come_from_the_config(cfg: dict) -> None:
    art = _article(CLEAN_AR)
    (strict,) = checks.score([art], {**cfg, "threshold_source": 0.0})
    (default,) = checks.score([art], cfg)
    assert strict.passages[0].flagged and not default.passages[0].flagged
    assert strict.passages[0].garble == default.passages[0].garble
    (noisy,) = checks.score([art], {**cfg, "flags_on_unflagged": True, "threshold_source": 0.99})
    assert not noisy.passages[0].flagged
