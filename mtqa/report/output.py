"""Writing reports: the one module that puts a rendered report on disk or on standard output.

* :func:`check_destinations` runs BEFORE the pipeline: every ``-o FILE`` must be writable (not a
  directory, not a read-only file, its folder a writable directory or creatable), so a bad
  destination costs a second, not a whole run.
* :func:`write_file` writes atomically: the bytes go to a temporary file beside the destination
  (same folder, so the rename never crosses file systems), are flushed to disk, and the temporary
  file is renamed over the destination (``os.replace``). A reader sees the old report or the new
  one, never a truncated one; on any failure (a full disk) the temporary file is removed and the
  old report stays. A symlink keeps pointing at the (replaced) report; destinations that are not
  regular files (``/dev/null``, a named pipe) are written in place.
* :func:`write_stdout` writes UTF-8 bytes to standard output. When the reader has gone away
  (``mtqa check ... | head``) or the disk is full (``> /dev/full``), standard output is pointed at
  ``/dev/null`` so that Python's own flush at exit cannot print a second error.
* :func:`write_reports` renders and writes every (format, destination) pair; one destination
  failing is reported and the others are still written.

Text is encoded as UTF-8 with ``backslashreplace``: a lone surrogate that reached a report comes
out as ``\\udXXX`` (in JSON, the escape of that same character) instead of failing the write.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mtqa.errors import MtqaError
from mtqa.model import Report

STDOUT = "-"


class OutputError(MtqaError):
    """A report destination that cannot be written (one line, naming it)."""


@dataclass
class Outcome:
    """What :func:`write_reports` managed: one message per failed destination, and whether the
    reader of standard output went away (a broken pipe is not an error of the report)."""

    errors: list[str] = field(default_factory=list)
    broken_pipe: bool = False


def encode(text: str, newline: bool = False) -> bytes:
    """``text`` as UTF-8 (with a final newline added when ``newline`` and it has none)."""
    if newline and not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8", errors="backslashreplace")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _problem(dest: str) -> str | None:
    """Why ``dest`` cannot take a report, or None when it can."""
    try:  # the kernel follows links, /dev/stdout and /proc/self/fd/N included
        st: os.stat_result | None = os.stat(dest)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    except OSError as exc:
        return _reason(exc)
    path = Path(os.path.realpath(dest))
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            return "is a directory"
        if not stat.S_ISREG(st.st_mode):  # a device or a pipe: written in place
            return None if os.access(dest, os.W_OK) else "permission denied"
        # no write bit for anyone means "keep this file", even to root (who could write it)
        if not st.st_mode & 0o222 or not os.access(path, os.W_OK):
            return "the file is read-only"
    folder = path.parent
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent  # the folders that do not exist yet are created when writing
    if not folder.is_dir():
        return f"{folder} is not a directory"
    if folder != path.parent:
        return None if os.access(folder, os.W_OK | os.X_OK) else f"cannot create folders in {folder}"
    try:  # the only sure test (read-only mounts, ACLs, root squash): make a file there
        probe = _temp_path(path, "probe")
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        return f"cannot create files in {folder}: {_reason(exc)}"
    return None


def check_destinations(dests: Sequence[str]) -> list[str]:
    """One message per destination that cannot take a report (empty: all can). Call it before
    the run: it creates nothing."""
    out: list[str] = []
    seen: dict[str, str] = {}
    for dest in dests:
        if dest == STDOUT:
            if sys.stdout is None:
                out.append("standard output is closed: cannot write the report there (use -o FILE)")
            continue
        real = os.path.realpath(dest)
        if real in seen:
            out.append(f"{dest}: named twice as a report destination (also as {seen[real]})")
            continue
        seen[real] = dest
        why = _problem(dest)
        if why is not None:
            out.append(f"{dest}: cannot write the report ({why})")
    return out


def _temp_path(path: Path, kind: str = "tmp") -> Path:
    """A hidden, unique name beside ``path`` (the name cut so the result fits NAME_MAX)."""
    return path.with_name(f".{path.name[:180]}.{os.getpid()}-{secrets.token_hex(4)}.{kind}")


def write_file(dest: str, data: bytes) -> None:
    """Put ``data`` at ``dest`` atomically (see the module docstring); raises OutputError."""
    path = Path(os.path.realpath(dest))
    tmp: Path | None = None
    try:
        try:
            st: os.stat_result | None = os.stat(dest)
        except (FileNotFoundError, NotADirectoryError):
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
            with open(dest, "wb") as fh:  # a device or a pipe: in place
                fh.write(data)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temp_path(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # a full disk or a quota shows here, before the rename
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))  # the replaced report's permissions
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{dest}: cannot write the report ({_reason(exc)})") from None
    finally:
        if tmp is not None:  # failed or interrupted: never leave the half-written file behind
            with contextlib.suppress(OSError):
                tmp.unlink()


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so buffered output and Python's flush at exit go
    nowhere instead of failing again (what the Python docs advise after a broken pipe)."""
    try:
        fd = sys.stdout.fileno() if sys.stdout is not None else 1
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # no real descriptor (a test's captured stream): nothing will flush it at exit


def write_stdout(data: bytes) -> None:
    """Write ``data`` to standard output. Raises BrokenPipeError when the reader went away and
    OutputError for any other failure; after either, standard output is silenced."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("standard output is closed: cannot write the report there (use -o FILE)")
    try:
        buffer = getattr(stream, "buffer", None)
        stream.flush()
        if buffer is None:  # a text-only stream (io.StringIO)
            stream.write(data.decode("utf-8"))
            stream.flush()
        else:
            buffer.write(data)
            buffer.flush()
    except BrokenPipeError:
        silence_stdout()
        raise
    except (OSError, ValueError) as exc:  # ValueError: the stream was closed
        silence_stdout()
        why = _reason(exc) if isinstance(exc, OSError) else str(exc)
        raise OutputError(f"could not write the report to standard output: {why}") from None


def write_reports(report: Report, pairs: Sequence[tuple[str, str | None]]) -> Outcome:
    """Render and write each (format, destination) pair (destination None or ``-``: standard
    output). Every pair is attempted; failures are collected, not raised."""
    from mtqa.report import render

    outcome = Outcome()
    for fmt, dest in pairs:
        text = render(report, fmt)
        try:
            if dest is None or dest == STDOUT:
                if not outcome.broken_pipe:
                    write_stdout(encode(text, newline=True))
            else:
                write_file(dest, encode(text))
        except BrokenPipeError:
            outcome.broken_pipe = True
        except OutputError as exc:
            outcome.errors.append(str(exc))
    return outcome
