"""Stage 5, translate: every translator behind one interface, with batching and a SQLite cache.

Reads: content passages (and an article's supplied English). Adds: ``Translation`` objects to
``Passage.translations``: the feed's own ("supplied") first, then one per translator run.

    get_translator(name, config) -> Translator      (registry below; ``mtqa translators``)
    describe_translators() -> [(name, description)]
    attach_supplied(article) -> Article             (feed-supplied English, aligned to passages)

Registry names: ``gemma3-270m`` (offline default), ``opus-mt``, ``nllb-600m``, ``nllb-1.3b``,
``m2m100-418m``, and the open forms ``hf:<hub id or local dir>`` (seq2seq or causal, detected
from the model's config) and ``gguf:<path to a .gguf file>``. Seq2seq models run on
CTranslate2 when it is installed (``translate.seq2seq_engine``), GGUF files on llama.cpp
(``translate.engine``). Heavy imports happen only when a model is actually needed; a fully
cached run loads no model at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mtqa.config import Config
from mtqa.errors import ModelError
from mtqa.translate.base import Translator
from mtqa.translate.supplied import attach_supplied

__all__ = ["REGISTRY", "Translator", "attach_supplied", "describe_translators", "get_translator"]


def _gemma(name: str, config: Config) -> Translator:
    from mtqa.translate.gemma import make_gemma

    return make_gemma(name, config)


def _opus(name: str, config: Config) -> Translator:
    from mtqa.translate.ct2 import seq2seq_class

    table = {k: str(v) for k, v in config.section("translate")["opus_mt"].items() if k != "_open_table"}
    return seq2seq_class(config)(name, config, table)


def _seq2seq(model_id: str) -> Callable[[str, Config], Translator]:
    def make(name: str, config: Config) -> Translator:
        from mtqa.translate.ct2 import seq2seq_class

        return seq2seq_class(config)(name, config, {"*": model_id})

    return make


# name -> (factory, one-line description)
REGISTRY: dict[str, tuple[Callable[[str, Config], Translator], str]] = {
    "gemma3-270m": (_gemma, "Gemma 3 270M base (packaged GGUF), few-shot; offline default, weak"),
    "opus-mt": (_opus, "OPUS-MT Marian per language (translate.opus_mt); needs hub access or cache"),
    "nllb-600m": (_seq2seq("facebook/nllb-200-distilled-600M"),
                  "NLLB-200 distilled 600M (arb_Arab/pes_Arab/prs_Arab → eng_Latn); needs hub or cache"),
    "nllb-1.3b": (_seq2seq("facebook/nllb-200-distilled-1.3B"),
                  "NLLB-200 distilled 1.3B; needs hub access or a cached copy"),
    "m2m100-418m": (_seq2seq("facebook/m2m100_418M"),
                    "M2M100 418M (ar/fa → en; Dari as fa); needs hub access or a cached copy"),
}
OPEN_FORMS: tuple[tuple[str, str], ...] = (
    ("hf:<hub id or dir>", "any transformers seq2seq or causal LM (detected from its config)"),
    ("gguf:<file.gguf>", "a causal LM in a GGUF file (converted once to safetensors)"),
)


def describe_translators() -> list[tuple[str, str]]:
    """(name, one-line description) of every registered translator, for ``mtqa translators``."""
    return [(name, desc) for name, (_, desc) in REGISTRY.items()] + list(OPEN_FORMS)


def _hf(name: str, model_id: str, config: Config) -> Translator:
    from mtqa.translate.causal import CausalTranslator
    from mtqa.translate.ct2 import seq2seq_class
    from mtqa.translate.hf import is_local, load_pretrained

    if is_local(model_id):
        cfg_file = Path(model_id).expanduser() / "config.json"
        if not cfg_file.is_file():
            raise ModelError(f"{model_id}: not a transformers model directory (no config.json)")
    from transformers import AutoConfig

    try:
        revision = str(config.get("translate.revision"))
        hf_config = load_pretrained(AutoConfig.from_pretrained, model_id, revision)
    except ModelError:
        raise
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the model config of {model_id}: {exc}") from None
    if getattr(hf_config, "is_encoder_decoder", False):
        return seq2seq_class(config)(name, config, {"*": model_id})
    return CausalTranslator(name, config, model_id)


def get_translator(name: str, config: Config) -> Translator:
    """The translator registered as ``name`` (or an ``hf:``/``gguf:`` open form)."""
    if name in REGISTRY:
        return REGISTRY[name][0](name, config)
    if name.startswith("hf:") and len(name) > 3:
        return _hf(name, name[3:], config)
    if name.startswith("gguf:") and len(name) > 5:
        from mtqa.translate.gguf import GGUFTranslator, LlamaCppGGUFTranslator, gguf_class

        path = Path(name[5:]).expanduser()
        if not path.is_file():
            raise ModelError(f"translator '{name}': GGUF file {path} does not exist")
        return gguf_class(config, GGUFTranslator, LlamaCppGGUFTranslator)(name, config, str(path))
    known = ", ".join([*REGISTRY, "hf:<hub id or dir>", "gguf:<file>"])
    raise ModelError(f"unknown translator '{name}' (known: {known})")
