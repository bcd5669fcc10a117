"""Signatures record every setting, sacrebleu style, with the version last."""

from __future__ import annotations

from mtqa.signature import format_signature, parse_signature


def test_format_orders_keys_and_puts_version_last() -> None:
    sig = format_signature({"tr": "gemma3-270m", "thr": 0.5, "nt": True, "langs": ["ar", "fa"]}, "1.2.3")
    assert sig == "tr:gemma3-270m|thr:0.5|nt:yes|langs:ar+fa|version:1.2.3"


def test_values_cannot_break_the_format() -> None:
    sig = format_signature({"model": "a|b"}, "0.1")
    assert parse_signature(sig) == {"model": "a/b", "version": "0.1"}
