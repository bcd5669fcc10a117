"""GGUF models: dequantize once, keep the result as safetensors, load that from then on.

Loading a GGUF file through transformers dequantizes every tensor (about a minute for Gemma
3 270M on two cores). :func:`converted_dir` does it once per file content and stores the
model (safetensors), its config and tokenizer under
``cache_root()/gguf/<sha256 of the GGUF file>``; the directory is written under a temporary
name and renamed into place, so a killed conversion never leaves a half-written model.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from mtqa.config import Config
from mtqa.errors import ModelError
from mtqa.translate.causal import CausalTranslator

MARKER = ".complete"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def converted_dir(gguf: str | Path, sha256: str | None = None) -> Path:
    """A transformers directory (safetensors) for ``gguf``, converting on first use."""
    from mtqa.embed import cache_root

    path = Path(gguf).expanduser()
    if not path.is_file():
        raise ModelError(f"GGUF file {path} does not exist")
    digest = sha256 or file_sha256(path)
    target = cache_root() / "gguf" / digest
    if (target / MARKER).exists():
        return target
    tmp = target.with_name(f"{digest}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
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
        (tmp / MARKER).touch()
    except ModelError:
        raise
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(f"cannot convert GGUF file {path}: {type(exc).__name__}: {exc}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp.rename(target)
    except OSError:  # another process finished first; its copy is as good as ours
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / MARKER).exists():
            raise ModelError(f"cannot write converted model to {target}") from None
    return target


class GGUFTranslator(CausalTranslator):
    """A causal LM read from a GGUF file (converted once, then loaded as safetensors)."""

    description = "GGUF causal LM file, prompted (converted once to safetensors)"

    def __init__(self, name: str, config: Config, gguf: str, revision: str | None = None,
                 sha256: str | None = None) -> None:
        super().__init__(name, config, model_id=str(gguf), revision=revision or "gguf")
        self._sha = sha256
        self._dir: Path | None = None

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
