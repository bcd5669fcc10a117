"""Stage 1, ingest: read plain text, JSONL, HTML and RSS/Atom inputs into Articles.

OWNER: ingest/clean/segment helper. Interface (do not change the signature):

    load(inputs: Sequence[str], cfg: dict) -> tuple[list[Article], list[Problem]]

``inputs`` are paths (files or directories) or ``-`` for stdin. A missing path raises
InputError (usage error, the run stops); a bad file or record becomes a Problem naming the
file and the problem, and the rest is processed.
"""
