"""The translator base class: cache first, then split, batch by length, generate, commit.

Backends implement three hooks — :meth:`Translator.model_ref` (which model serves a language
pair), :meth:`Translator.count_tokens` (source length in model tokens) and
:meth:`Translator.generate` (one batch of sources that fit the budget) — and inherit
everything else: lookups in the SQLite cache before any model is loaded, splitting of long
sources, grouping by length, one committed cache transaction per batch, article handling and
the signature.
"""

from __future__ import annotations

import os
import shutil
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from mtqa.config import Config
from mtqa.errors import ConfigError, ModelError
from mtqa.model import Article, Passage, Translation
from mtqa.translate.cache import TranslationCache, cache_key
from mtqa.translate.split import split_long

Progress = Callable[[int], None]


def join_pieces(pieces: Sequence[Translation], system: str) -> Translation:
    """One translation from the translations of consecutive pieces of a source."""
    if len(pieces) == 1:
        return replace(pieces[0], system=system)
    text = " ".join(t.text.strip() for t in pieces if t.text.strip())
    tokens: list[str] = []
    logprobs: list[float] = []
    for t in pieces:
        tokens.extend(t.tokens)
        logprobs.extend(t.token_logprobs)
    return Translation(system=system, text=text, tokens=tuple(tokens), token_logprobs=tuple(logprobs))


class Translator(ABC):
    """A registered translation system. Use as a context manager or call :meth:`close`."""

    name: str = ""
    description: str = ""

    def __init__(self, name: str, config: Config) -> None:
        self.name = name
        self.config = config
        self.cfg: dict[str, Any] = config.section("translate")
        self._cache: TranslationCache | None = None
        self.model_calls = 0  # batches sent to the model (tests and benchmarks read it)
        if int(self.cfg["batch_size"]) < 1:
            raise ConfigError("translate.batch_size must be at least 1")
        if int(self.cfg["max_source_tokens"]) < 1:
            raise ConfigError("translate.max_source_tokens must be at least 1")
        if self.cfg["decoding"] not in ("greedy", "sample"):
            raise ConfigError("translate.decoding must be 'greedy' or 'sample'")

    # ------------------------------------------------------------------ backend hooks
    @abstractmethod
    def model_ref(self, src_lang: str, tgt_lang: str) -> tuple[str, str]:
        """(model id, revision) that serves this language pair; must not load the model."""

    @abstractmethod
    def count_tokens(self, text: str, src_lang: str, tgt_lang: str) -> int:
        """Length of a source in the model's tokens (may load the tokenizer)."""

    @abstractmethod
    def generate(self, texts: Sequence[str], src_lang: str, tgt_lang: str, sample: int | None,
                 ) -> list[Translation]:
        """Translate one batch (each text within budget). ``sample`` is None for the configured
        decoding or the index of a sampled rendering. ``system`` may be left empty."""

    def score(self, sources: Sequence[str], renderings: Sequence[str], src_lang: str, tgt_lang: str = "en",
              ) -> list[Translation]:
        """Forced decoding of a given rendering per source: its tokens and each token's
        log-probability under the model (``text`` is the rendering). Not cached."""
        from mtqa.errors import ModelError

        raise ModelError(f"translator '{self.name}' cannot score a given rendering")

    def decoding(self) -> dict[str, object]:
        """Every setting that changes outputs for a given model (part of the cache key)."""
        cfg = self.cfg
        out: dict[str, object] = {
            "dec": cfg["decoding"],
            "maxsrc": int(cfg["max_source_tokens"]),
            "ratio": float(cfg["max_new_tokens_ratio"]),
            "minnew": int(cfg["min_new_tokens"]),
            "dtype": cfg["dtype"],
        }
        if cfg["decoding"] == "sample":
            out.update(temp=float(cfg["temperature"]), top_p=float(cfg["top_p"]), seed=int(cfg["seed"]))
        return out

    def max_new_tokens(self, n_source_tokens: int) -> int:
        ratio = float(self.cfg["max_new_tokens_ratio"])
        return int(self.cfg["min_new_tokens"]) + int(ratio * n_source_tokens)

    # ------------------------------------------------------------------ cache
    def cache_path(self) -> Path:
        value = str(self.cfg["cache_path"])
        if value:
            return self.config.resolve_path(value)
        from mtqa.store import cache_root

        return cache_root() / "translations.sqlite"

    def cache(self) -> TranslationCache | None:
        """The cache for the current cache directory (re-opened when ``$MTQA_CACHE_DIR`` moves)."""
        if not self.cfg["cache"]:
            return None
        path = self.cache_path()
        if self._cache is None or self._cache.path != path:
            if self._cache is not None:
                self._cache.close()
            self._cache = TranslationCache(path)
        return self._cache

    # ------------------------------------------------------------------ public API
    def translate(self, texts: Sequence[str], src_lang: str, tgt_lang: str = "en",
                  progress: Progress | None = None) -> list[Translation]:
        """One translation per text, in order; cached ones carry ``cached=True``."""
        return self._translate(list(texts), src_lang, tgt_lang, None, progress)

    def sample(self, texts: Sequence[str], src_lang: str, n: int | None = None, tgt_lang: str = "en",
               ) -> list[list[Translation]]:
        """``n`` (default ``translate.samples``) sampled renderings per text, cached per index.

        Temperature, top-p and seed come from the config; sample ``k`` is seeded with seed + k,
        so the same settings give the same samples."""
        n = int(self.cfg["samples"]) if n is None else n
        per_k = [self._translate(list(texts), src_lang, tgt_lang, k, None) for k in range(n)]
        return [[per_k[k][i] for k in range(n)] for i in range(len(texts))]

    def _translate(self, texts: list[str], src_lang: str, tgt_lang: str, sample: int | None,
                   progress: Progress | None) -> list[Translation]:
        results: list[Translation | None] = [None] * len(texts)
        model, rev = self.model_ref(src_lang, tgt_lang)
        dec = self.decoding()
        if sample is not None:
            dec = {**dec, "dec": "sample", "temp": float(self.cfg["temperature"]),
                   "top_p": float(self.cfg["top_p"]), "seed": int(self.cfg["seed"]), "k": sample}
        keys = [cache_key(model, rev, dec, src_lang, tgt_lang, t) for t in texts]
        cache = self.cache()
        hits = cache.get_many(keys) if cache is not None else {}
        todo: dict[str, list[int]] = {}  # source text -> indices still to translate
        for i, (text, key) in enumerate(zip(texts, keys, strict=True)):
            if key in hits:
                results[i] = replace(hits[key], system=self.name)
            elif not text.strip():
                results[i] = Translation(system=self.name, text="")
            else:
                todo.setdefault(text, []).append(i)
        done = len(texts) - sum(len(v) for v in todo.values())
        if progress is not None and done:
            progress(done)
        if todo:
            self._run_misses(todo, keys, results, src_lang, tgt_lang, sample, cache, progress)
        return [r if r is not None else Translation(system=self.name, text="") for r in results]

    def _run_misses(self, todo: dict[str, list[int]], keys: list[str], results: list[Translation | None],
                    src_lang: str, tgt_lang: str, sample: int | None, cache: TranslationCache | None,
                    progress: Progress | None) -> None:
        budget = int(self.cfg["max_source_tokens"])
        sources = list(todo)
        pieces: list[tuple[int, int, str, int]] = []  # (source no, piece no, text, length)
        n_pieces: list[int] = []
        for s, text in enumerate(sources):
            parts = split_long(text, budget, lambda t: self.count_tokens(t, src_lang, tgt_lang))
            parts = [p.strip() for p in parts if p.strip()]
            n_pieces.append(len(parts))
            pieces += [(s, j, p, self.count_tokens(p, src_lang, tgt_lang)) for j, p in enumerate(parts)]
        pieces.sort(key=lambda x: (x[3], x[0], x[1]))
        got: dict[int, dict[int, Translation]] = {s: {} for s in range(len(sources))}
        bs = int(self.cfg["batch_size"])
        for b in range(0, len(pieces), bs):
            batch = pieces[b : b + bs]
            self.model_calls += 1
            outs = self.generate([p[2] for p in batch], src_lang, tgt_lang, sample)
            finished: list[tuple[str, Translation]] = []
            completed = 0
            for (s, j, _, _), out in zip(batch, outs, strict=True):
                got[s][j] = out
                if len(got[s]) == n_pieces[s]:
                    joined = join_pieces([got[s][k] for k in range(n_pieces[s])], self.name)
                    idx = todo[sources[s]]
                    for i in idx:
                        results[i] = joined
                    finished.append((keys[idx[0]], joined))
                    completed += len(idx)
            if cache is not None:
                cache.put_many(finished)  # one committed transaction per batch
            if progress is not None and completed:
                progress(completed)

    def translate_articles(self, articles: list[Article], quiet: bool = True) -> list[Article]:
        """Append this system's translation to every content passage (grouped by language)."""
        from tqdm import tqdm

        groups: dict[str, list[tuple[int, int]]] = {}
        for a, article in enumerate(articles):
            for p, passage in enumerate(article.passages):
                if passage.kind == "content":
                    lang = passage.lang or article.lang or ""
                    groups.setdefault(lang, []).append((a, p))
        total = sum(len(v) for v in groups.values())
        new: dict[tuple[int, int], Translation] = {}
        with tqdm(total=total, desc=f"translate ({self.name})", unit="passage", file=sys.stderr,
                  disable=quiet or total == 0, leave=False) as bar:
            for lang, where in groups.items():
                texts = [articles[a].passages[p].text for a, p in where]
                outs = self.translate(texts, lang, "en", progress=bar.update)
                new.update(zip(where, outs, strict=True))
        out: list[Article] = []
        for a, article in enumerate(articles):
            passages: list[Passage] = []
            for p, passage in enumerate(article.passages):
                t = new.get((a, p))
                passages.append(passage if t is None
                                else replace(passage, translations=(*passage.translations, t)))
            out.append(replace(article, passages=tuple(passages)) if article.passages else article)
        return out

    def signature(self) -> dict[str, object]:
        """Short keys for everything that changes this translator's output."""
        model, rev = self.model_ref("*", "en")
        dec = self.decoding()
        sig: dict[str, object] = {"tr": self.name, "model": model, "rev": rev, "dec": dec["dec"],
                                  "bs": int(self.cfg["batch_size"]), "maxlen": dec["maxsrc"],
                                  "dtype": dec["dtype"]}
        for key in ("temp", "top_p", "seed"):
            if key in dec:
                sig[key] = dec[key]
        return sig

    def close(self) -> None:
        """Release the cache connection (models are freed with the object)."""
        if self._cache is not None:
            self._cache.close()
            self._cache = None

    def __enter__(self) -> Translator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


CONVERTED_MARKER = ".complete"  # written last into a converted model directory


def convert_once(target: Path, build: Callable[[Path], None], what: str) -> Path:
    """``target``, a converted model directory, built by ``build(tmp)`` on first use.

    The conversion writes into a private temporary directory that is renamed into place only when
    complete (marked by :data:`CONVERTED_MARKER`), so a killed conversion leaves nothing
    half-written and concurrent processes never read a partial copy. A failure is a ModelError
    naming ``what``."""
    if (target / CONVERTED_MARKER).exists():
        return target
    tmp = target.with_name(f"{target.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        build(tmp)
        (tmp / CONVERTED_MARKER).touch()
    except ModelError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ModelError(f"cannot convert {what}: {type(exc).__name__}: {exc}") from None
    try:
        tmp.rename(target)
    except OSError:  # another process finished first; its copy is as good as ours
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / CONVERTED_MARKER).exists():
            raise ModelError(f"cannot write converted model to {target}") from None
    return target
