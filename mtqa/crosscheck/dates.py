"""Dates and years, tied to the event they date: "روز شنبه ۲۷ جنوری (هفتم دلو) ... برگزار کردند".

Components: weekdays (ambiguous words such as "أحد" = "one" only after "يوم"/"روز"), Gregorian
months in Arabic, Levantine, Iranian and Dari spellings (with a day before or a year after;
"يناير/كانون الثاني" is one month), Solar Hijri months (Afghan حمل … حوت and Iranian فروردین …
اسفند, with a day, digits or an ordinal such as "هفتم", before them, or a year after them) and
four-digit years. Adjacent components form one date; its Solar part is converted to Gregorian
(``calendars``) and checked against the Gregorian part and the weekday.

The event a date belongs to comes from the ``events`` lexicon: every event whose cue groups all
match in the date's clause (else in its sentence) — "talks announced", "talks held", "invasion"
… Events of one group exclude each other (the first listed wins). A year with no event is kept
as a timeline fact keyed by the year itself; other dates with no event are dropped.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

from mtqa.crosscheck import calendars
from mtqa.crosscheck.lexicon import Lex
from mtqa.crosscheck.mention import Mention
from mtqa.crosscheck.numbers import _noun_after, covered, year_cue_before
from mtqa.crosscheck.text import clause, sentence
from mtqa.script import GROUPED_NUMBER_RE

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
SOLAR = ("Hamal/Farvardin", "Sawr/Ordibehesht", "Jawza/Khordad", "Saratan/Tir", "Asad/Mordad",
         "Sonbola/Shahrivar", "Mizan/Mehr", "Aqrab/Aban", "Qaws/Azar", "Jadi/Dey", "Dalw/Bahman",
         "Hut/Esfand")
_DAY_BEFORE = re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?[\s,]*$")
_DAY_AFTER = re.compile(r"^\s*(\d{1,2})(?:st|nd|rd|th)?(?!\d)")
_YEAR_AFTER = re.compile(r"^[\s,]*(?:عام\s+|سال\s+)?(\d{4})(?!\d)")
_GAP = re.compile(r"^[\s(),،/\-–]*$")


def _matched(view: str, a: int, b: int, ambiguous: frozenset[str]) -> bool:
    """Whether the word at a:b (without a glued و/ب prefix) is one of the ambiguous words."""
    w = view[a:b]
    return w in ambiguous or (w[:1] in "وب" and w[1:] in ambiguous)


def _ordinal_before(view: str, a: int, lex: Lex) -> tuple[int, int] | None:
    """(day, start) of "هفتم" / "بیست و هفتم" just before ``a``."""
    lo = max(0, a - 24)
    before = view[lo:a].rstrip()
    parts = [p.strip("(«\"“") for p in before.split()]
    if not parts:
        return None
    day = lex.ordinals.get(parts[-1])
    if day is None:
        return None
    start = lo + before.rfind(parts[-1])
    if len(parts) >= 3 and parts[-2] == "و" and parts[-3] in ("بیست", "سی"):
        day += 20 if parts[-3] == "بیست" else 30
        start = view.rfind(parts[-3], 0, start)
    return day, start


def components(view: str, lex: Lex, cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every date component: {"a", "b", and one of "wd", "m"(+"d","y"), "sm"(+"sd","sy"), "y"}."""
    y0, y1 = int(cfg["year_min"]), int(cfg["year_max"])
    window = int(cfg["noun_window"])
    comps: list[dict[str, Any]] = []
    cues = [(a, b) for _, a, b in lex.day_cues.finditer(view)]  # in order, ends increasing
    cue_ends = [e for _, e in cues]
    for key, a, b in lex.weekdays.finditer(view):
        k = bisect.bisect_left(cue_ends, a - 2)  # the first cue ending 0-2 characters before
        cue = cues[k] if k < len(cues) and cue_ends[k] <= a else None
        if _matched(view, a, b, lex.ambiguous_weekdays) and cue is None:
            continue
        comps.append({"a": cue[0] if cue else a, "b": b, "wd": int(key)})
    for key, a, b in lex.months.finditer(view):
        c: dict[str, Any] = {"a": a, "b": b, "m": int(key)}
        m = _DAY_BEFORE.search(view, max(0, a - 8), a)
        if m and 1 <= int(m.group(1)) <= 31:
            c.update(d=int(m.group(1)), a=m.start())
        else:
            m2 = _DAY_AFTER.match(view, b) if lex.side == "en" else None
            if m2 and 1 <= int(m2.group(1)) <= 31:
                c.update(d=int(m2.group(1)), b=m2.end())
        m3 = _YEAR_AFTER.match(view, c["b"])
        if m3 and y0 <= int(m3.group(1)) <= y1:
            c.update(y=int(m3.group(1)), b=m3.end())
        if _matched(view, a, b, lex.ambiguous_months) and "d" not in c and "y" not in c:
            continue
        comps.append(c)
    for key, a, b in lex.solar_months.finditer(view):
        c = {"a": a, "b": b, "sm": int(key)}
        m = _DAY_BEFORE.search(view, max(0, a - 8), a)
        if m and 1 <= int(m.group(1)) <= 31:
            c.update(sd=int(m.group(1)), a=m.start())
        else:
            o = _ordinal_before(view, a, lex)
            if o is not None and 1 <= o[0] <= 31:
                c.update(sd=o[0], a=o[1])
        m3 = _YEAR_AFTER.match(view, b)
        if m3 and 1300 <= int(m3.group(1)) <= 1500:
            c.update(sy=int(m3.group(1)), b=m3.end())
        if "sd" in c or "sy" in c:
            comps.append(c)
    taken = covered([(c["a"], c["b"]) for c in comps])
    for m in GROUPED_NUMBER_RE.finditer(view):
        a, b = m.span()
        if b - a != 4 or not m.group(1).isdigit() or not y0 <= int(m.group(1)) <= y1:
            continue
        if taken(a):
            continue
        if not year_cue_before(view, lex, a) and \
                _noun_after(view, lex, b, clause(view, a)[1], window) is not None:
            continue  # "2500 جندي" is a count, not a year
        comps.append({"a": a, "b": b, "y": int(m.group(1))})
    comps.sort(key=lambda c: c["a"])
    return comps


def _merge(view: str, comps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Join adjacent components ("روز شنبه" + "۲۷ جنوری" + "(هفتم دلو)") into one date."""
    out: list[dict[str, Any]] = []
    for c in comps:
        if out and _GAP.match(view[out[-1]["b"]:c["a"]]) and c["a"] - out[-1]["b"] <= 6 \
                and all(out[-1][k] == c[k] for k in set(c) & set(out[-1]) - {"a", "b"}):
            # ("يناير/كانون الثاني" is one month under two names)
            prev = out[-1]
            prev.update({k: v for k, v in c.items() if k not in ("a", "b")})
            prev["b"] = max(prev["b"], c["b"])
        else:
            out.append(dict(c))
    return out


def resolve(d: dict[str, Any]) -> dict[str, Any]:
    """Fill the Gregorian parts from a Solar date and note inconsistencies."""
    problems = []
    if "sm" in d and "sd" in d:
        if "sy" in d:
            try:
                g = calendars.to_gregorian(d["sy"], d["sm"], d["sd"])
            except ValueError:
                g = None
                problems.append("no such Solar Hijri date")
            if g is not None:
                for k, v in (("y", g.year), ("m", g.month), ("d", g.day)):
                    if k in d and d[k] != v:
                        problems.append("Solar and Gregorian dates differ")
                        break
                    d.setdefault(k, v)
        elif "m" in d and "d" in d:
            years = [d["y"]] if "y" in d else list(range(1990, 2041))
            ok = any(calendars.solar_year_for(d["sm"], d["sd"], y)[1].timetuple()[1:3] == (d["m"], d["d"])
                     for y in years)
            if not ok:
                problems.append("Solar and Gregorian dates differ")
        elif "y" in d:
            _, g = calendars.solar_year_for(d["sm"], d["sd"], d["y"])
            d.setdefault("m", g.month)
            d.setdefault("d", g.day)
    if "wd" in d and {"y", "m", "d"} <= set(d):
        try:
            if _dt.date(d["y"], d["m"], d["d"]).weekday() != d["wd"]:
                problems.append(f"{WEEKDAYS[d['wd']]} does not fall on that date")
        except ValueError:
            problems.append("no such date")
    d["problems"] = problems
    return d


def value_of(d: dict[str, Any]) -> tuple[str, str]:
    """(normalised value, display) of a date: "2024-01-27 Sat" / "????-01-?? " …"""
    y = f"{d['y']:04d}" if "y" in d else "????"
    m = f"{d['m']:02d}" if "m" in d else "??"
    dd = f"{d['d']:02d}" if "d" in d else "??"
    wd = WEEKDAYS[d["wd"]][:3] if "wd" in d else ""
    if set(d) & {"m", "d", "wd"} == set() and "y" in d:
        value = y
    else:
        value = f"{y}-{m}-{dd}" + (f" {wd}" if wd else "")
    parts = []
    if "wd" in d:
        parts.append(WEEKDAYS[d["wd"]])
    if "d" in d:
        parts.append(str(d["d"]))
    if "m" in d:
        parts.append(MONTHS[d["m"] - 1])
    if "y" in d:
        parts.append(str(d["y"]))
    disp = " ".join(parts)
    if "sm" in d:
        disp += f" ({d.get('sd', '?')} {SOLAR[d['sm'] - 1]}{' ' + str(d['sy']) if 'sy' in d else ''})"
    if d.get("problems"):
        disp += " [" + "; ".join(d["problems"]) + "]"
    return value, disp


def compatible(x: Mapping[str, Any], y: Mapping[str, Any]) -> bool:
    """Two partial dates agree when every part both give is equal (weekday derived when possible)."""
    def full(d: Mapping[str, Any]) -> dict[str, Any]:
        d = dict(d)
        if {"y", "m", "d"} <= set(d) and "wd" not in d:
            try:
                d["wd"] = _dt.date(d["y"], d["m"], d["d"]).weekday()
            except ValueError:
                pass
        return d

    a, b = full(x), full(y)
    return all(a[k] == b[k] for k in ("y", "m", "d", "wd") if k in a and k in b)


def events_at(view: str, lex: Lex, a: int, whole_sentence: bool) -> list[tuple[str, str]]:
    """(event key, label) of the events in the clause of ``a`` (else its sentence)."""
    def match(lo: int, hi: int, skip: set[str]) -> list[tuple[int, str, str, str]]:
        """(distance, key, label, group): distance = farthest of each cue group's nearest hit."""
        found, groups = [], set(skip)
        for ev in lex.events:
            if ev.group in groups or not ev.groups:
                continue
            dist = 0
            for g in ev.groups:
                hits = [min(abs(x - a), abs(y - a)) for _, x, y in g.finditer(view, lo, hi)]
                if not hits:
                    break
                dist = max(dist, min(hits))
            else:
                found.append((dist, ev.key, ev.label, ev.group))
                groups.add(ev.group)
        return found

    c0, c1 = clause(view, a)
    s0, s1 = sentence(view, a)
    found = match(c0, c1, set())
    if not found or whole_sentence:
        # Outside the clause only the nearest event is taken ("…المحادثات التي أعلنت عنها
        # الدولتان، الخميس، … الحرب بين إسرائيل وحماس": Thursday dates the announcement).
        more = sorted(match(s0, s1, {g for *_, g in found}))
        found += more[:1]
    return [(k, label) for _, k, label, _ in found]


def extract(view: str, lex: Lex, cfg: Mapping[str, Any]) -> tuple[list[Mention], list[tuple[int, int]]]:
    """Date mentions and the spans they cover (so the number extractor skips day numbers)."""
    dates = [resolve(d) for d in _merge(view, components(view, lex, cfg))]
    spans = [(d["a"], d["b"]) for d in dates if set(d) & {"m", "sm", "wd"}]
    out: list[Mention] = []
    starts = sorted(d["a"] for d in dates)
    for d in dates:
        s0, s1 = sentence(view, d["a"])
        alone = bisect.bisect_left(starts, s1) - bisect.bisect_left(starts, s0) == 1
        # A date at the head of its sentence ("در سال ۲۰۱۴ …، … دوباره وارد عراق شدند") dates the
        # whole sentence; one at the end of a subordinate clause does not.
        fronted = len(view[s0:d["a"]].split()) <= 2
        evs = events_at(view, lex, d["a"], whole_sentence=alone and fronted)
        value, disp = value_of(d)
        parts = {k: d[k] for k in ("y", "m", "d", "wd", "sy", "sm", "sd") if k in d}
        data = {"date": parts, "problems": d["problems"]}
        if evs:
            for key, label in evs:
                out.append(Mention("date", f"date|{key}", f"date of: {label}", value, disp,
                                   d["a"], d["b"], dict(data)))
        elif set(parts) == {"y"}:
            out.append(Mention("date", f"year|{d['y']}", f"the year {d['y']} (timeline)", value,
                               disp, d["a"], d["b"], dict(data)))
    return out, spans
