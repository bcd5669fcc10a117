"""Arabic-script text: letters, marks, digits, numbers, sentence ends and letter folding.

The one home of the script knowledge every stage shares. Where stages need different answers
(a letter test for language identification vs the encoding guess, a number reading for TRAN003
vs the cross-check), the variants are named here and say who uses them and why; no stage keeps
a copy of its own.

Letters (code-point ranges, inclusive):

- :data:`LETTER_RANGES` / :func:`is_letter` / :data:`LETTER_RE`: Arabic-script *letters*: Arabic
  and Persian/Urdu letters (پ چ ژ گ ی ک …), the rarer Kurdish/Sindhi letters, Arabic Supplement,
  Extended-A and the presentation forms (U+FB50–FDFF, U+FE70–FEFC). No digits, harakat or
  punctuation, but tatweel (U+0640) and superscript alef (U+0670) fall inside the ranges.
  Language identification (``lang.script_profile``) counts these.
- :func:`is_letter_or_bom`: the same, with the tail of Presentation Forms-B taken whole
  (U+FEFD–FEFF: two unassigned code points and the zero-width no-break space / BOM). The checks
  (:func:`script_of`, TRAN004 script residue) and the character LM's alphabet have always used it;
  the LM was trained on that alphabet, so it stays.
- :data:`CORE_LETTER_RE`: the letters of Arabic and Persian (with the Urdu additions in
  U+066E–06D3), the Supplement and the presentation forms, without the Kurdish/Sindhi extras and
  Extended-A. The cleaner's Latin-share rule (CLEAN004) was tuned on this count.
- :func:`in_any_block`: any character of the Arabic blocks (U+0600–06FF, 0750–077F, 08A0–08FF)
  or from U+FB50 to U+FEFC (both presentation-form blocks and what lies between them): letters,
  digits, punctuation and marks. The segmenter splits a sentence with no space after its mark
  before such a character ("…انتهى.وقال").
- :func:`in_main_block`: the Arabic block proper, U+0600–06FF. The encoding guess counts only
  these, so a wrong legacy decoding that yields presentation forms does not pass for Arabic.

Folding (three keys, each for its own matching):

- :func:`normalize` / :func:`normalize_with_map`: same-length normalisation towards Persian
  spelling (ي/ى → ی, ك → ک), digits to ASCII; :func:`fold_spelling` adds casefolding and drops
  the removed marks: the key for phrase matching (boilerplate lists, cross-check views).
- :func:`fold_lookup`: dictionary key of one word (word lists, wordfreq, character LM): NFKC, marks
  dropped, folded towards *Arabic* yeh/kaf, and alef maqsura (ى) kept apart from yeh: "على" (a
  preposition) and "علي" (a name) must differ for the broken-phrase rules.
- :func:`fold_yeh_kaf`: the light fold for Dari/Iranian markers: yeh/kaf unified, ZWNJ as space,
  tatweel dropped, alef madda kept ("آمریکا" vs Dari "امریکا").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

Ranges = tuple[tuple[int, int], ...]

# --- letters -----------------------------------------------------------------------------------

_CORE = ((0x0620, 0x064A), (0x066E, 0x06D3))  # Arabic letters; Persian/Urdu additions
_RARE = ((0x06D5, 0x06D5), (0x06EE, 0x06EF), (0x06FA, 0x06FC))  # ae; Kurdish/Sindhi letters
SUPPLEMENT: Ranges = ((0x0750, 0x077F),)
EXTENDED_A: Ranges = ((0x08A0, 0x08FF),)
PRESENTATION_FORMS: Ranges = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFC))

LETTER_RANGES: Ranges = _CORE + _RARE + SUPPLEMENT + EXTENDED_A + PRESENTATION_FORMS
CORE_LETTER_RANGES: Ranges = _CORE + SUPPLEMENT + PRESENTATION_FORMS
MAIN_BLOCK: Ranges = ((0x0600, 0x06FF),)
ANY_BLOCK_RANGES: Ranges = MAIN_BLOCK + SUPPLEMENT + EXTENDED_A + ((0xFB50, 0xFEFC),)
BOM_TAIL: Ranges = ((0xFEFD, 0xFEFF),)


def char_class(ranges: Ranges) -> str:
    r"""The body of a regex character class for ``ranges`` (``\u0620-\u064A…``)."""
    return "".join(f"\\u{a:04X}" if a == b else f"\\u{a:04X}-\\u{b:04X}" for a, b in ranges)


def _chars(ranges: Ranges) -> frozenset[str]:
    return frozenset(chr(o) for a, b in ranges for o in range(a, b + 1))


LETTERS = _chars(LETTER_RANGES)
_LETTERS_OR_BOM = _chars(LETTER_RANGES + BOM_TAIL)
_ANY_BLOCK = _chars(ANY_BLOCK_RANGES)
LETTER_RE = re.compile(f"[{char_class(LETTER_RANGES)}]")
CORE_LETTER_RE = re.compile(f"[{char_class(CORE_LETTER_RANGES)}]")


def is_letter(ch: str) -> bool:
    """An Arabic-script letter (:data:`LETTER_RANGES`)."""
    return ch in LETTERS


def is_letter_or_bom(ch: str) -> bool:
    """:func:`is_letter`, or U+FEFD–FEFF (the checks' and character LM's letter test)."""
    return ch in _LETTERS_OR_BOM


def in_any_block(ch: str) -> bool:
    """Any character of the Arabic blocks or the presentation forms (:data:`ANY_BLOCK_RANGES`)."""
    return ch in _ANY_BLOCK


def in_main_block(ch: str) -> bool:
    """A character of the Arabic block proper (U+0600–06FF)."""
    return "\u0600" <= ch <= "\u06ff"


def is_latin_letter(ch: str) -> bool:
    """A Latin letter (Basic Latin to Latin Extended-B)."""
    return ch.isalpha() and ord(ch) < 0x0250


def script_of(word: str) -> str:
    """'arabic', 'latin', 'digit' or 'other' by the word's first letter or digit."""
    for ch in word:
        if ch.isdigit():
            return "digit"
        if ch in _LETTERS_OR_BOM:
            return "arabic"
        if is_latin_letter(ch):
            return "latin"
    return "other"


# --- marks and joiners -------------------------------------------------------------------------

TATWEEL = "\u0640"
ZWNJ = "\u200c"  # zero-width non-joiner: the Persian half-space
ZWJ = "\u200d"
HARAKAT = "".join(chr(o) for o in range(0x064B, 0x0653))  # fathatan … sukun
# Harakat and Quranic marks, superscript alef (tatweel is listed on its own).
MARK_RANGES: Ranges = ((0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED))
MARKS_CLASS = char_class(MARK_RANGES) + r"\u0640"
"""Regex class body of the marks and tatweel: the characters that may sit inside a word."""
MARKS_RE = re.compile(f"[{MARKS_CLASS}]")
# Invisible controls :func:`normalize` removes as well: ZWJ, LRM, RLM, ALM, BOM, bidi embeddings
# and isolates.
_CONTROLS = [0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]

# --- digits and separators ---------------------------------------------------------------------

ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # Extended Arabic-Indic
DIGITS_TO_ASCII = str.maketrans(ARABIC_INDIC_DIGITS + PERSIAN_DIGITS, "0123456789" * 2)
DECIMAL_SEPARATOR = "٫"  # U+066B
THOUSANDS_SEPARATOR = "٬"  # U+066C
ARABIC_COMMA = "،"  # U+060C; some texts group thousands with it
NUMBER_SEPARATORS = ".,٫٬"
"""What may stand between the digits of one number token (tokens, :func:`number_re`)."""
GROUP_SEPARATORS = ",،٬"
"""What :func:`parse_number` takes for a thousands separator by default."""


def ascii_digits(text: str) -> str:
    """Arabic-Indic and Extended Arabic-Indic (Persian) digits as ASCII; same length."""
    return text.translate(DIGITS_TO_ASCII)


# --- numbers -----------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def number_re(separators: str = NUMBER_SEPARATORS, most: int | None = None) -> re.Pattern[str]:
    """Digit runs joined by ``separators``, with at most ``most`` separators (None: any).

    The checks (TRAN003) read every run (``number_re()``); supplied-translation alignment reads
    at most one of ``.,٫`` (``number_re(".,٫", 1)``), as English numbers are written."""
    tail = "*" if most is None else "?" if most == 1 else f"{{0,{most}}}"
    return re.compile(rf"\d+(?:[{re.escape(separators)}]\d+){tail}")


GROUPED_NUMBER_RE = re.compile(r"(?<![\d.,،٬])(\d{1,3}(?:[,،٬]\d{3})+|\d+(?:[.٫]\d+)?)(?![\d]|[.,٫]\d)")
"""A stand-alone quantity for the cross-check (on a normalised view, digits already ASCII):
thousands grouped in threes by ``, ، ٬`` or one decimal point ``. ٫``; nothing that runs on into
other digits and separators (dates "2.3.2024", "1,23"), which are no quantity to compare."""

_SEPARATOR = re.compile(f"[{NUMBER_SEPARATORS}{ARABIC_COMMA}]")


def parse_number(token: str, *, thousands: str = GROUP_SEPARATORS, strict_groups: bool = True,
                 trim: bool = True) -> str:
    """The canonical value of a number token (ASCII digits): "2,500" → "2500", "3.50" → "3.5".

    The token's separators group thousands when all of them are in ``thousands`` and (with
    ``strict_groups``) every group after the first has three digits; otherwise a single separator
    is a decimal point ("3,5" → "3.5") and more than one are dropped. ``trim`` drops leading zeros
    and a decimal part's trailing zeros ("007" → "7", "2.50" → "2.5", "0.5" → ".5")."""
    parts = _SEPARATOR.split(token)
    seps = _SEPARATOR.findall(token)
    if seps and all(s in thousands for s in seps) and (
            not strict_groups or all(len(p) == 3 for p in parts[1:])):
        value = "".join(parts)
    elif len(parts) == 2:
        value = f"{parts[0]}.{parts[1]}"
        if trim:
            value = value.rstrip("0").rstrip(".")
    else:
        value = "".join(parts)
    if trim:
        value = value.lstrip("0") or "0"
    return value


def numbers(text: str, min_digits: int = 1, *, pattern: re.Pattern[str] | None = None,
            thousands: str = NUMBER_SEPARATORS, strict_groups: bool = True,
            trim: bool = True) -> list[tuple[str, int, int]]:
    """Numbers written in ``text`` (digits of any script) as (canonical value, start, end).

    Tokens are ``pattern``'s matches (default :func:`number_re`), read by :func:`parse_number`;
    values with fewer than ``min_digits`` digits are left out. The defaults are the checks'
    (TRAN003): any separator may group thousands, so "2.500" and "2,500" are both 2500."""
    rx = number_re() if pattern is None else pattern
    out = []
    for m in rx.finditer(ascii_digits(text)):
        value = parse_number(m.group(), thousands=thousands, strict_groups=strict_groups, trim=trim)
        if sum(ch.isdigit() for ch in value) >= min_digits:
            out.append((value, m.start(), m.end()))
    return out


# --- sentence ends and quotes ------------------------------------------------------------------

SENTENCE_MARKS = ".!?؟"
ELLIPSIS = "…"
TERMINAL = SENTENCE_MARKS + ELLIPSIS
"""Marks that end a sentence (an ellipsis included)."""
URDU_FULL_STOP = "۔"
OPENING_QUOTES = "“«„‘"
CLOSING_QUOTES = "”»’\"'"
CLOSERS = CLOSING_QUOTES + ")]"
"""What may follow a sentence's final mark: closing quotes and brackets (the segmenter's set)."""
CLOSERS_EXCEPT_RSQUO = "”»\"')]"
""":data:`CLOSERS` without ’: the checks' sentence units, their sentence-end tests and the
cross-check's sentences, where ’ after a mark does not close the unit."""
CLOSERS_AND_BRACE = CLOSERS + "}"
""":data:`CLOSERS` and ``}``: the cleaner's sentence-end test (page text carries template braces)."""
LATIN_CLOSERS = "\"'”’)]"
"""Closers in English text (no »): where supplied translations are split into sentences."""


def sentence_end_pattern(marks: str = TERMINAL, closers: str = CLOSERS_EXCEPT_RSQUO,
                         then: str = r"(?=\s|$)") -> str:
    """Regex source of a sentence end: a run of ``marks``, any ``closers``, then ``then`` (by
    default white space or the end of the text must follow)."""
    tail = f"[{re.escape(closers)}]*" if closers else ""
    return f"[{re.escape(marks)}]+{tail}{then}"


SENTENCE_END_RE = re.compile(sentence_end_pattern())
"""A sentence end in the checks' units: terminal marks, closers, then white space or the end."""


def ends_sentence(text: str, closers: str = CLOSERS_EXCEPT_RSQUO, *, space_in_closers: bool = False) -> bool:
    """Whether ``text`` ends with a :data:`TERMINAL` mark, ignoring trailing ``closers`` (and white
    space before them too, with ``space_in_closers``: "… انتهى. »")."""
    t = text.rstrip().rstrip(closers)
    if space_in_closers:
        t = t.rstrip()
    return bool(t) and t[-1] in TERMINAL


# --- folding -----------------------------------------------------------------------------------

PLACEHOLDER = TATWEEL
"""What :func:`normalize` puts where a character is removed (harakat, tatweel, bidi marks).

It is the Arabic tatweel: a letter-joining character that tokenisers treat as part of a word, so
a word with diacritics stays one token; :func:`fold_spelling` and :func:`normalize_with_map` drop
it."""

_TO_PERSIAN_YEH_KAF = {"ي": "ی", "ى": "ی", "ك": "ک"}
_ALEFS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"}
_REMOVED = [o for a, b in MARK_RANGES for o in range(a, b + 1)] + [ord(TATWEEL)] + _CONTROLS
_NORMALIZE = str.maketrans({
    **_TO_PERSIAN_YEH_KAF, "ۀ": "ه", **_ALEFS,
    ZWNJ: " ",  # Persian half-space; written as a space just as often
    **{chr(k): chr(v) for k, v in DIGITS_TO_ASCII.items()},
    **{chr(o): PLACEHOLDER for o in _REMOVED},
})
_PRESENTATION = re.compile(f"[{char_class(PRESENTATION_FORMS)}]")


def normalize(text: str) -> str:
    """Same-length normalisation for processing.

    ي/ى → ی, ك → ک, أ/إ/آ/ٱ → ا, ۀ → ه, ZWNJ → space, Arabic-Indic and Persian digits → ASCII,
    Arabic presentation forms → their base letters; harakat, tatweel, ZWJ and bidi marks →
    :data:`PLACEHOLDER`. ``len(normalize(t)) == len(t)`` always, so offsets stay valid.
    """
    out = text.translate(_NORMALIZE)
    if _PRESENTATION.search(out):
        out = _PRESENTATION.sub(_base_form, out)
    return out


def _base_form(m: re.Match[str]) -> str:
    """The base letter of an Arabic presentation form (ligatures that expand stay as they are)."""
    base = unicodedata.normalize("NFKC", m.group(0)).translate(_NORMALIZE)
    return base if len(base) == 1 else m.group(0)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise and drop removed characters; ``index[i]`` is the original offset of output ``i``."""
    norm = normalize(text)
    keep = [i for i, c in enumerate(norm) if c != PLACEHOLDER]
    return "".join(norm[i] for i in keep), keep


def fold_spelling(text: str) -> str:
    """Phrase-matching key of running text: :func:`normalize`, placeholders dropped, casefolded,
    spaces collapsed (may be shorter than ``text``)."""
    return " ".join(normalize(text).replace(PLACEHOLDER, "").casefold().split())


LOOKUP_FOLD = str.maketrans({**_ALEFS, "ی": "ي", "ک": "ك", "ۀ": "ه"})
""":func:`fold_lookup`'s letter table (part of the word-frequency cache's key)."""


def fold_lookup(word: str) -> str:
    """Dictionary key of a word: NFKC, marks and tatweel removed, alef/yeh/kaf variants unified
    towards Arabic spelling, lower-cased; alef maqsura (ى) stays apart from yeh."""
    w = unicodedata.normalize("NFKC", word)
    w = MARKS_RE.sub("", w).replace(ZWJ, "")
    return w.translate(LOOKUP_FOLD).lower()


_YEH_KAF = str.maketrans({**_TO_PERSIAN_YEH_KAF, ZWNJ: " ", TATWEEL: None})


def fold_yeh_kaf(text: str) -> str:
    """Yeh/kaf unified, ZWNJ as space, tatweel dropped, spaces collapsed; keeps آ (آمریکا vs
    Dari امریکا)."""
    return " ".join(text.translate(_YEH_KAF).split())
