"""Stage 3, clean: label each paragraph content / boilerplate / offtopic / duplicate, with a reason.

Reads: the article and its paragraph spans (``segment.paragraphs``). Adds: one ``Label`` per
paragraph, which ``segment.passages`` turns into each passage's ``kind`` and ``reason``.

Interface::

    classify(article, paragraphs, cfg) -> list[Label]
    explain(article, paragraphs, cfg) -> list[list[Label]]   # every rule's verdict ("all reasons")
    signature(cfg) -> dict

Nothing is deleted: every paragraph gets a :class:`Label`. The rules, in the style of
bicleaner-hardrules, are tiny functions in :data:`RULES`, each with a stable code; the order they
run in and their parameters are config data (``configs/defaults/clean.toml``), and the phrase
lists they match live in ``configs/boilerplate*.toml``. Paragraphs are visited in document order
and the first rule that fires labels the paragraph; a paragraph no rule claims is ``content``.
Phrases are matched on :func:`mtqa.script.fold_spelling`-ed text with punctuation removed, so spelling
variants (أ/ا, ي/ی, ك/ک, harakat, ZWNJ) do not matter.

Rules (code, name → kind):

- CLEAN001 after-read-also → offtopic: everything after a stand-alone "read also" marker.
- CLEAN002 read-also → boilerplate: the marker line itself ("إقرأ أيضاً:", "بیشتر بخوانید").
- CLEAN003 ui-string → boilerplate: page chrome from the phrase lists (whole line, or line prefix).
- CLEAN004 latin-ui → boilerplate: a short, mostly-Latin line inside Arabic-script text.
- CLEAN005 teaser → boilerplate: a line ending in "..."/"…" right after a section label or teaser.
- CLEAN006 duplicate → duplicate: a paragraph whose word 3-shingles are contained in an earlier
  paragraph's (or vice versa) at ``containment`` or more.
- CLEAN007 pasted-headline → boilerplate: a later line without sentence-final punctuation that is
  short (a headline or caption pasted into the body), or that ends with "،". The article's first
  content line (its own title) is exempt, and so are lines ending with ":" (they introduce a quote).
- CLEAN008 fragment → boilerplate: a later line of at most ``max_words`` words with no sentence
  punctuation (tag labels like "گروه", datelines like "القاهرة –").
- CLEAN009 topic-drift → offtopic: a trailing block of paragraphs sharing (almost) no content
  words with the lead, after a story of its own; off by default (see clean.toml).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mtqa.config import resolve_config_path
from mtqa.errors import ConfigError
from mtqa.model import Article, Kind
from mtqa.script import CLOSERS_AND_BRACE, CORE_LETTER_RE, ends_sentence, fold_spelling

VERSION = "1"


@dataclass(frozen=True)
class Label:
    """What the cleaner decided about one paragraph."""

    kind: Kind
    reason: str = ""  # "" for plain content; else "CLEANnnn name: detail"


CONTENT = Label("content", "")

KEY_CHARS = 20000
"""Rules look at most this many characters of a paragraph (phrase matches are whole short lines or
prefixes, duplicates compare the first ``duplicate.max_tokens`` words), so a 5 MB line stays fast."""

_PUNCT = re.compile(r"[^\w\s]+")
_WORDS = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


# --- phrase lists ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Phrases:
    """Phrase lists from ``configs/boilerplate*.toml``, already folded."""

    ui_exact: frozenset[str]
    ui_prefix: tuple[str, ...]  # prefix_key()s
    section_labels: frozenset[str]
    read_also: tuple[str, ...]
    original: dict[str, str]  # folded phrase -> as written in the phrase file (for reasons)


def key(text: str) -> str:
    """Matching key: folded, punctuation dropped, spaces collapsed."""
    return " ".join(_PUNCT.sub(" ", fold_spelling(text)).split())


_PUNCT_BUT_COLON = re.compile(r"[^\w\s:：]+")


def prefix_key(text: str) -> str:
    """Like :func:`key`, but a colon stays as a word of its own: "المصدر:" must not match the
    start of "المصدر الأمني قال …" (the security source said …)."""
    out = _PUNCT_BUT_COLON.sub(" ", fold_spelling(text)).replace("：", ":").replace(":", " : ")
    return " ".join(out.split())


def load_phrases(files: Sequence[str]) -> Phrases:
    """Read and fold the phrase files (paths relative to ``configs/``)."""
    stamps = []
    for name in files:
        path = resolve_config_path(name)
        try:
            stamps.append((str(path), os.stat(path).st_mtime_ns))
        except OSError:
            raise ConfigError(f"{path}: phrase file not found (clean.phrase_files)") from None
    return _load_phrases(tuple(stamps))


@lru_cache(maxsize=8)
def _load_phrases(stamps: tuple[tuple[str, int], ...]) -> Phrases:
    exact: set[str] = set()
    prefix: list[str] = []
    labels: set[str] = set()
    read_also: list[str] = []
    original: dict[str, str] = {}
    allowed = {"ui_exact", "ui_prefix", "section_labels", "read_also"}
    for path, _ in stamps:
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        for table, body in data.items():
            if not isinstance(body, dict):
                raise ConfigError(f"{path}: [{table}] must be a table of phrase lists")
            for name, items in body.items():
                if name not in allowed or not isinstance(items, list):
                    raise ConfigError(f"{path}: unknown phrase list '{table}.{name}' "
                                      f"(known: {', '.join(sorted(allowed))})")
                folded = [key(str(p)) for p in items if key(str(p))]
                for p in items:
                    original.setdefault(key(str(p)), str(p))
                if name == "ui_exact":
                    exact.update(folded)
                elif name == "ui_prefix":
                    prefix.extend(prefix_key(str(p)) for p in items if prefix_key(str(p)))
                    for p in items:
                        original.setdefault(prefix_key(str(p)), str(p))
                elif name == "section_labels":
                    labels.update(folded)
                    exact.update(folded)
                else:
                    read_also.extend(folded)
    return Phrases(frozenset(exact), tuple(sorted(set(prefix), key=len, reverse=True)),
                   frozenset(labels), tuple(sorted(set(read_also), key=len, reverse=True)), original)


# --- context passed to every rule --------------------------------------------------------------

@dataclass
class Page:
    """The article as the cleaning rules see it: its paragraphs, their keys, the decisions so far."""

    article: Article
    spans: Sequence[tuple[int, int]]
    cfg: dict[str, Any]
    phrases: Phrases
    texts: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    marker: tuple[int, str] | None = None  # (paragraph, marker) of a stand-alone read-also line
    seen_content: bool = False
    arabic_script: bool = True
    shingles: dict[str, list[int]] = field(default_factory=dict)  # shingle -> paragraphs holding it
    sizes: list[int] = field(default_factory=list)  # distinct shingles per paragraph

    def params(self, rule: str) -> dict[str, Any]:
        return self.cfg[rule]


def _quote(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# --- the rules ---------------------------------------------------------------------------------

Rule = Callable[[Page, int], Label | None]


def after_read_also(ctx: Page, i: int) -> Label | None:
    if ctx.marker is None:
        return None
    where, marker = ctx.marker
    return Label("offtopic", f"CLEAN001 after-read-also: appended after the marker "
                             f"'{marker}' (paragraph {where})")


def read_also(ctx: Page, i: int) -> Label | None:
    k = ctx.keys[i]
    for marker in ctx.phrases.read_also:
        if k == marker or k.startswith(marker + " "):
            text = _quote(ctx.texts[i])
            if k == marker:  # stand-alone marker: what follows is another article
                ctx.marker = (i, text)
                return Label("boilerplate", f"CLEAN002 read-also: marker '{text}'; "
                                            "what follows is a different article")
            return Label("boilerplate", f"CLEAN002 read-also: link to another article '{text}'")
    return None


def ui_string(ctx: Page, i: int) -> Label | None:
    k = ctx.keys[i]
    if k in ctx.phrases.ui_exact:
        kind = "section label" if k in ctx.phrases.section_labels else "page chrome"
        return Label("boilerplate", f"CLEAN003 ui-string: {kind} '{_quote(ctx.texts[i])}'")
    max_words = ctx.params("ui_string")["prefix_max_words"]
    pk = prefix_key(ctx.texts[i][:KEY_CHARS])
    for p in ctx.phrases.ui_prefix:
        if pk == p or (pk.startswith(p + " ") and len(k.split()) <= max_words):
            return Label("boilerplate",
                         f"CLEAN003 ui-string: matches '{ctx.phrases.original.get(p, p)}'")
    return None


def latin_ui(ctx: Page, i: int) -> Label | None:
    if not ctx.arabic_script:
        return None
    p = ctx.params("latin_ui")
    text = ctx.texts[i]
    words = text.split()
    if len(words) > p["max_words"]:
        return None
    latin = len(_LATIN.findall(text))
    arabic = len(CORE_LETTER_RE.findall(text))
    if latin and latin / (latin + arabic) >= p["min_latin_share"]:
        return Label("boilerplate", f"CLEAN004 latin-ui: short Latin-script line '{_quote(text)}' "
                                    "in an Arabic-script article")
    return None


def teaser(ctx: Page, i: int) -> Label | None:
    text = ctx.texts[i].rstrip()
    if not (text.endswith("...") or text.endswith("…")) or i == 0:
        return None
    prev = ctx.labels[i - 1]
    if prev.reason.startswith(("CLEAN003 ui-string: section label", "CLEAN005")):
        return Label("boilerplate", "CLEAN005 teaser: related-article teaser after a section label")
    return None


def _shingles(words: list[str], k: int) -> set[str]:
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[j:j + k]) for j in range(len(words) - k + 1)}


def duplicate(ctx: Page, i: int) -> Label | None:
    p = ctx.params("duplicate")
    words = _WORDS.findall(ctx.keys[i])[: p["max_tokens"]]
    if len(words) < p["min_tokens"]:
        mine = {" ".join(words)} if words else set()
        exact_only = True
    else:
        mine = _shingles(words, p["shingle"])
        exact_only = False
    hits: Counter[int] = Counter()
    for sh in mine:
        for j in ctx.shingles.get(sh, ()):
            hits[j] += 1
    found: Label | None = None
    for j, n in sorted(hits.items()):
        if exact_only or ctx.sizes[j] == 0:
            if ctx.keys[j] == ctx.keys[i]:
                found = _dup_label(ctx, j, 1.0)
                break
            continue
        score = n / min(len(mine), ctx.sizes[j])
        if score >= p["containment"]:
            found = _dup_label(ctx, j, score)
            break
    for sh in mine:
        ctx.shingles.setdefault(sh, []).append(i)
    ctx.sizes.append(0 if exact_only else len(mine))
    return found


def _dup_label(ctx: Page, j: int, score: float) -> Label:
    return Label("duplicate", f"CLEAN006 duplicate: repeats paragraph {j} "
                              f"'{_quote(ctx.texts[j], 30)}' (containment {score:.2f})")


def pasted_headline(ctx: Page, i: int) -> Label | None:
    if not ctx.seen_content:
        return None  # the article's own title
    text = ctx.texts[i].rstrip()
    if ends_sentence(text, CLOSERS_AND_BRACE, space_in_closers=True) or text.endswith((":", "：")):
        return None
    if text.endswith(("،", ",")):
        return Label("boilerplate", "CLEAN007 pasted-headline: headline pasted into body "
                                    "(line breaks off at a comma)")
    if len(text.split()) <= ctx.params("pasted_headline")["max_words"]:
        return Label("boilerplate", "CLEAN007 pasted-headline: headline pasted into body "
                                    "(no sentence-final punctuation)")
    return None


def fragment(ctx: Page, i: int) -> Label | None:
    if not ctx.seen_content:
        return None
    text = ctx.texts[i].rstrip()
    if text.endswith((":", "：")):
        return None  # "وقال المتحدث:" introduces a quote on the next line
    if len(text.split()) <= ctx.params("fragment")["max_words"] and \
            not ends_sentence(text, CLOSERS_AND_BRACE, space_in_closers=True):
        return Label("boilerplate", f"CLEAN008 fragment: stray label or dateline '{_quote(text)}'")
    return None


RULES: dict[str, Rule] = {
    "after_read_also": after_read_also,
    "read_also": read_also,
    "ui_string": ui_string,
    "latin_ui": latin_ui,
    "teaser": teaser,
    "duplicate": duplicate,
    "fragment": fragment,
    "pasted_headline": pasted_headline,
}
"""Per-paragraph rules, by the name used in ``clean.rules``."""


# --- whole-article rules (run after the per-paragraph pass) ------------------------------------

def topic_drift(ctx: Page) -> None:
    """CLEAN009: relabel a trailing block that shares no content words with the lead as offtopic.

    The lead is the first ``lead_paragraphs`` content paragraphs; a trailing run of at least
    ``min_block`` content paragraphs whose content words (length ≥ 4, seen in no more than half of
    the article's paragraphs) overlap the lead's at most ``max_overlap`` (Jaccard on word sets) is
    relabelled, so a story paragraph that mentions the lead's names or places is never touched.
    """
    p = ctx.params("topic_drift")
    content = [i for i, lab in enumerate(ctx.labels) if lab.kind == "content"]
    if len(content) < p["lead_paragraphs"] + p["min_block"]:
        return
    vocab = [{w for w in _WORDS.findall(ctx.keys[i]) if len(w) >= 4 and not w.isdigit()}
             for i in range(len(ctx.keys))]
    lead: set[str] = set().union(*(vocab[i] for i in content[: p["lead_paragraphs"]]))
    block: list[int] = []
    for i in reversed(content[p["lead_paragraphs"]:]):
        v = vocab[i]
        overlap = len(v & lead) / max(1, len(v | lead))
        if overlap > p["max_overlap"]:
            break
        block.append(i)
    if len(block) >= p["min_block"]:
        for i in block:
            ctx.labels[i] = Label("offtopic", "CLEAN009 topic-drift: shares no content words "
                                              "with the article's lead")


ARTICLE_RULES: dict[str, Callable[[Page], None]] = {"topic_drift": topic_drift}


def _rule_list(cfg: dict[str, Any]) -> list[Rule]:
    unknown = [r for r in cfg["rules"] if r not in RULES]
    if unknown:
        raise ConfigError(f"clean.rules: unknown rule(s) {', '.join(unknown)} "
                          f"(known: {', '.join(RULES)})")
    return [RULES[r] for r in cfg["rules"]]


def classify(article: Article, paragraphs: Sequence[tuple[int, int]], cfg: dict[str, Any]) -> list[Label]:
    """One Label per paragraph, in order: the first rule that fires, else content."""
    return [labels[0] for labels in explain(article, paragraphs, cfg, every_rule=False)]


def explain(article: Article, paragraphs: Sequence[tuple[int, int]], cfg: dict[str, Any],
            every_rule: bool = True) -> list[list[Label]]:
    """Every rule's verdict per paragraph (first = the one :func:`classify` uses).

    With ``every_rule`` all per-paragraph rules run on every paragraph, so a paragraph can show
    several reasons (as bicleaner-hardrules' "all reasons" mode); ``[CONTENT]`` when none fires.
    Later paragraphs see the earlier paragraphs' first labels, exactly as in :func:`classify`.
    """
    rules = _rule_list(cfg)
    ctx = Page(article, paragraphs, cfg, load_phrases(cfg["phrase_files"]))
    ctx.texts = [article.text[s:e] for s, e in paragraphs]
    ctx.keys = [key(t[:KEY_CHARS]) for t in ctx.texts]
    ctx.arabic_script = article.lang in ("ar", "fa", "prs") or article.lang is None
    uses_dups = "duplicate" in cfg["rules"]
    verdicts: list[list[Label]] = []
    for i in range(len(paragraphs)):
        found: list[Label] = []
        marker = ctx.marker
        for rule in rules:
            got = rule(ctx, i)
            if got is not None:
                found.append(got)
                if not every_rule:
                    break
        if marker is None and ctx.marker is not None and not found[0].reason.startswith("CLEAN002"):
            ctx.marker = None  # only a line labelled as a marker starts the appended article
        if uses_dups and len(ctx.sizes) == i:  # duplicate() did not run: index this one anyway
            duplicate(ctx, i)
        verdicts.append(found or [CONTENT])
        ctx.labels.append(verdicts[-1][0])
        if ctx.labels[-1].kind == "content":
            ctx.seen_content = True
    for name in cfg["article_rules"]:
        if name not in ARTICLE_RULES:
            raise ConfigError(f"clean.article_rules: unknown rule '{name}' "
                              f"(known: {', '.join(ARTICLE_RULES)})")
        before = list(ctx.labels)
        ARTICLE_RULES[name](ctx)
        for i, (old, new) in enumerate(zip(before, ctx.labels, strict=True)):
            if new is not old:
                verdicts[i].insert(0, new)
    return verdicts


def signature(cfg: dict[str, Any]) -> dict[str, object]:
    return {
        "clean": VERSION,
        "rules": len(cfg["rules"]) + len(cfg["article_rules"]),
        "dup": cfg["duplicate"]["containment"],
        "hl": cfg["pasted_headline"]["max_words"],
    }
