"""Stage 1, ingest: read plain text, JSONL, HTML and RSS/Atom inputs into Articles.

Reads: input paths or standard input. Adds: ``Article`` objects (id, source, decoded text,
metadata, a feed's own English as ``supplied_translation``) and a ``Problem`` per bad input.

Interface::

    load(inputs, cfg) -> tuple[list[Article], list[Problem]]

``inputs`` are paths (files or directories, searched recursively for the extensions in
``cfg["formats"]``) or ``-`` for stdin. A missing path raises :class:`InputError` (a usage error:
the run stops); a bad file or record becomes a :class:`Problem` naming the file (and the line,
for JSONL) and the rest is processed.

Text is decoded as UTF-8 (a BOM is dropped) and kept exactly as decoded: ``\\r\\n`` stays, so
offsets index the file's text. Nothing is transcoded silently: a file in another encoding is
reported (with the encoding it looks like, e.g. windows-1256) and skipped.

Ids: a file given on its own is named by its stem, a file found in a directory by its path below
it (``outletA/2024-01-27``); an id that another file already used is qualified by its path and a
note says so. JSONL records keep their ``id``.

Repairs, each noted on the article (``Article.notes``): an unpaired UTF-16 surrogate escape in a
JSONL string becomes U+FFFD (one character for one, offsets hold).

Formats: ``text`` (one article per file), ``jsonl`` (one article per line:
``id``, ``text``, optional ``lang``, ``title``, ``url``, ``published``, ``translation``), ``html``
(main text extracted with trafilatura, one paragraph per line), ``feed`` (RSS/Atom with
feedparser, after a defusedxml check that refuses entity declarations and external references).
Files with an unknown extension given explicitly are sniffed.
"""

from __future__ import annotations

import html as html_lib
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NamedTuple

from mtqa.errors import InputError
from mtqa.model import Article, Note, Problem
from mtqa.script import in_main_block

VERSION = "2"
STDIN = "-"
STDIN_NAME = "<stdin>"
EMPTY_DIR = "empty-dir"  # pseudo-format: a directory without any input file in it
# JSONL key -> Article field (a feed's own English is ``supplied_translation`` in the model).
_OPTIONAL = {"lang": "lang", "title": "title", "url": "url", "published": "published",
             "translation": "supplied_translation"}


class Skip(Exception):
    """A file or record that cannot be used; becomes a Problem."""

    def __init__(self, message: str, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source


# --- decoding ----------------------------------------------------------------------------------

def decode(data: bytes, cfg: dict[str, Any]) -> str:
    """UTF-8 text of ``data`` (BOM dropped) or :class:`Skip` saying what is wrong with it."""
    if not data.strip():
        raise Skip("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Skip("not UTF-8: looks like UTF-16 (has a UTF-16 byte-order mark); re-save it as UTF-8")
    if b"\x00" in data:
        head = data[:1000]
        # UTF-16 without a BOM: one byte of each pair is the code block (0 for ASCII, 6 for
        # Arabic), so that half of the bytes takes very few values, 0 among them.
        if len(head) >= 8 and any(0 in set(half) and len(set(half)) <= 3
                                  for half in (head[0::2], head[1::2])):
            raise Skip("not UTF-8: looks like UTF-16 (no byte-order mark); re-save it as UTF-8")
        raise Skip("binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = f"invalid UTF-8 byte 0x{data[exc.start]:02x} at {_byte_position(data, exc.start)}"
        bad, good = _utf8_damage(data)
        if good >= 8 and bad <= max(3, good // 100):
            # Mostly valid UTF-8 with a few stray bytes: re-encoding from cp1256 would turn every
            # Arabic letter into mojibake, so point at the bytes instead.
            more = f" ({bad} invalid bytes in all)" if bad > 1 else ""
            raise Skip(f"not valid UTF-8: {where}{more} in otherwise valid UTF-8 text; "
                       "remove or fix that byte") from None
        guess = guess_encoding(data, cfg["encoding_guesses"])
        if guess:
            raise Skip(f"not UTF-8 ({where}); it looks like {guess}: re-encode it as UTF-8") from None
        raise Skip(f"not UTF-8 text ({where}); binary or unknown encoding") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise Skip("empty file (only white space)")
    controls = sum(1 for c in text[:4096] if ord(c) < 32 and c not in "\t\n\r\f\v")
    if controls > cfg["max_control_share"] * min(len(text), 4096):
        raise Skip("binary file (control characters), not text")
    return text


def _byte_position(data: bytes, offset: int) -> str:
    """'line L, column C, byte offset N' of a byte in ``data`` (1-based line; the column counts
    the characters before it on its line, as an editor shows them)."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return f"line {line}, column {column}, byte offset {offset}"


def _utf8_damage(data: bytes) -> tuple[int, int]:
    """(invalid bytes, valid multi-byte characters) when ``data`` is read as UTF-8."""
    text = data.decode("utf-8", errors="surrogateescape")
    bad = sum(1 for c in text if "\udc80" <= c <= "\udcff")
    good = sum(1 for c in text if ord(c) > 127 and not "\udc80" <= c <= "\udcff")
    return bad, good


def guess_encoding(data: bytes, candidates: Sequence[str]) -> str | None:
    """The first candidate encoding under which the non-ASCII letters of ``data`` are mostly
    Arabic-script (so markup or English around them does not matter), or None."""
    sample = data[:65536]
    for enc in candidates:
        try:
            text = sample.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        letters = [c for c in text if not c.isascii() and c.isalpha()]
        arabic = sum(in_main_block(c) for c in letters)
        if len(letters) >= 8 and arabic / len(letters) >= 0.7:  # too few letters: no guess
            return enc
    return None


# --- formats -----------------------------------------------------------------------------------

def read_text(path: str, data: bytes, cfg: dict[str, Any], name: str | None = None) -> list[Article]:
    """One Article: the whole file; its id is ``name`` (default: the file's stem)."""
    text = decode(data, cfg)
    return [Article(id=name or _stem(path), source=path, text=text)]


def read_jsonl(path: str, data: bytes, cfg: dict[str, Any],
               problems: list[Problem], name: str | None = None) -> list[Article]:
    """One Article per JSON line; a bad line becomes a Problem naming its line number."""
    text = decode(data, cfg)
    out: list[Article] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            article = _record(path, lineno, line, seen, name or _stem(path))
        except Skip as exc:
            problems.append(Problem(f"{path}:{lineno}", exc.message))
            continue
        seen[article.id] = lineno
        out.append(article)
    return out


def _record(path: str, lineno: int, line: str, seen: dict[str, int], name: str) -> Article:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        raise Skip(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise Skip("JSON nested too deeply (thousands of levels); record skipped") from None
    rec, repaired = _repair_surrogates(rec)
    if not isinstance(rec, dict):
        raise Skip(f"a record must be a JSON object, got {_json_type(rec)}")
    if "text" not in rec:
        raise Skip("record has no 'text' field")
    text = rec["text"]
    if not isinstance(text, str):
        raise Skip(f"'text' must be a string, got {_json_type(text)}")
    if not text.strip():
        raise Skip("'text' is empty")
    rid = rec.get("id")
    if rid is None:
        rid = f"{name}-{lineno}"
    elif isinstance(rid, (str, int)) and not isinstance(rid, bool) and str(rid).strip():
        rid = str(rid).strip()
    else:
        raise Skip(f"'id' must be a non-empty string or number, got {_json_type(rid)}")
    if rid in seen:
        raise Skip(f"duplicate id '{rid}' (first used on line {seen[rid]}); record skipped")
    extra: dict[str, str | None] = {}
    for name, attr in _OPTIONAL.items():
        value = rec.get(name)
        if value is not None and not isinstance(value, str):
            raise Skip(f"'{name}' must be a string, got {_json_type(value)}")
        extra[attr] = value
    notes = ()
    if repaired:
        fields = ", ".join(f"'{k}'" for k in sorted(repaired))
        count = sum(repaired.values())
        notes = (Note("INGEST001", f"{count} unpaired UTF-16 surrogate escape(s) (e.g. \\ud83d "
                                   f"without its pair) in {fields} replaced with U+FFFD; character "
                                   "offsets are unchanged"),)
    return Article(id=rid, source=path, text=text, line=lineno, notes=notes, **extra)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _repair_surrogates(rec: Any) -> tuple[Any, dict[str, int]]:
    """``rec`` with every unpaired surrogate in its top-level strings replaced by U+FFFD (one
    character for one, so offsets hold), and how many were replaced per field.

    JSON allows ``\\ud83d`` escapes without their pair (JavaScript exports write them); such a
    string cannot be encoded as UTF-8, so it would fail in every later stage."""
    if not isinstance(rec, dict):
        return rec, {}
    counts: dict[str, int] = {}
    fixed: dict[Any, Any] = {}
    for key, value in rec.items():
        if isinstance(value, str) and _SURROGATE.search(value):
            value, n = _SURROGATE.subn("\ufffd", value)
            counts[key] = n
        fixed[key] = value
    return fixed, counts


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number",
             float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def read_html(path: str, data: bytes, cfg: dict[str, Any], name: str | None = None) -> list[Article]:
    """Main text of an HTML page (trafilatura), one paragraph per line; title from the page."""
    page = decode(data, cfg)
    text: str | None = None
    title: str | None = None
    try:
        import trafilatura
    except ImportError:  # broken optional dependency (e.g. lxml without lxml_html_clean)
        trafilatura = None
    if trafilatura is not None:
        text = trafilatura.extract(page, output_format="txt", include_comments=False,
                                   include_tables=False, include_links=False, favor_recall=True)
        meta = trafilatura.extract_metadata(page)
        if meta is not None and meta.title:
            title = meta.title
    if not text or not text.strip():
        text = html_to_text(page, skip_chrome=True)
    if not text.strip():
        raise Skip("no text found in the HTML page")
    if title is None:
        m = _TITLE.search(page)
        title = (" ".join(html_lib.unescape(m.group(1)).split()) or None) if m else None
    return [Article(id=name or _stem(path), source=path, text=text, title=title,
                    lang=_html_lang(page))]


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_LANG = re.compile(r"<html[^>]*\blang\s*=\s*[\"']?([A-Za-z-]+)", re.IGNORECASE)


def _html_lang(page: str) -> str | None:
    """The page's declared language (``<html lang=...>``), if any."""
    m = _HTML_LANG.search(page[:4096])
    return m.group(1) if m else None


_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_ENCODING_TEXT = re.compile(r"""^(\ufeff?\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._-]+)(["'])""")


def read_feed(path: str, data: bytes, cfg: dict[str, Any],
              problems: list[Problem], name: str | None = None) -> list[Article]:
    """One Article per RSS/Atom entry, text from its content or summary with HTML stripped."""
    import feedparser
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    declared = _XML_ENCODING.match(data)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        # The XML declaration names its encoding (e.g. windows-1256): the document's own
        # statement, not a silent guess. Decode it here and hand the parsers UTF-8.
        data = _transcode_declared(data, declared)
    else:
        decode(data, cfg)  # empty / binary / encoding problems first, with the same messages
    if _ENTITY_DECL.search(data):
        raise Skip("feed rejected: it declares XML entities (possible XML bomb or external entity)")
    try:
        fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Skip(f"feed rejected: unsafe XML ({type(exc).__name__})") from None
    except ParseError as exc:
        raise Skip(f"not well-formed XML ({exc})") from None
    feed = feedparser.parse(data, resolve_relative_uris=False, sanitize_html=True)
    if not feed.entries:
        raise Skip("no RSS/Atom entries found")
    stem = name or _stem(path)
    out: list[Article] = []
    for n, entry in enumerate(feed.entries, start=1):
        body = ""
        for item in entry.get("content") or []:
            body = item.get("value") or ""
            if body.strip():
                break
        if not body.strip():
            body = entry.get("summary") or entry.get("description") or ""
        text = html_to_text(body)
        if not text.strip():
            problems.append(Problem(path, f"entry {n} ('{entry.get('title', '')[:40]}') has no text"))
            continue
        out.append(Article(
            id=f"{stem}-{n}", source=path, text=text,
            title=_clean_inline(entry.get("title")), url=entry.get("link"),
            published=entry.get("published") or entry.get("updated"),
            lang=_entry_lang(entry, feed),
        ))
    return out


def _transcode_declared(data: bytes, declared: re.Match[bytes]) -> bytes:
    """``data`` (whose XML declaration names a non-UTF-8 encoding) as UTF-8 with the declaration
    rewritten; :class:`Skip` naming the encoding when it is unknown or the bytes do not fit it."""
    import codecs

    enc = declared.group(1).decode("ascii")
    try:
        info = codecs.lookup(enc)
    except LookupError:
        raise Skip(f"feed declares an unknown encoding '{enc}'") from None
    if not getattr(info, "_is_text_encoding", True):
        raise Skip(f"feed declares encoding '{enc}', which is not a text encoding") from None
    try:
        text = data.decode(info.name)
    except UnicodeDecodeError as exc:
        raise Skip(f"feed declares encoding '{enc}' but its bytes are not valid {enc} "
                   f"(at {_byte_position(data, exc.start)})") from None
    rewritten, n = _XML_ENCODING_TEXT.subn(r"\g<1>utf-8\g<3>", text, count=1)
    if n == 0:  # the declaration does not survive its own encoding (e.g. UTF-7 quirks)
        raise Skip(f"feed declares encoding '{enc}' but its XML declaration does not decode in it")
    return rewritten.encode("utf-8")


def _entry_lang(entry: Any, feed: Any) -> str | None:
    for detail in (entry.get("content") or [])[:1]:
        if detail.get("language"):
            return str(detail["language"])
    lang = feed.feed.get("language")
    return str(lang) if lang else None


def _clean_inline(value: str | None) -> str | None:
    if value is None:
        return None
    return " ".join(html_to_text(value).split()) or None


class _TextExtractor(HTMLParser):
    """HTML → text with one block (p, div, li, br, h1-h6 …) per line; scripts and styles dropped."""

    BLOCKS = frozenset("p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote tr section article "
                       "header footer figcaption pre table".split())
    SKIP = frozenset({"script", "style", "noscript", "template", "title"})
    CHROME = frozenset({"head", "nav", "header", "footer", "aside", "form", "button", "select"})

    def __init__(self, skip_chrome: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.skip = self.SKIP | self.CHROME if skip_chrome else self.SKIP

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.skip:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skip:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str, skip_chrome: bool = False) -> str:
    """Plain text of HTML: one block per line, spaces inside lines collapsed.

    With ``skip_chrome`` the contents of nav/header/footer/aside/form are dropped too (the
    fallback main-text extractor for whole pages)."""
    if "<" not in markup:
        text = html_lib.unescape(markup)
    else:
        parser = _TextExtractor(skip_chrome)
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# --- sniffing and dispatch ---------------------------------------------------------------------

_FEED_ROOT = re.compile(rb"<(?:[\w-]+:)?(rss|feed|rdf:RDF|RDF)\b", re.IGNORECASE)


def sniff(data: bytes) -> str:
    """Guess a format from content: feed, html, jsonl or text."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "jsonl"
    if head.startswith(b"<"):
        if _FEED_ROOT.search(head):
            return "feed"
        return "html"
    return "text"


def format_of(path: Path, cfg: dict[str, Any]) -> str | None:
    """The format for a file by extension (``cfg["formats"]``), or None if not listed."""
    fmt = cfg["formats"].get(path.suffix.lower())
    return fmt if isinstance(fmt, str) else None


def _read_one(source: str, data: bytes, fmt: str, cfg: dict[str, Any],
              problems: list[Problem], name: str | None = None) -> tuple[str, list[Article]]:
    """(format actually used, articles) of one file; ``name`` is the id (text, HTML) or the id
    prefix (records without an id, feed entries) of its articles."""
    if len(data) > cfg["max_file_mb"] * 1024 * 1024:
        raise Skip(f"file is larger than ingest.max_file_mb = {cfg['max_file_mb']} MB")
    if fmt == "auto":
        fmt = sniff(data)
    if fmt == "xml":  # .xml may be a feed or something else
        fmt = "feed" if _FEED_ROOT.search(data[:4096]) else "html"
    if fmt == "text":
        return fmt, read_text(source, data, cfg, name)
    if fmt == "jsonl":
        return fmt, read_jsonl(source, data, cfg, problems, name)
    if fmt == "html":
        return fmt, read_html(source, data, cfg, name)
    if fmt == "feed":
        return fmt, read_feed(source, data, cfg, problems, name)
    raise Skip(f"unknown input format '{fmt}' (ingest.formats)")


class InputFile(NamedTuple):
    """One file to read: its path, its format and the id its article(s) are named by."""

    path: str
    format: str
    name: str


def expand(inputs: Sequence[str], cfg: dict[str, Any]) -> list[InputFile]:
    """Every input file; directories are searched recursively, sorted.

    A file found in a directory is named by its path below that directory without the extension
    (``outletA/2024-01-27``), so the same file name in two folders gives two ids; a file given
    on its own is named by its stem."""
    out: list[InputFile] = []
    seen: set[Path] = set()
    for item in inputs:
        if item == STDIN:
            out.append(InputFile(STDIN, "auto", "stdin"))
            continue
        path = Path(item)
        if not path.exists():
            raise InputError(item, "no such file or directory")
        if path.is_dir():
            found = False
            for child in _walk(path, cfg):
                found = True
                real = child.resolve()
                if real not in seen:
                    seen.add(real)
                    name = child.relative_to(path).with_suffix("").as_posix()
                    out.append(InputFile(str(child), format_of(child, cfg) or "auto", name))
            if not found:
                out.append(InputFile(item, EMPTY_DIR, path.name))
            continue
        real = path.resolve()
        if real not in seen:
            seen.add(real)
            out.append(InputFile(item, format_of(path, cfg) or "auto", path.stem))
    return out


def _walk(root: Path, cfg: dict[str, Any]) -> Iterable[Path]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).parts
        if cfg["skip_hidden"] and any(p.startswith(".") for p in rel):
            continue
        if path.is_file() and format_of(path, cfg) is not None:
            yield path


def load(inputs: Sequence[str], cfg: dict[str, Any]) -> tuple[list[Article], list[Problem]]:
    """Read every input; bad files and records become Problems, a missing path an InputError."""
    articles: list[Article] = []
    problems: list[Problem] = []
    ids = Ids()
    for item in expand(inputs, cfg):
        fmt, found = read_input(item, cfg, problems)
        for article in found:
            admitted = ids.admit(article, fmt, problems)
            if admitted is not None:
                articles.append(admitted)
    return articles, problems


def read_input(item: InputFile, cfg: dict[str, Any],
               problems: list[Problem]) -> tuple[str, list[Article]]:
    """(format used, articles) of one input file; what is wrong with it goes to ``problems``."""
    source, fmt, name = item
    try:
        if fmt == EMPTY_DIR:
            exts = " ".join(k for k in cfg["formats"] if k.startswith("."))
            raise Skip(f"directory has no input files (looked for {exts})")
        if source == STDIN:
            data = _read_stdin()
            source_name = STDIN_NAME
        else:
            if Path(source).stat().st_size > cfg["max_file_mb"] * 1024 * 1024:
                raise Skip(f"file is larger than ingest.max_file_mb = {cfg['max_file_mb']} MB")
            data = Path(source).read_bytes()
            source_name = source
        return _read_one(source_name, data, fmt, cfg, problems, name)
    except Skip as exc:
        problems.append(Problem(exc.source or (STDIN_NAME if source == STDIN else source), exc.message))
    except OSError as exc:
        problems.append(Problem(source, f"cannot read: {exc.strerror or exc}"))
    return fmt, []


class Ids:
    """The article ids of one run: the same id from another file is qualified by that file (two
    outlets' ``2024-01-27.txt``, two exports numbering records from 1); the same id twice in
    one file is a duplicate and skipped."""

    def __init__(self) -> None:
        self.where: dict[str, str] = {}  # id -> where it was read from
        self.files: dict[str, str] = {}  # id -> the file it was read from

    def admit(self, article: Article, fmt: str, problems: list[Problem]) -> Article | None:
        """``article`` (perhaps with a qualified id), or None when it is a duplicate."""
        where = f"{article.source}:{article.line}" if fmt in ("jsonl", "parquet") else article.source
        if article.id in self.where and self.files[article.id] != article.source:
            article = _qualified(article, self.where)
        if article.id in self.where:
            problems.append(Problem(where, f"duplicate article id '{article.id}' "
                                           f"(already read from {self.where[article.id]}); skipped"))
            return None
        self.where[article.id] = where
        self.files[article.id] = article.source
        return article


def _qualified(article: Article, ids: dict[str, str]) -> Article:
    """``article`` with its id prefixed by as much of its file's path as makes it unique."""
    path = Path(article.source)
    parts = [*path.parent.parts, path.stem if article.id == path.stem else path.name]
    for n in range(1, len(parts) + 1):
        prefix = "/".join(parts[-n:])
        new = prefix if prefix.endswith(article.id) else f"{prefix}:{article.id}"
        if new not in ids:
            note = Note("INGEST002", f"id '{article.id}' was already used by "
                                     f"{ids[article.id]}; reported as '{new}'")
            return replace(article, id=new, notes=(*article.notes, note))
    return article


def _read_stdin() -> bytes:
    """All of standard input; :class:`InputError` when there is none (closed or absent)."""
    stream = sys.stdin
    if stream is None or getattr(stream, "buffer", None) is None:
        raise InputError(STDIN_NAME, "standard input is closed or absent; give a file instead of -")
    try:
        return stream.buffer.read()
    except (OSError, ValueError) as exc:  # closed descriptor, or a stream closed in Python
        raise InputError(STDIN_NAME, f"cannot read standard input ({exc})") from None


def _stem(path: str) -> str:
    return "stdin" if path == STDIN_NAME else Path(path).stem


def signature(cfg: dict[str, Any]) -> dict[str, object]:
    """Ingest settings that change results: the HTML main-text extractor and its version."""
    try:
        from importlib.metadata import version

        extractor = f"trafilatura-{version('trafilatura')}"
    except Exception:  # not installed: the stdlib fallback extractor is used
        extractor = "stdlib"
    return {"ingest": VERSION, "html": extractor}
