"""The compiled lexicon of one side ("src": Arabic script, "en": English translations)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mtqa.crosscheck.text import PhraseTable, lexicon_data, lexicon_path, norm_phrase, table_lexicon
from mtqa.errors import ConfigError


@dataclass
class Event:
    key: str
    label: str
    group: str
    groups: tuple[PhraseTable, ...]


@dataclass
class Role:
    key: str
    label: str
    context: PhraseTable | None


@dataclass
class Lex:
    side: str
    nouns: PhraseTable
    noun_labels: dict[str, str]
    person_nouns: frozenset[str]
    states: PhraseTable
    state_keys: frozenset[str]
    places: PhraseTable
    place_labels: dict[str, str]
    nats: PhraseTable
    nat_labels: dict[str, str]
    approx: PhraseTable
    more: PhraseTable
    atleast: PhraseTable
    less: PhraseTable
    number_words: PhraseTable
    number_values: dict[str, int]
    vague: PhraseTable
    vague_ranges: dict[str, tuple[int, int]]
    vague_labels: dict[str, str]
    months: PhraseTable
    ambiguous_months: frozenset[str]
    solar_months: PhraseTable
    ordinals: dict[str, int]
    weekdays: PhraseTable
    ambiguous_weekdays: frozenset[str]
    day_cues: PhraseTable
    year_cues: PhraseTable
    events: tuple[Event, ...]
    entities: PhraseTable
    entity_labels: dict[str, str]
    entity_tokens: dict[str, tuple[tuple[str, ...], ...]]
    roles: PhraseTable
    role_info: dict[str, Role]
    name_starts: frozenset[str]
    name_stops: frozenset[str]


def _phrases(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"crosscheck lexicon: '{where}' must be a list of strings")
    return value


def _indexed(table: Mapping[str, Any], side: str, where: str) -> dict[str, list[str]]:
    """{"1": [...], ..., "en": [...]} → {"1": phrases} for the side (en lists are by position)."""
    if side == "en":
        return {str(i + 1 if where != "weekdays" else i): [p] for i, p in
                enumerate(_phrases(table.get("en", []), f"{where}.en"))}
    return {k: _phrases(v, f"{where}.{k}") for k, v in table.items() if k.isdigit()}


def name_tokens(text: str) -> tuple[str, ...]:
    """Comparison tokens of a name: normalised, punctuation dropped, article ال/al- stripped."""
    from mtqa.crosscheck.text import strip_article, words

    return tuple(strip_article(w) for w, _, _ in words(norm_phrase(text)) if w not in ("al", "el"))


@lru_cache(maxsize=8)
def _compile(path_key: str, side: str) -> Lex:
    from mtqa.crosscheck.text import _read_lexicon

    data = _read_lexicon(path_key)
    pre = side == "src"
    nouns = data.get("nouns", {})
    q = data.get("quantity", {})
    nw = data.get("number_words", {}).get(side, {})
    vague = data.get("vague", {})
    months = data.get("months", {})
    weekdays = data.get("weekdays", {})
    events = []
    for key, ev in data.get("events", {}).items():
        groups = tuple(PhraseTable({"x": _phrases(g, f"events.{key}.all")}, prefixes=pre)
                       for g in ev.get("all", []))
        events.append(Event(key, ev.get("label", key), ev.get("group", key), groups))
    ents = data.get("entities", {})
    roles = data.get("roles", {})
    names = data.get("names", {})
    return Lex(
        side=side,
        nouns=table_lexicon(nouns, side),
        noun_labels={k: v.get("label", k) for k, v in nouns.items()},
        person_nouns=frozenset(k for k, v in nouns.items() if v.get("person")),
        states=table_lexicon(data.get("states", {}), side),
        state_keys=frozenset(data.get("states", {})) | {"killed", "injured"},
        places=table_lexicon(data.get("places", {}), side),
        place_labels={k: v.get("label", k) for k, v in data.get("places", {}).items()},
        nats=table_lexicon(data.get("nationalities", {}), side),
        nat_labels={k: v.get("label", k) for k, v in data.get("nationalities", {}).items()},
        approx=PhraseTable({"approx": q.get(f"approx_{side}", [])}, prefixes=pre),
        more=PhraseTable({"more": q.get(f"more_{side}", [])}, prefixes=pre),
        atleast=PhraseTable({"atleast": q.get(f"atleast_{side}", [])}, prefixes=pre),
        less=PhraseTable({"less": q.get(f"less_{side}", [])}, prefixes=pre),
        number_words=PhraseTable({k: [k] for k in nw}, prefixes=pre),
        number_values={k: int(v) for k, v in nw.items()},
        vague=table_lexicon(vague, side),
        vague_ranges={k: (int(v["range"][0]), int(v["range"][1])) for k, v in vague.items()},
        vague_labels={k: v.get("label", k) for k, v in vague.items()},
        months=PhraseTable(_indexed(months, side, "months"), prefixes=pre),
        ambiguous_months=frozenset(norm_phrase(p) for p in months.get("ambiguous", [])),
        solar_months=PhraseTable(_indexed(data.get("solar_months", {}), "src", "solar_months")
                             if side == "src" else {}, prefixes=False),
        ordinals={norm_phrase(k): int(v) for k, v in data.get("ordinals", {}).items()},
        weekdays=PhraseTable(_indexed(weekdays, side, "weekdays"), prefixes=pre),
        ambiguous_weekdays=frozenset(norm_phrase(p) for p in weekdays.get("ambiguous", [])),
        day_cues=PhraseTable({"day": weekdays.get("day_cues", [])}, prefixes=pre),
        year_cues=PhraseTable({"year": weekdays.get("year_cues", [])}, prefixes=pre),
        events=tuple(events),
        entities=table_lexicon(ents, side),
        entity_labels={k: v.get("label", k) for k, v in ents.items()},
        entity_tokens={k: tuple(name_tokens(p) for p in v.get("src", []) + v.get("en", []))
                       for k, v in ents.items()},
        roles=PhraseTable({k: v.get("cues", []) if side == "src" else v.get("en", [])
                       for k, v in roles.items()}, prefixes=pre),
        role_info={k: Role(k, v.get("label", k),
                           PhraseTable({"c": v["context"]}, prefixes=pre) if v.get("context") else None)
                   for k, v in roles.items()},
        name_starts=frozenset(norm_phrase(p) for p in names.get("starts", [])),
        name_stops=frozenset(norm_phrase(p) for p in names.get("stops", [])),
    )


def get(cfg: Mapping[str, Any], side: str) -> Lex:
    """The compiled lexicon for ``side`` ("src" or "en") named by ``cfg["lexicon"]``."""
    lexicon_data(cfg)  # validates the path and reads it once
    return _compile(str(lexicon_path(cfg)), side)
