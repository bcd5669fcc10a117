"""Signatures in sacrebleu's style: every setting that changes a score, ``key:value|...``.

Each stage contributes its own keys; the mtqa version always comes last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping


def format_signature(parts: Mapping[str, object], version: str) -> str:
    """Join ``parts`` as ``key:value`` in insertion order, then ``version:<version>``."""
    items = [f"{k}:{_fmt(v)}" for k, v in parts.items() if k != "version"]
    items.append(f"version:{version}")
    return "|".join(items)


def code_ranges(codes: Iterable[str]) -> list[str]:
    """Rule codes compressed per prefix, in order: runs of consecutive numbers become ``a-b``,
    runs of one prefix are joined by ``,``. ``GARB001 … GARB011, TRAN001 … TRAN006`` gives
    ``["GARB001-011", "TRAN001-006"]``; ``GARB001, GARB002, GARB005`` gives ``["GARB001-002,005"]``.
    """
    by_prefix: dict[str, list[tuple[int, str]]] = {}
    for code in sorted(set(codes)):
        m = re.fullmatch(r"(\D*)(\d+)", code)
        if m is None:  # not PREFIXnnn: kept whole
            by_prefix.setdefault(code, [])
            continue
        by_prefix.setdefault(m.group(1), []).append((int(m.group(2)), m.group(2)))
    out = []
    for prefix, numbers in by_prefix.items():
        runs: list[list[tuple[int, str]]] = []
        for n in sorted(numbers):
            if runs and n[0] == runs[-1][-1][0] + 1:
                runs[-1].append(n)
            else:
                runs.append([n])
        parts = [r[0][1] if len(r) == 1 else f"{r[0][1]}-{r[-1][1]}" for r in runs]
        out.append(prefix + ",".join(parts))
    return out


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
