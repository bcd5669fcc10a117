"""Persistent translation cache: one SQLite file shared safely by concurrent processes.

Keys are sha256 digests of (model id, revision, decoding settings, source language, target
language, source text), so any change of settings misses the cache instead of serving stale
output. The database runs in WAL mode with a busy timeout; writes are ``INSERT OR IGNORE`` in
one short transaction per batch, so a run killed mid-way keeps every batch it committed and
leaves a valid file behind.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from mtqa.errors import ModelError
from mtqa.model import Translation

SCHEMA = """
CREATE TABLE IF NOT EXISTS translations (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    tokens TEXT NOT NULL,
    logprobs TEXT NOT NULL
)
"""


def cache_key(model: str, revision: str, decoding: Mapping[str, object], src_lang: str, tgt_lang: str,
              text: str) -> str:
    """The sha256 hex digest that identifies one translation request."""
    payload = json.dumps([model, revision, dict(sorted(decoding.items())), src_lang, tgt_lang, text],
                         ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class TranslationCache:
    """A key → (text, tokens, logprobs) store in SQLite; one connection per thread."""

    def __init__(self, path: str | Path, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._conn()
            with conn:
                conn.execute(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ModelError(f"translation cache {self.path} is unusable: {exc}") from None

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.isolation_level = "DEFERRED"  # transactions via ``with conn``
            self._local.conn = conn
        return conn

    def get_many(self, keys: Sequence[str]) -> dict[str, Translation]:
        """The cached entries among ``keys`` (system left empty; the caller names it)."""
        out: dict[str, Translation] = {}
        conn = self._conn()
        unique = list(dict.fromkeys(keys))
        try:
            for i in range(0, len(unique), 500):
                chunk = unique[i : i + 500]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT key, text, tokens, logprobs FROM translations WHERE key IN ({marks})", chunk
                ).fetchall()
                for key, text, tokens, logprobs in rows:
                    out[key] = Translation(system="", text=text, tokens=tuple(json.loads(tokens)),
                                           token_logprobs=tuple(float(x) for x in json.loads(logprobs)),
                                           cached=True)
        except sqlite3.Error as exc:
            raise ModelError(f"translation cache {self.path}: {exc}") from None
        return out

    def put_many(self, items: Iterable[tuple[str, Translation]]) -> None:
        """Store entries in one transaction; an existing key is kept (first writer wins)."""
        rows = [(k, t.text, json.dumps(list(t.tokens), ensure_ascii=False),
                 json.dumps([round(x, 6) for x in t.token_logprobs])) for k, t in items]
        if not rows:
            return
        conn = self._conn()
        try:
            with conn:
                conn.executemany("INSERT OR IGNORE INTO translations VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            raise ModelError(f"translation cache {self.path}: {exc}") from None

    def __len__(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM translations").fetchone()[0])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
