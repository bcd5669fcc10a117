"""Writing rendered reports: every destination checked before the run, files replaced atomically.

Interface used by the CLI::

    check_destinations(paths) -> None          # ReportWriteError before any work is done
    write_file(path, text) -> None             # temporary file beside it, then os.replace
    write_stdout(text) -> None                 # ReportWriteError on a full disk; BrokenPipeError

A report is never half-written over an earlier one: the text goes to a temporary file in the
destination's directory and is renamed into place only once it is complete, so a full disk or a
killed process leaves the old report (or nothing) and no stray temporary file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from mtqa.errors import MtqaError

STDOUT = "-"


class ReportWriteError(MtqaError):
    """A report destination cannot be written (fatal: the report is the run's product)."""


def _existing_ancestor(path: Path) -> Path:
    for parent in path.parents:
        if parent.exists():
            return parent
    return Path(".")


def check_destination(dest: str) -> str | None:
    """Why ``dest`` cannot receive a report, or None when it looks writable.

    Missing parent folders are fine (they are created) as long as the nearest existing one is a
    writable directory."""
    path = Path(dest)
    if path.is_dir():
        return "is a directory"
    if path.exists():
        if not path.is_file():
            return "is not a regular file"
        if not os.access(path, os.W_OK):
            return "is not writable (read-only file)"
        folder = path.parent
    else:
        folder = _existing_ancestor(path.absolute())
        if not folder.is_dir():
            return f"cannot create it: {folder} is not a directory"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"cannot create files in {folder} (permission denied)"
    return None


def check_destinations(dests: Iterable[str | None]) -> None:
    """Raise :class:`ReportWriteError` naming every destination that cannot be written."""
    problems = [f"{d}: cannot write the report there ({why})" for d in dests
                if d not in (None, STDOUT) and (why := check_destination(d))]
    if problems:
        raise ReportWriteError("\n".join(problems))


def write_file(dest: str, text: str) -> None:
    """Write ``text`` to ``dest`` atomically (temporary file in the same folder, then rename)."""
    path = Path(dest)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ReportWriteError(f"{dest}: cannot write the report ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        kept = " (the earlier file there is unchanged)" if path.exists() else ""
        raise ReportWriteError(f"{dest}: cannot write the report ({exc.strerror or exc}){kept}") from None


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_stdout(text: str) -> None:
    """Write ``text`` (and a final newline) to standard output.

    A full disk or a closed stream raises :class:`ReportWriteError`; a reader that went away
    (``| head``) raises BrokenPipeError for the CLI to end quietly."""
    stream = sys.stdout
    if stream is None:
        raise ReportWriteError("cannot write the report to standard output: it is closed; use -o FILE")
    try:
        stream.write(text)
        if not text.endswith("\n"):
            stream.write("\n")
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:  # ENOSPC on /dev/full; ValueError: closed stream
        silence_stdout()
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ReportWriteError(f"cannot write the report to standard output ({why}); "
                               "use -o FILE") from None


def silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
