"""The check base class and the context a check sees.

A check is one small class with a stable ``code`` (``GARBnnn`` source side, ``TRANnnn``
translation side), a ``name``, the ``feature`` key of its flag count in the evidence (kept apart
from the name, so renaming a check never drops a model feature), a one-sentence ``message``
template, ``supports(lang)`` and ``run(ctx) -> list[Flag]`` (empty = pass). Parameters come from
the ``[checks]`` config section (``ctx.cfg``) or from the fitted model file (``ctx.calib``), never
from constants in code. The table of checks is ``mtqa.checks.CHECKS``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from mtqa.checks.text import Token, WordLists, tokens, units
from mtqa.model import Flag, Severity, Translation

SUPPORTED_LANGS = ("ar", "fa", "prs")


@dataclass
class Context:
    """What a check may look at for one passage.

    ``text`` is the whole article text (or a lone sentence); the passage is ``text[start:end]``
    and its paragraph (all passages sharing its paragraph index) spans ``para_start:para_end``.
    Checks may read the paragraph but report only flags anchored inside the passage.

    What is computed over the whole paragraph (its sentence units, …) is kept in ``shared``, one
    dict given to every context of the paragraph (``checks._contexts``), so a paragraph is scanned
    once, not once per passage: a 5 MB one-line article has some 30,000 passages. Checks that walk
    the units look only at :meth:`unit_window`, so their cost per passage does not grow with the
    paragraph either.
    """

    text: str
    start: int
    end: int
    lang: str
    cfg: dict[str, Any]
    lexicon: WordLists
    calib: dict[str, float] = field(default_factory=dict)  # thresholds fitted by the benchmark
    para_start: int | None = None
    para_end: int | None = None
    prev_tail: str | None = None  # end of the previous content paragraph (None: there is none)
    next_tail: str | None = None  # end of the next content paragraph
    translation: Translation | None = None
    logprob: float | None = None  # Seq-Logprob of mtqa's own rendering, when there is one
    xling_cos: float | None = None  # source–translation cosine, computed in a batch beforehand
    _cache: dict[str, Any] = field(default_factory=dict)
    # per-paragraph results, keyed by (name, para_start, para_end); shared by contexts of one text
    shared: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.para_start is None:
            self.para_start = self.start
        if self.para_end is None:
            self.para_end = self.end

    @property
    def passage(self) -> str:
        return self.text[self.start : self.end]

    def inside(self, pos: int) -> bool:
        return self.start <= pos < self.end

    def tokens(self) -> list[Token]:
        if "tokens" not in self._cache:
            self._cache["tokens"] = tokens(self.text, self.start, self.end)
        return self._cache["tokens"]

    def para(self, name: str, make: Callable[[], Any]) -> Any:
        """The paragraph-level value ``name``, computed by ``make`` once per paragraph."""
        key = (name, self.para_start, self.para_end)
        if key not in self.shared:
            self.shared[key] = make()
        return self.shared[key]

    def para_units(self) -> list[tuple[int, int]]:
        """Sentence-like units of the whole paragraph (``text.units``)."""
        return self.para("units", lambda: units(self.text, self.para_start, self.para_end))

    def unit_window(self) -> range:
        """Indices into :meth:`para_units` of the units overlapping the passage, plus one
        neighbour on each side: every unit a flag anchored inside the passage can involve."""
        us = self.para_units()
        starts, ends = self.para("unit_bounds", lambda: ([u[0] for u in us], [u[1] for u in us]))
        first = bisect.bisect_right(ends, self.start)  # first unit ending after the passage starts
        stop = bisect.bisect_left(starts, self.end)  # first unit starting at or after its end
        return range(max(0, first - 1), min(len(us), stop + 1))

    def words(self) -> list[Token]:
        """Arabic-script tokens of the passage."""
        return [t for t in self.tokens() if t.script == "arabic"]

    def param(self, key: str) -> Any:
        return self.cfg["params"][key]


class Check:
    """One rule. Subclasses set the class attributes and implement ``run``."""

    code: ClassVar[str]  # stable rule code, never reused
    name: ClassVar[str]  # shown in reports
    feature: ClassVar[str | None]  # key of its flag count in the evidence and the model (None: flags only)
    message: ClassVar[str]  # may use {text}
    severity: ClassVar[Severity] = "warning"
    side: ClassVar[str] = "source"
    langs: ClassVar[tuple[str, ...]] = SUPPORTED_LANGS
    needs_translation: ClassVar[bool] = False
    # True: a flag of this check flags its passage whatever the garble model says (for evidence
    # the model was never fitted on, such as a 200 KB run of characters without a space).
    decisive: ClassVar[bool] = False

    def supports(self, lang: str) -> bool:
        return lang in self.langs

    def run(self, ctx: Context) -> list[Flag]:  # pragma: no cover - abstract
        raise NotImplementedError

    def flag(self, start: int, end: int, text: str, confidence: float = 1.0,
             shown: str | None = None) -> Flag:
        """A flag over ``text[start:end]``; ``shown`` replaces the quoted text in the message."""
        snippet = (text[start:end] if shown is None else shown).strip()
        if len(snippet) > 60:
            snippet = snippet[:57] + "…"
        return Flag(code=self.code, name=self.name, message=self.message.format(text=snippet),
                    start=start, end=end, severity=self.severity,
                    confidence=round(max(0.0, min(1.0, confidence)), 4),
                    side="translation" if self.side == "translation" else "source")
