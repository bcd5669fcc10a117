"""The one data model shared by every stage: articles, passages, translations and flags.

Offsets are Python string indices (code points) into ``Article.text``, the decoded input
text of the article (for plain-text files the whole file, for JSONL the record's ``text``,
for HTML/feeds the extracted main text). ``passage.text == article.text[start:end]`` always.
Flags on the translation side (``side == "translation"``) index into that translation's text.

Stages never mutate these objects: they return new ones with ``dataclasses.replace``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
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
    def first_translation(self) -> str | None:
        """The first rendering's text, or None (the report's ``translation``)."""
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
            "translation": self.first_translation,
            "translations": [t.to_dict() for t in self.translations],
            "evidence": {k: round(v, 4) for k, v in sorted(self.evidence.items())},
            "garble": None if self.garble is None else round(self.garble, 4),
            "flagged": self.flagged,
            "reasons": [f.to_dict() for f in self.flags],
        }


@dataclass(frozen=True)
class Note:
    """Something the reader should know about a whole article (not a flag on a passage): an
    input repaired, an id qualified, a doubt about the declared language. ``code`` is stable:
    ``INGEST001`` surrogates replaced, ``INGEST002`` id qualified by its file, ``LANG001`` declared
    language kept over a text in another script, ``LANG002`` declared language contradicted."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


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
    supplied_translation: str | None = None  # the feed's own English for the whole article
    line: int = 1  # 1-based line in ``source`` at which ``text`` starts (JSONL records)
    column_offset: int = 0  # for github annotations: 0 for plain text; JSONL points at the record
    passages: tuple[Passage, ...] = ()
    # What ingest and language identification repaired or doubted (a lone surrogate replaced, a
    # declared language the text contradicts): reported, never silently applied.
    notes: tuple[Note, ...] = ()

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
            "notes": [n.to_dict() for n in self.notes],
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
    lang: str | None = None  # an article in a language mtqa does not check ("ur"), for the gate

    def to_dict(self) -> dict[str, str]:
        out = {"source": self.source, "message": self.message}
        if self.lang is not None:
            out["lang"] = self.lang
        return out


# --- the cross-check section ---------------------------------------------------------------------

FactStatus = Literal["corroborated", "conflict", "single-source"]
FACT_STATUSES: tuple[FactStatus, ...] = ("corroborated", "conflict", "single-source")
# The one mapping from a fact's status (as the schema writes it in ``facts[].status``) to the
# field of :class:`FactCounts` (and key of ``summary`` / ``per_article``) that counts it.
STATUS_COUNT: dict[FactStatus, str] = {"corroborated": "corroborated", "conflict": "conflict",
                                       "single-source": "single_source"}


@dataclass(frozen=True)
class Alignment:
    """Two passages of different articles of one story that tell the same thing."""

    passages: tuple[str, str]
    articles: tuple[str, str]
    score: float
    shared: tuple[str, ...]  # anchors (fact keys, numbers) both passages hold

    def to_dict(self) -> dict[str, Any]:
        return {"passages": list(self.passages), "articles": list(self.articles),
                "score": round(self.score, 4), "shared": list(self.shared)}


@dataclass(frozen=True)
class Story:
    """Articles grouped as reporting one event; ``alignments`` is None for a lone article."""

    id: str  # "story-<n>"
    articles: tuple[str, ...]
    title: str
    alignments: tuple[Alignment, ...] | None = None
    note: str | None = None  # how the alignment was limited (a story over align_max_articles)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "articles": list(self.articles), "title": self.title}
        if self.alignments is not None:
            out["alignments"] = [a.to_dict() for a in self.alignments]
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class FactMention:
    """One outlet's value for a fact, with its place in the article (or in its translation)."""

    value: str  # normalised value compared across outlets
    display: str  # how the value reads ("about 2,500")
    article: str
    source: str
    passage: str
    start: int  # offsets into Article.text (side "source") or the first translation's text
    end: int
    text: str
    side: Literal["source", "translation"] = "source"

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "display": self.display, "article": self.article,
                "source": self.source, "passage": self.passage, "start": self.start,
                "end": self.end, "text": self.text, "side": self.side}

    def ref(self) -> dict[str, Any]:
        """The shorter form a conflict names its two sides by."""
        return {"article": self.article, "passage": self.passage, "start": self.start,
                "end": self.end, "value": self.value, "display": self.display, "side": self.side}


@dataclass(frozen=True)
class Conflict:
    """Two mentions of one fact that disagree."""

    a: FactMention
    b: FactMention

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a.ref(), "b": self.b.ref()}


@dataclass(frozen=True)
class Fact:
    """Mentions of one key (e.g. ``troops|us|iraq``) within a story, and whether they agree."""

    id: str  # "fact-<n>"
    story: str
    type: str  # "number" | "date" | "name"
    key: str
    label: str
    status: FactStatus
    values: tuple[FactMention, ...]
    articles: tuple[str, ...]
    conflicts: tuple[Conflict, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "story": self.story, "type": self.type,
                               "key": self.key, "label": self.label, "status": self.status,
                               "values": [v.to_dict() for v in self.values],
                               "articles": list(self.articles)}
        if self.conflicts:
            out["conflicts"] = [c.to_dict() for c in self.conflicts]
        return out


@dataclass(frozen=True)
class Disagreement:
    """A passage whose renderings by several systems disagree (flag XCHK001)."""

    article: str
    passage: str
    start: int
    end: int
    systems: tuple[str, ...]
    chrf: float
    cosine: float
    renderings: Mapping[str, str]  # system name -> rendering, in ``systems`` order
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"article": self.article, "passage": self.passage, "start": self.start,
                "end": self.end, "systems": list(self.systems), "chrf": self.chrf,
                "cosine": self.cosine, "renderings": dict(self.renderings), "message": self.message}


@dataclass(frozen=True)
class TranslationComparison:
    """How many passages had several renderings to compare, and those that disagree."""

    compared: int = 0
    disagreements: tuple[Disagreement, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"compared": self.compared,
                "disagreements": [d.to_dict() for d in self.disagreements]}


@dataclass(frozen=True)
class FactCounts:
    """Facts by status (field names: :data:`STATUS_COUNT`) and translation disagreements."""

    corroborated: int = 0
    conflict: int = 0
    single_source: int = 0
    disagreements: int = 0

    @classmethod
    def tally(cls, statuses: Iterable[FactStatus], disagreements: int = 0) -> FactCounts:
        return cls(disagreements=disagreements, **Counter(STATUS_COUNT[s] for s in statuses))

    def of(self, status: FactStatus) -> int:
        return int(getattr(self, STATUS_COUNT[status]))

    def to_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class CrossCheckSummary:
    """Counts over the whole report, and per article (every article of the run, even unread)."""

    stories: int
    facts: int
    counts: FactCounts
    per_article: Mapping[str, FactCounts]

    @property
    def conflict(self) -> int:
        return self.counts.conflict

    def to_dict(self) -> dict[str, Any]:
        return {"stories": self.stories, "facts": self.facts, **self.counts.to_dict(),
                "per_article": {aid: c.to_dict() for aid, c in self.per_article.items()}}


@dataclass(frozen=True)
class CrossCheck:
    """The report's ``crosscheck`` section: stories, facts across outlets, translation agreement."""

    stories: tuple[Story, ...]
    facts: tuple[Fact, ...]
    translations: TranslationComparison
    summary: CrossCheckSummary

    @classmethod
    def build(cls, article_ids: Iterable[str], stories: Iterable[Story], facts: Iterable[Fact],
              translations: TranslationComparison) -> CrossCheck:
        """The section with its summary counted from ``facts`` and ``translations``."""
        stories, facts = tuple(stories), tuple(facts)
        statuses: dict[str, list[FactStatus]] = {aid: [] for aid in article_ids}
        disagreements: Counter[str] = Counter(d.article for d in translations.disagreements)
        for f in facts:
            for aid in f.articles:
                statuses[aid].append(f.status)
        summary = CrossCheckSummary(
            stories=len(stories), facts=len(facts),
            counts=FactCounts.tally((f.status for f in facts), len(translations.disagreements)),
            per_article={aid: FactCounts.tally(s, disagreements[aid]) for aid, s in statuses.items()})
        return cls(stories, facts, translations, summary)

    def conflicts(self) -> list[Fact]:
        return [f for f in self.facts if f.status == "conflict"]

    def to_dict(self) -> dict[str, Any]:
        return {"stories": [s.to_dict() for s in self.stories],
                "facts": [f.to_dict() for f in self.facts],
                "translations": self.translations.to_dict(),
                "summary": self.summary.to_dict()}


# --- the gate's result (computed by mtqa.gate) ---------------------------------------------------

GateStatus = Literal["pass", "fail", "warn", "skipped"]
REPORT_WIDE = "*"  # the article id under which report-wide rules record their detail


@dataclass
class GateDetail:
    """One article (or the whole report, ``article == "*"``) exceeding a threshold."""

    article: str
    source: str
    observed: Any
    status: str  # "fail" (a regression, or no baseline) or "warn" (tolerated / warn-only rule)
    passages: list[str] = field(default_factory=list)
    baseline: Any = None  # the baseline's value for this article, when it has one
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"article": self.article, "source": self.source, "observed": self.observed,
                "status": self.status, "passages": list(self.passages),
                "baseline": self.baseline, "note": self.note}


@dataclass
class GateCheck:
    """One threshold as judged on this report."""

    name: str
    description: str
    limit: Any
    observed: Any
    action: str
    status: str  # pass | fail | warn | skipped
    details: list[GateDetail] = field(default_factory=list)
    note: str = ""
    passage_level: bool = True  # False: the passages a detail lists are context, not verdicts

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "limit": self.limit,
                "observed": self.observed, "action": self.action, "status": self.status,
                "note": self.note, "details": [d.to_dict() for d in self.details]}


@dataclass
class PassageVerdict:
    """The gate on one passage: ``fail`` or ``warn``, and the checks that name it."""

    status: str
    checks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "checks": list(self.checks)}


@dataclass
class ArticleVerdict:
    """The gate on one article: its status, the checks it failed or warned on, its passages."""

    status: str  # "fail" | "warn" (articles that only pass have no verdict)
    source: str
    failed: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    passages: dict[str, PassageVerdict] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "source": self.source, "failed": list(self.failed),
                "warned": list(self.warned),
                "passages": {pid: v.to_dict() for pid, v in self.passages.items()}}


@dataclass
class GateResult:
    """The gate's decision: ``passed`` is False when any check has status ``fail``."""

    passed: bool
    checks: list[GateCheck]
    baseline: str | None = None  # the baseline report's signature, when one was given

    def articles(self) -> dict[str, ArticleVerdict]:
        """Per-article verdicts: status, failed/warned checks and passage verdicts.

        ``passages`` holds a verdict for each passage a passage-level rule names (a report-wide
        rule such as ``max_conflicts`` only marks the article).
        """
        out: dict[str, ArticleVerdict] = {}
        for check in self.checks:
            for d in check.details:
                if d.article == REPORT_WIDE:
                    continue
                entry = out.setdefault(d.article, ArticleVerdict("pass", d.source))
                if d.status == "fail":
                    entry.status = "fail"
                    entry.failed.append(check.name)
                else:
                    if entry.status != "fail":
                        entry.status = "warn"
                    entry.warned.append(check.name)
                if not check.passage_level:
                    continue
                for pid in d.passages:
                    verdict = entry.passages.setdefault(pid, PassageVerdict(d.status))
                    if d.status == "fail":
                        verdict.status = "fail"
                    verdict.checks.append(check.name)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "verdict": "pass" if self.passed else "fail",
            "baseline": self.baseline,
            "checks": [c.to_dict() for c in self.checks],
            "articles": {aid: v.to_dict() for aid, v in self.articles().items()},
        }


@dataclass
class Report:
    """Everything a run produced; reporters render it, the gate judges it."""

    version: str
    signature: str
    articles: list[Article]
    problems: list[Problem] = field(default_factory=list)
    crosscheck: CrossCheck | None = None
    gate: GateResult | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA_VERSION,
            "mtqa_version": self.version,
            "signature": self.signature,
            "articles": [a.to_dict() for a in self.articles],
            "problems": [p.to_dict() for p in self.problems],
            "crosscheck": None if self.crosscheck is None else self.crosscheck.to_dict(),
        }
        if self.gate is not None:
            out["gate"] = self.gate.to_dict()
        return out


SCHEMA_VERSION = 1
