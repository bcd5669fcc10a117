"""SQLite stores shared safely by concurrent processes: the base of every persistent cache.

``SqliteStore`` owns the connection handling (one connection per thread, WAL journal, busy
timeout) and the failure policy: a cache is an optimisation, so a file that cannot be opened,
read or written (read-only, disk full, corrupt) makes the store warn once on stderr, name the
file and go on as an empty cache (every lookup a miss, writes dropped); a corrupt file is moved
aside to ``<name>.corrupt-<time>`` and a fresh one is started in its place. ``BlobStore`` is a
plain key → bytes table on top of it, used for the derived-results cache (sentence embeddings,
per-passage check results); the translation cache (``mtqa.translate.cache``) keeps its own
table in its own file.

Writes are ``INSERT OR IGNORE`` in one short transaction per batch, so a run killed mid-way keeps
every batch it committed and leaves a valid file behind. Nothing is ever unpickled: values are
raw bytes (float32 arrays) or JSON text.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

_CHUNK = 500  # keys per SELECT ... IN (...) (SQLite's parameter limit is 999 on old builds)


def cache_root() -> Path:
    """Where mtqa keeps derived files (extracted models, converted weights, caches)."""
    root = os.environ.get("MTQA_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "mtqa"


def digest(*parts: object) -> str:
    """The sha256 hex digest of JSON-serialisable parts (order matters; dict keys are sorted)."""
    payload = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def file_sha256(path: str | Path) -> str:
    """The sha256 hex digest of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_sha(files: Iterable[str | Path]) -> str:
    """sha256 over source files, sorted by path: part of a cache fingerprint, so that editing
    the code that derives a cached result never serves a stale one."""
    h = hashlib.sha256()
    for f in sorted(Path(f) for f in files):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


class SqliteStore:
    """One SQLite file, created with ``schema``; one connection per thread."""

    schema: str = ""
    label = "cache"  # how error messages name the file

    def __init__(self, path: str | Path, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        self.timeout_s = timeout_s
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.disabled: str | None = None  # why the store stopped (None: working)
        self.moved_to: Path | None = None  # where a corrupt file was moved
        try:
            self._create()
        except (OSError, sqlite3.Error) as exc:
            if not is_corrupt(exc):
                self._disable(exc, "opening it")
                return
            self._close_all()
            self.moved_to = move_aside(self.path)
            try:  # a fresh file in place of the corrupt one
                self._create()
            except (OSError, sqlite3.Error) as again:
                self._disable(again, "opening it")
                return
            warn(f"{self.label} {self.path} was corrupt ({exc}); moved it to {self.moved_to} "
                  "and started an empty one")

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = self._conn()
        with conn:
            conn.execute(self.schema)

    def _disable(self, exc: BaseException, during: str) -> None:
        """Stop using the file (warned once); a corrupt one is moved aside."""
        if self.disabled is not None:
            return
        self._close_all()
        reason = getattr(exc, "strerror", None) or str(exc)
        moved = ""
        if is_corrupt(exc) and self.path.exists():
            self.moved_to = move_aside(self.path)
            moved = f"; moved it to {self.moved_to}" if self.moved_to else ""
        self.disabled = f"{reason} ({during})"
        warn(f"{self.label} {self.path} is unusable: {reason} ({during}){moved}; "
              "running without it")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None,
                                   check_same_thread=False)
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(self.timeout_s * 1000)}")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error:
                conn.close()
                raise
            conn.isolation_level = "DEFERRED"  # transactions via ``with conn``
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _select(self, sql: str, keys: Sequence[str], params: Sequence[object] = ()) -> list[tuple]:
        """Rows of ``sql`` (``params``, then a ``{marks}`` list of keys) for the unique keys, chunked;
        none once the store is disabled."""
        if self.disabled is not None:
            return []
        unique = list(dict.fromkeys(keys))
        rows: list[tuple] = []
        try:
            conn = self._conn()
            for i in range(0, len(unique), _CHUNK):
                chunk = unique[i : i + _CHUNK]
                q = sql.format(marks=",".join("?" * len(chunk)))
                rows += conn.execute(q, [*params, *chunk]).fetchall()
        except sqlite3.Error as exc:
            self._disable(exc, "reading it")
            return []
        return rows

    def _insert(self, sql: str, rows: list[tuple]) -> None:
        if not rows or self.disabled is not None:
            return
        try:
            conn = self._conn()
            with conn:
                conn.executemany(sql, rows)
        except sqlite3.Error as exc:
            self._disable(exc, "writing it")

    def _scalar(self, sql: str, params: Sequence[object] = ()) -> int:
        if self.disabled is not None:
            return 0
        try:
            return int(self._conn().execute(sql, params).fetchone()[0])
        except sqlite3.Error as exc:
            self._disable(exc, "reading it")
            return 0

    def close(self) -> None:
        """Close this thread's connection (the last one closed removes the WAL files)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)
            conn.close()
            self._local.conn = None

    def _close_all(self) -> None:
        """Close every thread's connection, so that no journal is left open on a failing disk."""
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


_CORRUPT = ("file is not a database", "malformed", "file is encrypted", "not a database")


def is_corrupt(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and any(s in str(exc) for s in _CORRUPT)


def move_aside(path: Path) -> Path | None:
    """Rename a corrupt database (and its WAL files) to ``<name>.corrupt-<time>``; None when it
    cannot be moved."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        os.replace(path, target)
    except OSError:
        return None
    for suffix in ("-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            with contextlib.suppress(OSError):
                os.replace(side, target.with_name(target.name + suffix))
    return target


def warn(message: str) -> None:
    logging.getLogger("mtqa").warning("mtqa: warning: %s", message)


class BlobStore(SqliteStore):
    """A key → bytes table, keys namespaced by ``kind`` (e.g. ``emb``, ``chk``)."""

    schema = """
    CREATE TABLE IF NOT EXISTS blobs (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (kind, key)
    ) WITHOUT ROWID
    """
    label = "results cache"

    def __init__(self, path: str | Path, timeout_s: float = 30.0) -> None:
        super().__init__(path, timeout_s)
        self.lookups: Counter[str] = Counter()  # kind -> distinct keys asked for, this process
        self.hits: Counter[str] = Counter()  # kind -> of those, found

    def get_many(self, kind: str, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored values among ``keys``."""
        rows = self._select("SELECT key, value FROM blobs WHERE kind = ? AND key IN ({marks})", keys, [kind])
        self.lookups[kind] += len(set(keys))
        self.hits[kind] += len(rows)
        return {k: bytes(v) for k, v in rows}

    def put_many(self, kind: str, items: Iterable[tuple[str, bytes]]) -> None:
        """Store entries in one transaction; an existing key is kept (first writer wins)."""
        self._insert("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", [(kind, k, v) for k, v in items])

    def count(self, kind: str) -> int:
        """Entries of one kind."""
        return self._scalar("SELECT COUNT(*) FROM blobs WHERE kind = ?", (kind,))


_STORES: dict[Path, BlobStore] = {}
_LOCK = threading.Lock()


def blob_store(path: Path) -> BlobStore:
    """The process-wide store for ``path`` (opened on first use)."""
    with _LOCK:
        store = _STORES.get(path)
        if store is None:
            store = _STORES[path] = BlobStore(path)
        return store


_ACTIVE: ContextVar[BlobStore | None] = ContextVar("mtqa_results_store", default=None)


def active_store() -> BlobStore | None:
    """The results cache of the current scope (None: nothing is cached)."""
    return _ACTIVE.get()


@contextmanager
def using(store: BlobStore | None) -> Iterator[BlobStore | None]:
    """Make ``store`` the results cache for the stages run inside the block (None: no cache)."""
    token = _ACTIVE.set(store)
    try:
        yield store
    finally:
        _ACTIVE.reset(token)
