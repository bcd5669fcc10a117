"""Config: shipped defaults are the schema; unknown keys and wrong types are errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtqa.config import Config, defaults
from mtqa.errors import ConfigError


def test_defaults_load_every_stage_section() -> None:
    data = defaults()
    for section in ("ingest", "language", "clean", "segment", "translate", "checks", "crosscheck"):
        assert section in data, section
    assert isinstance(data["translate"]["default"], str)


def test_user_file_overrides_a_default(tmp_path: Path) -> None:
    path = tmp_path / "my.toml"
    path.write_text('[translate]\ndefault = "nllb-600m"\n', encoding="utf-8")
    config = Config.load(path)
    assert config.get("translate.default") == "nllb-600m"
    assert str(path) in config.sources


def test_unknown_key_is_rejected_with_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[translate]\ndefualt = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml: unknown key 'translate\.defualt'"):
        Config.load(path)


def test_unknown_section_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[nonsense]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key 'nonsense'"):
        Config.load(path)


def test_wrong_type_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[translate]\ndefault = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'translate\.default' must be a string, got an integer"):
        Config.load(path)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[translate\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML"):
        Config.load(path)
    with pytest.raises(ConfigError, match="no such config file"):
        Config.load(tmp_path / "absent.toml")


def test_overrides_from_command_line_are_validated() -> None:
    with pytest.raises(ConfigError, match="command line: unknown key"):
        Config.load(overrides={"translate": {"nope": 1}})


def test_a_moved_key_names_its_new_home(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text("[crosscheck]\nchrf_min = 25.0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'crosscheck.chrf_min' has moved to 'checks.agreement.chrf_min'"):
        Config.load(path)
    path.write_text("[checks.agreement]\nchrf_min = 25.0\n", encoding="utf-8")
    assert Config.load(path).get("checks.agreement.chrf_min") == 25.0
