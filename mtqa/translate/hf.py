"""Loading transformers models (local directory first, hub id second) and the seq2seq backend.

Seq2seq covers Marian/OPUS-MT, NLLB-200 and M2M100: each family maps mtqa's language codes
to its own (NLLB ``arb_Arab``/``pes_Arab``/``prs_Arab`` → ``eng_Latn`` with a forced BOS
token, M2M100 ``ar``/``fa`` → ``en``) — see :func:`lang_code`. Weights load from safetensors only.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mtqa.config import Config
from mtqa.errors import ConfigError, ModelError
from mtqa.model import Translation
from mtqa.translate.base import Translator

# mtqa language code -> the code each model family uses. M2M100 has no Dari: Dari is written
# Persian, so it is fed as ``fa``. Marian/OPUS-MT models need no code for X→English.
LANG_CODES: dict[str, dict[str, str]] = {
    "nllb": {"ar": "arb_Arab", "fa": "pes_Arab", "prs": "prs_Arab", "en": "eng_Latn"},
    "m2m100": {"ar": "ar", "fa": "fa", "prs": "fa", "en": "en"},
}
LANG_NAMES: dict[str, str] = {"ar": "Arabic", "fa": "Persian", "prs": "Dari", "en": "English"}


def lang_code(family: str, lang: str) -> str:
    """The language code ``family`` ("nllb", "m2m100") uses for mtqa's ``lang``."""
    try:
        return LANG_CODES[family][lang]
    except KeyError:
        known = ", ".join(sorted(LANG_CODES.get(family, {}))) or "none"
        raise ModelError(f"{family} has no code for language '{lang}' (supported: {known})") from None


def model_family(hf_config: Any) -> str:
    """"nllb", "m2m100", "marian" or "seq2seq" from a transformers config."""
    mtype = getattr(hf_config, "model_type", "")
    if mtype == "m2m_100":
        # NLLB-200 checkpoints reuse the M2M100 architecture; their tokenizer is NLLB's.
        name = str(getattr(hf_config, "_name_or_path", "")).lower()
        return "nllb" if "nllb" in name or getattr(hf_config, "vocab_size", 0) == 256206 else "m2m100"
    if mtype == "marian":
        return "marian"
    return "seq2seq"


def is_local(model_id: str) -> bool:
    return Path(model_id).expanduser().is_dir()


def load_pretrained(loader: Callable[..., Any], model_id: str, revision: str, **kwargs: Any) -> Any:
    """``loader.from_pretrained`` from a local directory, else the local hub cache, else the hub."""
    if is_local(model_id):
        return loader(str(Path(model_id).expanduser()), **kwargs)
    try:
        return loader(model_id, revision=revision, local_files_only=True, **kwargs)
    except OSError:
        pass
    if os.environ.get("HF_HUB_OFFLINE") in ("1", "true", "True"):
        raise ModelError(f"model {model_id} is not in the local cache and HF_HUB_OFFLINE is set; download "
                         "it on a connected machine or pass a local directory")
    try:
        return loader(model_id, revision=revision, **kwargs)
    except Exception as exc:  # network errors come in many types
        raise ModelError(f"model {model_id} is not in the local cache and the hub is unreachable "
                         f"({type(exc).__name__}); download it on a connected machine or pass a local "
                         "directory") from None


def set_threads(cfg: dict[str, Any]) -> None:
    import torch

    n = int(cfg["threads"])
    if n > 0 and torch.get_num_threads() != n:
        torch.set_num_threads(n)


def torch_dtype(name: str) -> Any:
    import torch

    table = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    if name not in table:
        raise ConfigError(f"translate.dtype must be one of {', '.join(table)}, got '{name}'")
    return table[name]



class StepLogprobs:
    """A forward hook that keeps each generated token's log-probability under the raw logits.

    ``generate`` calls the model once per new token, passing the token chosen at the previous
    step as ``decoder_input_ids``; the hook gathers that token's log-probability from the
    previous call's log-softmaxed raw logits (before any logits processor or sampling warper),
    so only one step's distribution is held at a time. ``generate(output_logits=True)`` followed
    by ``compute_transition_scores`` gives the same numbers but keeps every step's
    full-vocabulary logits and copies them twice more (gigabytes for a 256k-vocabulary NLLB
    batch)."""

    def __init__(self) -> None:
        self.prev: Any = None
        self.cols: list[Any] = []

    def __call__(self, module: Any, args: tuple, kwargs: dict[str, Any], output: Any) -> None:
        import torch

        ids = kwargs.get("decoder_input_ids")
        if ids is None:
            raise ModelError("generate passed no decoder_input_ids; cannot score the generated tokens")
        if self.prev is not None:
            self.cols.append(self.prev.gather(1, ids[:, -1:]).squeeze(1))
        self.prev = torch.log_softmax(output.logits[:, -1, :].float(), dim=-1)

    def finish(self, sequences: Any) -> Any:
        """(batch, generated tokens) log-probabilities, given ``generate``'s output sequences."""
        import torch

        if self.prev is not None:
            self.cols.append(self.prev.gather(1, sequences[:, -1:]).squeeze(1))
            self.prev = None
        if not self.cols:
            return torch.zeros((sequences.shape[0], 0))
        return torch.stack(self.cols, dim=1)


def generate_scored(model: Any, enc: Any, gen: dict[str, Any]) -> tuple[Any, Any]:
    """``model.generate`` output sequences and the generated tokens' log-probabilities."""
    hook = StepLogprobs()
    handle = model.register_forward_hook(hook, with_kwargs=True)
    try:
        sequences = model.generate(**enc, **gen)
    finally:
        handle.remove()
    return sequences, hook.finish(sequences)


class Seq2SeqTranslator(Translator):
    """An encoder-decoder model (Marian, NLLB, M2M100, ...) run with ``generate``.

    ``models`` maps a source language ("*" for any) to a hub id or local directory, so one
    registry name can use a different OPUS-MT model per language.
    """

    description = "transformers encoder-decoder model"

    def __init__(self, name: str, config: Config, models: dict[str, str], revision: str | None = None,
                 ) -> None:
        super().__init__(name, config)
        self.models = models
        self.revision = revision or str(self.cfg["revision"])
        self._loaded: dict[str, tuple[Any, Any, str]] = {}

    def _model_id(self, src_lang: str) -> str:
        model = self.models.get(src_lang) or self.models.get("*")
        if model is None:
            raise ModelError(f"translator '{self.name}' has no model for language '{src_lang}' "
                             f"(it has: {', '.join(sorted(self.models))})")
        return model

    def model_ref(self, src_lang: str, tgt_lang: str) -> tuple[str, str]:
        if src_lang == "*":  # the signature: every model this translator may use
            ids = sorted(set(self.models.values()))
            if len(ids) == 1:
                return ids[0], "local" if is_local(ids[0]) else self.revision
            return ",".join(f"{k}={v}" for k, v in sorted(self.models.items())), self.revision
        model = self._model_id(src_lang)
        return model, "local" if is_local(model) else self.revision

    def _tokenizer(self, model_id: str) -> tuple[Any, str]:
        """(tokenizer, family) of ``model_id``; loads no weights."""
        from transformers import AutoConfig, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_config = load_pretrained(AutoConfig.from_pretrained, model_id, self.revision)
        family = model_family(hf_config)
        tok = load_pretrained(AutoTokenizer.from_pretrained, model_id, self.revision)
        if family in LANG_CODES and "nllb" in type(tok).__name__.lower():
            family = "nllb"  # NLLB-200 reuses the M2M100 architecture with its own codes
        return tok, family

    def _load(self, src_lang: str) -> tuple[Any, Any, str]:
        """(tokenizer, model, family) for the source language, loaded once."""
        model_id = self._model_id(src_lang)
        if model_id not in self._loaded:
            from transformers import AutoModelForSeq2SeqLM

            set_threads(self.cfg)
            tok, family = self._tokenizer(model_id)
            model = load_pretrained(AutoModelForSeq2SeqLM.from_pretrained, model_id, self.revision,
                                    use_safetensors=True, dtype=torch_dtype(self.cfg["dtype"]))
            self._loaded[model_id] = (tok, model.eval(), family)
        return self._loaded[model_id]

    def target_start(self, tok: Any, family: str, src_lang: str, tgt_lang: str) -> str | None:
        """The forced first target token (NLLB/M2M100 language token), or None (Marian).

        Also sets the tokenizer's source language, so call it before encoding sources."""
        if family not in LANG_CODES:
            if tgt_lang != "en":
                raise ModelError(f"translator '{self.name}' only translates into English")
            return None
        tok.src_lang = lang_code(family, src_lang)
        tgt = lang_code(family, tgt_lang)
        token = tgt if family == "nllb" else f"__{tgt}__"
        tid = tok.convert_tokens_to_ids(token)
        if tid is None or tid == tok.unk_token_id:
            raise ModelError(f"{self._model_id(src_lang)}: tokenizer has no language token for {tgt}")
        return token

    def target_ids(self, tok: Any, rendering: str) -> list[int]:
        """Token ids of a given target rendering, without special tokens."""
        return list(tok(text_target=rendering, add_special_tokens=False)["input_ids"])

    def score(self, sources: Sequence[str], renderings: Sequence[str], src_lang: str, tgt_lang: str = "en",
              ) -> list[Translation]:
        """Forced decoding: each rendering's tokens and their log-probabilities given its source
        (the end-of-sentence token is not included, as in :meth:`translate`)."""
        import torch

        if len(sources) != len(renderings):
            raise ValueError("score needs one rendering per source")
        tok, model, family = self._load(src_lang)
        start = self.target_start(tok, family, src_lang, tgt_lang)
        eos = int(model.config.eos_token_id)
        dstart = int(model.config.decoder_start_token_id)
        out: list[Translation] = []
        bs = int(self.cfg["batch_size"])
        for b in range(0, len(sources), bs):
            src, ren = list(sources[b:b + bs]), list(renderings[b:b + bs])
            enc = tok(src, return_tensors="pt", padding=True)
            head = [dstart] + ([int(tok.convert_tokens_to_ids(start))] if start else [])
            rows = [self.target_ids(tok, r) for r in ren]
            width = max(len(r) for r in rows) + 1
            pad = int(tok.pad_token_id)
            dec = torch.tensor([head + r + [eos] + [pad] * (width - len(r) - 1) for r in rows])
            with torch.inference_mode():
                logits = model(**enc, decoder_input_ids=dec[:, :-1]).logits.float()
                logp = torch.log_softmax(logits, dim=-1).gather(2, dec[:, 1:, None])[:, :, 0]
            for r, ids in enumerate(rows):
                lps = logp[r, len(head) - 1 : len(head) - 1 + len(ids)].tolist()
                out.append(Translation(system=self.name, text=ren[r],
                                       tokens=tuple(tok.convert_ids_to_tokens(ids)),
                                       token_logprobs=tuple(min(0.0, float(x)) for x in lps)))
        return out

    def count_tokens(self, text: str, src_lang: str, tgt_lang: str) -> int:
        tok = self._load(src_lang)[0]
        return len(tok(text, add_special_tokens=False)["input_ids"])

    def generate(self, texts: Sequence[str], src_lang: str, tgt_lang: str, sample: int | None,
                 ) -> list[Translation]:
        import torch

        tok, model, family = self._load(src_lang)
        gen: dict[str, Any] = {}
        start = self.target_start(tok, family, src_lang, tgt_lang)
        if start is not None:
            gen["forced_bos_token_id"] = tok.convert_tokens_to_ids(start)
        enc = tok(list(texts), return_tensors="pt", padding=True)
        # Each row keeps its own length cap, so a batch gives what one-at-a-time would.
        caps = [self.max_new_tokens(int(n)) for n in enc["attention_mask"].sum(-1)]
        gen["max_new_tokens"] = max(caps) + (1 if "forced_bos_token_id" in gen else 0)
        gen["forced_eos_token_id"] = None  # it would replace the last token of a capped row only
        if sample is not None or self.cfg["decoding"] == "sample":
            torch.manual_seed(int(self.cfg["seed"]) + (sample or 0))
            gen.update(do_sample=True, temperature=float(self.cfg["temperature"]),
                       top_p=float(self.cfg["top_p"]), top_k=0)
        else:
            gen.update(do_sample=False, num_beams=1)
        with torch.inference_mode():
            # Raw logits (not the sampler's tempered ones): logprobs are under the model itself.
            sequences, scores = generate_scored(model, enc, gen)
        seqs = sequences[:, 1:]  # drop the decoder start token
        if "forced_bos_token_id" in gen:
            seqs, scores = seqs[:, 1:], scores[:, 1:]  # and the forced language token
        special = set(tok.all_special_ids)
        results = []
        for row, row_scores, cap in zip(seqs.tolist(), scores.tolist(), caps, strict=True):
            pairs = list(zip(row, row_scores, strict=False))[:cap]
            keep = [(t, s) for t, s in pairs if t not in special]
            ids = [t for t, _ in keep]
            results.append(Translation(
                system=self.name, text=tok.decode(ids, skip_special_tokens=True).strip(),
                tokens=tuple(tok.convert_ids_to_tokens(ids)),
                token_logprobs=tuple(min(0.0, float(s)) for _, s in keep)))
        return results
