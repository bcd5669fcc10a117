"""CTranslate2 engine for the seq2seq translators (Marian/OPUS-MT, NLLB-200, M2M100).

The model (hub id or local directory) is converted once with CTranslate2's own converter and
kept under ``cache_root()/ct2/<digest>``, the digest covering the model id, its revision (for a
local directory: a hash of its files), the quantization and the CTranslate2 version; the
directory is written under a temporary name and renamed into place, so a killed conversion
never leaves a half-written model. Tokenization stays the transformers tokenizer's (the same
token strings are fed to CTranslate2), so both engines see identical inputs.

Greedy decoding takes each token's log-probability from CTranslate2's step callback (raw model
log-softmax); :meth:`CT2Seq2SeqTranslator.score` scores a given rendering with ``score_batch``
(forced decoding). Sampled renderings (``decoding = "sample"``, ``Translator.sample``) run on
the transformers engine, because CTranslate2's sampling cannot be seeded reproducibly.
``translate.seq2seq_engine`` picks the engine: ``auto`` = CTranslate2 when it is installed
(``pip install 'mtqa[ct2]'``), transformers otherwise.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtqa.config import Config
from mtqa.errors import ConfigError, ModelError
from mtqa.model import Translation
from mtqa.store import digest, file_sha256
from mtqa.translate.base import CONVERTED_MARKER, convert_once
from mtqa.translate.hf import Seq2SeqTranslator, is_local

MARKER = CONVERTED_MARKER
ENGINES = ("auto", "ctranslate2", "transformers")
QUANTIZATIONS = ("int8", "int8_float32", "int16", "float32", "float16", "bfloat16", "int8_float16",
                 "int8_bfloat16")


def available() -> bool:
    """True when ctranslate2 is installed."""
    return importlib.util.find_spec("ctranslate2") is not None


def resolve_engine(setting: str) -> str:
    """The engine ``translate.seq2seq_engine = setting`` means on this machine."""
    if setting not in ENGINES:
        raise ConfigError(f"translate.seq2seq_engine must be one of {', '.join(ENGINES)} (got {setting!r})")
    if setting == "auto":
        return "ctranslate2" if available() else "transformers"
    return setting


def dir_hash(path: Path) -> str:
    """A hash of every file at the top of a local model directory (names and contents)."""
    files = sorted(p for p in path.iterdir() if p.is_file())
    return digest(*[(p.name, file_sha256(p)) for p in files])


def _source_dir(model_id: str, revision: str) -> str:
    """A local directory holding the model: the directory itself, or its hub snapshot."""
    if is_local(model_id):
        return str(Path(model_id).expanduser())
    from huggingface_hub import snapshot_download

    try:
        return str(snapshot_download(model_id, revision=revision, local_files_only=True))
    except Exception:  # not in the local hub cache
        pass
    if os.environ.get("HF_HUB_OFFLINE") in ("1", "true", "True"):
        raise ModelError(f"model {model_id} is not in the local cache and HF_HUB_OFFLINE is set; download "
                         "it on a connected machine or pass a local directory")
    try:
        return str(snapshot_download(model_id, revision=revision))
    except Exception as exc:  # network errors come in many types
        raise ModelError(f"model {model_id} is not in the local cache and the hub is unreachable "
                         f"({type(exc).__name__}); download it on a connected machine or pass a local "
                         "directory") from None


def converted_dir(model_id: str, revision: str, quantization: str) -> Path:
    """The CTranslate2 model directory for ``model_id``, converting on first use."""
    import ctranslate2
    from ctranslate2.converters import TransformersConverter

    from mtqa.store import cache_root

    source = _source_dir(model_id, revision)
    rev = f"dir:{dir_hash(Path(source))}" if is_local(model_id) else revision
    key = digest(model_id if not is_local(model_id) else "local", rev, quantization, ctranslate2.__version__)
    target = cache_root() / "ct2" / key

    def build(tmp: Path) -> None:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        TransformersConverter(source).convert(str(tmp), quantization=quantization, force=True)
        (tmp / "source.txt").write_text(f"{model_id}\n{rev}\n{quantization}\nctranslate2 "
                                        f"{ctranslate2.__version__}\n", encoding="utf-8")

    return convert_once(target, build, f"{model_id} for CTranslate2")


class CT2Seq2SeqTranslator(Seq2SeqTranslator):
    """A seq2seq translator run by CTranslate2 (converted once, int8 by default on CPU)."""

    description = "encoder-decoder model on CTranslate2"
    engine = "ctranslate2"

    def __init__(self, name: str, config: Config, models: dict[str, str], revision: str | None = None,
                 ) -> None:
        super().__init__(name, config, models, revision)
        self._hf: Seq2SeqTranslator | None = None
        self.quantization = str(self.cfg["ct2_quantization"])
        if self.quantization not in QUANTIZATIONS:
            raise ConfigError(f"translate.ct2_quantization must be one of {', '.join(QUANTIZATIONS)} "
                              f"(got {self.quantization!r})")

    def decoding(self) -> dict[str, object]:
        out = super().decoding()
        out["engine"] = self.engine
        out["dtype"] = self.quantization  # the converted weights' type, whatever dtype says
        return out

    def signature(self) -> dict[str, object]:
        sig = super().signature()
        sig["engine"] = self.engine
        sig["quant"] = self.quantization
        return sig

    def _load(self, src_lang: str) -> tuple[Any, Any, str]:
        model_id = self._model_id(src_lang)
        if model_id not in self._loaded:
            if not available():
                raise ModelError("translate.seq2seq_engine = 'ctranslate2' needs ctranslate2 "
                                 "(pip install 'mtqa[ct2]')")
            import ctranslate2

            tok, family = self._tokenizer(model_id)
            path = converted_dir(model_id, self.revision, self.quantization)
            threads = int(self.cfg["threads"]) or (os.cpu_count() or 1)
            model = ctranslate2.Translator(str(path), device="cpu", compute_type=self.quantization,
                                           intra_threads=threads)
            self._loaded[model_id] = (tok, model, family)
        return self._loaded[model_id]

    def _sampler(self) -> Seq2SeqTranslator:
        """The transformers engine, for sampled renderings: CTranslate2's sampling cannot be
        seeded reproducibly from Python (its random generators live in its worker threads), and
        ``translate.seed`` promises the same samples for the same settings."""
        if self._hf is None:
            self._hf = Seq2SeqTranslator(self.name, self.config, self.models, self.revision)
        return self._hf

    def _sources(self, tok: Any, texts: Sequence[str]) -> list[list[str]]:
        return [tok.convert_ids_to_tokens(ids) for ids in tok(list(texts))["input_ids"]]

    def _forced(self, model: Any, tok: Any, src: list[list[str]], targets: list[list[str]],
                start: str | None) -> list[list[float]]:
        """Log-probabilities of each target token (end token left out) by forced decoding."""
        head = [start] if start else []
        res = model.score_batch(src, [head + t for t in targets], offset=len(head),
                                max_input_length=0)
        return [list(r.log_probs)[: len(t)] for r, t in zip(res, targets, strict=True)]

    def generate(self, texts: Sequence[str], src_lang: str, tgt_lang: str, sample: int | None,
                 ) -> list[Translation]:
        if sample is not None or self.cfg["decoding"] == "sample":
            return self._sampler().generate(texts, src_lang, tgt_lang, sample)
        tok, model, family = self._load(src_lang)
        start = self.target_start(tok, family, src_lang, tgt_lang)
        src = self._sources(tok, texts)
        # Each row keeps its own length cap (source counted with its special tokens, as in
        # transformers).
        caps = [self.max_new_tokens(len(s)) for s in src]
        extra = 1 if start else 0
        opts: dict[str, Any] = dict(beam_size=1, max_decoding_length=max(caps) + extra,
                                    max_input_length=0, return_scores=True)
        if start:
            opts["target_prefix"] = [[start]] * len(src)
        steps: list[list[float]] = [[] for _ in src]

        def keep(step: Any) -> bool:  # log_prob is only filled in with return_scores
            steps[step.batch_id].append(float(step.log_prob))
            return False

        opts["callback"] = keep
        results = model.translate_batch(src, **opts)
        hyps = [list(r.hypotheses[0])[extra:] for r in results]
        hyps = [h[:cap] for h, cap in zip(hyps, caps, strict=True)]
        # The callback reports the forced prefix token too (log-probability 0): skipped.
        lps = [s[extra : extra + len(h)] for s, h in zip(steps, hyps, strict=True)]
        special = set(tok.all_special_tokens)
        out = []
        for hyp, lp in zip(hyps, lps, strict=True):
            pairs = [(t, p) for t, p in zip(hyp, lp, strict=True) if t not in special]
            ids = tok.convert_tokens_to_ids([t for t, _ in pairs])
            out.append(Translation(system=self.name, text=tok.decode(ids, skip_special_tokens=True).strip(),
                                   tokens=tuple(t for t, _ in pairs),
                                   token_logprobs=tuple(min(0.0, p) for _, p in pairs)))
        return out

    def score(self, sources: Sequence[str], renderings: Sequence[str], src_lang: str, tgt_lang: str = "en",
              ) -> list[Translation]:
        if len(sources) != len(renderings):
            raise ValueError("score needs one rendering per source")
        tok, model, family = self._load(src_lang)
        start = self.target_start(tok, family, src_lang, tgt_lang)
        order = sorted(range(len(sources)), key=lambda i: len(sources[i]))  # batched by length
        out: list[Translation | None] = [None] * len(sources)
        bs = int(self.cfg["batch_size"])
        for b in range(0, len(order), bs):
            idx = order[b:b + bs]
            src = self._sources(tok, [sources[i] for i in idx])
            targets = [tok.convert_ids_to_tokens(self.target_ids(tok, renderings[i])) for i in idx]
            for i, t, lp in zip(idx, targets, self._forced(model, tok, src, targets, start), strict=True):
                out[i] = Translation(system=self.name, text=renderings[i], tokens=tuple(t),
                                     token_logprobs=tuple(min(0.0, float(x)) for x in lp))
        return [t for t in out if t is not None]


def seq2seq_class(config: Config) -> type[Seq2SeqTranslator]:
    """The seq2seq translator class for ``translate.seq2seq_engine`` (checked before any load)."""
    engine = resolve_engine(str(config.section("translate")["seq2seq_engine"]))
    return CT2Seq2SeqTranslator if engine == "ctranslate2" else Seq2SeqTranslator
