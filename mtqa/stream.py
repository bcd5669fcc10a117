"""Streaming ``check``: inputs of any size read in bounded chunks, JSONL written as articles finish.

The same stages as :mod:`mtqa.pipeline`, run ``chunk_size`` articles at a time:

    read      JSONL line by line, Parquet row batch by row batch (pyarrow), other files whole
    per chunk prepare -> translate -> checks -> one JSONL ``article`` line each, written at once
    at the end cross-check over the compact copies kept -> the JSONL ``summary`` line

Memory: one chunk of full articles, plus for the cross-check a compact copy of each article (its
text and content passages with their translations and agreement, needed for facts and alignment;
no evidence, flags or non-content passage text). The 64 MB ``ingest.max_file_mb`` limit does not
apply to JSONL and Parquet here; other formats are read whole, one file at a time, as in ingest.

Restart: a killed run started again with the same caches re-reads from cache every chunk it had
finished (translations, check results, embeddings), so it redoes no finished work, and writes the
same report as an uninterrupted run (the lines are only ever written in input order).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mtqa import __version__, checks, clean, crosscheck, ingest, lang, segment, store
from mtqa.config import Config
from mtqa.errors import InputError, ModelError
from mtqa.model import SCHEMA_VERSION, Article, Problem, Report
from mtqa.pipeline import RunOptions, prepare, results_cache_path, translator_names
from mtqa.signature import format_signature

__all__ = ["StreamAborted", "StreamResult", "compact", "iter_articles", "run", "run_signature"]

STREAM_FORMATS = {".jsonl": "jsonl", ".parquet": "parquet"}
PARQUET_COLUMNS = ("id", "text", "lang", "title", "url", "published", "translation")
ABORT_ENV = "MTQA_STREAM_ABORT_AFTER"  # test hook: stop after this many article lines


class StreamAborted(RuntimeError):
    """Raised by the ``MTQA_STREAM_ABORT_AFTER`` test hook to simulate a killed run."""


@dataclass
class StreamResult:
    """What a streaming run produced besides the lines it wrote."""

    articles: int = 0
    flagged: int = 0
    problems: list[Problem] = field(default_factory=list)
    cache_lookups: dict[str, int] = field(default_factory=dict)
    cache_hits: dict[str, int] = field(default_factory=dict)


# --- reading -----------------------------------------------------------------------------------

def _stream_cfg(cfg: dict[str, Any]) -> dict[str, Any]:
    return {**cfg, "formats": {**cfg["formats"], ".parquet": "parquet"}}


def _jsonl_records(path: str) -> Iterator[tuple[int, str | None, str]]:
    """(line number, decoded line or None, problem) of a JSONL file, one line in memory at a time."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                yield lineno, raw.decode("utf-8"), ""
            except UnicodeDecodeError as exc:
                bad = f"0x{raw[exc.start]:02x} at column {exc.start + 1}"
                yield lineno, None, f"not UTF-8 (invalid byte {bad})"


def _parquet_records(path: str, batch_rows: int) -> Iterator[tuple[int, str | None, str]]:
    """(row number, the row as a JSON line, problem) of a Parquet file, read batch by batch."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise ingest.Skip(f"not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    names = set(pf.schema_arrow.names)
    if "text" not in names:
        raise ingest.Skip("Parquet file has no 'text' column")
    columns = [c for c in PARQUET_COLUMNS if c in names]
    row = 0
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
        for rec in batch.to_pylist():
            row += 1
            yield row, json.dumps({k: v for k, v in rec.items() if v is not None},
                                  ensure_ascii=False, default=str), ""


def iter_articles(inputs: Sequence[str], cfg: dict[str, Any], problems: list[Problem],
                  batch_rows: int = 1024) -> Iterator[Article]:
    """Articles of every input in order; bad files and records are appended to ``problems``."""
    cfg = _stream_cfg(cfg)
    ids = ingest.Ids()  # ids and where they were read (ids are small; texts are not kept)
    for item in ingest.expand(inputs, cfg):
        source, fmt, name = item
        if fmt in ("jsonl", "parquet") and source != ingest.STDIN:
            seen: dict[str, int] = {}
            try:
                if not Path(source).stat().st_size:
                    raise ingest.Skip("empty file")
                records = (_jsonl_records(source) if fmt == "jsonl"
                           else _parquet_records(source, batch_rows))
                for lineno, line, problem in records:
                    where = f"{source}:{lineno}"
                    if line is None:
                        problems.append(Problem(where, problem))
                        continue
                    try:
                        article = ingest._record(source, lineno, line, seen, name)
                    except ingest.Skip as exc:
                        problems.append(Problem(where, exc.message))
                        continue
                    seen[article.id] = lineno
                    admitted = ids.admit(article, fmt, problems)
                    if admitted is None:
                        continue
                    if fmt == "parquet":
                        admitted = replace(admitted, line=1)  # rows have no line in the file
                    yield admitted
            except ingest.Skip as exc:
                problems.append(Problem(source, exc.message))
            except OSError as exc:
                problems.append(Problem(source, f"cannot read: {exc.strerror or exc}"))
            continue
        # one article per file (or a small feed): the ordinary reader, one file at a time
        fmt, found = ingest.read_input(item, cfg, problems)
        for article in found:
            admitted = ids.admit(article, fmt, problems)
            if admitted is not None:
                yield admitted


def chunks(items: Iterator[Article], size: int) -> Iterator[list[Article]]:
    """Consecutive lists of at most ``size`` items."""
    chunk: list[Article] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def compact(article: Article) -> Article:
    """What the cross-check needs of a checked article: its text (fact offsets index into it) and
    content passages with their translations and agreement; evidence, flags and the text of
    non-content passages are dropped (they stay in the passage list, which marks run breaks)."""
    passages = tuple(
        replace(p, evidence={}, flags=(), garble=None) if p.kind == "content"
        else replace(p, text="", translations=(), evidence={}, flags=(), agreement=None, garble=None)
        for p in article.passages)
    return replace(article, supplied_translation=None, passages=passages)


# --- running -----------------------------------------------------------------------------------

def _header(signature: str, kind: str) -> dict[str, Any]:
    return {"type": kind, "schema": SCHEMA_VERSION, "mtqa_version": __version__,
            "signature": signature}


def run(inputs: Sequence[str], config: Config, options: RunOptions | None,
        write: Callable[[str], None], chunk_size: int = 256) -> StreamResult:
    """Check ``inputs`` chunk by chunk, calling ``write`` with each JSONL line as it is ready.

    The lines are those of ``render_jsonl`` on the report the local pipeline builds: one
    ``article`` line per article in input order, then the ``summary`` line.
    """
    options = options or RunOptions()
    path = results_cache_path(config)
    results: store.BlobStore | None = None
    if path is not None:
        try:
            results = store.blob_store(path)
        except ModelError as exc:
            logging.getLogger("mtqa").warning("mtqa: warning: %s; running without the results cache", exc)
    before = (dict(results.lookups), dict(results.hits)) if results is not None else ({}, {})
    with store.using(results):
        out = _run(inputs, config, options, write, max(1, chunk_size))
    if results is not None:
        out.cache_lookups = {k: v - before[0].get(k, 0) for k, v in results.lookups.items()}
        out.cache_hits = {k: v - before[1].get(k, 0) for k, v in results.hits.items()}
    return out


def run_signature(config: Config, options: RunOptions) -> tuple[str, list[Any]]:
    """The report signature of a run (as the pipeline builds it) and its translators (not loaded)."""
    from mtqa import translate

    sig: dict[str, object] = {}
    sig.update(ingest.signature(config.section("ingest")))
    sig.update(lang.signature(config.section("language")))
    sig.update(clean.signature(config.section("clean")))
    sig.update(segment.signature(config.section("segment")))
    names = translator_names(config, options)
    translators = [translate.get_translator(name, config) for name in names]
    for tr in translators:
        sig.update(tr.signature())
    if not names:
        sig["tr"] = "none"
    sig.update(checks.signature(config.section("checks"), translated=bool(names)))
    sig.update(crosscheck.signature(config.section("crosscheck")))
    return format_signature(sig, __version__), translators


def _run(inputs: Sequence[str], config: Config, options: RunOptions,
         write: Callable[[str], None], chunk_size: int) -> StreamResult:
    from mtqa import translate

    signature, translators = run_signature(config, options)

    abort_after = int(os.environ.get(ABORT_ENV) or 0)
    result = StreamResult()
    kept: list[Article] = []
    ingest_cfg = config.section("ingest")
    for chunk in chunks(iter_articles(inputs, ingest_cfg, result.problems), chunk_size):
        prepared: list[Article] = []
        for article in chunk:
            try:
                prepared.append(translate.attach_supplied(prepare(article, config)))
            except InputError as exc:
                result.problems.append(Problem(exc.path, exc.problem))
        for tr in translators:
            prepared = tr.translate_articles(prepared, quiet=options.quiet)
        prepared = checks.score(prepared, config.section("checks"), config.get("crosscheck.lexicon"))
        for article in prepared:
            write(json.dumps({**_header(signature, "article"), "article": article.to_dict()},
                             ensure_ascii=False) + "\n")
            result.articles += 1
            result.flagged += sum(p.flagged for p in article.passages)
            kept.append(compact(article))
            if abort_after and result.articles >= abort_after:
                raise StreamAborted(f"stopped after {result.articles} articles ({ABORT_ENV})")

    story = crosscheck.stories(kept, config.section("crosscheck"))
    tail = Report(version=__version__, signature=signature, articles=[], problems=result.problems,
                  crosscheck=story).to_dict()
    summary = {**_header(signature, "summary"), "articles": result.articles,
               "problems": tail["problems"], "crosscheck": tail["crosscheck"]}
    write(json.dumps(summary, ensure_ascii=False) + "\n")
    return result


def run_to_file(inputs: Sequence[str], config: Config, options: RunOptions | None,
                dest: str | None, chunk_size: int = 256) -> StreamResult:
    """:func:`run` writing to ``dest`` (``None``/``-``: stdout). A file is written as ``dest.part``
    and renamed when complete, so a killed run never leaves a truncated report under ``dest``."""
    if dest is None or dest == "-":
        def emit(line: str) -> None:
            sys.stdout.write(line)
            sys.stdout.flush()
        return run(inputs, config, options, emit, chunk_size)
    target = Path(dest)
    part = target.with_name(target.name + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fh = part.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(dest, f"cannot write report ({exc.strerror})") from None
    with fh:
        def emit_file(line: str) -> None:
            fh.write(line)
            fh.flush()
        out = run(inputs, config, options, emit_file, chunk_size)
    os.replace(part, target)
    return out
