"""Per-passage check results kept in the results cache, so a re-run re-scores only what changed.

A result (evidence and flags of one passage, ``features.Result``) is stored under a key that
covers everything ``features.evidence`` reads: the whole article text (by its sha256), the
passage and paragraph offsets, the neighbouring paragraphs' tails, the language, the
translation being checked (system, text, tokens, log-probabilities) and its Seq-Logprob; and a
fingerprint of everything else that changes a score: the whole ``[checks]`` section, the fitted
model file, the character-LM files, the wordfreq version, the embedder's revision, mtqa's
version, and the source code of ``mtqa.checks`` and ``mtqa.script`` (an edited check never serves a stale
result). Values are JSON; nothing is unpickled. The model files' and the code's hashes are read
once per process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from mtqa.checks.base import Context
from mtqa.checks.features import Result
from mtqa.checks.text import wordfreq_version
from mtqa.config import resolve_config_path
from mtqa.model import Flag
from mtqa.store import BlobStore, digest, file_sha256, source_sha

KIND = "chk"
FORMAT = 1


@lru_cache(maxsize=64)
def _file_sha(path: str) -> str:
    try:
        return file_sha256(path)
    except OSError:
        return "missing"


@lru_cache(maxsize=1)
def _code_sha() -> str:
    """sha256 over the source files of the ``mtqa.checks`` package and of ``mtqa.script``."""
    from mtqa import script

    return source_sha([*Path(__file__).parent.glob("*.py"), script.__file__])


def fingerprint(cfg: dict[str, Any]) -> str:
    """One digest of every setting, model file and code version that changes check results."""
    from mtqa import __version__
    from mtqa.embed import EMBEDDERS

    emb = EMBEDDERS.get(str(cfg.get("embedder")))
    files = {name: _file_sha(str(resolve_config_path(name)))
             for name in sorted({cfg["model"], *cfg.get("lm", {}).values()})}
    return digest(FORMAT, __version__, cfg, files, wordfreq_version(), _code_sha(),
                  getattr(emb, "revision", None))


def context_key(fp: str, text_sha: str, ctx: Context) -> str:
    """The key of one passage's result under fingerprint ``fp`` (``text_sha``: sha256 of ctx.text)."""
    tr = ctx.translation
    tr_part = None if tr is None else [tr.system, tr.text, list(tr.tokens), list(tr.token_logprobs)]
    return digest(fp, text_sha, ctx.start, ctx.end, ctx.para_start, ctx.para_end, ctx.prev_tail,
                  ctx.next_tail, ctx.lang, tr_part, ctx.logprob, ctx.xling_cos)


def encode(res: Result) -> bytes:
    flags = [[f.code, f.name, f.message, f.start, f.end, f.severity, f.confidence, f.side] for f in res.flags]
    return json.dumps({"evidence": res.evidence, "flags": flags}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def decode(raw: bytes) -> Result | None:
    """The stored result, or None when the entry is unreadable (it is then recomputed)."""
    try:
        data = json.loads(raw.decode("utf-8"))
        evidence = {str(k): float(v) for k, v in data["evidence"].items()}
        flags = [Flag(code=c, name=n, message=m, start=int(s), end=int(e), severity=sev,
                      confidence=float(conf), side=side)
                 for c, n, m, s, e, sev, conf, side in data["flags"]]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    return Result(evidence=evidence, flags=flags)


def cached_results(contexts: Sequence[Context], cfg: dict[str, Any], store: BlobStore,
                   compute: Callable[[list[Context]], list[Result]]) -> list[Result]:
    """Results of ``contexts`` in order: stored ones read back, the rest computed by ``compute``
    and stored."""
    fp = fingerprint(cfg)
    shas: dict[int, str] = {}
    keys = []
    for c in contexts:
        sha = shas.get(id(c.text))
        if sha is None:
            sha = shas[id(c.text)] = hashlib.sha256(c.text.encode("utf-8")).hexdigest()
        keys.append(context_key(fp, sha, c))
    stored = store.get_many(KIND, keys)
    found: dict[str, Result] = {}
    for k, raw in stored.items():
        res = decode(raw)
        if res is not None:
            found[k] = res
    todo = [i for i, k in enumerate(keys) if k not in found]
    if todo:
        fresh = compute([contexts[i] for i in todo])
        new = {keys[i]: res for i, res in zip(todo, fresh, strict=True)}
        store.put_many(KIND, [(k, encode(r)) for k, r in new.items()])
        found.update(new)
    return [found[k] for k in keys]
