"""Signatures in sacrebleu's style: every setting that changes a score, ``key:value|...``.

Each stage contributes its own keys; the mtqa version always comes last.
"""

from __future__ import annotations

from collections.abc import Mapping


def format_signature(parts: Mapping[str, object], version: str) -> str:
    """Join ``parts`` as ``key:value`` in insertion order, then ``version:<version>``."""
    items = [f"{k}:{_fmt(v)}" for k, v in parts.items() if k != "version"]
    items.append(f"version:{version}")
    return "|".join(items)


def parse_signature(sig: str) -> dict[str, str]:
    """Inverse of :func:`format_signature` (values come back as strings)."""
    out: dict[str, str] = {}
    for item in sig.split("|"):
        key, _, value = item.partition(":")
        out[key] = value
    return out


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "+".join(_fmt(v) for v in value)
    return str(value).replace("|", "/")
