"""Signatures record every setting, sacrebleu style, with the version last."""

from __future__ import annotations

from mtqa.signature import code_ranges, format_signature, parse_signature


def test_format_orders_keys_and_puts_version_last() -> None:
    sig = format_signature({"tr": "gemma3-270m", "thr": 0.5, "nt": True, "langs": ["ar", "fa"]}, "1.2.3")
    assert sig == "tr:gemma3-270m|thr:0.5|nt:yes|langs:ar+fa|version:1.2.3"


def test_values_cannot_break_the_format() -> None:
    sig = format_signature({"model": "a|b"}, "0.1")
    assert parse_signature(sig) == {"model": "a/b", "version": "0.1"}


def test_code_ranges_compress_consecutive_codes_per_prefix() -> None:
    codes = [f"GARB{i:03d}" for i in range(1, 12)] + [f"TRAN{i:03d}" for i in range(6, 0, -1)]
    assert code_ranges(codes) == ["GARB001-011", "TRAN001-006"]
    assert code_ranges(["GARB005", "GARB001", "GARB002", "GARB002"]) == ["GARB001-002,005"]
    assert code_ranges([]) == []


def test_checks_signature_names_the_checks_that_ran() -> None:
    from mtqa import checks
    from mtqa.config import Config

    cfg = Config.load().section("checks")
    assert checks.signature(cfg, translated=False)["chks"] == ["GARB001-012", "TRAN001-006"]
    fewer = {**cfg, "enabled": ["GARB001", "GARB003", "TRAN002"]}
    assert checks.signature(fewer, translated=False)["chks"] == ["GARB001,003", "TRAN002"]
    sig = format_signature(checks.signature(fewer, translated=False), "0.1")
    assert "|chks:GARB001,003+TRAN002|" in sig
