"""Preservation of the source's numbers and names in a rendering (XCHK002–004).

Reads: a content passage, its renderings and the shared word lists (``[crosscheck] lexicon``:
number words, counted nouns, known names). Adds flags for the renderings of the systems in
``[checks.agreement] preservation_systems``: numbers of the source missing from the rendering
(XCHK002, source offsets), numbers in the rendering not in the source (XCHK003, translation
offsets), known names missing (XCHK004). Numbers compare as values, whatever the digits or
separators ("۲٬۵۰۰" = "2,500"), and number words with a counted noun count ("ثلاثة جنود" = "three
soldiers").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from mtqa.crosscheck.lexicon import Lex
from mtqa.crosscheck.numbers import quantities
from mtqa.crosscheck.text import View
from mtqa.model import Flag, Passage


def flags(text: str, p: Passage, systems: Collection[str], src_lex: Lex, en_lex: Lex) -> list[Flag]:
    """XCHK002-004 between the source passage and each rendering by a system in ``systems``."""
    out: list[Flag] = []
    src_nums = quantities(text, p.start, p.end, src_lex)
    src_view = View.of(text, p.start, p.end)
    src_ents: dict[str, tuple[int, int]] = {}
    for k, a, b in src_lex.entities.finditer(src_view.norm):
        src_ents.setdefault(k, src_view.span(a, b))
    for t in p.translations:
        if t.system not in systems or not t.text.strip():
            continue
        dst_nums = quantities(t.text, 0, len(t.text), en_lex)
        have = Counter(v for v, _, _ in dst_nums)
        want = Counter(v for v, _, _ in src_nums)
        used: Counter[float] = Counter()
        for v, s, e in src_nums:
            used[v] += 1
            if used[v] > have[v]:
                out.append(Flag("XCHK002", "numbers-missing",
                                f"The number {text[s:e]} is missing from the {t.system} translation",
                                s, e, "warning"))
        used.clear()
        for v, s, e in dst_nums:
            used[v] += 1
            if used[v] > want[v]:
                out.append(Flag("XCHK003", "numbers-added",
                                f"The {t.system} translation has the number {t.text[s:e]}, "
                                "which is not in the source", s, e, "warning", side="translation"))
        dst_ents = set(en_lex.entities.keys_in(View.of(t.text).norm))
        for k, (s, e) in src_ents.items():
            if k not in dst_ents:
                out.append(Flag("XCHK004", "names-missing",
                                f"{en_lex.entity_labels.get(k, k)} ({text[s:e]}) is not named in the "
                                f"{t.system} translation", s, e, "info", 0.7))
    return out
