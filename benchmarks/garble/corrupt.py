"""Realistic corruption functions: the artifacts seen in garbled machine-translated news.

Each source corruption takes (text, rng, lang) and returns the corrupted text, or None when it
does not apply to that sentence. Translation corruptions take (source, english, rng, pool) and
return a bad English rendering. The kinds mirror what the seed articles show: a full stop
inside a name or phrase, a stray nonsense token after the last full stop, a quote closed
mid-phrase, a word orphaned after a full stop, doubled punctuation, Latin UI strings, repeated
words, a clause cut off, and calque-like word order / particle errors.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

WORD = re.compile(r"\S+")
TERMINAL = ".!?؟"
LATIN_UI = ["FOX NEWS", "CLICK HERE", "Download the app", "Breaking News", "READ MORE", "Watch video",
            "Sign up", "Share this", "LIVE", "Subscribe now"]
PARTICLES = {"ar": ["في", "من", "على", "إلى", "عن", "أن", "ال"], "fa": ["در", "از", "به", "را", "که", "با"],
             "prs": ["در", "از", "به", "را", "که", "با"]}


def _words(text: str) -> list[str]:
    return WORD.findall(text)


def _body(text: str) -> tuple[str, str]:
    """(text without its final punctuation, that punctuation)."""
    t = text.rstrip()
    i = len(t)
    while i > 0 and t[i - 1] in TERMINAL + "”»\"'":
        i -= 1
    return t[:i], t[i:]


def _clean_words(ws: list[str]) -> list[int]:
    """Indices of words made of letters only (no punctuation or digits attached)."""
    return [i for i, w in enumerate(ws) if w.isalpha()]


def period_split(text: str, rng: random.Random, lang: str) -> str | None:
    """A full stop inserted inside a phrase: "… أبو علي. مهدي المهندس …"."""
    body, end = _body(text)
    ws = _words(body)
    cands = [i for i in _clean_words(ws) if 1 <= i <= len(ws) - 3 and ws[i + 1].isalpha()]
    if not cands:
        return None
    i = rng.choice(cands)
    ws[i] = ws[i] + "."
    return " ".join(ws) + (end or ".")


def _nonsense(rng: random.Random, lang: str) -> str:
    letters = "ابتثجحخدذرسشصضطظعغفقكلمنهوي" if lang == "ar" else "ابپتثجچحخدرزژسشصضطظعغفقکگلمنوهی"
    return "".join(rng.choice(letters) for _ in range(rng.randint(3, 5)))


def stray_token(text: str, rng: random.Random, lang: str) -> str | None:
    """A nonsense token left as its own sentence after the last full stop ("… برس. يضعط.")."""
    t = text.rstrip()
    if not t or t[-1] not in TERMINAL:
        t += "."
    return f"{t} {_nonsense(rng, lang)}."


def quote_cut(text: str, rng: random.Random, lang: str) -> str | None:
    """A quotation closed with a full stop mid-phrase and closed again later ("…”. مهمة في العراق”")."""
    body, end = _body(text)
    ws = _words(body)
    if len(ws) < 8:
        return None
    a = rng.randint(len(ws) // 3, len(ws) - 6)
    b = rng.randint(a + 2, len(ws) - 3)
    ws[a] = "“" + ws[a]
    ws[b] = ws[b] + "”."
    ws[-1] = ws[-1] + "”"
    return " ".join(ws) + (end or ".")


def orphan_fragment(text: str, rng: random.Random, lang: str) -> str | None:
    """The last word of a phrase orphaned after a full stop ("… الإيراني. فيلق.")."""
    body, _ = _body(text)
    ws = _words(body)
    if len(ws) < 4 or not ws[-1].isalpha():
        return None
    k = 1 if rng.random() < 0.7 else 2
    if not all(w.isalpha() for w in ws[-k:]):
        k = 1
    return " ".join(ws[:-k]) + ". " + " ".join(ws[-k:]) + "."


def doubled_punct(text: str, rng: random.Random, lang: str) -> str | None:
    """Stray or doubled punctuation: ". ." at the end, "”. ." after a quote, or "،،"."""
    body, _ = _body(text)
    if "،" in body and rng.random() < 0.4:
        return text.replace("،", "،،", 1)
    return body + rng.choice([". .", "”. .", " . .", ".."])


def latin_ui(text: str, rng: random.Random, lang: str) -> str | None:
    """A Latin-script interface string pasted into the sentence."""
    body, end = _body(text)
    ws = _words(body)
    ui = rng.choice(LATIN_UI)
    if rng.random() < 0.5 or len(ws) < 4:
        return f"{body} {ui}"
    i = rng.randint(1, len(ws) - 1)
    return " ".join([*ws[:i], ui, *ws[i:]]) + (end or ".")


def repetition(text: str, rng: random.Random, lang: str) -> str | None:
    """A word or short phrase repeated back to back."""
    body, end = _body(text)
    ws = _words(body)
    n = rng.choice([1, 2, 2, 3])
    if len(ws) < n + 2:
        return None
    i = rng.randint(0, len(ws) - n)
    return " ".join([*ws[: i + n], *ws[i : i + n], *ws[i + n :]]) + end


def truncation(text: str, rng: random.Random, lang: str) -> str | None:
    """The sentence cut off mid-clause (sometimes on a trailing comma)."""
    body, _ = _body(text)
    ws = _words(body)
    if len(ws) < 6:
        return None
    k = rng.randint(max(2, int(len(ws) * 0.35)), int(len(ws) * 0.8))
    out = " ".join(ws[:k]).rstrip("،,:؛")
    return out + ("،" if rng.random() < 0.3 else "")


def calque(text: str, rng: random.Random, lang: str) -> str | None:
    """Word-for-word order and particle errors: two adjacent words swapped and a particle doubled."""
    body, end = _body(text)
    ws = _words(body)
    if len(ws) < 6:
        return None
    for _ in range(2):
        i = rng.randint(0, len(ws) - 2)
        ws[i], ws[i + 1] = ws[i + 1], ws[i]
    p = rng.choice(PARTICLES.get(lang, PARTICLES["fa"]))
    j = rng.randint(1, len(ws) - 1)
    ws.insert(j, p if p != "ال" else "ال" + ws[j])
    return " ".join(ws) + (end or ".")


SOURCE_KINDS: dict[str, Callable[[str, random.Random, str], str | None]] = {
    "period-split": period_split,
    "stray-token": stray_token,
    "quote-cut": quote_cut,
    "orphan-fragment": orphan_fragment,
    "stray-punct": doubled_punct,
    "latin-ui": latin_ui,
    "repetition": repetition,
    "truncation": truncation,
    "calque": calque,
}


def strip_final(text: str) -> str:
    """A clean sentence without its final punctuation (a headline); clean when it is a title."""
    return _body(text)[0]


# -- translation side ---------------------------------------------------------------------------

def tr_mismatch(src: str, en: str, rng: random.Random, pool: list[str]) -> str:
    """The English of another sentence (a misaligned or hallucinated rendering)."""
    return rng.choice(pool)


def tr_loop(src: str, en: str, rng: random.Random, pool: list[str]) -> str:
    """A decoder loop: the rendering stops making progress and repeats a phrase."""
    ws = en.split()
    k = max(2, len(ws) // 3)
    phrase = " ".join(ws[k : k + rng.randint(2, 4)]) or ws[0]
    return " ".join(ws[:k]) + " " + " ".join([phrase] * rng.randint(3, 6))


def tr_truncated(src: str, en: str, rng: random.Random, pool: list[str]) -> str:
    """Only the start of the sentence was translated."""
    ws = en.split()
    return " ".join(ws[: max(2, len(ws) // 3)])


def tr_residue(src: str, en: str, rng: random.Random, pool: list[str]) -> str:
    """Source words left untranslated inside the English."""
    sw, ew = src.split(), en.split()
    i = rng.randint(0, max(0, len(ew) - 1))
    j = rng.randint(0, max(0, len(sw) - 3))
    return " ".join([*ew[:i], *sw[j : j + rng.randint(1, 3)], *ew[i:]])


def tr_number(src: str, en: str, rng: random.Random, pool: list[str]) -> str | None:
    """A number changed in translation (needs a number in the English)."""
    nums = list(re.finditer(r"\d{2,}", en))
    if not nums:
        return None
    m = rng.choice(nums)
    new = str(int(m.group()) + rng.choice([1, 10, 100, -1]) * rng.randint(1, 9))
    return en[: m.start()] + new + en[m.end() :]


TRANSLATION_KINDS: dict[str, Callable[..., str | None]] = {
    "tr-mismatch": tr_mismatch,
    "tr-loop": tr_loop,
    "tr-truncated": tr_truncated,
    "tr-residue": tr_residue,
    "tr-number": tr_number,
}
