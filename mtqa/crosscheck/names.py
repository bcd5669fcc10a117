"""Names of people and organisations, tolerant of transliteration variants.

Two kinds of name facts:

- ``name|<entity>``: a known person or organisation from the alias table (any spelling: "داعش",
  "تنظيم الدولة الإسلامية", "دولت اسلامی", "ISIS" → ``isis``), so outlets naming it corroborate.
- ``role|<role>``: the name written next to a role ("نائب قائد الحشد الشعبي أبو مهدي المهندس",
  "محمد شیاع السودانی، صدراعظم عراق"), so two outlets naming one role differently conflict — a
  garbled "أبو علي. مهدي المهندس" against "أبو مهدي المهندس". The name is a known entity at the
  slot, else up to ``name_max_words`` words that start with a kunya or a listed given name and end
  at a stop word or punctuation (a stray full stop inside the name is kept: garbled renderings
  break names that way).

Names compare by tokens after normalisation with "ال"/"al-" stripped: equal, or one a contiguous
prefix/suffix of the other ("السوداني" ⊂ "محمد شياع السوداني"), never a gapped subsequence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mtqa.crosscheck.lexicon import Lex, name_tokens
from mtqa.crosscheck.mention import Mention
from mtqa.crosscheck.text import strip_article
from mtqa.script import TATWEEL

_TOKEN = re.compile(rf"[^\W_][\w{TATWEEL}]*|[.،,;؛:()«»“”\"]")


def _slot_after(view: str, lex: Lex, pos: int, max_words: int) -> tuple[int, int] | None:
    """(start, end) of the name right after ``pos``."""
    ent = lex.entities.search(view, pos, min(len(view), pos + 80))
    if ent is not None and view[pos:ent[1]].strip() == "":
        return ent[1], ent[2]
    toks: list[tuple[str, int, int]] = []
    for m in _TOKEN.finditer(view, pos, min(len(view), pos + 120)):
        t = m.group(0)
        if t == "." and toks and len(toks) < max_words:
            nl = view.find("\n", m.end(), m.end() + 3)
            if nl != -1:
                break
            continue  # a stray full stop inside a (garbled) name
        if not t[0].isalnum() and not t[0].isalpha():
            break
        if t in lex.name_stops or (t[:1] == "و" and t[1:] in lex.name_stops and toks):
            break
        toks.append((t, m.start(), m.end()))
        if len(toks) >= max_words:
            break
    if not toks:
        return None
    first = toks[0][0]
    if first not in lex.name_starts and strip_article(first) not in lex.name_starts:
        return None
    while toks and toks[-1][0] == ".":
        toks.pop()
    return toks[0][1], toks[-1][2]


def _slot_before(view: str, lex: Lex, pos: int, max_words: int) -> tuple[int, int] | None:
    """(start, end) of "NAME، <role>": a known entity, or listed-start words, before the comma."""
    m = re.search(r"[،,]\s*$", view[max(0, pos - 4):pos])
    if not m:
        return None
    end = max(0, pos - 4) + m.start()
    lo = max(0, end - 80)
    for _key, a, b in lex.entities.finditer(view, lo, end):
        if b == end:
            return a, b
    toks = [(t.group(0), t.start(), t.end()) for t in _TOKEN.finditer(view, lo, end)]
    out: list[tuple[str, int, int]] = []
    for t in reversed(toks):
        if not t[0][0].isalpha() or t[0] in lex.name_stops or len(out) >= max_words:
            break
        out.insert(0, t)
    while out and out[0][0] not in lex.name_starts:
        out.pop(0)
    return (out[0][1], out[-1][2]) if out else None


def name_value(view: str, lex: Lex, a: int, b: int) -> tuple[str, str | None]:
    """(comparison value, entity key or None) of the name at view[a:b]."""
    hit = lex.entities.search(view, a, b)
    if hit is not None and hit[1] == a and hit[2] == b:
        return f"entity:{hit[0]}", hit[0]
    return " ".join(name_tokens(view[a:b])), None


def compatible(x: str, y: str, lex: Lex) -> bool:
    """Whether two name values can name the same person (see the module docstring)."""
    if x == y:
        return True
    xs = _forms(x, lex)
    ys = _forms(y, lex)
    return any(_contained(s, t) or _contained(t, s) for s in xs for t in ys)


def _forms(v: str, lex: Lex) -> list[tuple[str, ...]]:
    if v.startswith("entity:"):
        return list(lex.entity_tokens.get(v[7:], ()))
    return [tuple(v.split())]


def _contained(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    if not short or len(short) > len(long):
        return False
    if short == long:
        return True
    if short[0] in ("ابو", "abu"):  # a kunya is a unit: "أبو مهدي" is not "أبو علي … مهدي"
        return long[: len(short)] == short
    return long[: len(short)] == short or long[-len(short):] == short


def extract(view: str, lex: Lex, cfg: Mapping[str, Any]) -> list[Mention]:
    """Entity and role name mentions in the normalised ``view``."""
    max_words = int(cfg["name_max_words"])
    out: list[Mention] = []
    for key, a, b in lex.entities.finditer(view):
        out.append(Mention("name", f"name|{key}", lex.entity_labels.get(key, key), f"entity:{key}",
                           view[a:b], a, b, {"entity": key}))
    in_context: dict[str, bool] = {}  # per role: its context cue occurs in the view (looked up once)
    for key, a, b in lex.roles.finditer(view):
        role = lex.role_info[key]
        if role.context is not None:
            if key not in in_context:
                in_context[key] = role.context.search(view) is not None
            if not in_context[key]:
                continue
        slot = _slot_after(view, lex, b, max_words) or _slot_before(view, lex, a, max_words)
        if slot is None:
            continue
        value, ent = name_value(view, lex, *slot)
        out.append(Mention("name", f"role|{key}", f"name of the {role.label}", value,
                           view[slot[0]:slot[1]], slot[0], slot[1], {"entity": ent, "role": key}))
    return out
