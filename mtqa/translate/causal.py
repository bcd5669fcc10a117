"""Decoder-only (causal) language models used as translators by prompting.

The prompt is the model's chat template when its tokenizer has one, few-shot otherwise (the
example pairs are data in ``configs/defaults/translate.toml``). Either way it splits into a
fixed *prefix* (instruction and examples, the same for every sentence of a language pair) and
a short per-sentence *suffix*. The prefix's key/value cache is computed once and copied into
each batch, so only the sentence itself is encoded per call — the main speed-up on CPU.

Decoding is a small hand-written loop rather than ``generate``, over an engine *session*
(``start()`` → logits, ``step(keep, tokens)`` → logits, ``close()``): :class:`TorchSession`
here (batches laid out as ``[prefix][left padding][suffix]`` with an attention mask and
explicit position ids, finished rows leaving the batch through ``batch_select_indices``) or
the llama.cpp session of :mod:`mtqa.translate.llamacpp` for GGUF files. A row stops at an
end-of-generation token, at the first newline, at its own length cap or when it loops (an
n-gram repeated ``stop_repeats`` times); only the last position's logits are computed, and
every chosen token's log-probability comes out of the same pass.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtqa.config import Config
from mtqa.errors import ConfigError, ModelError
from mtqa.model import Translation
from mtqa.translate.base import Translator
from mtqa.translate.hf import LANG_NAMES, is_local, load_pretrained, set_threads, torch_dtype

MARKER = "\x00MTQA-SOURCE\x00"


def few_shot_pairs(cfg: dict[str, Any], src_lang: str, tgt_lang: str) -> list[tuple[str, str]]:
    """The configured example pairs for a direction (English→X reuses X→English reversed)."""
    examples = cfg["examples"]
    if tgt_lang == "en" and src_lang in examples:
        return [(str(a), str(b)) for a, b in examples[src_lang]]
    if src_lang == "en" and tgt_lang in examples:
        return [(str(b), str(a)) for a, b in examples[tgt_lang]]
    return []


def lang_name(lang: str) -> str:
    return LANG_NAMES.get(lang, lang)


def few_shot_parts(cfg: dict[str, Any], src_lang: str, tgt_lang: str) -> tuple[str, str, str]:
    """(prefix, lead, trail) of the few-shot prompt: prompt = prefix + lead + source + trail."""
    s, t = lang_name(src_lang), lang_name(tgt_lang)
    lines = [str(cfg["instruction"]).format(src=s, tgt=t), ""]
    for a, b in few_shot_pairs(cfg, src_lang, tgt_lang):
        lines += [f"{s}: {a}", f"{t}: {b}", ""]
    prefix = "\n".join(lines) + f"{s}:"
    return prefix, " ", f"\n{t}:"


def chat_messages(cfg: dict[str, Any], src_lang: str, tgt_lang: str) -> list[dict[str, str]]:
    """The few-shot conversation whose last user turn holds :data:`MARKER` for the source."""
    s, t = lang_name(src_lang), lang_name(tgt_lang)
    ask = str(cfg["chat_instruction"]).format(src=s, tgt=t)
    messages: list[dict[str, str]] = []
    for a, b in few_shot_pairs(cfg, src_lang, tgt_lang):
        messages += [{"role": "user", "content": f"{ask}\n{a}"}, {"role": "assistant", "content": b}]
    messages.append({"role": "user", "content": f"{ask}\n{MARKER}"})
    return messages


def _split_rendered(rendered: object) -> tuple[str, str, str]:
    if not isinstance(rendered, str) or rendered.count(MARKER) != 1:
        raise ModelError("the chat template did not render the source exactly once")
    before, after = rendered.split(MARKER)
    return before, "", after


def chat_parts_from_template(template: str, cfg: dict[str, Any], src_lang: str, tgt_lang: str,
                             bos: str, eos: str) -> tuple[str, str, str]:
    """(prefix, lead, trail) from a raw Jinja chat template (a GGUF file's), rendered sandboxed."""
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(message: str) -> None:
        raise ModelError(f"chat template: {message}")

    env.globals["raise_exception"] = raise_exception
    try:
        rendered = env.from_string(template).render(
            messages=chat_messages(cfg, src_lang, tgt_lang), add_generation_prompt=True,
            bos_token=bos, eos_token=eos)
    except TemplateError as exc:
        raise ModelError(f"cannot render the model's chat template: {exc}") from None
    return _split_rendered(rendered)


def chat_parts(tok: Any, cfg: dict[str, Any], src_lang: str, tgt_lang: str) -> tuple[str, str, str]:
    """(prefix, lead, trail) cut out of the tokenizer's chat template around the source."""
    messages = chat_messages(cfg, src_lang, tgt_lang)
    return _split_rendered(tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))


class CausalTranslator(Translator):
    """A causal LM (hub id, local directory) prompted to translate, with prefix KV reuse."""

    description = "transformers causal LM, prompted (chat template or few-shot)"

    def __init__(self, name: str, config: Config, model_id: str, revision: str | None = None) -> None:
        super().__init__(name, config)
        self.model_id = model_id
        self.revision = revision or str(self.cfg["revision"])
        self._tok: Any = None
        self._model: Any = None
        self._prefix: dict[tuple[str, str], tuple[list[int], Any]] = {}
        self._newline: dict[int, bool] = {}
        self._controls: tuple[str, ...] | None = None
        if self.cfg["prompt"] not in ("auto", "chat", "few-shot"):
            raise ConfigError("translate.prompt must be 'auto', 'chat' or 'few-shot'")

    # ------------------------------------------------------------------ loading
    def model_ref(self, src_lang: str, tgt_lang: str) -> tuple[str, str]:
        return self.model_id, "local" if is_local(self.model_id) else self.revision

    def model_dir(self) -> str:
        """Where ``from_pretrained`` reads the model (subclasses convert GGUF files here)."""
        return self.model_id

    def tokenizer(self) -> Any:
        if self._tok is None:
            from transformers import AutoTokenizer

            self._tok = load_pretrained(AutoTokenizer.from_pretrained, self.model_dir(), self.revision)
            if self._tok.pad_token_id is None:
                self._tok.pad_token = self._tok.eos_token or self._tok.unk_token
        return self._tok

    def model(self) -> Any:
        if self._model is None:
            from transformers import AutoModelForCausalLM
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            set_threads(self.cfg)
            model = load_pretrained(AutoModelForCausalLM.from_pretrained, self.model_dir(), self.revision,
                                    use_safetensors=True, dtype=torch_dtype(self.cfg["dtype"]))
            self._model = model.eval()
        return self._model

    # ------------------------------------------------------------------ prompts
    def uses_chat(self) -> bool:
        mode = self.cfg["prompt"]
        has = bool(getattr(self.tokenizer(), "chat_template", None))
        if mode == "chat" and not has:
            raise ModelError(f"{self.model_id}: prompt = 'chat' but the tokenizer has no chat template")
        return has if mode == "auto" else mode == "chat"

    def prompt_parts(self, src_lang: str, tgt_lang: str) -> tuple[str, str, str]:
        """(prefix, lead, trail): the prompt is prefix + lead + source + trail."""
        if self.uses_chat():
            return chat_parts(self.tokenizer(), self.cfg, src_lang, tgt_lang)
        return few_shot_parts(self.cfg, src_lang, tgt_lang)

    def build_prompt(self, sentence: str, src_lang: str, tgt_lang: str = "en") -> str:
        prefix, lead, trail = self.prompt_parts(src_lang, tgt_lang)
        return prefix + lead + sentence + trail

    def decoding(self) -> dict[str, object]:
        out = super().decoding()
        out["prompt"] = self.cfg["prompt"]
        out["inst"] = [self.cfg["instruction"], self.cfg["chat_instruction"]]
        out["shots"] = {k: v for k, v in sorted(self.cfg["examples"].items()) if k != "_open_table"}
        return out

    def count_tokens(self, text: str, src_lang: str, tgt_lang: str) -> int:
        return len(self.tokenizer()(text, add_special_tokens=False)["input_ids"])

    def prefix_ids(self, src_lang: str, tgt_lang: str) -> list[int]:
        """Token ids of the fixed prompt prefix (with BOS for few-shot prompts)."""
        return self._prefix_state(src_lang, tgt_lang)[0]

    def _prefix_state(self, src_lang: str, tgt_lang: str) -> tuple[list[int], Any]:
        """Token ids of the fixed prefix and, when enabled, its key/value cache (batch 1)."""
        key = (src_lang, tgt_lang)
        if key not in self._prefix:
            import torch

            tok, model = self.tokenizer(), self.model()
            prefix = self.prompt_parts(src_lang, tgt_lang)[0]
            ids = tok(prefix, add_special_tokens=not self.uses_chat())["input_ids"]
            cache = None
            if self.cfg["prefix_cache"] and ids:
                from transformers import DynamicCache

                cache = DynamicCache(config=model.config)
                with torch.inference_mode():
                    model(input_ids=torch.tensor([ids]), past_key_values=cache, use_cache=True,
                          logits_to_keep=1)
            self._prefix[key] = (list(ids), cache)
        return self._prefix[key]

    # ------------------------------------------------------------------ decoding
    def is_newline(self, token_id: int) -> bool:
        """Whether the token decodes to text holding a newline (a rendering ends there)."""
        if token_id not in self._newline:
            self._newline[token_id] = "\n" in self.decode_ids([token_id])
        return self._newline[token_id]

    def _eos_ids(self) -> set[int]:
        model, tok = self.model(), self.tokenizer()
        ids: set[int] = set()
        for source in (getattr(model.generation_config, "eos_token_id", None), tok.eos_token_id):
            if isinstance(source, int):
                ids.add(source)
            elif source:
                ids.update(int(x) for x in source)
        for special in ("<end_of_turn>", "<|im_end|>", "<|eot_id|>"):
            tid = tok.convert_tokens_to_ids(special)
            if isinstance(tid, int) and tid != tok.unk_token_id and tid >= 0:
                ids.add(tid)
        return ids

    # ------------------------------------------------------------------ engine hooks
    def _control_texts(self) -> tuple[str, ...]:
        """Strings the tokenizer turns into added (control) tokens, e.g. ``</s>``, ``<end_of_turn>``."""
        if self._controls is None:
            tok = self.tokenizer()
            found = {str(t) for t in getattr(tok, "all_special_tokens", [])}
            added = getattr(tok, "added_tokens_decoder", {}).values()
            found |= {str(getattr(t, "content", t)) for t in added}
            self._controls = tuple(sorted(c for c in found if c))
        return self._controls

    def encode_suffix(self, lead: str, text: str, trail: str) -> list[int]:
        """Token ids of one sentence's part of the prompt (no BOS).

        Article text never gets control tokens parsed out of it: a source holding the text of one
        (``<end_of_turn>``, ``</s>``) is tokenized on its own with ``split_special_tokens``, so it
        cannot end the prompt's turn; the template's lead and trail keep theirs."""
        tok = self.tokenizer()
        if not any(c in text for c in self._control_texts()):
            return list(tok(lead + text + trail, add_special_tokens=False)["input_ids"])
        ids = list(tok(lead, add_special_tokens=False)["input_ids"]) if lead else []
        ids += tok(text, add_special_tokens=False, split_special_tokens=True)["input_ids"]
        return ids + list(tok(trail, add_special_tokens=False)["input_ids"])

    def decode_ids(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer().decode(list(ids), skip_special_tokens=True))

    def token_strings(self, ids: Sequence[int]) -> tuple[str, ...]:
        return tuple(self.tokenizer().convert_ids_to_tokens(list(ids)))

    def open_session(self, prefix_ids: list[int], suffixes: list[list[int]], src_lang: str,
                     tgt_lang: str) -> Any:
        """A decoding session (``start()``, ``step(keep, tokens)``, ``close()``) for one batch."""
        _, cache = self._prefix_state(src_lang, tgt_lang)
        return TorchSession(self, prefix_ids, cache, suffixes)

    # ------------------------------------------------------------------ decoding
    def generate(self, texts: Sequence[str], src_lang: str, tgt_lang: str, sample: int | None,
                 ) -> list[Translation]:
        import torch

        prefix_ids = self.prefix_ids(src_lang, tgt_lang)
        _, lead, trail = self.prompt_parts(src_lang, tgt_lang)
        suffixes = [self.encode_suffix(lead, t, trail) for t in texts]
        # Each row keeps its own length cap, so a batch gives what one-at-a-time would.
        caps = [self.max_new_tokens(self.count_tokens(t, src_lang, tgt_lang)) for t in texts]
        b = len(suffixes)
        sampling = sample is not None or self.cfg["decoding"] == "sample"
        gen = None
        if sampling:
            gen = torch.Generator().manual_seed(int(self.cfg["seed"]) + 1000 * (sample or 0))
        eos = self._eos_ids()
        repeats = int(self.cfg["stop_repeats"])
        out_ids: list[list[int]] = [[] for _ in range(b)]
        out_lp: list[list[float]] = [[] for _ in range(b)]
        active = list(range(b))  # original row of each row still in the batch
        session = self.open_session(prefix_ids, suffixes, src_lang, tgt_lang)
        # A lazy session (llama.cpp) hands back a handle on its logits: the greedy choice and
        # its log-probability are read in place, without copying full-vocabulary rows.
        lazy = not sampling and getattr(session, "lazy", False)
        try:
            with torch.inference_mode():
                logits = session.start(lazy=True) if lazy else session.start()
                for step in range(max(caps)):
                    if lazy:
                        tids, lps = logits.greedy()
                    else:
                        logp = torch.log_softmax(logits.float(), dim=-1)
                        nxt = self._choose(logp, gen) if sampling else logp.argmax(-1)
                        tids, lps = nxt.tolist(), logp.gather(1, nxt[:, None])[:, 0].tolist()
                    keep: list[int] = []
                    for r, (tid, lp) in enumerate(zip(tids, lps, strict=True)):
                        row = active[r]
                        if tid in eos:
                            continue
                        out_ids[row].append(tid)
                        out_lp[row].append(min(0.0, float(lp)))
                        if (not self.is_newline(tid) and step + 1 < caps[row]
                                and not _repeats(out_ids[row], repeats)):
                            keep.append(r)
                    if not keep:
                        break
                    active = [active[r] for r in keep]
                    if lazy:
                        logits = session.step(keep, [tids[r] for r in keep], lazy=True)
                    else:
                        logits = session.step(keep, nxt[keep] if len(keep) < len(nxt) else nxt)
        finally:
            session.close()
        return [self.finish(ids, lps) for ids, lps in zip(out_ids, out_lp, strict=True)]

    # ------------------------------------------------------------------ forced decoding
    def encode_target(self, rendering: str) -> list[int]:
        """Token ids of a rendering as the model would generate it after the prompt (few-shot
        prompts end in "English:", so the rendering starts with a space)."""
        text = rendering.strip() if self.uses_chat() else " " + rendering.strip()
        return list(self.tokenizer()(text, add_special_tokens=False)["input_ids"])

    def score_rows(self, prefix: list[int], rows: list[tuple[list[int], list[int]]]) -> list[list[float]]:
        """For each (suffix, target): log-probabilities of target after prefix + suffix (one
        forward pass per row)."""
        import torch

        out = []
        for suffix, target in rows:
            if not target:
                out.append([])
                continue
            ids = prefix + suffix + target
            with torch.inference_mode():
                logits = self.model()(input_ids=torch.tensor([ids])).logits[0].float()
            first = len(prefix) + len(suffix) - 1
            logp = torch.log_softmax(logits[first : first + len(target)], dim=-1)
            out.append(logp.gather(1, torch.tensor(target)[:, None])[:, 0].tolist())
        return out

    def score(self, sources: Sequence[str], renderings: Sequence[str], src_lang: str, tgt_lang: str = "en",
              ) -> list[Translation]:
        """Forced decoding of each rendering after its source's prompt (prompt evaluation only)."""
        if len(sources) != len(renderings):
            raise ValueError("score needs one rendering per source")
        prefix = self.prefix_ids(src_lang, tgt_lang)
        _, lead, trail = self.prompt_parts(src_lang, tgt_lang)
        targets = [self.encode_target(r) for r in renderings]
        rows = [(self.encode_suffix(lead, src, trail), t) for src, t in zip(sources, targets, strict=True)]
        scores = self.score_rows(prefix, rows)
        return [Translation(system=self.name, text=ren, tokens=self.token_strings(t),
                            token_logprobs=tuple(min(0.0, float(x)) for x in lps))
                for ren, t, lps in zip(renderings, targets, scores, strict=True)]

    def _step(self, input_ids: Any, mask: Any, positions: Any, cache: Any) -> Any:
        """Next-token logits (batch, vocab) for the last position of each row."""
        import torch

        model = self.model()
        head = getattr(model, "lm_head", None)
        body = getattr(model, "model", None)
        if head is None or body is None or getattr(head, "bias", None) is not None:
            return model(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                         past_key_values=cache, use_cache=True, logits_to_keep=1).logits[:, -1, :]
        hidden = body(input_ids=input_ids, attention_mask=mask, position_ids=positions,
                      past_key_values=cache, use_cache=True).last_hidden_state[:, -1, :]
        # (vocab × d) @ (d × batch): MKL runs this tall-skinny product several times faster on
        # CPU than the usual (batch × d) @ (d × vocab) for a large vocabulary (Gemma: 262k).
        logits = torch.matmul(head.weight, hidden.T).T
        cap = getattr(model.config, "final_logit_softcapping", None)
        if cap:
            logits = torch.tanh(logits / cap) * cap
        return logits

    def _choose(self, logp: Any, gen: Any) -> Any:
        import torch

        probs = torch.softmax(logp / max(float(self.cfg["temperature"]), 1e-5), dim=-1)
        top_p = float(self.cfg["top_p"])
        if top_p < 1.0:
            sorted_p, order = probs.sort(dim=-1, descending=True)
            drop = sorted_p.cumsum(-1) - sorted_p > top_p
            sorted_p = sorted_p.masked_fill(drop, 0.0)
            probs = torch.zeros_like(probs).scatter(1, order, sorted_p)
        return torch.multinomial(probs, 1, generator=gen)[:, 0]

    def finish(self, ids: list[int], lps: list[float]) -> Translation:
        """Text up to the first newline; tokens/logprobs of what was kept."""
        if ids and self.is_newline(ids[-1]):
            head = self.decode_ids(ids[-1:]).split("\n", 1)[0]
            if not head.strip():  # a bare newline token ends the line; it is not content
                ids, lps = ids[:-1], lps[:-1]
        text = self.decode_ids(ids).split("\n", 1)[0].strip()
        return Translation(system=self.name, text=text, tokens=self.token_strings(ids),
                           token_logprobs=tuple(lps))


class TorchSession:
    """One batch decoded by a transformers causal LM: rows laid out as ``[prefix][left padding]
    [suffix]`` with an attention mask and explicit positions; finished rows leave the batch."""

    def __init__(self, tr: CausalTranslator, prefix_ids: list[int], prefix_cache: Any,
                 suffixes: list[list[int]]) -> None:
        import torch
        from transformers import DynamicCache

        self.tr = tr
        if prefix_cache is None:  # no reuse: the whole prompt is the per-row input
            suffixes = [prefix_ids + s for s in suffixes]
        b, width = len(suffixes), max(len(s) for s in suffixes)
        pad = int(tr.tokenizer().pad_token_id)
        self.input_ids = torch.full((b, width), pad, dtype=torch.long)
        mask = torch.zeros((b, width), dtype=torch.long)
        for i, s in enumerate(suffixes):
            self.input_ids[i, width - len(s):] = torch.tensor(s)
            mask[i, width - len(s):] = 1
        if prefix_cache is not None:
            self.cache = copy.deepcopy(prefix_cache)
            if b > 1:
                self.cache.batch_repeat_interleave(b)
            mask = torch.cat([torch.ones((b, len(prefix_ids)), dtype=torch.long), mask], dim=1)
        else:
            self.cache = DynamicCache(config=tr.model().config)
        self.mask = mask

    def start(self) -> Any:
        positions = (self.mask.cumsum(-1) - 1).clamp(min=0)[:, -self.input_ids.shape[1]:]
        return self.tr._step(self.input_ids, self.mask, positions, self.cache)

    def step(self, keep: Sequence[int], tokens: Any) -> Any:
        import torch

        if len(keep) < self.mask.shape[0]:
            idx = torch.tensor(list(keep))
            self.cache.batch_select_indices(idx)
            self.mask = self.mask[idx]
        self.mask = torch.cat([self.mask, torch.ones((len(keep), 1), dtype=torch.long)], dim=1)
        positions = self.mask.sum(-1, keepdim=True) - 1
        return self.tr._step(tokens[:, None], self.mask, positions, self.cache)

    def close(self) -> None:
        self.cache = None


def _repeats(ids: list[int], times: int, longest: int = 12) -> bool:
    """True when ``ids`` ends with an n-gram (2 <= n <= longest) repeated ``times`` times in a row.

    Single tokens are left alone (digits of a large number repeat legitimately)."""
    if times < 2:
        return False
    for n in range(2, longest + 1):
        if len(ids) < n * times:
            break
        tail = ids[-n:]
        if all(ids[-(k + 1) * n : len(ids) - k * n] == tail for k in range(1, times)):
            return True
    return False


def is_causal_dir(path: str | Path) -> bool:
    """True when a local model directory holds a decoder-only model."""
    import json

    cfg = Path(path) / "config.json"
    try:
        data = json.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return not data.get("is_encoder_decoder", False)
