"""Smoke tests for the benchmark scripts: their core functions run on tiny inputs (no timing asserts)."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # `benchmarks` is a top-level package beside `mtqa`, not installed
    sys.path.insert(0, str(REPO))

from benchmarks import qe, robustness, run_all, scaling, throughput, translation_quality  # noqa: E402

CORPORA = {
    "ar": [[f"جملة عربية رقم {i} عن الأخبار." for i in range(30)]],
    "fa": [[f"جمله فارسی شماره {i} درباره خبر." for i in range(30)]],
}


def test_make_articles_is_deterministic_and_paragraphed(tmp_path: Path) -> None:
    a = scaling.make_articles(CORPORA, 6, seed=3)
    assert a == scaling.make_articles(CORPORA, 6, seed=3)
    assert a != scaling.make_articles(CORPORA, 6, seed=4)
    assert [lang for lang, _ in a] == ["ar", "fa"] * 3
    for _, text in a:
        paragraphs = text.strip().split("\n\n")
        assert 2 <= len(paragraphs) <= 16
        # Sentences stay in corpus order: a run of consecutive lines from one corpus.
        nums = [int(n) for n in re.findall(r"\d+", text)]
        assert nums == list(range(nums[0], nums[0] + len(nums)))
    paths = scaling.write_articles(a, tmp_path)
    assert [p.name for p in paths][:2] == ["00000_ar.txt", "00001_fa.txt"]
    assert paths[1].read_text(encoding="utf-8") == a[1][1]


def test_loglog_slope() -> None:
    assert scaling.loglog_slope([10, 100, 1000], [1, 10, 100]) == pytest.approx(1.0)
    assert scaling.loglog_slope([10, 100], [1, 100]) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        scaling.loglog_slope([10, 10], [1, 2])


def test_corpus_scores_and_anchor_table() -> None:
    refs = ["The cat sat on the mat.", "It rained all day in the city."]
    bleu, chrf, bsig, csig = translation_quality.corpus_scores(refs, refs)
    assert bleu == pytest.approx(100.0) and chrf == pytest.approx(100.0)
    assert bsig.startswith("nrefs:1") and "nc:6" in csig
    bad = translation_quality.corpus_scores(["x y z", "q"], refs)
    assert bad[0] < 5 and bad[1] < 20
    with pytest.raises(ValueError):
        translation_quality.corpus_scores(refs[:1], refs)

    # evaluate() with a stand-in translator (echoes the English) and the anchors beside it.
    pairs = {"arb_Arab": (["مرحبا", "شكرا"], refs)}
    echo = dict(zip(pairs["arb_Arab"][0], refs, strict=True))
    results = translation_quality.evaluate(lambda src, lang: [echo[s] for s in src], pairs)
    assert results[0].n == 2 and results[0].chrf == pytest.approx(100.0)
    rows = translation_quality.table(results, "echo")
    assert [r["system"] for r in rows] == ["echo", "opus-mt-tc-big-ar-en", "nllb-200-distilled-600M"]
    assert rows[1]["BLEU"] == "42.8" and rows[0]["chrF"] == "100.0"


def test_corruptions_change_the_reference() -> None:
    rng = random.Random(0)
    ref = "The minister said on Tuesday, that 45 soldiers and 3 officers were killed in 2019."
    pool = ["An unrelated sentence about football.", ref]
    dropped = qe.drop_clause(ref, rng, pool)
    assert dropped and len(dropped) < len(ref)
    swapped = qe.swap_numbers(ref, rng, pool)
    assert swapped and swapped != ref and "45" not in swapped.split()
    assert qe.swap_numbers("No numbers here at all.", rng, pool) is None
    assert qe.hallucinate(ref, rng, pool) == pool[0]
    loop = qe.repeat_loop(ref, rng, pool)
    assert loop and len(set(loop.split())) <= 5 and len(loop.split()) >= 6


def test_qe_correlations_detect_a_good_score() -> None:
    items = qe.build_items({"arb_Arab": (["س1", "س2", "س3", "س4"],
                                         ["The cat sat on the mat today, and then it slept.",
                                          "Prices rose by 12 percent in 2020, officials said.",
                                          "The river flooded three villages, which were evacuated.",
                                          "Talks will resume next week in Baghdad, officials said."])},
                           seed=2)
    assert {it.kind for it in items} >= {"reference", "drop-clause", "hallucination", "repeat-loop"}
    qe.score_items(items)
    for it in items:  # an oracle score equal to chrF, and an anti-oracle
        it.scores["oracle"] = it.chrf
        it.scores["anti"] = -it.chrf
    good, bad = qe.correlations(items, "oracle"), qe.correlations(items, "anti")
    assert good["kendall_tau"] == pytest.approx(1.0) and bad["kendall_tau"] == pytest.approx(-1.0)
    if good["auroc_halluc"] is not None:
        assert good["auroc_halluc"] == pytest.approx(1.0)
    assert qe.correlations(items[:2], "oracle")["kendall_tau"] is None
    rows = qe.by_kind(items, ["oracle"])
    assert next(r for r in rows if r["candidate"] == "reference")["chrF"] == pytest.approx(100.0)


def test_roundtrip_scores_the_first_sources_in_the_source_language() -> None:
    from types import SimpleNamespace

    items = [qe.Item("ar", src, "ref", hyp, kind) for src, hyp, kind in
             [("س1", "good", "reference"), ("س1", "bad", "hallucination"), ("س2", "x", "reference")]]
    calls: list[tuple[list[str], str]] = []

    def back(texts: list[str], lang: str) -> list[SimpleNamespace]:
        calls.append((list(texts), lang))
        return [SimpleNamespace(text="س1" if t == "good" else "خطأ") for t in texts]

    assert qe.add_roundtrip(items, back, 1) == 2
    assert calls == [(["good", "bad"], "ar")]  # only the first source's candidates, into Arabic
    assert items[0].scores["round-trip"] == pytest.approx(100.0)
    assert items[1].scores["round-trip"] < 50 and "round-trip" not in items[2].scores


def test_combinations_average_z_scores_only_where_every_member_exists() -> None:
    items = [qe.Item("ar", f"s{i}", "r", f"h{i}", "reference", chrf=c,
                     scores={"xsim": x, **({"round-trip": r} if r is not None else {})})
             for i, (c, x, r) in enumerate([(90, 0.9, 80.0), (60, 0.5, 20.0), (10, 0.1, 50.0),
                                            (95, 0.7, None)])]
    added = qe.add_combinations(items, {"xsim+round-trip": ("xsim", "round-trip"),
                                        "xsim+nothing": ("xsim", "absent")})
    assert added == ["xsim+round-trip"]
    assert "xsim+round-trip" not in items[3].scores  # no round-trip there: no combination
    # z of xsim over the three: (+1.225, 0, -1.225); of round-trip: (+1.225, -1.225, 0)
    assert items[0].scores["xsim+round-trip"] == pytest.approx(1.2247, abs=1e-3)
    assert items[1].scores["xsim+round-trip"] == pytest.approx(-0.6124, abs=1e-3)
    rows = qe.subset_rows(items, "round-trip", ["xsim", "round-trip", "xsim+round-trip", "seq-logprob"])
    assert [r["evidence"] for r in rows] == ["xsim", "round-trip", "xsim+round-trip"]
    assert all(r["n"] == 3 for r in rows)
    assert rows[0]["kendall_tau"] == pytest.approx(1.0)  # xsim orders the three as chrF does


def test_drop_constant_keeps_only_evidence_that_ranks() -> None:
    a = qe.Item("ar", "s", "r", "h1", "reference", scores={"mtqa:lm-bits": 1.0, "mtqa:xling-cos": 0.9})
    b = qe.Item("ar", "s", "r", "h2", "hallucination", scores={"mtqa:lm-bits": 1.0, "mtqa:xling-cos": 0.2})
    qe.drop_constant([a, b])
    assert set(a.scores) == {"mtqa:xling-cos"}


def test_tiny_seq2seq_engines_generate_forced_lengths(tmp_path: Path) -> None:
    texts = [f"sentence number {i} about the news of the day" for i in range(200)]
    model_dir = throughput.build_marian(tmp_path / "marian", texts, tiny=True)
    sentences = ["sentence number 3", "the news of the day"]
    assert throughput.hf_seq2seq_generate(str(model_dir), sentences, 3, batch=1)() == 6
    assert throughput.hf_seq2seq_generate(str(model_dir), sentences, 3, batch=2)() == 6
    pytest.importorskip("ctranslate2")
    ct2 = throughput.convert_ct2(model_dir, tmp_path / "ct2", quantization="int8")
    assert throughput.ct2_generate(str(ct2), str(model_dir), sentences, 3, 2, "int8", 1)() == 6


def test_tiny_nllb_builds_with_language_codes(tmp_path: Path) -> None:
    texts = [f"جملة رقم {i} and sentence {i}" for i in range(200)]
    model_dir = throughput.build_nllb(tmp_path / "nllb", texts, tiny=True)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    assert tok.convert_tokens_to_ids("eng_Latn") != tok.unk_token_id
    assert throughput.hf_seq2seq_generate(str(model_dir), ["جملة رقم 3"], 2, nllb=True)() == 2


def test_worker_protocol_and_ratios() -> None:
    # run_worker parses the result line of a real subprocess and reports failures as data.
    res = scaling.run_worker("benchmarks.throughput", {"kind": "no-such-kind"})
    assert "error" in res and "unknown worker kind" in res["error"]
    rows = [
        {"group": "g", "config": "plain generate loop (batch 1)", "sent_per_s": 2.0, "tok_per_s": 10.0},
        {"group": "g", "config": "ctranslate2 int8 (batch 8)", "sent_per_s": 8.0, "tok_per_s": 40.0},
        {"group": "g", "config": "mtqa hf: translator (ctranslate2 int8, batch 8)", "sent_per_s": 10.0},
        {"group": "m", "config": "mtqa gemma3-270m (llama.cpp, 1 row/pass (default))", "sent_per_s": 3.0},
        {"group": "m", "config": "llama.cpp (llama-cpp-python)", "sent_per_s": 2.0},
        {"group": "c", "config": "first run (empty cache)", "seconds": 50.0, "process_s": 60.0},
        {"group": "c", "config": "re-run (fully cached)", "seconds": 0.5, "process_s": 3.0},
    ]
    ratios = throughput.ratios_of(rows)
    assert ratios["g: ctranslate2 int8 (batch 8) / plain loop (sent_per_s)"] == pytest.approx(4.0)
    key = "g: mtqa hf: translator (ctranslate2 int8, batch 8) / ctranslate2 int8 (batch 8) (sent_per_s)"
    assert ratios[key] == pytest.approx(1.25)
    key = "m: mtqa gemma3-270m (llama.cpp, 1 row/pass (default)) / llama.cpp (llama-cpp-python) (sent_per_s)"
    assert ratios[key] == pytest.approx(1.5)
    assert ratios["c: first / cached re-run (in-process s)"] == pytest.approx(100.0)
    assert ratios["c: first / cached re-run (whole process s)"] == pytest.approx(20.0)
    assert throughput.batch_overrides("translate.batch_size", 8) == {"translate": {"batch_size": 8}}
    assert throughput.batch_overrides("", 8) == {}


def test_run_all_plans_every_present_benchmark() -> None:
    names = [name for name, _ in run_all.plan(None, quick=True)]
    assert names == [b[0] for b in run_all.BENCHMARKS]
    cmds = dict(run_all.plan(["qe", "scaling"], quick=True))
    assert cmds["qe"][-1] == "--quick" and cmds["scaling"][-1] == "--quick"
    full = dict(run_all.plan(["translation_quality"], quick=False))
    assert full["translation_quality"][-2:] == ["--limit", "50"]


def test_robustness_inputs_are_one_line_of_the_size_asked() -> None:
    pool = [f"جملة عربية رقم {i}، عن الأخبار." for i in range(30)]
    line = robustness.long_line(pool, 5000)
    assert "\n" not in line and 4900 <= len(line.encode("utf-8")) <= 5000
    bare = robustness.long_line(pool, 5000, punct=False)
    assert "،" not in bare and "." not in bare
    arts = robustness.story_articles(pool * 5, 4)
    assert len(arts) == 4 and all(6 <= len(t.split(".")) - 1 <= 10 for _, t in arts)


@pytest.mark.parametrize("module", ["translation_quality", "qe", "throughput", "scaling", "run_all",
                                    "robustness"])
def test_scripts_have_help(module: str) -> None:
    out = subprocess.run([sys.executable, "-m", f"benchmarks.{module}", "--help"], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "usage:" in out.stdout



def test_quick_runs_never_overwrite_saved_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import common

    monkeypatch.setattr(common, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(common, "QUICK_RESULTS", tmp_path / "quick")
    rows = [{"config": "a", "value": 1.5}]
    real = common.save("bench_x", {"rows": rows}, {"bench": "x"}, tables=[("t", rows)])
    smoke = common.save("bench_x", {"rows": []}, {"bench": "x", "quick": True}, quick=True)
    assert real == tmp_path / "results" / "bench_x.json"
    assert smoke == tmp_path / "quick" / "bench_x.json"
    assert '"value": 1.5' in real.read_text(encoding="utf-8")
    assert (tmp_path / "quick" / "bench_x.md").is_file()
    assert "quick" in smoke.read_text(encoding="utf-8")  # the signature records the setting
