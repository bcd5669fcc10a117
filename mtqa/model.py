"""The one data model shared by every stage: articles, passages, translations and flags.

Offsets are Python string indices (code points) into ``Article.text``, the decoded input
text of the article (for plain-text files the whole file, for JSONL the record's ``text``,
for HTML/feeds the extracted main text). ``passage.text == article.text[start:end]`` always.
Flags on the translation side (``side == "translation"``) index into that translation's text.

Stages never mutate these objects: they return new ones with ``dataclasses.replace``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["content", "boilerplate", "offtopic", "duplicate"]
KINDS: tuple[str, ...] = ("content", "boilerplate", "offtopic", "duplicate")
Severity = Literal["error", "warning", "info"]

# Internal language codes: ISO 639-1 for Arabic and Persian, ISO 639-3 ``prs`` for Dari.
LANGS: tuple[str, ...] = ("ar", "fa", "prs")


@dataclass(frozen=True)
class Flag:
    """One reason a passage is suspicious, with a span in the original text."""

    code: str  # stable rule code, e.g. "GARB001"
    name: str  # rule name, e.g. "broken-name"
    message: str  # one sentence a journalist understands
    start: int
    end: int
    severity: Severity = "warning"
    confidence: float = 1.0
    side: Literal["source", "translation"] = "source"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "severity": self.severity,
            "confidence": round(self.confidence, 4),
            "side": self.side,
        }


@dataclass(frozen=True)
class Translation:
    """An English rendering of one passage by one system."""

    system: str  # translator name as registered, e.g. "gemma3-270m", "supplied"
    text: str
    tokens: tuple[str, ...] = ()
    token_logprobs: tuple[float, ...] = ()  # natural-log probability of each generated token
    cached: bool = False

    @property
    def mean_logprob(self) -> float | None:
        """Seq-Logprob: mean token log-probability, or None when the system gives none."""
        if not self.token_logprobs:
            return None
        return sum(self.token_logprobs) / len(self.token_logprobs)

    def to_dict(self) -> dict[str, Any]:
        lp = self.mean_logprob
        return {
            "system": self.system,
            "text": self.text,
            "mean_logprob": None if lp is None else round(lp, 4),
            "tokens": list(self.tokens),
            "token_logprobs": [round(x, 4) for x in self.token_logprobs],
        }


def system_names(translations: Sequence[Translation]) -> list[str]:
    """System names, numbered when one system gave several samples ("gemma3-270m#2")."""
    seen: Counter[str] = Counter()
    out = []
    for t in translations:
        seen[t.system] += 1
        out.append(t.system if seen[t.system] == 1 else f"{t.system}#{seen[t.system]}")
    return out


@dataclass(frozen=True)
class RenderingPair:
    """Two renderings of one passage compared: ``hyp`` scored against ``ref``."""

    hyp: str  # system name, numbered when one system gave several samples ("gemma3-270m#2")
    ref: str
    chrf: float  # sentence chrF, 0-100
    cos: float  # cosine of their English embeddings

    def message(self) -> str:
        return (f"The {self.hyp} and {self.ref} translations of this passage disagree "
                f"(chrF {self.chrf:.1f}, cosine {self.cos:.2f}): check the meaning by hand")


@dataclass(frozen=True)
class Agreement:
    """How far a passage's renderings agree (``mtqa.checks.agreement``)."""

    chrf: float  # the pairs' chrF, reduced (min or mean)
    cos: float  # the pairs' cosine, reduced likewise
    pairs: tuple[RenderingPair, ...]
    disagreeing: RenderingPair | None = None  # the worst pair below a threshold, if any


@dataclass(frozen=True)
class Passage:
    """A sentence-sized unit of an article, labelled by the cleaner and scored by the checks."""

    id: str  # "<article id>:<n>", n counting from 0 in document order
    article_id: str
    start: int
    end: int
    text: str
    lang: str
    paragraph: int  # index of the paragraph (non-blank line) the passage belongs to
    kind: Kind = "content"
    reason: str = ""  # why the cleaner gave this kind ("" for plain content)
    translations: tuple[Translation, ...] = ()
    evidence: dict[str, float] = field(default_factory=dict)  # per-source scores, see mtqa.checks
    agreement: Agreement | None = None  # between several renderings, see mtqa.checks.agreement
    garble: float | None = None  # calibrated probability that the passage is garbled
    flagged: bool = False
    flags: tuple[Flag, ...] = ()

    @property
    def translation(self) -> str | None:
        """The first translation's text, or None."""
        return self.translations[0].text if self.translations else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "paragraph": self.paragraph,
            "text": self.text,
            "kind": self.kind,
            "reason": self.reason,
            "translation": self.translation,
            "translations": [t.to_dict() for t in self.translations],
            "evidence": {k: round(v, 4) for k, v in sorted(self.evidence.items())},
            "garble": None if self.garble is None else round(self.garble, 4),
            "flagged": self.flagged,
            "reasons": [f.to_dict() for f in self.flags],
        }


@dataclass(frozen=True)
class Article:
    """One input article and, once processed, its passages."""

    id: str
    source: str  # path or URL it was read from
    text: str  # decoded input text; every offset indexes into it
    lang: str | None = None  # "ar", "fa" or "prs" once identified
    lang_confidence: float | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    translation: str | None = None  # an English translation supplied with the input
    line: int = 1  # 1-based line in ``source`` at which ``text`` starts (JSONL records)
    column_offset: int = 0  # for github annotations: 0 for plain text; JSONL points at the record
    passages: tuple[Passage, ...] = ()

    def content(self) -> list[Passage]:
        return [p for p in self.passages if p.kind == "content"]

    def to_dict(self) -> dict[str, Any]:
        flagged = [p for p in self.passages if p.flagged]
        content = self.content()
        return {
            "id": self.id,
            "source": self.source,
            "lang": self.lang,
            "lang_confidence": None if self.lang_confidence is None else round(self.lang_confidence, 4),
            "title": self.title,
            "url": self.url,
            "published": self.published,
            "summary": {
                "passages": len(self.passages),
                "content": len(content),
                "removed": {k: sum(p.kind == k for p in self.passages) for k in KINDS[1:]},
                "flagged": len(flagged),
                "flagged_share": round(len(flagged) / len(content), 4) if content else 0.0,
                "max_garble": max((p.garble for p in content if p.garble is not None), default=None),
            },
            "passages": [p.to_dict() for p in self.passages],
        }


@dataclass(frozen=True)
class Problem:
    """A bad input that was reported and skipped, so the rest of the run could go on."""

    source: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"source": self.source, "message": self.message}


@dataclass
class Report:
    """Everything a run produced; reporters render it, the gate judges it."""

    version: str
    signature: str
    articles: list[Article]
    problems: list[Problem] = field(default_factory=list)
    crosscheck: dict[str, Any] | None = None
    gate: dict[str, Any] | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "mtqa_version": self.version,
            "signature": self.signature,
            "articles": [a.to_dict() for a in self.articles],
            "problems": [p.to_dict() for p in self.problems],
            "crosscheck": self.crosscheck,
        }
        if self.gate is not None:
            out["gate"] = self.gate
        return out


SCHEMA_VERSION = 1
