"""Shared fixtures: where ../shared is, an isolated cache directory, the repo's example articles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_path() -> Path:
    """``$MTQA_SHARED_DIR`` or ``../shared`` beside the repository root."""
    env = os.environ.get("MTQA_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared"


def count_scored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, record how many passages each call of ``checks.evidence_for`` scores (the
    returned list grows as they run): what a cache or a restart did not have to recompute."""
    from mtqa import checks

    scored: list[int] = []
    real = checks.evidence_for

    def counting(contexts, cfg, calib=None):  # type: ignore[no-untyped-def]
        scored.append(len(contexts))
        return real(contexts, cfg, calib)

    monkeypatch.setattr(checks, "evidence_for", counting)
    return scored


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = shared_path()
    if not (path / "data").is_dir():
        pytest.skip(f"shared data not found at {path} (set MTQA_SHARED_DIR); skipping")
    return path


@pytest.fixture(scope="session")
def seeds_dir(shared_dir: Path) -> Path:
    path = shared_dir / "data" / "seeds"
    if not path.is_dir():
        pytest.skip(f"seed articles not found at {path}; skipping")
    return path


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return REPO / "examples"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test writes its caches under one session tmp dir, never into the user's home."""
    monkeypatch.setenv("MTQA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "mtqa-cache"))
