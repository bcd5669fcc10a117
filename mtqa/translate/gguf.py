"""GGUF models: run with llama.cpp, or dequantize once to safetensors for transformers.

``translate.engine`` picks the engine (``auto`` = llama.cpp when llama-cpp-python is installed).
With llama.cpp (:mod:`mtqa.translate.llamacpp`) the file is used as it is. For transformers:

Loading a GGUF file through transformers dequantizes every tensor (about a minute for Gemma
3 270M on two cores). :func:`converted_dir` does it once per file content and stores the
model (safetensors), its config and tokenizer under
``cache_root()/gguf/<sha256 of the GGUF file>``; the directory is written under a temporary
name and renamed into place, so a killed conversion never leaves a half-written model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mtqa.config import Config
from mtqa.errors import ConfigError, ModelError
from mtqa.model import Translation
from mtqa.store import file_sha256
from mtqa.translate.base import CONVERTED_MARKER, convert_once
from mtqa.translate.causal import CausalTranslator, chat_parts_from_template

MARKER = CONVERTED_MARKER


def converted_dir(gguf: str | Path, sha256: str | None = None) -> Path:
    """A transformers directory (safetensors) for ``gguf``, converting on first use."""
    from mtqa.store import cache_root

    path = Path(gguf).expanduser()
    if not path.is_file():
        raise ModelError(f"GGUF file {path} does not exist")
    digest = sha256 or file_sha256(path)
    target = cache_root() / "gguf" / digest

    def build(tmp: Path) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
        # The tensors are dequantized float32 by now; drop the GGUF quantizer marker so that
        # save_pretrained writes them as plain safetensors.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.is_quantized = False
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        (tmp / "source.txt").write_text(f"{path}\nsha256 {digest}\n", encoding="utf-8")

    return convert_once(target, build, f"GGUF file {path}")


ENGINES = ("auto", "llama.cpp", "transformers")


def resolve_engine(setting: str) -> str:
    """The engine ``translate.engine = setting`` means on this machine."""
    if setting not in ENGINES:
        raise ConfigError(f"translate.engine must be one of {', '.join(ENGINES)} (got {setting!r})")
    if setting == "auto":
        from mtqa.translate.llamacpp import available

        return "llama.cpp" if available() else "transformers"
    return setting


class GGUFTranslator(CausalTranslator):
    """A causal LM read from a GGUF file, on transformers after a one-time conversion.

    :class:`LlamaCppEngine` mixed in front of this class (or a subclass) runs the file on
    llama.cpp instead; :func:`gguf_class` picks the class for ``translate.engine``."""

    description = "GGUF causal LM file, prompted (llama.cpp, or converted once for transformers)"
    engine = "transformers"

    def __init__(self, name: str, config: Config, gguf: str, revision: str | None = None,
                 sha256: str | None = None) -> None:
        super().__init__(name, config, model_id=str(gguf), revision=revision or "gguf")
        self._sha = sha256
        self._dir: Path | None = None
        self._llama: Any = None
        self.parallel = int(self.cfg["llama_parallel"])
        if self.parallel < 1:
            raise ConfigError("translate.llama_parallel must be at least 1")

    def model_ref(self, src_lang: str, tgt_lang: str) -> tuple[str, str]:
        """The file name and its content hash: a changed file never hits stale cache entries."""
        if self._sha is None:
            self._sha = file_sha256(self.gguf_path())
        return Path(self.model_id).name, f"sha256:{self._sha[:16]}"

    def gguf_path(self) -> Path:
        return Path(self.model_id)

    def model_dir(self) -> str:
        if self._dir is None:
            self._dir = converted_dir(self.gguf_path(), self._sha)
        return str(self._dir)

    def decoding(self) -> dict[str, object]:
        out = super().decoding()
        out["engine"] = self.engine
        return out

    def signature(self) -> dict[str, object]:
        sig = super().signature()
        sig["engine"] = self.engine
        return sig


class LlamaCppEngine(GGUFTranslator):
    """The llama.cpp engine: put it first in the bases of a GGUF translator class. It replaces
    the tokenizer and decoding-session hooks of :class:`CausalTranslator`; prompts, the decoding
    loop and the cache are inherited unchanged."""

    engine = "llama.cpp"

    def decoding(self) -> dict[str, object]:
        out = super().decoding()
        out["dtype"] = "gguf"  # the file's own quantized weights, whatever dtype says
        if self.parallel > 1:  # outputs then depend on the neighbours in a pass
            out["rows"] = self.parallel
        return out

    def signature(self) -> dict[str, object]:
        sig = super().signature()
        sig["rows"] = self.parallel
        return sig

    def llama(self) -> Any:
        """The llama.cpp model, sized for ``llama_parallel`` rows of the longest allowed source."""
        if self._llama is None:
            from mtqa.translate.llamacpp import LlamaCppModel

            src = int(self.cfg["max_source_tokens"])
            row = src + 64 + self.max_new_tokens(src)  # sentence + prompt glue + output
            n_ctx = 2048 + self.parallel * row  # 2048: the shared prefix (instruction and examples)
            self._llama = LlamaCppModel(self.gguf_path(), int(self.cfg["threads"]), self.parallel,
                                        -(-n_ctx // 256) * 256)
        return self._llama

    def uses_chat(self) -> bool:
        mode = self.cfg["prompt"]
        has = self.llama().chat_template() is not None
        if mode == "chat" and not has:
            raise ModelError(f"{self.model_id}: prompt = 'chat' but the GGUF file has no chat template")
        return has if mode == "auto" else mode == "chat"

    def prompt_parts(self, src_lang: str, tgt_lang: str) -> tuple[str, str, str]:
        if not self.uses_chat():
            return super().prompt_parts(src_lang, tgt_lang)  # few-shot: no tokenizer needed
        m = self.llama()
        return chat_parts_from_template(
            str(m.chat_template()), self.cfg, src_lang, tgt_lang,
            bos=m.token_text(m.model.token_bos()), eos=m.token_text(m.model.token_eos()))

    def prefix_ids(self, src_lang: str, tgt_lang: str) -> list[int]:
        key = (src_lang, tgt_lang)
        if key not in self._prefix:
            m = self.llama()
            prefix = self.prompt_parts(src_lang, tgt_lang)[0]
            # A rendered chat template carries its own BOS text; a few-shot prompt needs one.
            add_bos = m.add_bos() and not self.uses_chat()
            self._prefix[key] = (m.tokenize(prefix, add_bos=add_bos, special=True), None)
        return self._prefix[key][0]

    def count_tokens(self, text: str, src_lang: str, tgt_lang: str) -> int:
        return len(self.llama().tokenize(text))

    def encode_suffix(self, lead: str, text: str, trail: str) -> list[int]:
        m = self.llama()
        # Article text never gets control tokens parsed out of it; the template's trail does.
        return m.tokenize(lead + text, special=False) + m.tokenize(trail, special=True)

    def decode_ids(self, ids: Sequence[int]) -> str:
        return str(self.llama().detokenize(ids))

    def token_strings(self, ids: Sequence[int]) -> tuple[str, ...]:
        m = self.llama()
        return tuple(m.token_text(i) for i in ids)

    def _eos_ids(self) -> set[int]:
        return self.llama().eog_ids()

    def encode_target(self, rendering: str) -> list[int]:
        text = rendering.strip() if self.uses_chat() else " " + rendering.strip()
        return self.llama().tokenize(text, special=False)

    def score_rows(self, prefix: list[int], rows: list[tuple[list[int], list[int]]]) -> list[list[float]]:
        """``llama_parallel`` rows per pass (1, the default, keeps a passage's scores independent
        of its neighbours, as for translations)."""
        out: list[list[float]] = []
        for i in range(0, len(rows), self.parallel):
            out += self.llama().score(prefix, rows[i:i + self.parallel])
        return out

    def open_session(self, prefix_ids: list[int], suffixes: list[list[int]], src_lang: str,
                     tgt_lang: str) -> Any:
        return self.llama().session(prefix_ids, suffixes)

    def generate(self, texts: Sequence[str], src_lang: str, tgt_lang: str, sample: int | None,
                 ) -> list[Translation]:
        out: list[Translation] = []
        for i in range(0, len(texts), self.parallel):
            out += super().generate(texts[i:i + self.parallel], src_lang, tgt_lang, sample)
        return out


class LlamaCppGGUFTranslator(LlamaCppEngine):
    """``gguf:<file>`` on llama.cpp."""


def gguf_class(config: Config, transformers_cls: type[GGUFTranslator],
               llama_cls: type[GGUFTranslator]) -> type[GGUFTranslator]:
    """The translator class for ``translate.engine`` (checked here, before anything loads)."""
    engine = resolve_engine(str(config.section("translate")["engine"]))
    return llama_cls if engine == "llama.cpp" else transformers_cls
