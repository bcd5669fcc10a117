"""The Ray engine (mtqa.distributed) against the local engine, on a local 2-CPU Ray."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

ray = pytest.importorskip("ray", reason="ray[data] not installed (pip install 'mtqa[ray]')")
pytest.importorskip("ray.data")

from mtqa import distributed, pipeline  # noqa: E402
from mtqa.config import Config  # noqa: E402
from mtqa.report import render  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def _cfg(tmp_path: Path, name: str) -> Config:
    return Config.load(overrides={"cache": {"results_path": str(tmp_path / name)},
                                  "engine": {"batch_size": 2}})


def _normalised(report_json: str) -> dict[str, object]:
    data = json.loads(report_json)
    data["articles"] = sorted(data["articles"], key=lambda a: a["id"])
    return data


def _both(inputs: list[str], tmp_path: Path, workers: int) -> tuple[dict[str, object], dict[str, object]]:
    opts = pipeline.RunOptions(translate=False)
    local = render(pipeline.run(inputs, _cfg(tmp_path, "local.sqlite"), opts), "json")
    remote = render(distributed.run(inputs, _cfg(tmp_path, "ray.sqlite"), opts, workers=workers), "json")
    return _normalised(local), _normalised(remote)


def test_ray_report_equals_the_local_engines_on_the_examples(tmp_path: Path, examples_dir: Path) -> None:
    local, remote = _both([str(examples_dir / "articles"), str(examples_dir / "feed.jsonl")], tmp_path, 2)
    assert remote == local
    assert len(local["articles"]) >= 8  # type: ignore[arg-type]


def test_ray_report_equals_the_local_engines_on_the_seeds(tmp_path: Path, seeds_dir: Path) -> None:
    local, remote = _both([str(seeds_dir)], tmp_path, 2)
    assert remote == local


def test_a_killed_worker_is_retried_and_no_article_is_lost_or_doubled(
        tmp_path: Path, examples_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flag = tmp_path / "crashed"
    monkeypatch.setenv(distributed.CRASH_ENV, str(flag))
    inputs = [str(examples_dir / "articles"), str(examples_dir / "feed.jsonl")]
    local, remote = _both(inputs, tmp_path, 2)
    assert flag.exists()  # a worker process did die (os._exit) mid-run
    ids = [a["id"] for a in remote["articles"]]  # type: ignore[union-attr]
    assert len(ids) == len(set(ids))
    assert remote == local

