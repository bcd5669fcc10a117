"""Exceptions raised by the library. The CLI maps every one of them to exit status 2."""

from __future__ import annotations


class MtqaError(Exception):
    """Base class: a problem the user can fix, with a one-line message."""


class InputError(MtqaError):
    """An input file or record is unreadable or malformed.

    ``path`` names the file (or URL) and ``problem`` says what is wrong with it.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class UnsupportedLanguage(InputError):
    """An article in a language mtqa does not check (e.g. Urdu); ``lang`` is its ISO code."""

    def __init__(self, path: str, problem: str, lang: str) -> None:
        super().__init__(path, problem)
        self.lang = lang


class ConfigError(MtqaError):
    """A configuration file or option is invalid (unknown key, wrong type, bad value)."""


class ModelError(MtqaError):
    """A model could not be found, loaded or run."""
