"""Source-side checks: what garbled machine-translated Arabic or Persian looks like on the page.

Each check reads the passage (and, where a break spans a sentence boundary, its paragraph) and
returns flags whose spans index ``ctx.text``. Word lists and limits are in ``[checks]`` config.
"""

from __future__ import annotations

import bisect
import re
from itertools import pairwise

from mtqa.checks.base import Check, Context
from mtqa.checks.signals import lm_stats, word_stats
from mtqa.checks.text import Token, repeated_ngrams, tokens, unmatched_quotes
from mtqa.model import Flag
from mtqa.script import CLOSERS_EXCEPT_RSQUO, ends_sentence, fold_lookup


def _clip(ctx: Context, start: int, end: int) -> tuple[int, int]:
    return max(start, ctx.start), min(end, ctx.end)


def _near_units(ctx: Context) -> list[tuple[int, int]]:
    """The paragraph's units that overlap the passage, with one neighbour on each side."""
    units = ctx.para_units()
    return [units[i] for i in ctx.unit_window()]


def _unit_words(ctx: Context, u: tuple[int, int]) -> list[Token]:
    return [t for t in tokens(ctx.text, u[0], u[1]) if t.script in ("arabic", "latin", "digit")]


class BrokenPhrase(Check):
    """A full stop that cuts a phrase or a name in two ("أبو علي. مهدي المهندس")."""

    code = "GARB001"
    name = "broken-phrase"
    feature = "broken-phrase"
    message = "A full stop cuts a phrase or name in two: “{text}”"
    severity = "error"

    def run(self, ctx: Context) -> list[Flag]:
        lex = ctx.lexicon
        tail_max = ctx.param("kunya_tail_words")
        units = _near_units(ctx)  # a pair is flagged only where it touches the passage
        out: list[Flag] = []
        for a, b in pairwise(units):
            if ctx.text[a[0]:a[1]].rstrip(CLOSERS_EXCEPT_RSQUO)[-1:] != ".":
                continue
            wa, wb = _unit_words(ctx, a), _unit_words(ctx, b)
            if not wa or not wb:
                continue
            last = wa[-1]
            broken = lex.has("nonfinal", last.text)
            if not broken and len(wa) >= 2 and lex.has("kunya", wa[-2].text) and len(wb) <= tail_max:
                broken = not any(fold_lookup(wb[0].text).startswith(p)
                                 for p in lex.sets.get("sentence_openers", ()))
            cut_end = wb[0].end
            if not broken:
                hit = [t for t in wb[1:3] if lex.has("orphan_conjunctions", t.text)]
                if hit:
                    broken, cut_end = True, hit[0].end
            if not broken:
                continue
            span_start = wa[-2].start if len(wa) >= 2 and lex.has("kunya", wa[-2].text) else last.start
            if ctx.inside(a[1] - 1) or ctx.inside(b[0]):
                s, e = _clip(ctx, span_start, cut_end)
                if e > s:
                    out.append(self.flag(s, e, ctx.text))
        return out


class DanglingFragment(Check):
    """A 'sentence' of one or two words between full stops ("… برس. يضعط.")."""

    code = "GARB002"
    name = "dangling-fragment"
    feature = "dangling-fragment"
    message = "A stray fragment stands alone as a sentence: “{text}”"
    severity = "error"

    def run(self, ctx: Context) -> list[Flag]:
        if len(ctx.para_units()) < 2:
            return []
        max_words = ctx.param("max_fragment_words")
        out = []
        for u in _near_units(ctx):
            if not ctx.inside(u[0]):
                continue
            raw = ctx.text[u[0]:u[1]]
            body = raw.rstrip(CLOSERS_EXCEPT_RSQUO)
            if body[-1:] != "." or body.endswith(".."):
                continue  # an ellipsis marks a cut teaser, not a stray fragment
            toks = tokens(ctx.text, u[0], u[1])
            words = [t for t in toks if t.script == "arabic"]
            if not words or len(toks) != len(words) or len(words) > max_words:
                continue
            if any(len(fold_lookup(w.text)) < 2 or ctx.lexicon.has("fragment_ok", w.text) for w in words):
                continue
            out.append(self.flag(u[0], min(u[1], ctx.end), ctx.text))
        return out


_STRAY = re.compile(r"[.،,؛;:!?؟](?:[\s”»\"]*[.،,؛;!?؟])+")


def _stray_runs(ctx: Context) -> tuple[list[re.Match[str]], list[int]]:
    """Every run of stray punctuation in the paragraph, and their ends (found once per paragraph)."""
    found = list(_STRAY.finditer(ctx.text, ctx.para_start, ctx.para_end))
    return found, [m.end() for m in found]


class StrayPunctuation(Check):
    """Doubled or stray punctuation (". ." "،،" "”. .")."""

    code = "GARB003"
    name = "stray-punctuation"
    feature = "stray-punctuation"
    message = "Stray or doubled punctuation: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        found, ends = ctx.para("stray", lambda: _stray_runs(ctx))
        out = []
        for i in range(bisect.bisect_right(ends, ctx.start), len(found)):
            m = found[i]
            if m.start() >= ctx.end:
                break
            core = re.sub(r"\s", "", m.group())
            if "..." in core or "…" in core:
                continue  # an ellipsis (cut teasers end on "،...")
            if set(core) <= {"!", "?", "؟"}:
                continue  # "?!" and "!!" are emphatic, not garbled
            s, e = _clip(ctx, m.start(), m.end())
            shown = ctx.text[max(ctx.para_start, m.start() - 1):m.end()]
            out.append(self.flag(s, e, ctx.text, shown=shown))
        return out


class UnbalancedQuote(Check):
    """A quotation mark without a partner in its paragraph (a quote cut or never closed)."""

    code = "GARB004"
    name = "unbalanced-quote"
    feature = "unbalanced-quote"
    message = "A quotation is cut or never closed: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        out = []
        units = _near_units(ctx)  # the unit holding a quote inside the passage is among these
        bad = ctx.para("quotes", lambda: unmatched_quotes(ctx.text, ctx.para_start, ctx.para_end))
        for pos, kind in bad[bisect.bisect_left(bad, (ctx.start, "")):]:
            if pos >= ctx.end:
                break
            unit = next((u for u in units if u[0] <= pos < u[1]), (ctx.start, ctx.end))
            s, e = (unit[0], pos + 1) if kind == "close" else (pos, unit[1])
            s, e = _clip(ctx, s, e)
            out.append(self.flag(s, e, ctx.text))
        return out


class UnknownWord(Check):
    """Words that exist in no frequency list, even without clitics (names are often rare too)."""

    code = "GARB005"
    name = "unknown-word"
    feature = "unknown-word"
    message = "Word not found in the language's word lists (typo, garble or a rare name): “{text}”"
    severity = "info"

    def run(self, ctx: Context) -> list[Flag]:
        _, _, unknown = word_stats(ctx)
        conf = ctx.param("unknown_word_confidence")
        return [self.flag(w.start, w.end, ctx.text, conf) for w in unknown]


_TITLE_OPEN = "«“„\"'(["
_TITLE_CLOSE = "»”\"')]"


def _name_like(run: list[Token], joiners: frozenset[str]) -> bool:
    """Whether Latin words read as a name or title: each word capitalised ("Bruno Mars", "Shape of
    You"), with lower-case joiners ("of", "the", "van" …) inside and short acronyms allowed, and at
    least one capitalised word that is not all capitals ("FOX NEWS", "XS SM" are not names)."""
    titled = False
    for i, t in enumerate(run):
        w = t.text
        if w[:1].isupper() and not w.isupper():
            titled = True
        elif w.isupper() and len(w) <= 5:
            continue  # an acronym or initial inside a name: "Joe R Biden", "BBC Persian"
        elif not (i > 0 and w.lower() in joiners and i < len(run) - 1):
            return False
    return titled


def _quoted(ctx: Context, run: list[Token]) -> bool:
    """Whether the run is set off by quotes or brackets: «Shape of You», (Joe Biden)."""
    before = ctx.text[max(ctx.para_start, run[0].start - 3):run[0].start].rstrip()
    after = ctx.text[run[-1].end:min(ctx.para_end, run[-1].end + 3)].lstrip()
    return before[-1:] in _TITLE_OPEN and after[:1] in _TITLE_CLOSE


class LatinUiString(Check):
    """Latin-script UI or brand strings pasted into Arabic-script text ("… تطبيق FOX NEWS").

    Latin names and titles are normal in Arabic-script news ("Taylor Swift", «Shape of You»): a
    run of capitalised words is a name and passes unless it holds an interface word ("Breaking
    News", "Click Here"); set off by quotes or brackets it is a title and passes even then
    («Watch Me»). Runs in lower or all capitals ("download the app", "FOX NEWS") are judged as
    before: flagged at ``latin_min_run`` words or with an interface word.
    """

    code = "GARB006"
    name = "latin-ui-string"
    feature = "latin-ui-string"
    message = "Latin-script interface text inside the article: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        toks = ctx.tokens()
        arabic = sum(t.script == "arabic" for t in toks)
        latin = [t for t in toks if t.script == "latin"]
        if not latin or arabic < len(latin):
            return []
        ui = ctx.cfg["latin"]["ui_words"]
        ui_set = {w.lower() for w in ui}
        joiners = frozenset(w.lower() for w in ctx.cfg["latin"]["name_joiners"])
        min_run = ctx.param("latin_min_run")
        runs: list[list[Token]] = []
        prev: Token | None = None
        for t in toks:
            if t.script == "latin":
                gap = ctx.text[prev.end:t.start] if prev is not None else ""
                if runs and prev is not None and prev.script == "latin" and len(gap) <= 3:
                    runs[-1].append(t)
                else:
                    runs.append([t])
            prev = t
        out = []
        for run in runs:
            has_ui = any(t.text.lower() in ui_set for t in run)
            if _name_like(run, joiners) and (not has_ui or _quoted(ctx, run)):
                continue  # a name or a title, not interface text
            if len(run) >= min_run or has_ui:
                out.append(self.flag(run[0].start, run[-1].end, ctx.text))
        return out


class Repetition(Check):
    """A word or phrase repeated back to back ("في في", "قال المسؤول قال المسؤول")."""

    code = "GARB007"
    name = "repetition"
    feature = "repetition"
    message = "Word or phrase repeated: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        toks = [t for t in ctx.tokens() if t.script != "digit"]
        keys = [fold_lookup(t.text) for t in toks]
        ok = ctx.lexicon.sets.get("reduplication_ok", frozenset())
        out = []
        for i, n in repeated_ngrams(keys, ctx.param("repeat_max_n")):
            if n == 1 and keys[i] in ok:
                continue
            out.append(self.flag(toks[i].start, toks[i + 2 * n - 1].end, ctx.text))
        return out


class Truncated(Check):
    """A paragraph that stops mid-clause: on a comma, colon, preposition or conjunction."""

    code = "GARB008"
    name = "truncated"
    feature = "truncated"
    message = "The sentence stops mid-clause: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        units = ctx.para_units()
        if not units:
            return []
        u = units[-1]
        if not ctx.inside(u[1] - 1):
            return []
        raw = ctx.text[u[0]:u[1]].rstrip()
        if ends_sentence(raw):
            return []
        words = _unit_words(ctx, u)
        if not words:
            return []
        last_char = raw[-1]
        if last_char in ctx.cfg["params"]["dangling_end_punct"] or (
                ctx.text[words[-1].end:u[1]].strip() == "" and ctx.lexicon.has("nonfinal", words[-1].text)):
            s = words[-2].start if len(words) >= 2 else words[-1].start
            s, e = _clip(ctx, s, u[1])
            return [self.flag(s, e, ctx.text)]
        return []


class Unnatural(Check):
    """Text the clean-language character model finds unusually surprising (calques, garble)."""

    code = "GARB009"
    name = "unnatural-text"
    feature = "unnatural-text"
    message = "Reads unlike natural text (character-model surprisal is high), most of all at “{text}”"
    severity = "info"

    def run(self, ctx: Context) -> list[Flag]:
        mean, worst, _ = lm_stats(ctx)
        limit = ctx.calib.get("lm_bits_flag_" + ctx.cfg["lexicon_alias"].get(ctx.lang, ctx.lang))
        if limit is None or worst is None or mean <= limit:
            return []
        return [self.flag(worst.start, worst.end, ctx.text, ctx.param("lm_flag_confidence"))]


class PromoString(Check):
    """App-promotion or share strings from the page pasted into the text."""

    code = "GARB010"
    name = "promo-string"
    feature = "promo-string"
    message = "Website or app promotion text inside the article: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        lang = ctx.cfg["lexicon_alias"].get(ctx.lang, ctx.lang)
        out = []
        for pattern in ctx.cfg["promo"].get(lang, []):
            for m in re.finditer(pattern, ctx.text[ctx.start:ctx.end]):
                out.append(self.flag(ctx.start + m.start(), ctx.start + m.end(), ctx.text))
        return out


_LONG_RUN: dict[int, re.Pattern[str]] = {}


def _long_runs(ctx: Context, limit: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Runs of ``limit`` or more non-space characters in the paragraph, and their ends."""
    if limit not in _LONG_RUN:
        _LONG_RUN[limit] = re.compile(rf"\S{{{limit},}}")
    runs = [m.span() for m in _LONG_RUN[limit].finditer(ctx.text, ctx.para_start, ctx.para_end)]
    return runs, [e for _, e in runs]


class OverlongToken(Check):
    """A run of characters without a space far longer than any word (a pasted blob, lost spaces)."""

    code = "GARB012"
    name = "overlong-token"
    feature = None  # not a model feature: the fitted model never saw one, so the flag decides
    message = "A run of characters without a space, far longer than any word: “{text}”"
    severity = "error"
    decisive = True

    def run(self, ctx: Context) -> list[Flag]:
        limit = int(ctx.param("max_token_chars"))
        runs, ends = ctx.para(f"long_runs:{limit}", lambda: _long_runs(ctx, limit))
        out = []
        for a, b in runs[bisect.bisect_right(ends, ctx.start):]:
            if a >= ctx.end:
                break
            s, e = _clip(ctx, a, b)
            shown = f"{ctx.text[s:s + 20]}… ({b - a:,} characters)"
            out.append(self.flag(s, e, ctx.text, shown=shown))
        return out


class PastedHeadline(Check):
    """A headline-like line without final punctuation between two ordinary paragraphs."""

    code = "GARB011"
    name = "pasted-headline"
    feature = "pasted-headline"
    message = "A headline or link text sits in the middle of the story: “{text}”"

    def run(self, ctx: Context) -> list[Flag]:
        if ctx.prev_tail is None or ctx.next_tail is None:
            return []
        if not (ends_sentence(ctx.prev_tail) and ends_sentence(ctx.next_tail)):
            return []
        units = ctx.para_units()
        if len(units) != 1:
            return []
        u = units[0]
        raw = ctx.text[u[0]:u[1]]
        if ends_sentence(raw) or raw.rstrip()[-1:] in ctx.cfg["params"]["dangling_end_punct"]:
            return []
        if len(_unit_words(ctx, u)) < ctx.param("headline_min_words"):
            return []
        s, e = _clip(ctx, u[0], u[1])
        return [self.flag(s, e, ctx.text)] if e > s else []
