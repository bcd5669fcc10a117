"""A fact mention found by an extractor, before mentions are merged into facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mtqa.model import FactMention


@dataclass
class Mention:
    """One mention: ``a``/``b`` index the normalised view until :func:`facts.extract` maps them."""

    type: str  # "number" | "date" | "name"
    key: str  # normalised identity, e.g. "troops|us|iraq", "date|talks_held", "role|pm_iraq"
    label: str  # English, human-readable
    value: str  # normalised value compared across outlets
    display: str  # how the value reads ("about 2,500", "Saturday 27 January")
    a: int
    b: int
    data: dict[str, Any] = field(default_factory=dict)  # num, approx, bound, vague, date parts …
    article: str = ""
    source: str = ""
    passage: str = ""
    start: int = 0
    end: int = 0
    text: str = ""
    side: str = "source"

    def to_value(self) -> FactMention:
        """The mention as the report keeps it, once placed in its article."""
        return FactMention(value=self.value, display=self.display, article=self.article,
                           source=self.source, passage=self.passage, start=self.start,
                           end=self.end, text=self.text,
                           side="translation" if self.side == "translation" else "source")
