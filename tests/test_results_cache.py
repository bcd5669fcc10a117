"""The derived-results cache: the SQLite blob store, cached embeddings, cached check results.

What it must guarantee: a re-run over unchanged inputs gives a byte-identical report while
computing nothing (no check runs, no embedding model or word list loads); any change of input,
translation or setting is a miss; a broken entry is recomputed, never trusted.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from mtqa import checks, embed, pipeline, store
from mtqa.checks import cache as check_cache
from mtqa.checks import signals as check_signals
from mtqa.checks import text as check_text
from mtqa.checks.features import Result
from mtqa.config import Config
from mtqa.crosscheck import grouping
from mtqa.model import Flag
from mtqa.report import render
from mtqa.script import fold_lookup
from tests.conftest import count_scored

# ---------------------------------------------------------------- the store


def test_blob_store_round_trip_first_writer_wins_and_counts(tmp_path: Path) -> None:
    s = store.BlobStore(tmp_path / "r.sqlite")
    s.put_many("emb", [("a", b"\x00\x01"), ("b", b"xyz")])
    s.put_many("emb", [("a", b"changed")])  # existing key kept
    s.put_many("chk", [("a", b"other kind")])
    assert s.get_many("emb", ["a", "b", "missing", "a"]) == {"a": b"\x00\x01", "b": b"xyz"}
    assert s.get_many("chk", ["a"]) == {"a": b"other kind"}
    assert (s.lookups["emb"], s.hits["emb"]) == (3, 2)
    assert s.count("emb") == 2 and s.count("chk") == 1
    # a second connection (another process would do the same) sees the committed rows
    assert store.BlobStore(tmp_path / "r.sqlite").get_many("emb", ["b"]) == {"b": b"xyz"}


def test_many_keys_are_chunked(tmp_path: Path) -> None:
    s = store.BlobStore(tmp_path / "r.sqlite")
    items = [(f"k{i}", str(i).encode()) for i in range(1234)]
    s.put_many("emb", items)
    assert s.get_many("emb", [k for k, _ in items]) == dict(items)


def test_corrupt_store_is_moved_aside_and_replaced(tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    bad = tmp_path / "not-a-db.sqlite"
    bad.write_bytes(b"this is not an SQLite database" * 100)
    s = store.BlobStore(bad)
    assert s.disabled is None and s.moved_to is not None
    assert s.moved_to.read_bytes() == b"this is not an SQLite database" * 100  # kept, not deleted
    s.put_many("emb", [("a", b"1")])
    assert s.get_many("emb", ["a"]) == {"a": b"1"}  # the fresh file works
    warnings = [r.getMessage() for r in caplog.records if r.name == "mtqa"]
    assert len(warnings) == 1 and "not-a-db.sqlite was corrupt" in warnings[0]


class _FullDisk:
    """A connection whose writes fail as SQLite does when the disk is full."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def executemany(self, *args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    def __getattr__(self, name: str) -> object:
        return getattr(self.conn, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_full_disk_mid_run_warns_once_and_continues_without_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    s = store.BlobStore(tmp_path / "r.sqlite")
    s.put_many("emb", [("a", b"1")])
    real = s._conn()
    monkeypatch.setattr(s, "_conn", lambda: _FullDisk(real))
    for i in range(3):  # every later write is dropped without another warning
        s.put_many("emb", [(f"k{i}", b"x")])
    assert s.disabled is not None and "database or disk is full" in s.disabled
    assert s.get_many("emb", ["a"]) == {}  # behaves as an empty cache from then on
    warnings = [r.getMessage() for r in caplog.records if r.name == "mtqa"]
    assert len(warnings) == 1 and "running without it" in warnings[0] and "r.sqlite" in warnings[0]
    # its connections are closed, so SQLite removes the WAL journal files
    assert not (tmp_path / "r.sqlite-wal").exists() and not (tmp_path / "r.sqlite-shm").exists()


def test_corrupted_while_open_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    s = store.BlobStore(path)
    s.put_many("emb", [("a", b"1")])
    s._close_all()
    path.write_bytes(b"\0garbage" * 2000)
    assert s.get_many("emb", ["a"]) == {}
    assert s.disabled is not None and s.moved_to is not None and s.moved_to.exists()


def test_unopenable_store_is_disabled_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    s = store.BlobStore(blocker / "sub" / "r.sqlite")  # its folder cannot be created
    assert s.disabled is not None
    s.put_many("emb", [("a", b"1")])
    assert s.get_many("emb", ["a"]) == {} and s.count("emb") == 0


def test_using_scope_is_restored() -> None:
    assert store.active_store() is None
    with store.using(None):
        assert store.active_store() is None
    s = store.blob_store(store.cache_root() / "scope.sqlite")
    with store.using(s):
        assert store.active_store() is s
        with store.using(None):
            assert store.active_store() is None
        assert store.active_store() is s
    assert store.active_store() is None


def test_digest_is_order_sensitive_and_dict_order_free() -> None:
    assert store.digest({"a": 1, "b": 2}) == store.digest({"b": 2, "a": 1})
    assert store.digest("a", "b") != store.digest("b", "a")


# ---------------------------------------------------------------- cached embeddings


class CountingEmbedder:
    """A deterministic stand-in registered as an embedder: vectors from the text's bytes."""

    name = "counting"
    dim = 8
    revision = "test-1"
    calls: ClassVar[list[list[str]]] = []

    def encode(self, texts: list[str], *, query: bool = False) -> np.ndarray:
        CountingEmbedder.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for j, b in enumerate(t.encode("utf-8")):
                out[i, j % self.dim] += b
            out[i, -1] += 1000.0 if query else 0.0  # query vectors differ from passage vectors
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out


@pytest.fixture()
def counting(monkeypatch: pytest.MonkeyPatch) -> type[CountingEmbedder]:
    monkeypatch.setitem(embed.EMBEDDERS, "counting", CountingEmbedder)
    monkeypatch.setattr(embed, "_LOADED", {})
    CountingEmbedder.calls = []
    return CountingEmbedder


def test_cached_embedder_encodes_each_text_once(tmp_path: Path, counting: type[CountingEmbedder]) -> None:
    plain = embed.get_embedder("counting")
    assert not isinstance(plain, embed.CachedEmbedder)  # no scope, no cache
    expected = plain.encode(["خبر", "news", "خبر"])
    counting.calls.clear()
    with store.using(store.BlobStore(tmp_path / "r.sqlite")):
        emb = embed.get_embedder("counting")
        assert isinstance(emb, embed.CachedEmbedder) and emb.dim == 8
        first = emb.encode(["خبر", "news", "خبر"])
        assert counting.calls == [["خبر", "news"]]  # duplicates encoded once
        again = emb.encode(["news", "خبر", "new text"])
        assert counting.calls[-1] == ["new text"]  # only the miss reaches the model
        query = emb.encode(["news"], query=True)  # query and passage vectors are kept apart
        assert counting.calls[-1] == ["news"]
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(again[:2], expected[[1, 0]])
    assert not np.array_equal(query[0], expected[1])


def test_cached_embedder_recomputes_a_broken_entry(tmp_path: Path, counting: type[CountingEmbedder]) -> None:
    s = store.BlobStore(tmp_path / "r.sqlite")
    emb = embed.CachedEmbedder("counting", s)
    s.put_many("emb", [(emb.key("خبر", False), b"short")])  # wrong length: not trusted
    vec = emb.encode(["خبر"])
    assert counting.calls == [["خبر"]]
    assert np.isclose(np.linalg.norm(vec[0]), 1.0)


# ---------------------------------------------------------------- cached check results


def _cfg(tmp_path: Path, **cache: object) -> Config:
    return Config.load(overrides={"cache": {"results_path": str(tmp_path / "results.sqlite"), **cache}})


def _report(inputs: list[str], config: Config, **opts: object) -> str:
    report = pipeline.run(inputs, config, pipeline.RunOptions(**opts))  # type: ignore[arg-type]
    return render(report, "json")


@pytest.fixture()
def inputs(examples_dir: Path) -> list[str]:
    # the example articles (no translation) and the feed (supplied translations: xling-cos etc.)
    return [str(examples_dir / "articles"), str(examples_dir / "feed.jsonl")]


def test_rerun_is_identical_and_computes_nothing(tmp_path: Path, inputs: list[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    config = _cfg(tmp_path)
    first = _report(inputs, config, translate=False)
    s = store.blob_store(tmp_path / "results.sqlite")
    assert s.count("chk") > 0 and s.count("emb") > 0 and s.count(grouping.ALIGN_KIND) > 0

    def forbidden(*_a: object, **_k: object) -> None:
        raise AssertionError("a cached re-run must not compute or load this")

    monkeypatch.setattr(checks, "evidence_for", forbidden)
    monkeypatch.setattr(embed, "_loaded", forbidden)  # no embedding model
    monkeypatch.setattr(check_text, "_freq_table", forbidden)  # no word list
    monkeypatch.setattr(check_signals, "get_lm", forbidden)  # no character LM
    monkeypatch.setattr(grouping, "_align", forbidden)  # no passage alignment (nor scipy import)
    assert _report(inputs, config, translate=False) == first


def test_alignment_is_recomputed_when_a_setting_or_passage_changes(
        tmp_path: Path, examples_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for f in ("ar_wire.txt", "ar_portal.txt"):
        (src / f).write_text((examples_dir / "articles" / f).read_text(encoding="utf-8"), encoding="utf-8")
    calls: list[int] = []
    real = grouping._align

    def counting(passages, anchors, cfg):  # type: ignore[no-untyped-def]
        calls.append(len(passages))
        return real(passages, anchors, cfg)

    monkeypatch.setattr(grouping, "_align", counting)
    config = _cfg(tmp_path)
    first = json.loads(_report([str(src)], config, translate=False))
    assert len(calls) == 1 and first["crosscheck"]["stories"][0]["alignments"]  # one two-article story
    _report([str(src)], config, translate=False)
    assert len(calls) == 1  # served from the cache
    looser = Config.load(overrides={"cache": {"results_path": str(tmp_path / "results.sqlite")},
                                    "crosscheck": {"align_threshold": 0.1}})
    _report([str(src)], looser, translate=False)
    assert len(calls) == 2  # a changed setting misses
    text = (src / "ar_portal.txt").read_text(encoding="utf-8")
    (src / "ar_portal.txt").write_text(text.replace("ثلاثة أيام", "أربعة أيام", 1), encoding="utf-8")
    _report([str(src)], config, translate=False)
    assert len(calls) == 3  # so does an edited passage


def test_results_are_the_same_with_the_cache_off(tmp_path: Path, inputs: list[str]) -> None:
    cached = _report(inputs, _cfg(tmp_path))
    assert _report(inputs, _cfg(tmp_path)) == cached  # served from the cache
    off = _cfg(tmp_path / "off", results=False)
    assert _report(inputs, off) == cached
    assert not (tmp_path / "off" / "results.sqlite").exists()


def test_changed_article_or_setting_is_recomputed(tmp_path: Path, examples_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for f in ("ar_mt.txt", "fa_iran.txt"):
        (src / f).write_text((examples_dir / "articles" / f).read_text(encoding="utf-8"), encoding="utf-8")
    config = _cfg(tmp_path)
    _report([str(src)], config, translate=False)

    scored = count_scored(monkeypatch)
    text = (src / "fa_iran.txt").read_text(encoding="utf-8")
    (src / "fa_iran.txt").write_text(text.replace("\n", " \n", 1), encoding="utf-8")  # one edit
    report = json.loads(_report([str(src)], config, translate=False))
    fa = next(a for a in report["articles"] if a["id"].endswith("fa_iran"))
    assert scored == [fa["summary"]["content"]]  # only the edited article is re-scored

    scored.clear()
    changed = Config.load(overrides={"cache": {"results_path": str(tmp_path / "results.sqlite")},
                                     "checks": {"params": {"count_cap": 2}}})
    total = sum(a["summary"]["content"] for a in report["articles"])
    _report([str(src)], changed, translate=False)
    assert scored == [total]  # a changed setting misses every entry


def test_fingerprint_covers_settings_model_files_and_code(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config.load().section("checks")
    fp = check_cache.fingerprint(cfg)
    assert check_cache.fingerprint(json.loads(json.dumps(cfg))) == fp
    assert check_cache.fingerprint({**cfg, "threshold_source": 0.5}) != fp
    monkeypatch.setattr(check_cache, "_code_sha", lambda: "edited")
    assert check_cache.fingerprint(cfg) != fp
    monkeypatch.undo()
    check_cache._file_sha.cache_clear()
    monkeypatch.setattr(check_cache, "_file_sha", lambda path: "other" if "charlm_fa" in path else "x")
    assert check_cache.fingerprint(cfg) != fp


def test_result_encoding_round_trips_and_rejects_garbage() -> None:
    res = Result(evidence={"lm-bits": 3.141592653589793, "broken-name": 1.0},
                 flags=[Flag("GARB001", "broken-name", "A name is cut by a full stop «x».", 3, 9,
                             "error", 0.8123456789, "source")])
    back = check_cache.decode(check_cache.encode(res))
    assert back is not None and back.evidence == res.evidence and back.flags == res.flags
    for raw in (b"\xff\xfe", b"[]", b'{"evidence": {}}', b'{"evidence": {"a": "x"}, "flags": []}',
                b'{"evidence": {}, "flags": [[1, 2]]}'):
        assert check_cache.decode(raw) is None


def test_broken_check_entry_is_recomputed(tmp_path: Path, examples_dir: Path) -> None:
    inputs = [str(examples_dir / "articles" / "ar_mt.txt")]
    config = _cfg(tmp_path)
    first = _report(inputs, config, translate=False)
    with sqlite3.connect(tmp_path / "results.sqlite") as conn:
        conn.execute("UPDATE blobs SET value = X'00' WHERE kind = 'chk'")
    assert _report(inputs, config, translate=False) == first


# ---------------------------------------------------------------- the derived word list


def test_folded_word_list_is_derived_once_and_read_by_key(monkeypatch: pytest.MonkeyPatch) -> None:
    table = check_text.FreqTable("fa")
    assert table._mem is None and table.path().is_file()  # on disk, under the cache dir
    folded = check_text.folded_frequencies("fa")
    iran = fold_lookup("ایران")  # keys are folded (Persian yeh -> Arabic yeh)
    words = [*sorted(folded)[::5000], iran, fold_lookup("تهران"), "qqqq-not-a-word"]
    assert [table.get(w) for w in words] == [folded.get(w) for w in words]

    def forbidden(_lang: str) -> dict[str, float]:
        raise AssertionError("the list must not be folded again")

    monkeypatch.setattr(check_text, "folded_frequencies", forbidden)
    again = check_text.FreqTable("fa")  # a new process would do the same: open, not derive
    assert again.get(iran) == folded[iran]


def test_unwritable_cache_dir_keeps_the_word_list_in_memory(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("MTQA_CACHE_DIR", str(blocker / "cache"))
    table = check_text.FreqTable("ar")
    iraq = fold_lookup("العراق")
    assert table._mem is not None and table.get(iraq) == check_text.folded_frequencies("ar")[iraq]


def test_unusable_results_cache_warns_and_the_run_goes_on(tmp_path: Path, examples_dir: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    bad = tmp_path / "broken.sqlite"
    bad.write_bytes(b"not a database" * 200)
    config = Config.load(overrides={"cache": {"results_path": str(bad)}})
    inputs = [str(examples_dir / "articles" / "ar_mt.txt")]
    with caplog.at_level("WARNING", logger="mtqa"):
        report = _report(inputs, config, translate=False)
    assert "broken.sqlite was corrupt" in caplog.text and "started an empty one" in caplog.text
    assert report == _report(inputs, _cfg(tmp_path), translate=False)
    caplog.clear()
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    config = Config.load(overrides={"cache": {"results_path": str(blocker / "r.sqlite")}})
    with caplog.at_level("WARNING", logger="mtqa"):
        assert _report(inputs, config, translate=False) == report
    assert "r.sqlite is unusable" in caplog.text and "running without it" in caplog.text
