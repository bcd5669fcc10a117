"""Streaming check (mtqa.stream): same report as the local pipeline, chunked reading, restart."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mtqa import cli, pipeline, stream
from mtqa.config import Config
from mtqa.report import render
from tests.conftest import count_scored


def _cfg(tmp_path: Path, name: str = "results.sqlite", **ingest: object) -> Config:
    overrides: dict[str, object] = {"cache": {"results_path": str(tmp_path / name)}}
    if ingest:
        overrides["ingest"] = ingest
    return Config.load(overrides=overrides)


def _stream(inputs: list[str], config: Config, chunk: int) -> tuple[str, stream.StreamResult]:
    lines: list[str] = []
    result = stream.run(inputs, config, pipeline.RunOptions(translate=False), lines.append, chunk)
    return "".join(lines), result


@pytest.fixture()
def inputs(examples_dir: Path) -> list[str]:
    return [str(examples_dir / "articles"), str(examples_dir / "feed.jsonl")]


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_stream_writes_the_local_engines_jsonl_report(tmp_path: Path, inputs: list[str],
                                                      chunk: int) -> None:
    local = render(pipeline.run(inputs, _cfg(tmp_path, "a.sqlite"),
                                pipeline.RunOptions(translate=False)), "jsonl")
    text, result = _stream(inputs, _cfg(tmp_path, f"b{chunk}.sqlite"), chunk)
    assert text == local
    assert result.articles == len(local.splitlines()) - 1 and not result.problems


def test_compact_keeps_only_what_the_crosscheck_reads(tmp_path: Path, inputs: list[str]) -> None:
    report = pipeline.run(inputs, _cfg(tmp_path), pipeline.RunOptions(translate=False))
    small = [stream.compact(a) for a in report.articles]
    assert all(not p.evidence and not p.flags for a in small for p in a.passages)
    assert all(p.text == "" for a in small for p in a.passages if p.kind != "content")
    from mtqa import crosscheck

    full = crosscheck.stories(report.articles, _cfg(tmp_path).section("crosscheck"))
    assert full is not None
    assert crosscheck.stories(small, _cfg(tmp_path).section("crosscheck")) == full


def test_parquet_shards_and_jsonl_in_a_directory(tmp_path: Path, examples_dir: Path) -> None:
    rows = [json.loads(x) for x in (examples_dir / "feed.jsonl").read_text(encoding="utf-8").splitlines()
            if x.strip()]
    shards = tmp_path / "shards"
    shards.mkdir()
    half = len(rows) // 2
    pq.write_table(pa.Table.from_pylist(rows[:half]), shards / "part-000.parquet", row_group_size=1)
    with (shards / "part-001.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows[half:]:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    text, result = _stream([str(shards)], _cfg(tmp_path, "s.sqlite"), 2)
    local = json.loads(render(pipeline.run([str(examples_dir / "feed.jsonl")], _cfg(tmp_path, "l.sqlite"),
                                           pipeline.RunOptions(translate=False)), "json"))
    got = [json.loads(x)["article"] for x in text.splitlines()[:-1]]
    assert [a["id"] for a in got] == [a["id"] for a in local["articles"]]
    for a, b in zip(got, local["articles"], strict=True):
        assert a["passages"] == b["passages"] and a["summary"] == b["summary"]
    assert not result.problems


def test_bad_records_are_problems_and_the_rest_goes_on(tmp_path: Path, examples_dir: Path) -> None:
    good = (examples_dir / "feed.jsonl").read_bytes().splitlines()[0]
    feed = tmp_path / "bad.jsonl"
    feed.write_bytes(b"\n".join([good, b"{not json", b'{"text": "\xff\xfe bad"}', b"[1]"]) + b"\n")
    (tmp_path / "junk.parquet").write_bytes(b"not parquet at all")
    text, result = _stream([str(feed), str(tmp_path / "junk.parquet")], _cfg(tmp_path), 8)
    where = [p.source for p in result.problems]
    assert where == [f"{feed}:2", f"{feed}:3", f"{feed}:4", str(tmp_path / "junk.parquet")]
    assert "not UTF-8" in result.problems[1].message
    assert result.articles == 1 and json.loads(text.splitlines()[-1])["type"] == "summary"


def test_stream_has_no_file_size_limit_on_jsonl(tmp_path: Path, examples_dir: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    conf = tmp_path / "c.toml"
    conf.write_text("[ingest]\nmax_file_mb = 0\n", encoding="utf-8")
    feed = str(examples_dir / "feed.jsonl")
    assert cli.main(["check", "--no-translate", "--config", str(conf), "-q", feed]) == 2
    assert "larger than ingest.max_file_mb" in capsys.readouterr().err
    out = tmp_path / "r.jsonl"
    code = cli.main(["check", "--no-translate", "--config", str(conf), "-q", "--stream",
                     "--exit-zero", feed, "-o", str(out)])
    assert code == 0 and len(out.read_text(encoding="utf-8").splitlines()) > 1


def test_stream_refuses_formats_it_cannot_stream(tmp_path: Path, examples_dir: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["check", "--no-translate", "--stream", str(examples_dir / "feed.jsonl"),
                     "-o", str(tmp_path / "r.html")])
    assert code == 2 and "--format jsonl" in capsys.readouterr().err


def test_killed_run_restarts_without_redoing_finished_work(tmp_path: Path, inputs: list[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = tmp_path / "fresh.jsonl"
    stream.run_to_file(inputs, _cfg(tmp_path, "fresh.sqlite"), pipeline.RunOptions(translate=False),
                       str(fresh), chunk_size=2)

    out = tmp_path / "out" / "r.jsonl"
    config = _cfg(tmp_path, "resume.sqlite")
    monkeypatch.setenv(stream.ABORT_ENV, "3")
    with pytest.raises(stream.StreamAborted):
        stream.run_to_file(inputs, config, pipeline.RunOptions(translate=False), str(out), 2)
    assert not out.exists()  # only the .part file: a killed run leaves no truncated report
    partial = (tmp_path / "out" / "r.jsonl.part").read_text(encoding="utf-8").splitlines()
    assert len(partial) == 3
    monkeypatch.delenv(stream.ABORT_ENV)

    scored = count_scored(monkeypatch)
    result = stream.run_to_file(inputs, config, pipeline.RunOptions(translate=False), str(out), 2)
    assert out.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8")
    arts = [json.loads(x)["article"] for x in fresh.read_text(encoding="utf-8").splitlines()[:-1]]
    # the first two chunks (4 articles) finished before the kill: only the rest is re-scored
    assert sum(scored) == sum(a["summary"]["content"] for a in arts[4:])
    assert result.cache_hits["chk"] == sum(a["summary"]["content"] for a in arts[:4])
