"""The CTranslate2 engine for seq2seq translators, against transformers on the tiny random Marian."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mtqa.config import Config
from mtqa.errors import ConfigError, ModelError
from mtqa.translate import get_translator
from mtqa.translate.cache import cache_key

sys.path.insert(0, str(Path(__file__).resolve().parent))
import translate_fixtures as tf

pytest.importorskip("ctranslate2", reason="ctranslate2 not installed (pip install 'mtqa[ct2]')")

AR = ["قال الوزير إن المحادثات ستستمر", "ارتفعت الأسعار", "أعلنت الحكومة عن خطة جديدة لدعم المزارعين اليوم",
      "كتب", "زار الرئيس المدينة يوم الأحد"]
# Random weights give a near-flat distribution over ~200 tokens; CTranslate2 leaves Marian's pad
# token out of the softmax, which moves every log-probability by about log(1 + 1/200).
LP_TOL = 0.02


@pytest.fixture(scope="module")
def marian_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tf.build_marian(tmp_path_factory.mktemp("marian"))


@pytest.fixture(autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path_factory.getbasetemp() / "ct2-cache"
    monkeypatch.setenv("MTQA_CACHE_DIR", str(root))
    return root


def cfg(**translate: object) -> Config:
    settings = {"max_new_tokens_ratio": 1.0, "min_new_tokens": 4, "cache": False,
                "seq2seq_engine": "ctranslate2", "ct2_quantization": "float32", **translate}
    return Config.load(overrides={"translate": settings})


def test_auto_picks_ctranslate2_and_the_signature_says_so(marian_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    tr = get_translator(f"hf:{marian_dir}", cfg(seq2seq_engine="auto", ct2_quantization="int8"))
    assert type(tr).__name__ == "CT2Seq2SeqTranslator"
    sig = tr.signature()
    assert sig["engine"] == "ctranslate2" and sig["quant"] == "int8"
    hf = get_translator(f"hf:{marian_dir}", cfg(seq2seq_engine="transformers"))
    assert type(hf).__name__ == "Seq2SeqTranslator" and "engine" not in hf.signature()
    keys = {cache_key(*t.model_ref("ar", "en"), t.decoding(), "ar", "en", AR[0])
            for t in (tr, hf, get_translator(f"hf:{marian_dir}", cfg()))}
    assert len(keys) == 3  # engine and quantization are part of the cache key
    from mtqa.translate import ct2

    monkeypatch.setattr(ct2, "available", lambda: False)
    fallback = get_translator(f"hf:{marian_dir}", cfg(seq2seq_engine="auto"))
    assert type(fallback).__name__ == "Seq2SeqTranslator"


def test_bad_settings_are_config_errors(marian_dir: Path) -> None:
    with pytest.raises(ConfigError, match="seq2seq_engine"):
        get_translator(f"hf:{marian_dir}", cfg(seq2seq_engine="onnx"))
    with pytest.raises(ConfigError, match="ct2_quantization"):
        get_translator(f"hf:{marian_dir}", cfg(ct2_quantization="int3"))


def test_same_greedy_output_and_close_logprobs_as_transformers(marian_dir: Path) -> None:
    ct = get_translator(f"hf:{marian_dir}", cfg()).translate(AR, "ar")
    hf = get_translator(f"hf:{marian_dir}", cfg(seq2seq_engine="transformers")).translate(AR, "ar")
    assert [t.text for t in ct] == [t.text for t in hf]
    assert [t.tokens for t in ct] == [t.tokens for t in hf]
    for a, b in zip(ct, hf, strict=True):
        assert len(a.token_logprobs) == len(a.tokens) > 0
        assert a.token_logprobs == pytest.approx(b.token_logprobs, abs=LP_TOL)


def test_batched_equals_one_at_a_time_and_order_is_kept(marian_dir: Path) -> None:
    batched = get_translator(f"hf:{marian_dir}", cfg(batch_size=8)).translate(AR, "ar")
    single = get_translator(f"hf:{marian_dir}", cfg(batch_size=1)).translate(AR, "ar")
    assert [t.text for t in batched] == [t.text for t in single]
    for a, b in zip(batched, single, strict=True):
        assert a.token_logprobs == pytest.approx(b.token_logprobs, abs=1e-4)


def test_conversion_is_cached_and_keyed_by_quantization(marian_dir: Path, cache_dir: Path) -> None:
    from mtqa.translate.ct2 import converted_dir

    first = converted_dir(str(marian_dir), "main", "float32")
    stamp = (first / "model.bin").stat().st_mtime_ns
    assert converted_dir(str(marian_dir), "main", "float32") == first
    assert (first / "model.bin").stat().st_mtime_ns == stamp  # not converted again
    assert converted_dir(str(marian_dir), "main", "int8") != first
    assert first.parent == cache_dir / "ct2"
    assert not [p for p in first.parent.iterdir() if ".tmp" in p.name]


def test_changed_local_model_is_converted_again(tmp_path: Path) -> None:
    from mtqa.translate.ct2 import converted_dir

    d = tf.build_marian(tmp_path / "m")
    before = converted_dir(str(d), "main", "float32")
    cfg_file = d / "config.json"
    cfg_file.write_text(cfg_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert converted_dir(str(d), "main", "float32") != before


def test_int8_translates_with_logprobs(marian_dir: Path) -> None:
    out = get_translator(f"hf:{marian_dir}", cfg(ct2_quantization="int8")).translate(AR[:3], "ar")
    for t in out:
        assert t.text and len(t.tokens) == len(t.token_logprobs) > 0
        assert all(lp <= 0.0 for lp in t.token_logprobs)


def test_sampling_is_seeded_and_runs_on_transformers(marian_dir: Path) -> None:
    tr = get_translator(f"hf:{marian_dir}", cfg(temperature=1.5))
    a, b = tr.sample(AR[:2], "ar", n=2), tr.sample(AR[:2], "ar", n=2)
    assert [[t.text for t in row] for row in a] == [[t.text for t in row] for row in b]
    hf = get_translator(f"hf:{marian_dir}", cfg(seq2seq_engine="transformers", temperature=1.5))
    ref = hf.sample(AR[:2], "ar", n=2)
    assert [[t.text for t in row] for row in a] == [[t.text for t in row] for row in ref]
    assert tr._hf is not None and tr.model_calls > 0


def test_scoring_a_given_rendering_agrees_across_engines(marian_dir: Path) -> None:
    ct = get_translator(f"hf:{marian_dir}", cfg(batch_size=2))
    hf = get_translator(f"hf:{marian_dir}", cfg(seq2seq_engine="transformers", batch_size=3))
    renderings = ["The minister said talks will continue.", "Prices rose.", "The government announced a plan",
                  "He wrote", "The president visited the city on Sunday"]
    a, b = ct.score(AR, renderings, "ar"), hf.score(AR, renderings, "ar")
    assert [t.text for t in a] == renderings  # input order kept (scored batched by length)
    for x, y in zip(a, b, strict=True):
        assert x.tokens == y.tokens and len(x.tokens) == len(x.token_logprobs) > 0
        assert x.token_logprobs == pytest.approx(y.token_logprobs, abs=LP_TOL)
    # A rendering's own tokens score as they were generated (forced decoding = greedy path).
    greedy = ct.translate(AR[:2], "ar")
    tok = ct._load("ar")[0]
    for src, t in zip(AR[:2], greedy, strict=True):
        if tok.convert_ids_to_tokens(ct.target_ids(tok, t.text)) == list(t.tokens):
            assert ct.score([src], [t.text], "ar")[0].token_logprobs == pytest.approx(t.token_logprobs,
                                                                                       abs=1e-4)
    with pytest.raises(ValueError, match="one rendering per source"):
        ct.score(AR[:2], renderings[:1], "ar")


def test_missing_ctranslate2_is_a_model_error(marian_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mtqa.translate import ct2

    monkeypatch.setattr(ct2, "available", lambda: False)
    with pytest.raises(ModelError, match="ctranslate2"):
        get_translator(f"hf:{marian_dir}", cfg()).translate(AR[:1], "ar")
