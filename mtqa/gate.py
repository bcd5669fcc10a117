"""The publication gate: thresholds from configs/gate.toml, exit 0 pass / 1 fail.

OWNER: report/gate helper. Interface used by the CLI:

    load_gate_config(path) -> dict
    evaluate(report: Report, gate_cfg: dict, baseline: dict | None) -> GateResult
"""
