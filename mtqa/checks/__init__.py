"""Stage 6, checks: garble evidence per passage, combined into a calibrated probability.

Pipeline interface:

    score(articles, cfg, translated) -> list[Article]
        For every ``content`` passage: ``evidence`` (name → float, see ``mtqa.checks.features``),
        ``garble`` (probability from the fitted logistic model), ``flagged`` (garble ≥ the mode's
        threshold) and ``flags`` (the checks' reasons with spans, added when the passage is flagged
        or ``flags_on_unflagged`` is set; flags a passage already carries are kept). A passage with a
        translation (mtqa's own or feed-supplied, whatever ``translated`` says) is scored by the
        ``translated`` model, one without by the ``source`` model. Other passages are left alone.
        Inside a results-cache scope (``mtqa.store.using``) a passage scored before with the same
        inputs and settings is read back instead (``mtqa.checks.cache``).
    signature(cfg, translated) -> dict[str, object]

Benchmark / QE interface (no Articles needed):

    score_pairs(sources, translations, lang, cfg=None) -> list[dict[str, float]]
        evidence of each lone source sentence (with its translation, or None), batched.
    combined(evidence_dicts, mode, cfg=None) -> list[float]
        the fitted model's probabilities for evidence dicts; ``mode`` is "source" or "translated".
    evidence_for(contexts, cfg) -> list[features.Result]
        lower level: evidence and flags of prepared ``Context`` objects.

Checks live in a registry (``mtqa.checks.base.REGISTRY``): ``GARB001``–``GARB011`` on the source
text, ``TRAN001``–``TRAN006`` on the translation. Settings: ``configs/defaults/checks.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from mtqa.checks.base import REGISTRY, SUPPORTED_LANGS, Check, Context, all_checks
from mtqa.checks.cache import cached_results
from mtqa.checks.combine import GarbleModel, load_model
from mtqa.checks.features import Result, attach_cosines, enabled_checks, evidence, lexicon, pick_translation
from mtqa.checks.text import Lexicon
from mtqa.config import resolve_config_path
from mtqa.model import Article, Passage, Translation
from mtqa.store import active_store

__all__ = ["REGISTRY", "Check", "Context", "all_checks", "combined", "evidence_for", "model",
           "score", "score_pairs", "signature"]

VERSION = "1"


def _default_cfg() -> dict[str, Any]:
    from mtqa.config import defaults

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

    out = []
    lexicons: dict[str, Lexicon] = {}
    for i, p in enumerate(article.passages):
        lang = p.lang or article.lang
        if p.kind != "content" or lang not in SUPPORTED_LANGS:
            continue
        if lang not in lexicons:
            lexicons[lang] = lexicon(cfg, lang)
        k = content_paras.index(p.paragraph)
        tr, lp = pick_translation(p.translations)
        ctx = Context(text=article.text, start=p.start, end=p.end, lang=lang, cfg=cfg,
                      lexicon=lexicons[lang], para_start=spans[p.paragraph][0],
                      para_end=spans[p.paragraph][1],
                      prev_tail=tail(content_paras[k - 1] if k > 0 else None),
                      next_tail=tail(content_paras[k + 1] if k + 1 < len(content_paras) else None),
                      translation=tr, logprob=lp)
        out.append((i, ctx))
    return out


def score(articles: list[Article], cfg: dict[str, Any], translated: bool) -> list[Article]:
    """Evidence, garble probability, flagged and reasons for every content passage."""
    gm = model(cfg)
    thresholds = _thresholds(cfg)
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
    for (ai, pi, ctx), res in zip(jobs, results, strict=True):
        p = articles[ai].passages[pi]
        ev = dict(p.evidence)
        ev.update(res.evidence)
        mode = "translated" if ctx.translation is not None else "source"
        garble = gm.prob(ev, mode)
        flagged = garble >= thresholds[mode]
        flags = list(p.flags)
        if flagged or cfg["flags_on_unflagged"]:
            flags.extend(res.flags)
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


def signature(cfg: dict[str, Any], translated: bool) -> dict[str, object]:
    """Settings that change the checks' results: version, model file hash, thresholds, the
    checks that ran (``chks:GARB001-011+TRAN001-006``, see ``code_ranges``), embedder."""
    from mtqa.signature import code_ranges

    gm = model(cfg)
    sig: dict[str, object] = {
        "chk": VERSION,
        "gm": gm.sha256[:10],
        "thr": f"{cfg['threshold_source']:g}/{cfg['threshold_translated']:g}",
        "chks": code_ranges(c.code for c in enabled_checks(cfg)) or "none",
    }
    if translated:
        sig["qe"] = cfg["embedder"]
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
