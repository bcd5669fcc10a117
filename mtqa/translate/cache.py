"""Persistent translation cache: one SQLite file shared safely by concurrent processes.

Keys are sha256 digests of (model id, revision, decoding settings, source language, target
language, source text), so any change of settings misses the cache instead of serving stale
output. Log-probabilities are stored at full precision, so a cached rendering scores exactly
as it did when it was made. Connection handling (WAL, busy timeout, one short transaction per batch, so a run
killed mid-way keeps every batch it committed) is ``mtqa.store.SqliteStore``'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

from mtqa.model import Translation
from mtqa.store import SqliteStore, digest


def cache_key(model: str, revision: str, decoding: Mapping[str, object], src_lang: str, tgt_lang: str,
              text: str) -> str:
    """The sha256 hex digest that identifies one translation request."""
    return digest(model, revision, dict(decoding), src_lang, tgt_lang, text)


class TranslationCache(SqliteStore):
    """A key → (text, tokens, logprobs) store in SQLite; one connection per thread."""

    schema = """
    CREATE TABLE IF NOT EXISTS translations (
        key TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        tokens TEXT NOT NULL,
        logprobs TEXT NOT NULL
    )
    """
    label = "translation cache"

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """The cached entries among ``keys`` (system left empty; the caller names it)."""
        sql = "SELECT key, text, tokens, logprobs FROM translations WHERE key IN ({marks})"
        rows = self._select(sql, keys)
        return {key: Translation(system="", text=text, tokens=tuple(json.loads(tokens)),
                                 token_logprobs=tuple(float(x) for x in json.loads(logprobs)), cached=True)
                for key, text, tokens, logprobs in rows}

    def put_many(self, items: Iterable[tuple[str, Translation]]) -> None:
        """Store entries in one transaction; an existing key is kept (first writer wins)."""
        rows = [(k, t.text, json.dumps(list(t.tokens), ensure_ascii=False),
                 json.dumps([float(x) for x in t.token_logprobs])) for k, t in items]
        self._insert("INSERT OR IGNORE INTO translations VALUES (?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        return self._scalar("SELECT COUNT(*) FROM translations")
