"""Configuration: TOML data whose shipped defaults are also its schema.

The defaults live in ``configs/defaults/<section>.toml`` (one file per stage, each holding a
table named after the file). A user file passed with ``--config`` overrides any of them; a key
that does not exist in the defaults, or a value of another type, is a :class:`ConfigError`.
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mtqa.errors import ConfigError


def config_dir() -> Path:
    """The ``configs/`` directory: ``$MTQA_CONFIG_DIR`` or the one beside the package."""
    env = os.environ.get("MTQA_CONFIG_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "configs"


def resolve_config_path(value: str | os.PathLike[str]) -> Path:
    """A path named in a config value: absolute as is, else relative to :func:`config_dir`."""
    p = Path(value)
    return p if p.is_absolute() else config_dir() / p


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a one-line ConfigError naming it."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def defaults() -> dict[str, Any]:
    """All shipped defaults, merged from ``configs/defaults/*.toml``."""
    root = config_dir() / "defaults"
    if not root.is_dir():
        raise ConfigError(f"{root}: default configuration directory is missing")
    merged: dict[str, Any] = {}
    for path in sorted(root.glob("*.toml")):
        data = load_toml(path)
        for key, value in data.items():
            if key in merged:
                raise ConfigError(f"{path}: section [{key}] is defined twice in the defaults")
            merged[key] = value
    return merged


# Keys of earlier versions -> where they live now (a user file naming the old key gets told).
MOVED = {
    "crosscheck.agreement_embedder": "checks.agreement.embedder",
    "crosscheck.agreement_reduce": "checks.agreement.reduce",
    "crosscheck.chrf_min": "checks.agreement.chrf_min",
    "crosscheck.cos_min": "checks.agreement.cos_min",
    "crosscheck.min_chars": "checks.agreement.min_chars",
    "crosscheck.preservation_systems": "checks.agreement.preservation_systems",
}


def merge(base: dict[str, Any], override: Mapping[str, Any], where: str, origin: str) -> None:
    """Override ``base`` in place with ``override`` (from ``origin``), checked against ``base``.

    ``base`` is the schema: a key it lacks or a value of another type (:func:`same_type`) is a
    :class:`ConfigError` naming ``origin`` and the dotted key (``where`` prefixes it). Tables
    with ``_open_table`` set take new keys.
    """
    for key, value in override.items():
        name = f"{where}.{key}" if where else key
        if key not in base:
            if name in MOVED:
                raise ConfigError(f"{origin}: '{name}' has moved to '{MOVED[name]}'")
            known = ", ".join(sorted(base)) or "none"
            raise ConfigError(f"{origin}: unknown key '{name}' (known here: {known})")
        current = base[key]
        if isinstance(current, dict):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{origin}: '{name}' must be a table")
            if current.get("_open_table"):
                # Tables whose keys are data (e.g. per-language lists) accept new keys.
                current.update(copy.deepcopy(dict(value)))
                continue
            merge(current, value, name, origin)
            continue
        if not same_type(current, value):
            raise ConfigError(f"{origin}: '{name}' must be {type_name(current)}, got {type_name(value)}")
        base[key] = float(value) if isinstance(current, float) else copy.deepcopy(value)


def same_type(default: Any, value: Any) -> bool:
    """Whether ``value`` may replace ``default``: same type, an int for a float, and a list of
    strings for a list of strings."""
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, list):
        strings = bool(default) and all(isinstance(v, str) for v in default)
        return isinstance(value, list) and (not strings or all(isinstance(v, str) for v in value))
    return isinstance(value, type(default))


def type_name(value: Any) -> str:
    """How an error message names the type of a config value."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "a list of strings"
    return names.get(type(value), type(value).__name__)


class Config:
    """Resolved settings: defaults overridden by the user's TOML and command-line options."""

    def __init__(self, data: dict[str, Any], sources: list[str]) -> None:
        self.data = data
        self.sources = sources

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None,
             overrides: Mapping[str, Any] | None = None) -> Config:
        data = defaults()
        sources = [str(config_dir() / "defaults")]
        if path is not None:
            merge(data, load_toml(Path(path)), "", str(path))
            sources.append(str(path))
        if overrides:
            merge(data, overrides, "", "command line")
        return cls(data, sources)

    def section(self, name: str) -> dict[str, Any]:
        try:
            return self.data[name]
        except KeyError:
            raise ConfigError(f"no configuration section [{name}]") from None

    def get(self, dotted: str) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise ConfigError(f"no configuration key '{dotted}'")
            node = node[part]
        return node

    def resolve_path(self, value: str) -> Path:
        """A path in a config value is relative to ``configs/`` (:func:`resolve_config_path`)."""
        return resolve_config_path(value)
