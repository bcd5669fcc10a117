"""The stages in order, data flowing one way: each reads what the stages before it produced.

    ingest      inputs            -> Articles (text, metadata, supplied English) + Problems
    language    Article           -> lang, lang_confidence
    segment     Article text      -> paragraph spans
    clean       paragraphs        -> a Label (kind, reason) per paragraph; nothing deleted
    segment     paragraphs+labels -> Passages with offsets
    translate   content Passages  -> Translations (supplied first, then each translator's)
    checks      Passages          -> evidence, agreement, garble, flagged, flags (all per passage)
    cross-check checked Articles  -> CrossCheck (stories, facts, disagreements; story level only)

Each stage is one module with a small entry point; this module only composes them and collects
each stage's signature keys. Reporting and the gate read the finished ``Report``
(``mtqa.report``, ``mtqa.gate``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from mtqa import __version__, checks, clean, crosscheck, ingest, lang, segment, store
from mtqa.config import Config
from mtqa.errors import InputError
from mtqa.model import Article, Problem, Report
from mtqa.signature import format_signature

Progress = Callable[[str, int], None]  # (stage description, total) -> None; see cli


@dataclass
class RunOptions:
    """What a ``check`` run does beyond the config file."""

    translators: list[str] = field(default_factory=list)  # registry names; [] = config default
    translate: bool = True  # False: --no-translate (source-side evidence only)
    quiet: bool = True


def prepare(article: Article, config: Config) -> Article:
    """Language id, cleaning and segmentation of one article (raises InputError if unusable)."""
    article = lang.identify(article, config.section("language"))
    paragraphs = segment.paragraphs(article.text)
    labels = clean.classify(article, paragraphs, config.section("clean"))
    passages = segment.passages(article, paragraphs, labels, config.section("segment"))
    return replace(article, passages=tuple(passages))


def translator_names(config: Config, options: RunOptions) -> list[str]:
    if not options.translate:
        return []
    return options.translators or [config.get("translate.default")]


def results_cache_path(config: Config) -> Path | None:
    """The derived-results cache file, or None when ``cache.results`` is off."""
    if not config.get("cache.results"):
        return None
    value = str(config.get("cache.results_path"))
    return config.resolve_path(value) if value else store.cache_root() / "results.sqlite"


def run(inputs: Sequence[str], config: Config, options: RunOptions | None = None) -> Report:
    """Run every stage over ``inputs`` (files, directories or ``-``) and return the report."""
    path = results_cache_path(config)
    # A read-only, full or corrupt cache slows the run down, never stops it: the store warns once
    # and behaves as an empty cache (mtqa.store).
    results = store.blob_store(path) if path is not None else None
    with store.using(results):
        return _run(inputs, config, options or RunOptions())


def _run(inputs: Sequence[str], config: Config, options: RunOptions) -> Report:
    from mtqa import translate  # heavy imports stay lazy until translation is asked for

    articles, problems = ingest.load(inputs, config.section("ingest"))
    prepared: list[Article] = []
    for article in articles:
        try:
            prepared.append(prepare(article, config))
        except InputError as exc:  # UnsupportedLanguage carries the language, for the gate
            problems.append(Problem(exc.path, exc.problem, getattr(exc, "lang", None)))

    sig: dict[str, object] = {}
    sig.update(ingest.signature(config.section("ingest")))
    sig.update(lang.signature(config.section("language")))
    sig.update(clean.signature(config.section("clean")))
    sig.update(segment.signature(config.section("segment")))

    # Translations supplied with the input are always attached (feed-scoring mode).
    prepared = [translate.attach_supplied(a) for a in prepared]
    names = translator_names(config, options)
    for name in names:
        translator = translate.get_translator(name, config)
        prepared = translator.translate_articles(prepared, quiet=options.quiet)
        sig.update(translator.signature())
    if not names:
        sig["tr"] = "none"

    prepared = checks.score(prepared, config.section("checks"), config.get("crosscheck.lexicon"))
    sig.update(checks.signature(config.section("checks"), translated=bool(names)))
    story = crosscheck.stories(prepared, config.section("crosscheck"))
    sig.update(crosscheck.signature(config.section("crosscheck")))

    return Report(
        version=__version__,
        signature=format_signature(sig, __version__),
        articles=prepared,
        problems=problems,
        crosscheck=story,
        settings=config.data,
    )
