"""Numbers with what they count: "کم و بیش ۲۵۰۰ نظامی امریکایی در عراق" → troops|us|iraq ≈ 2500.

For each number (digits of any script with thousands separators, number words before a counted
noun, vague quantities such as "عشرات"/"هزاران"): the counted noun right after it (skipping
"من"/"از"/"of"), turned into a state when a killed/injured/held cue is nearest in the clause;
approximation and bound cues just before it; the nationality and place qualifiers of its clause
(the place after the noun first, else before the number). A number with no noun that follows a
counted number closely in the same clause ("130 attacks – 53 in Iraq and 77 in Syria") inherits
its noun.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping
from typing import Any

from mtqa.crosscheck.lexicon import Lex
from mtqa.crosscheck.mention import Mention
from mtqa.crosscheck.text import View, clause, sentence, words
from mtqa.script import GROUPED_NUMBER_RE, parse_number

_SKIP = frozenset({"من", "از", "of", "تن", "نفر"})


def fmt(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


def quantities(text: str, start: int, end: int, lex: Lex) -> list[tuple[float, int, int]]:
    """(value, start, end) of the digits and counted number words in ``text[start:end]``."""
    view = View.of(text, start, end)
    out = []
    for m in GROUPED_NUMBER_RE.finditer(view.norm):
        out.append((float(parse_number(m.group(1))), *view.span(*m.span())))
    for key, a, b in lex.number_words.finditer(view.norm):
        if _noun_after(view.norm, lex, b, min(len(view.norm), b + 40), 2) is not None:
            out.append((float(lex.number_values.get(key, 0)), *view.span(a, b)))
    return out


def _number_spans(view: str, lex: Lex,
                  blocked: list[tuple[int, int]]) -> list[tuple[int, int, float | None, str | None]]:
    """(start, end, value, vague key) of every quantity not inside a blocked (date) span."""
    out = []
    for m in GROUPED_NUMBER_RE.finditer(view):
        out.append((m.start(), m.end(), float(parse_number(m.group(1))), None))
    for key, a, b in lex.number_words.finditer(view):
        out.append((a, b, float(lex.number_values.get(key, 0)) or None, "word"))
    for key, a, b in lex.vague.finditer(view):
        out.append((a, b, None, key))
    inside = covered(blocked)
    out = [s for s in out if not inside(s[0])]
    out.sort()
    return out


def covered(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    """A test of whether a position lies in any of ``spans`` ([start, end)), by bisection over
    their union: a long text has thousands of dates and numbers, and testing each number against
    every date would grow with their product."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    starts = [a for a, _ in merged]

    def inside(pos: int) -> bool:
        k = bisect.bisect_right(starts, pos) - 1
        return k >= 0 and pos < merged[k][1]

    return inside


def _noun_after(view: str, lex: Lex, end: int, limit: int, window: int) -> tuple[str, int, int] | None:
    """The counted noun among the next ``window`` words (skipping "من"/"از"/"of")."""
    seen = 0
    for w, a, _b in words(view, end, limit):
        hit = lex.nouns.search(view, a, limit)
        if hit is not None and hit[1] == a:
            return hit
        if w in _SKIP or w.isdigit():
            continue
        seen += 1
        if seen >= window:
            return None
    return None


def year_cue_before(view: str, lex: Lex, a: int) -> bool:
    """Whether a year cue ("عام", "سال", "في", "in") ends just before ``a``."""
    return any(a - e <= 2 for _, _, e in lex.year_cues.finditer(view, max(0, a - 12), a))


_JOIN = re.compile(r"^\s*(?:و|and|,|،)\s*$")


def _first_places(view: str, lex: Lex, lo: int, hi: int, forward: bool) -> list[str]:
    """The place nearest the number in view[lo:hi], with places joined to it by "و"/"and"."""
    hits = list(lex.places.finditer(view, lo, hi))
    if not hits:
        return []
    if not forward:
        hits.reverse()
    out = [hits[0][0]]
    prev = hits[0]
    for h in hits[1:]:
        gap = view[prev[2]:h[1]] if forward else view[h[2]:prev[1]]
        # "در عراق و سوریه", "في العراق وسوريا" (the و is glued to the next word as a prefix)
        if not (_JOIN.match(gap) or gap.strip() == "" or gap.strip() in ("و", "and")):
            break
        out.append(h[0])
        prev = h
    return out


def _nearest(lex_hits: list[tuple[str, int, int]], pos: int) -> tuple[str, int, int] | None:
    return min(lex_hits, key=lambda h: abs(h[1] - pos), default=None)


def extract(view: str, lex: Lex, cfg: Mapping[str, Any], blocked: list[tuple[int, int]],
            year_spans: set[tuple[int, int]] | None = None) -> list[Mention]:
    """Number mentions in the normalised ``view``; ``blocked`` spans (dates) are skipped."""
    window = int(cfg["noun_window"])
    cue_window = int(cfg["cue_window"])
    y0, y1 = int(cfg["year_min"]), int(cfg["year_max"])
    spans = _number_spans(view, lex, blocked)
    out: list[Mention] = []
    prev: tuple[int, str, str | None, int] | None = None  # (end, noun, nationality, sentence start)
    for i, (a, b, value, vague) in enumerate(spans):
        c0, c1 = clause(view, a)
        nxt = spans[i + 1][0] if i + 1 < len(spans) and spans[i + 1][0] < c1 else c1
        is_year = (vague is None and value is not None and value == int(value) and y0 <= value <= y1
                   and b - a == 4)
        if is_year and year_cue_before(view, lex, a):
            continue  # "سال ۲۰۱۱ همه نیروها": a year, not a count
        noun = _noun_after(view, lex, b, nxt if nxt > b else c1, window)
        if noun is None:
            if vague == "word" or is_year:
                continue
            if prev is not None and prev[3] == sentence(view, a)[0] and a - prev[0] <= 40 \
                    and vague is None:
                cls, nat, noun_end = prev[1], prev[2], b
            else:
                continue
        else:
            cls, nat, noun_end = noun[0], None, noun[2]
            if cls in lex.person_nouns:
                states = list(lex.states.finditer(view, c0, c1))
                st = _nearest(states, a)
                if st is not None:
                    cls = st[0]
            nat = None
            if cls in lex.person_nouns or cls in lex.state_keys:
                # Nationality qualifies counts of people ("US troops"), not of attacks.
                n = _nearest(list(lex.nats.finditer(view, c0, c1)), noun_end)
                nat = n[0] if n else None
        lo = max(c0, prev[0] if prev else c0)
        places = _first_places(view, lex, noun_end, nxt, forward=True)
        if not places:
            places = _first_places(view, lex, lo, a, forward=False)
        if vague is None or vague == "word":
            # "کم و بیش" / "حوالي" / "أكثر من" just before the number (or before "ما يقدر ب…").
            pre_lo = max(c0, a - cue_window)
            approx = any(e >= a - 12 for _, _, e in lex.approx.finditer(view, pre_lo, a))
            more = any(e >= a - 3 for _, _, e in lex.more.finditer(view, pre_lo, a))
            less = any(e >= a - 3 for _, _, e in lex.less.finditer(view, pre_lo, a))
            atleast = any(e >= a - 3 for _, _, e in lex.atleast.finditer(view, pre_lo, a))
            more = more or atleast
        else:
            approx = more = less = atleast = False
        place = "+".join(sorted(set(places))) or "*"
        key = f"{cls}|{nat or '*'}|{place}"
        label = " ".join(x for x in (lex.nat_labels.get(nat or "", ""),
                                     lex.noun_labels.get(cls, cls)) if x)
        if place != "*":
            label += " in " + " and ".join(lex.place_labels.get(p, p) for p in place.split("+"))
        data: dict[str, Any] = {"noun": cls, "nat": nat, "place": place, "approx": approx,
                                "bound": "more" if more else "less" if less else ""}
        if vague not in (None, "word"):
            lo_v, hi_v = lex.vague_ranges[vague]
            data.update(vague=[lo_v, hi_v])
            val, disp = lex.vague_labels.get(vague, vague), lex.vague_labels.get(vague, vague)
        elif value is None:
            continue
        else:
            data.update(num=value)
            val = fmt(value).replace(",", "")
            disp = ("about " if approx else "at least " if atleast else "more than " if more
                    else "less than " if less else "") + fmt(value)
        out.append(Mention("number", key, label, val, disp, a, b, data))
        prev = (b, cls, nat, sentence(view, a)[0])
    return out
