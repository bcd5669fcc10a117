"""The Ray engine (``mtqa check --engine ray``): the pipeline's stages on a Ray cluster.

    driver   read inputs (mtqa.stream.iter_articles: same records, same problems as the local
             engine) -> a Ray Dataset of pickled articles, in input order
    workers  ``ArticleWorker`` actors (Ray Data ``map_batches``, one per worker; models loaded
             once per actor): prepare -> translate -> checks -> story-lead embedding, per batch
    driver   story grouping on the lead embeddings (sparse k-NN graph: exact blocked product, LSH
             blocking above ``crosscheck.exact_max``; never all pairs) -> stories
    tasks    each story of two or more articles cross-checked as its own Ray task (facts,
             alignment); single-article stories inline
    driver   the same ``Report`` as the local engine, rendered by the same reporters

Results equal the local engine's (``tests/test_ray_engine.py``). A worker process that dies
mid-batch is restarted by Ray and its batch retried (actor ``max_restarts``/``max_task_retries``),
so no article is lost; each article comes back once (results are keyed by input position).

Per-worker: the models, one batch of full articles. Global (driver): the article list read from
the inputs, the checked articles collected for the reporters, the story graph.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from mtqa import __version__, checks, store
from mtqa.config import Config
from mtqa.errors import InputError, MtqaError
from mtqa.model import Article, CrossCheck, Fact, Problem, Report, Story, TranslationComparison
from mtqa.pipeline import RunOptions, prepare, results_cache_path

CRASH_ENV = "MTQA_RAY_CRASH_ONCE"  # test hook: a file path; the first worker to see it absent
# creates it and kills its own process mid-batch (os._exit), to show that Ray retries the batch


class EngineError(MtqaError):
    """Ray is not installed or the cluster cannot be reached."""


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise EngineError("--engine ray needs Ray Data: pip install 'mtqa[ray]' "
                          "(or 'ray[data]>=2.40')") from None
    return ray


class ArticleWorker:
    """A Ray Data actor: every per-article stage over one batch of pickled articles."""

    def __init__(self, config: Config, options: RunOptions, crash_flag: str = "",
                 threads: int = 1) -> None:
        import torch

        torch.set_num_threads(max(1, threads))
        from mtqa import translate

        self.config, self.options, self.crash_flag = config, options, crash_flag
        names = [] if not options.translate else (options.translators or [config.get("translate.default")])
        self.translators = [translate.get_translator(n, config) for n in names]
        path = results_cache_path(config)
        self.results = store.blob_store(path) if path is not None else None

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        from mtqa import translate
        from mtqa.crosscheck import grouping
        from mtqa.embed import get_embedder

        if self.crash_flag and not os.path.exists(self.crash_flag):
            with open(self.crash_flag, "w") as fh:
                fh.write(str(os.getpid()))
            os._exit(1)  # a killed worker: no clean-up, no reply
        idx = [int(i) for i in batch["idx"]]
        articles = [pickle.loads(b) for b in batch["blob"]]
        done: list[tuple[int, Article]] = []
        problems: dict[int, bytes] = {}
        with store.using(self.results):
            for i, article in zip(idx, articles, strict=True):
                try:
                    done.append((i, translate.attach_supplied(prepare(article, self.config))))
                except InputError as exc:
                    problems[i] = pickle.dumps(Problem(exc.path, exc.problem))
            arts = [a for _, a in done]
            for tr in self.translators:
                arts = tr.translate_articles(arts, quiet=True)
            arts = checks.score(arts, self.config.section("checks"), self.config.get("crosscheck.lexicon"))
            cc = self.config.section("crosscheck")
            leads = [grouping.lead(a, int(cc["lead_chars"])) for a in arts if a.content()]
            vecs = get_embedder(str(cc["story_embedder"])).encode(leads) if leads else []
        out_blob, out_vec, k = {}, {}, 0
        for (i, _), a in zip(done, arts, strict=True):
            out_blob[i] = pickle.dumps(a)
            if a.content():
                out_vec[i] = pickle.dumps(vecs[k])
                k += 1
        rss = _peak_rss_mib()
        return {"idx": idx, "pid": [os.getpid()] * len(idx), "rss_mib": [rss] * len(idx),
                "blob": [out_blob.get(i, b"") for i in idx],
                "vec": [out_vec.get(i, b"") for i in idx],
                "problem": [problems.get(i, b"") for i in idx]}


def _peak_rss_mib() -> float:
    """This process's peak resident memory (Linux VmHWM), or 0 where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _story(arts: list[Article], sid: str, cfg: dict[str, Any]) -> tuple[Story, list[Fact]]:
    """One story's section, as ``crosscheck.stories`` builds it (fact ids numbered from 1)."""
    from mtqa.crosscheck import facts as _facts
    from mtqa.crosscheck import grouping

    lead = grouping.lead(arts[0], 160)
    mentions = [m for a in arts for m in _facts.extract_article(a, cfg)]
    alignments = tuple(grouping.align(arts, mentions, cfg)) if len(arts) >= 2 else None
    story = Story(sid, tuple(a.id for a in arts), arts[0].title or lead, alignments)
    if len(arts) < int(cfg["min_story_articles"]):
        return story, []
    _facts.resolve_unqualified(mentions, cfg)
    return story, _facts.merge(mentions, sid, cfg, start_id=1)


def _story_with_cache(arts: list[Article], sid: str, cfg: dict[str, Any],
                      config: Config) -> tuple[Story, list[Fact]]:
    path = results_cache_path(config)
    with store.using(store.blob_store(path) if path is not None else None):
        return _story(arts, sid, cfg)


def crosscheck_stories(ray: Any, articles: list[Article], vecs: list[Any],
                       config: Config) -> CrossCheck | None:
    """The report's ``crosscheck`` section: k-NN story blocking, each story a Ray task."""
    import numpy as np

    from mtqa import crosscheck
    from mtqa.crosscheck import grouping

    if not articles:
        return None
    cfg = config.section("crosscheck")
    usable = [a for a in articles if a.content()]
    if len(usable) <= 1:
        groups = [[0]] if usable else []
    else:
        edges = grouping.neighbours(np.asarray(np.stack(vecs), dtype=np.float32),
                                    int(cfg["story_neighbours"]), float(cfg["story_threshold"]),
                                    int(cfg["exact_max"]), int(cfg["lsh_bits"]), int(cfg["lsh_tables"]))
        groups = grouping.components(len(usable), edges)
    remote = ray.remote(num_cpus=1, max_retries=3)(_story_with_cache)
    cfg_ref = ray.put(cfg)
    parts: list[Any] = []
    for n, members in enumerate(groups, start=1):
        arts = [usable[i] for i in members]
        if len(arts) >= 2:
            parts.append(remote.remote(arts, f"story-{n}", cfg_ref, config))
        else:
            parts.append(_story(arts, f"story-{n}", cfg))
    story_out: list[Story] = []
    fact_out: list[Fact] = []
    for part in parts:
        story, facts = ray.get(part) if isinstance(part, ray.ObjectRef) else part
        story_out.append(story)
        start = len(fact_out)
        fact_out += [replace(f, id=f"fact-{start + k}") for k, f in enumerate(facts, start=1)]
    compared, disagreements = crosscheck._disagreements(articles)
    return CrossCheck.build([a.id for a in articles], story_out, fact_out,
                            TranslationComparison(compared, tuple(disagreements)))


def run(inputs: Sequence[str], config: Config, options: RunOptions | None = None,
        address: str | None = None, workers: int | None = None,
        stats: dict[str, Any] | None = None) -> Report:
    """Run every stage on Ray and return the same ``Report`` as ``mtqa.pipeline.run``.

    ``stats``, when given, receives ``worker_peak_rss_mib`` (worker pid -> peak RSS in MiB).
    """
    from mtqa import crosscheck, stream

    ray = _import_ray()
    options = options or RunOptions()
    eng = config.section("engine")
    address = eng["ray_address"] if address is None else address
    workers = int(eng["workers"]) if workers is None else workers
    started = False
    if not ray.is_initialized():
        try:
            ray.init(address=address or None, include_dashboard=False, log_to_driver=False,
                     configure_logging=False)
        except Exception as exc:  # ConnectionError, RuntimeError, ...
            raise EngineError(f"cannot start or reach Ray at '{address or 'local'}': "
                              f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        started = True
    try:
        return _run(ray, inputs, config, options, workers, stream, crosscheck,
                    stats if stats is not None else {})
    finally:
        if started:
            ray.shutdown()


def _run(ray: Any, inputs: Sequence[str], config: Config, options: RunOptions, workers: int,
         stream: Any, crosscheck: Any, stats: dict[str, Any]) -> Report:
    import logging

    eng = config.section("engine")
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = not options.quiet
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.WARNING)
    problems: list[Problem] = []
    rows = [{"idx": i, "blob": pickle.dumps(a)}
            for i, a in enumerate(stream.iter_articles(inputs, config.section("ingest"), problems))]
    signature, _ = stream.run_signature(config, options)
    articles: dict[int, Article] = {}
    vec_of: dict[int, Any] = {}
    late: dict[int, Problem] = {}
    if rows:
        cpus = int(eng["worker_cpus"])
        n = workers or max(1, int(ray.available_resources().get("CPU", 1)) // cpus)
        ds = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows), 4 * n)))
        ds = ds.map_batches(
            ArticleWorker, batch_size=int(eng["batch_size"]), concurrency=n, num_cpus=cpus,
            fn_constructor_kwargs={"config": config, "options": options,
                                   "crash_flag": os.environ.get(CRASH_ENV, ""), "threads": cpus},
            max_restarts=-1, max_task_retries=-1)
        peaks: dict[int, float] = stats.setdefault("worker_peak_rss_mib", {})
        for row in ds.iter_rows():
            i = int(row["idx"])
            pid = int(row["pid"])
            peaks[pid] = max(peaks.get(pid, 0.0), float(row["rss_mib"]))
            if i in articles or i in late:
                raise MtqaError(f"Ray engine: article #{i} came back twice")
            if row["problem"]:
                late[i] = pickle.loads(row["problem"])
            else:
                articles[i] = pickle.loads(row["blob"])
                if row["vec"]:
                    vec_of[i] = pickle.loads(row["vec"])
        lost = len(rows) - len(articles) - len(late)
        if lost:
            raise MtqaError(f"Ray engine: {lost} article(s) never came back from the workers")
    order = sorted(articles)
    checked = [articles[i] for i in order]
    problems += [late[i] for i in sorted(late)]
    story = crosscheck_stories(ray, checked, [vec_of[i] for i in order if i in vec_of], config)
    return Report(version=__version__, signature=signature, articles=checked, problems=problems,
                  crosscheck=story, settings=config.data)
