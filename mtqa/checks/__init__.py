"""Stage 6, checks: every per-passage piece of evidence, and the calibrated garble probability.

Reads: prepared articles (content passages with their renderings, supplied and translated).
Adds, per content passage: ``agreement`` and XCHK001 when it has several renderings
(``agreement``), XCHK002–004 for the renderings of ``preservation_systems`` (``preservation``),
``evidence`` (name → float: each check's flag count under its ``feature`` key and the continuous
``signals``, see ``features``), ``garble`` (the fitted logistic model, ``combine``), ``flagged``
(garble ≥ the mode's threshold) and the rules' ``flags`` (added when the passage is flagged or
``flags_on_unflagged`` is set; agreement and preservation flags always). A passage with a
rendering is scored by the ``translated`` model, one without by the ``source`` model. Inside a
results-cache scope (``mtqa.store.using``) a passage scored before with the same inputs and
settings is read back instead (``cache``).

Pipeline interface::

    score(articles, cfg, lexicon_path) -> list[Article]
    signature(cfg, translated) -> dict[str, object]

Benchmark / QE interface (no Articles needed)::

    score_pairs(sources, translations, lang, cfg=None) -> list[dict[str, float]]
    combined(evidence_dicts, mode, cfg=None) -> list[float]
    evidence_for(contexts, cfg) -> list[features.Result]

Modules: ``base`` (Check, Context), ``source`` (GARB001–012 rules), ``target`` (TRAN001–006
rules), ``signals`` (continuous measurements), ``features`` (evidence of one context),
``combine`` (the model; a flag of a ``decisive`` check, GARB012, flags its passage whatever the
model says), ``agreement``, ``preservation``, ``text``/``charlm`` (word lists,
character LM), ``cache``. ``CHECKS`` below is the table of rules. Settings:
``configs/defaults/checks.toml``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from mtqa.checks import preservation, source, target
from mtqa.checks.agreement import agreements
from mtqa.checks.agreement import flag as agreement_flag
from mtqa.checks.base import SUPPORTED_LANGS, Check, Context
from mtqa.checks.cache import cached_results
from mtqa.checks.combine import GarbleModel, load_model
from mtqa.checks.features import Result, evidence, lexicon, pick_translation
from mtqa.checks.signals import attach_cosines
from mtqa.checks.text import WordLists
from mtqa.config import defaults, resolve_config_path
from mtqa.crosscheck import lexicon as crosscheck_lexicon
from mtqa.model import Agreement, Article, Flag, Passage, Translation
from mtqa.store import active_store

__all__ = ["BY_CODE", "CHECKS", "Check", "Context", "combined", "enabled_checks", "evidence_for",
           "model", "score", "score_pairs", "signature"]

VERSION = "1"

# Every rule, in code order: the one table of checks (``[checks] enabled`` picks by code).
CHECKS: tuple[type[Check], ...] = (
    source.BrokenPhrase, source.DanglingFragment, source.StrayPunctuation, source.UnbalancedQuote,
    source.UnknownWord, source.LatinUiString, source.Repetition, source.Truncated, source.Unnatural,
    source.PromoString, source.PastedHeadline, source.OverlongToken,
    target.LowConfidence, target.MeaningDrift, target.NumberMismatch, target.ScriptResidue,
    target.RepetitionLoop, target.LengthRatio,
)
BY_CODE: dict[str, type[Check]] = {c.code: c for c in CHECKS}
DECISIVE: frozenset[str] = frozenset(c.code for c in CHECKS if c.decisive)


def enabled_checks(cfg: Mapping[str, Any]) -> list[Check]:
    """One instance of each check whose code ``[checks] enabled`` lists, in code order."""
    wanted = set(cfg["enabled"])
    return [c() for c in CHECKS if c.code in wanted]


def _default_cfg() -> dict[str, Any]:
    return defaults()["checks"]


def model(cfg: dict[str, Any]) -> GarbleModel:
    """The fitted garble model named by ``cfg["model"]`` (path relative to ``configs/``)."""
    return load_model(resolve_config_path(cfg["model"]))


def _thresholds(cfg: dict[str, Any]) -> dict[str, float]:
    return {"source": float(cfg["threshold_source"]), "translated": float(cfg["threshold_translated"])}


def evidence_for(contexts: Sequence[Context], cfg: dict[str, Any],
                 calib: dict[str, float] | None = None) -> list[Result]:
    """Evidence and flags of prepared contexts (cosines computed in one batch first).

    ``calib`` (thresholds of the continuous checks) defaults to the fitted model's.
    """
    calib = model(cfg).calib if calib is None else calib
    checks = enabled_checks(cfg)
    for c in contexts:
        c.calib = calib
    attach_cosines(contexts, cfg)
    return [evidence(c, checks, cfg) for c in contexts]


def _contexts(article: Article, cfg: dict[str, Any]) -> list[tuple[int, Context]]:
    spans: dict[int, tuple[int, int]] = {}
    for p in article.passages:
        s, e = spans.get(p.paragraph, (p.start, p.end))
        spans[p.paragraph] = (min(s, p.start), max(e, p.end))
    content_paras = sorted({p.paragraph for p in article.passages if p.kind == "content"})

    def tail(par: int | None) -> str | None:
        if par is None:
            return None
        _, e = spans[par]
        return article.text[max(0, e - 8):e]

    rank = {par: k for k, par in enumerate(content_paras)}
    shared: dict[int, dict[Any, Any]] = {}  # per paragraph: what its contexts compute once
    out = []
    lexicons: dict[str, WordLists] = {}
    for i, p in enumerate(article.passages):
        lang = p.lang or article.lang
        if p.kind != "content" or lang not in SUPPORTED_LANGS:
            continue
        if lang not in lexicons:
            lexicons[lang] = lexicon(cfg, lang)
        k = rank[p.paragraph]
        tr, lp = pick_translation(p.translations)
        ctx = Context(text=article.text, start=p.start, end=p.end, lang=lang, cfg=cfg,
                      lexicon=lexicons[lang], para_start=spans[p.paragraph][0],
                      para_end=spans[p.paragraph][1],
                      prev_tail=tail(content_paras[k - 1] if k > 0 else None),
                      next_tail=tail(content_paras[k + 1] if k + 1 < len(content_paras) else None),
                      translation=tr, logprob=lp, shared=shared.setdefault(p.paragraph, {}))
        out.append((i, ctx))
    return out


def _renderings(articles: list[Article], cfg: Mapping[str, Any],
                lexicon_path: str) -> dict[tuple[int, int], tuple[Agreement | None, list[Flag]]]:
    """Agreement (XCHK001) and preservation (XCHK002-004) of every content passage's renderings."""
    acfg = cfg["agreement"]
    where = [(ai, pi) for ai, a in enumerate(articles) for pi, p in enumerate(a.passages)
             if p.kind == "content" and p.translations]
    found = agreements([articles[ai].passages[pi] for ai, pi in where], acfg)
    systems = set(acfg["preservation_systems"])
    lex = {"lexicon": lexicon_path}
    out: dict[tuple[int, int], tuple[Agreement | None, list[Flag]]] = {}
    for (ai, pi), agr in zip(where, found, strict=True):
        p = articles[ai].passages[pi]
        extra: list[Flag] = []
        if agr is not None and (f := agreement_flag(p, agr, acfg)) is not None:
            extra.append(f)
        if systems:
            extra += preservation.flags(articles[ai].text, p, systems, crosscheck_lexicon.get(lex, "src"),
                                        crosscheck_lexicon.get(lex, "en"))
        if agr is not None or extra:
            out[(ai, pi)] = (agr, extra)
    return out


def _not_repeated(flags: list[Flag], p: Passage, cfg: Mapping[str, Any]) -> list[Flag]:
    """The rules' flags less the TRAN003 number mismatches that preservation (XCHK002/003) already
    flagged on the same rendering: one dropped number is reported once (its count stays evidence)."""
    first = p.translations[0].system if p.translations else None
    if first not in set(cfg["agreement"]["preservation_systems"]):
        return flags
    taken = {(f.side, f.start, f.end) for f in p.flags if f.code in ("XCHK002", "XCHK003")}
    return [f for f in flags if not (f.code == "TRAN003" and any(
        side == f.side and s < f.end and f.start < e for side, s, e in taken))]


def score(articles: list[Article], cfg: Mapping[str, Any],
          lexicon_path: str | None = None) -> list[Article]:
    """Evidence, agreement, garble probability, flagged and reasons for every content passage.

    ``lexicon_path`` names the shared word lists (``[crosscheck] lexicon``; its default when None)
    that number and name preservation reads.
    """
    gm = model(cfg)
    thresholds = _thresholds(cfg)
    if lexicon_path is None:
        lexicon_path = str(defaults()["crosscheck"]["lexicon"])
    renderings = _renderings(articles, cfg, lexicon_path)
    jobs: list[tuple[int, int, Context]] = []
    for ai, article in enumerate(articles):
        jobs.extend((ai, pi, ctx) for pi, ctx in _contexts(article, cfg))
    contexts = [ctx for _, _, ctx in jobs]
    store = active_store()
    if store is None:
        results = evidence_for(contexts, cfg)
    else:  # re-score only passages whose inputs or settings changed since they were stored
        results = cached_results(contexts, cfg, store, lambda todo: evidence_for(todo, cfg))

    new: dict[int, dict[int, Passage]] = {}
    for (ai, pi), (agr, extra) in renderings.items():
        p = articles[ai].passages[pi]
        ev = dict(p.evidence)
        if agr is not None:
            ev.update(agreement_chrf=agr.chrf, agreement_cos=agr.cos)
        new.setdefault(ai, {})[pi] = replace(p, evidence=ev, agreement=agr, flags=(*p.flags, *extra))
    for (ai, pi, ctx), res in zip(jobs, results, strict=True):
        p = new.get(ai, {}).get(pi, articles[ai].passages[pi])
        ev = dict(p.evidence)
        ev.update(res.evidence)
        mode = "translated" if ctx.translation is not None else "source"
        garble = gm.prob(ev, mode)
        flagged = garble >= thresholds[mode] or any(f.code in DECISIVE for f in res.flags)
        flags = list(p.flags)
        if flagged or cfg["flags_on_unflagged"]:
            flags.extend(_not_repeated(res.flags, p, cfg))
        flags.sort(key=lambda f: (f.side, f.start, f.end, f.code))
        new.setdefault(ai, {})[pi] = replace(p, evidence=ev, garble=garble, flagged=flagged,
                                             flags=tuple(flags))
    out = []
    for ai, article in enumerate(articles):
        if ai not in new:
            out.append(article)
            continue
        passages = tuple(new[ai].get(pi, p) for pi, p in enumerate(article.passages))
        out.append(replace(article, passages=passages))
    return out


def signature(cfg: Mapping[str, Any], translated: bool) -> dict[str, object]:
    """Settings that change the checks' results: version, model file hash, thresholds, the
    checks that ran (``chks:GARB001-012+TRAN001-006``, see ``code_ranges``), embedders."""
    from mtqa.signature import code_ranges

    gm = model(cfg)
    acfg = cfg["agreement"]
    sig: dict[str, object] = {
        "chk": VERSION,
        "gm": gm.sha256[:10],
        "thr": f"{cfg['threshold_source']:g}/{cfg['threshold_translated']:g}",
        "chks": code_ranges(c.code for c in enabled_checks(cfg)) or "none",
    }
    if translated:
        sig["qe"] = cfg["embedder"]
    sig["xagree"] = f"{acfg['embedder']}/chrf{acfg['chrf_min']}/cos{acfg['cos_min']}/{acfg['reduce']}"
    return sig


def score_pairs(sources: Sequence[str], translations: Sequence[Translation | None], lang: str,
                cfg: dict[str, Any] | None = None) -> list[dict[str, float]]:
    """Evidence of lone source sentences and their translations (None = no translation)."""
    cfg = cfg or _default_cfg()
    if len(sources) != len(translations):
        raise ValueError("sources and translations differ in length")
    lex = lexicon(cfg, lang)
    contexts = []
    for src, tr in zip(sources, translations, strict=True):
        contexts.append(Context(text=src, start=0, end=len(src), lang=lang, cfg=cfg, lexicon=lex,
                                translation=tr, logprob=tr.mean_logprob if tr is not None else None))
    return [r.evidence for r in evidence_for(contexts, cfg)]


def combined(evidence_dicts: Sequence[dict[str, float]], mode: str,
             cfg: dict[str, Any] | None = None) -> list[float]:
    """Garble probabilities of evidence dicts under the ``source`` or ``translated`` model."""
    cfg = cfg or _default_cfg()
    gm = model(cfg)
    if mode not in gm.models:
        raise ValueError(f"unknown mode {mode!r} (choose source or translated)")
    return [gm.prob(ev, mode) for ev in evidence_dicts]
