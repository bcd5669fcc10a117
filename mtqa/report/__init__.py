"""Reporters: registered render functions, one per ``--format``.

OWNER: report/gate helper. Interface used by the CLI:

    FORMATS: dict[str, Reporter]; render(report: Report, fmt: str) -> str
"""
