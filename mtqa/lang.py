"""Stage 2, language: tell Arabic from Persian (and keep Dari, ``prs``).

Reads: ``Article.text`` (and a declared ``lang``). Adds: ``Article.lang`` and ``lang_confidence``.

Interface::

    identify(article, cfg) -> Article     # sets lang, lang_confidence; InputError if neither
    signature(cfg) -> dict

Normalisation of text (``normalize``, ``normalize_with_map``, ``fold_spelling``) lives in
:mod:`mtqa.script`.

How the decision is made (all weights and word lists are in ``configs/defaults/language.toml``):

1. Script: the share of Arabic-script letters (:data:`mtqa.script.LETTER_RE`) among all letters
   must reach ``min_script_ratio``; otherwise the text is rejected, naming the dominant other
   script (and "English" when common English function words are present).
2. Arabic vs Persian: letters that only one of the two languages uses (Persian پ چ ژ گ ی ک and
   ZWNJ; Arabic ة ي ى ك) and frequent function words of each (``را``, ``است``, ``که`` … vs
   ``الذي``, ``التي``, ``في`` …) are counted, weighted, and compared. When that evidence is thin
   (short text), word frequencies from ``wordfreq`` break the tie.
3. Dari vs Iranian Persian: Afghan usage markers (solar months دلو, حوت, جدی…, "صدراعظم",
   "ایتلاف", "امریکا" without madda, Afghan spellings of Gregorian months "جنوری", "اکتوبر") are
   counted against Iranian markers ("آمریکا", "ژانویه", Iranian month names, "نخست وزیر"). The
   text is called ``prs`` when at least ``dari_min_markers`` Dari markers are found and they
   outnumber the Iranian ones by ``dari_ratio``; otherwise it is ``fa``. This favours precision:
   on FLORES-200 devtest in 5-sentence documents, 1 of 203 Iranian documents is called ``prs``
   and 29 of 203 Dari documents (FLORES Dari is neutral Wikipedia prose with few Afghan
   markers); Afghan news text, which uses the markers, is recognised (seed 000, the examples).
4. Other languages written in the same script are told apart before 2. and 3.: Urdu, Punjabi
   (Shahmukhi), Pashto, Sindhi, Kurdish (Sorani) and Uyghur each use letters that Arabic and
   Persian never write (Urdu ٹ ڈ ڑ ں ے, Pashto ټ ډ ړ ښ ځ څ ۍ ې, Sindhi ڄ ڃ ڇ ڏ ڻ ڪ, Sorani ێ ڵ ڕ ە,
   Uyghur ۇ ۈ ۋ ڭ; ۆ and ڤ are left out: Maghrebi and Gulf Arabic write "o" and "v" with them).
   When they make up ``other_min_share`` of the Arabic-script letters, the text is that language
   and is refused by name (mtqa checks Arabic and Persian only); Punjabi is told from Urdu by
   its postpositions (دے دی نوں وچ توں against کے کی کو میں سے). A few such letters
   in names (پښتون in Dari news) stay far below the share.
5. Script share is decided on words, not on all letters: Latin words written as names or titles
   (capitalised, acronyms) and markup (tags, URLs, entities) do not count against the text, so
   Persian news listing English artists' names is read as Persian.
6. A language declared by the input (JSONL ``lang``, a feed's or page's language) is trusted: the
   article is checked as declared, never refused, and a note on the article says when the text
   looks otherwise (mostly Latin script, or the other language with the confidence of that
   call). A declared language mtqa does not check (``ur``, ``ps`` …) is refused by name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from functools import lru_cache
from typing import Any

from mtqa.errors import InputError, UnsupportedLanguage
from mtqa.model import Article, Note
from mtqa.script import LETTER_RE, fold_yeh_kaf

VERSION = "2"

# --- identification --------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+")
_ENGLISH_HINTS = frozenset("the and of to in is was for that with on are by from this".split())

# Languages written in the Arabic script that mtqa does not check: code -> (name, the letters
# that only they use among the Arabic-script languages of the region).
OTHER_LANGUAGES: dict[str, tuple[str, str]] = {
    "ur": ("Urdu", "ٹڈڑںے"),
    "pnb": ("Punjabi (Shahmukhi)", "ٹڈڑںےݨ"),
    "ps": ("Pashto", "ټډړږښځڅڼۍېګ"),
    "sd": ("Sindhi", "ڄڃڇڏڍڊٻڦڻڳڱٺٽڙڪ"),
    "ckb": ("Kurdish (Sorani)", "ێڵڕە"),
    "ug": ("Uyghur", "ۇۈۋڭېە"),
}
# Frequent Punjabi words absent from Urdu, and the Urdu words they replace.
_PUNJABI_WORDS = frozenset("دے دی دا نوں وچ توں تے اے سی ہوئے لوکاں ایہہ اوہ".split())
_URDU_WORDS = frozenset("کے کی کا کو میں سے اور ہے ہیں تھا تھی نے یہ وہ".split())
OTHER_ALIASES: dict[str, str] = {
    "ur": "ur", "urd": "ur", "urdu": "ur", "pnb": "pnb", "pa-arab": "pnb", "punjabi": "pnb",
    "ps": "ps", "pus": "ps", "pbt": "ps", "pashto": "ps", "sd": "sd", "snd": "sd", "sindhi": "sd",
    "ckb": "ckb", "ku-arab": "ckb", "sorani": "ckb", "ug": "ug", "uig": "ug", "uyghur": "ug",
}

ALIASES: dict[str, str] = {
    "ar": "ar", "ara": "ar", "arb": "ar", "arabic": "ar",
    "fa": "fa", "fas": "fa", "per": "fa", "pes": "fa", "fa-ir": "fa", "persian": "fa", "farsi": "fa",
    "prs": "prs", "fa-af": "prs", "dari": "prs", "prs-af": "prs",
}


def declared_code(value: str | None) -> str | None:
    """The internal code ("ar", "fa", "prs") for a declared language, or None if unsupported."""
    if not value:
        return None
    return ALIASES.get(value.strip().lower().replace("_", "-"))


def other_language(text: str, cfg: dict[str, Any]) -> str | None:
    """The code of an Arabic-script language mtqa does not check (``ur``, ``ps`` …) when the
    letters only it uses are common enough in ``text``, else None."""
    sample = text[: cfg["sample_chars"]]
    arabic = len(LETTER_RE.findall(sample))
    if not arabic:
        return None
    counts = Counter(ch for ch in sample if ch in _OTHER_LETTERS)
    if not counts:
        return None
    scores = {code: sum(counts[c] for c in letters) for code, (_, letters) in OTHER_LANGUAGES.items()}
    best = max(scores, key=lambda c: (scores[c], -len(OTHER_LANGUAGES[c][1])))
    if scores[best] < cfg["other_min_letters"] or scores[best] < cfg["other_min_share"] * arabic:
        return None
    if best in ("ur", "pnb"):
        words = _WORD.findall(sample)
        punjabi = sum(w in _PUNJABI_WORDS for w in words) + 3 * counts["ݨ"]
        urdu = sum(w in _URDU_WORDS for w in words)
        best = "pnb" if punjabi > urdu else "ur"
    return best


_OTHER_LETTERS = frozenset("".join(letters for _, letters in OTHER_LANGUAGES.values()))


def language_name(code: str) -> str:
    """'Urdu (ur)' for a code of :data:`OTHER_LANGUAGES`, the code itself otherwise."""
    return f"{OTHER_LANGUAGES[code][0]} ({code})" if code in OTHER_LANGUAGES else code


def _script_name(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ")[0].title() if name else "unknown"


def script_profile(text: str, limit: int = 20000) -> tuple[float, int, Counter[str]]:
    """(share of Arabic-script letters, number of letters, counts of other scripts) of a sample."""
    sample = text[:limit]
    arabic = len(LETTER_RE.findall(sample))
    others: Counter[str] = Counter()
    total = arabic
    for ch in sample:
        if ch.isalpha() and not LETTER_RE.match(ch):
            total += 1
            others[_script_name(ch)] += 1
    return (arabic / total if total else 0.0), total, others


_MARKUP = re.compile(r"<[^<>\n]{0,500}>|&#?\w{1,10};|\b(?:https?://|www\.)\S+|\S+@\S+\.\w+")


def word_profile(text: str, limit: int = 20000) -> tuple[int, int]:
    """(Arabic-script words, other words that read as running text) of a sample.

    Markup (tags, entities, URLs, e-mail addresses) is dropped, and so are Latin words written as
    names, titles or acronyms (a capital first letter, or all capitals): news in Arabic or Persian
    names people, bands and songs in Latin letters, and those are not a sign of another language.
    """
    sample = _MARKUP.sub(" ", text[:limit])
    arabic = other = 0
    for word in _WORD.findall(sample):
        if LETTER_RE.match(word[0]):
            arabic += 1
        elif not word[0].isupper():
            other += 1
    return arabic, other


def _looks_like(text: str, others: Counter[str]) -> str:
    if not others:
        return "no letters" if not _WORD.search(text) else "unknown script"
    script = others.most_common(1)[0][0]
    if script == "Latin":
        words = [w.lower() for w in _WORD.findall(text[:5000])]
        if words and sum(w in _ENGLISH_HINTS for w in words) / len(words) > 0.05:
            return "English"
        return "Latin script"
    return f"{script} script"


def _count_words(tokens: list[str], words: list[str]) -> int:
    wanted = set(words)
    return sum(t in wanted for t in tokens)


def _count_phrases(text: str, phrases: list[str]) -> int:
    return sum(text.count(p) for p in phrases)


def _persian_or_arabic(raw: str, tokens: list[str], cfg: dict[str, Any]) -> tuple[str, float]:
    """("ar" | "fa", confidence) from diagnostic letters and function words."""
    weights = cfg["weights"]
    fa = sum(raw.count(c) for c in cfg["persian_letters"]) * weights["letter"]
    ar = sum(raw.count(c) for c in cfg["arabic_letters"]) * weights["letter"]
    fa += _count_words(tokens, cfg["persian_words"]) * weights["word"]
    ar += _count_words(tokens, cfg["arabic_words"]) * weights["word"]
    ar += sum(t.startswith("ال") and len(t) > 3 for t in tokens) * weights["al_prefix"]
    if fa + ar < cfg["min_evidence"]:
        zf, za = _wordfreq_scores(tokens[: cfg["wordfreq_tokens"]])
        fa += zf * weights["wordfreq"]
        ar += za * weights["wordfreq"]
    if fa + ar <= 0:
        return "ar", 0.5
    if fa > ar:
        return "fa", fa / (fa + ar)
    return "ar", ar / (fa + ar)


def _wordfreq_scores(tokens: list[str]) -> tuple[float, float]:
    """Summed Zipf-frequency advantage of each language over the other, for the given words."""
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is a dependency
        return 0.0, 0.0
    fa = ar = 0.0
    for tok in tokens:
        zf = zipf_frequency(tok, "fa")
        za = zipf_frequency(tok, "ar")
        if zf > za:
            fa += zf - za
        else:
            ar += za - zf
    return fa, ar


def dari_markers(text: str, cfg: dict[str, Any]) -> tuple[int, int]:
    """(Dari marker count, Iranian marker count) in a text."""
    light = fold_yeh_kaf(text)
    tokens = light.split()
    dari = _count_words(tokens, _light_list(tuple(cfg["dari_words"])))
    iran = _count_words(tokens, _light_list(tuple(cfg["iran_words"])))
    dari += _count_phrases(light, _light_list(tuple(cfg["dari_phrases"])))
    iran += _count_phrases(light, _light_list(tuple(cfg["iran_phrases"])))
    return dari, iran


@lru_cache(maxsize=32)
def _light_list(words: tuple[str, ...]) -> list[str]:
    return [fold_yeh_kaf(w) for w in words]


def detect(text: str, cfg: dict[str, Any]) -> tuple[str | None, float, str]:
    """(code or None, confidence, what it looks like) for a text; None when not Arabic/Persian."""
    sample = text[: cfg["sample_chars"]]
    ratio, letters, others = script_profile(sample)
    if letters < cfg["min_letters"] and _WORD.search(sample):
        return None, 1.0, f"too little text to tell ({letters} letter(s))"
    if letters >= cfg["min_letters"] and ratio < cfg["min_script_ratio"]:
        # Decided on words: names, titles and markup in Latin letters do not count.
        arabic_words, other_words = word_profile(sample)
        if (arabic_words >= cfg["min_words"]
                and arabic_words >= cfg["min_script_ratio"] * (arabic_words + other_words)):
            ratio = cfg["min_script_ratio"]
    if letters < cfg["min_letters"] or ratio < cfg["min_script_ratio"]:
        return None, 1.0 - ratio, _looks_like(sample, others)
    raw_tokens = _WORD.findall(sample)
    code, conf = _persian_or_arabic(sample, raw_tokens, cfg)
    if code == "fa":
        d, i = dari_markers(sample, cfg)
        if d >= cfg["dari_min_markers"] and d >= cfg["dari_ratio"] * max(i, 1):
            code = "prs"
            conf = conf * d / (d + i)
    return code, conf * min(1.0, ratio / max(cfg["min_script_ratio"], 1e-9)), code


_NAMES = {"ar": "Arabic", "fa": "Persian", "prs": "Dari"}


def identify(article: Article, cfg: dict[str, Any]) -> Article:
    """Set ``lang`` and ``lang_confidence``; raise InputError if the text is not ar/fa/prs.

    A declared language mtqa checks is trusted (a note says when the text looks otherwise); one
    it does not check, or a text in such a language, is refused by name."""
    where = _where(article)
    unchecked = OTHER_ALIASES.get((article.lang or "").strip().lower().replace("_", "-"))
    if unchecked:
        raise UnsupportedLanguage(where, f"declared language is {language_name(unchecked)}: mtqa "
                                         "checks Arabic and Persian (Iranian, Dari) only", unchecked)
    declared = declared_code(article.lang)
    other = other_language(article.text, cfg)
    if other is not None:
        said = f" although declared '{article.lang}'" if declared else ""
        raise UnsupportedLanguage(where, f"text is {language_name(other)}{said}: mtqa checks "
                                         "Arabic and Persian (Iranian, Dari) only", other)
    code, conf, looks = detect(article.text, cfg)
    if declared is not None:
        if code is None and len(LETTER_RE.findall(article.text[: cfg["sample_chars"]])) < cfg["min_letters"]:
            raise InputError(where, f"declared '{article.lang}' but the text has no Arabic-script "
                                    f"words to check (looks like {looks})")
        return _as_declared(article, declared, code, conf, looks)
    if code is None:
        if looks.startswith("too little"):
            raise InputError(where, f"cannot identify the language: {looks}")
        raise InputError(where, f"text is not Arabic or Persian (looks like {looks})")
    return replace(article, lang=code, lang_confidence=round(conf, 4))


def _as_declared(article: Article, declared: str, code: str | None, conf: float,
                 looks: str) -> Article:
    """``article`` checked in its declared language, with a note when the text disagrees."""
    said = f"declared language '{article.lang}' ({_NAMES[declared]})"
    note = None
    confidence = 1.0
    if code is None:
        note = Note("LANG001", f"{said} kept although the text looks like {looks}; checked as declared")
        confidence = 0.5
    elif {code, declared} == {"ar", "fa"} or {code, declared} == {"ar", "prs"}:
        confidence = round(1.0 - conf, 4)
        if conf >= 0.7:
            note = Note("LANG002", f"{said} contradicts the text, which reads as {_NAMES[code]} "
                                   f"(confidence {conf:.2f}); checked with the declared language's "
                                   "word lists")
    if note is None:
        return replace(article, lang=declared, lang_confidence=confidence)
    return replace(article, lang=declared, lang_confidence=confidence,
                   notes=(*article.notes, note))


def _where(article: Article) -> str:
    """The source, with the record's line (JSONL) or entry id (feeds) when a file holds several."""
    from pathlib import PurePath

    source = article.source
    if (source == "<stdin>" and article.id == "stdin") or PurePath(source).stem == article.id:
        return source
    if PurePath(source).suffix.lower() == ".jsonl" or source == "<stdin>":
        return f"{source}:{article.line}"
    return f"{source} (entry {article.id})"


def signature(cfg: dict[str, Any]) -> dict[str, object]:
    return {"lang": VERSION, "script": cfg["min_script_ratio"], "dari": cfg["dari_min_markers"],
            "other": cfg["other_min_share"]}
