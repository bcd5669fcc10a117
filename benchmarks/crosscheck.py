"""Cross-check benchmark: story grouping + fact extraction/merging over many articles, no translation.

Pseudo-articles are built from FLORES-200 devtest: each block of ``--lines`` consecutive lines becomes
one article in Arabic, one in Iranian Persian and one in Dari (so every block is a 3-article story
across languages), plus copies of the five seed articles (so stories overlap and facts corroborate).
Reports time (median of ``--repeats``) and peak RSS for 200 articles, the cost per article at
50/100/200/400 articles (flat per-article cost = linear; the n log n claim), and story purity
(share of FLORES stories grouped exactly). ``--seeds`` prints the cross-check of the seed articles.

    .venv/bin/python benchmarks/crosscheck.py [--seeds] [--sizes 50 100 200 400] [--repeats 3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.common import peak_rss_mib, read_lines, save, shared_dir, timed
from mtqa import crosscheck, ingest, pipeline
from mtqa.config import Config
from mtqa.model import Article, CrossCheck


def flores_articles(shared: Path, n: int, lines: int, config: Config) -> list[Article]:
    langs = {"ar": "arb_Arab", "fa": "pes_Arab", "prs": "prs_Arab"}
    data = {k: read_lines(shared / "data" / "flores200_devtest" / f"{v}.devtest") for k, v in langs.items()}
    out: list[Article] = []
    block = 0
    while len(out) < n:
        lo = (block * lines) % (len(data["ar"]) - lines)
        for lang in langs:
            if len(out) >= n:
                break
            text = "\n".join(data[lang][lo:lo + lines])
            art = Article(id=f"flores-{block}-{lang}", source=f"flores:{block}", text=text, lang=lang)
            out.append(pipeline.prepare(art, config))
        block += 1
    return out


def seed_articles(shared: Path, config: Config) -> list[Article]:
    arts, _ = ingest.load([str(shared / "data" / "seeds")], config.section("ingest"))
    return [pipeline.prepare(a, config) for a in arts]


def corpus(shared: Path, n: int, config: Config, seeds: list[Article], lines: int) -> list[Article]:
    copies = max(1, n // 100)  # one seed set per 100 articles
    extra = [Article(**{**a.__dict__, "id": f"{a.id}-copy{c}"}) for c in range(copies) for a in seeds]
    extra = extra[:n // 5]
    return flores_articles(shared, n - len(extra), lines, config) + extra


def purity(section: CrossCheck, arts: list[Article]) -> float:
    """Share of FLORES blocks whose articles form exactly one story on their own."""
    story_of = {a: s.id for s in section.stories for a in s.articles}
    blocks: dict[str, list[str]] = {}
    for a in arts:
        if a.source.startswith("flores:"):
            blocks.setdefault(a.source, []).append(a.id)
    members: dict[str, set[str]] = {}
    for s in section.stories:
        members[s.id] = set(s.articles)
    ok = sum(1 for ids in blocks.values()
             if len({story_of.get(i) for i in ids}) == 1 and members[story_of[ids[0]]] == set(ids))
    return ok / max(1, len(blocks))


def print_seeds(section: CrossCheck) -> None:
    print(f"stories: {[list(s.articles) for s in section.stories]}")
    for status in ("conflict", "corroborated"):
        print(f"\n== {status} ==")
        for f in section.facts:
            if f.status != status:
                continue
            print(f"- {f.label} [{f.key}]")
            for v in f.values:
                print(f"    {v.article[:3]} {v.passage} {v.start}-{v.end}: "
                      f"{v.display}  «{v.text}»")
    summary = section.summary.to_dict()
    print(f"\nsummary: { {k: v for k, v in summary.items() if k != 'per_article'} }")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", action="store_true", help="print the cross-check of the seed articles")
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lines", type=int, default=6, help="FLORES lines per pseudo-article")
    args = ap.parse_args()
    shared = shared_dir()
    config = Config.load()
    cfg = config.section("crosscheck")
    seeds = seed_articles(shared, config)
    if args.seeds:
        section = crosscheck.stories(seeds, cfg)
        assert section is not None
        print_seeds(section)
    crosscheck.stories(seeds[:2], cfg)  # load the embedder outside the timings
    rows = []
    headline: dict[str, object] = {}
    for n in args.sizes:
        arts = corpus(shared, n, config, seeds, args.lines)
        repeats = args.repeats if n == 200 else 1
        median, times, section = timed(lambda arts=arts: crosscheck.stories(arts, cfg), repeats)
        row = {"articles": len(arts), "seconds": round(median, 3),
               "ms_per_article": round(1000 * median / len(arts), 2),
               "stories": section.summary.stories, "facts": section.summary.facts,
               "flores_story_purity": round(purity(section, arts), 3), "repeats": repeats}
        rows.append(row)
        if n == 200:
            headline = {"seconds_200": round(median, 3), "times_200": [round(t, 3) for t in times]}
        print(row, flush=True)
    base = rows[0]["ms_per_article"]
    for r in rows:
        r["cost_ratio_per_article"] = round(r["ms_per_article"] / base, 3)
    settings = {"bench": "crosscheck", **crosscheck.signature(cfg), "lines": args.lines}
    save("crosscheck", {"rows": rows, **headline, "peak_rss_mib": round(peak_rss_mib(), 1)}, settings,
         tables=[("Cross-check cost by corpus size (no translation)", rows)],
         notes=("FLORES-200 blocks as 3-language stories plus seed copies; time = crosscheck.stories "
                "(grouping embeddings, fact extraction, merging, alignment); articles prepared beforehand. "
                f"Peak RSS {peak_rss_mib():.0f} MiB."))


if __name__ == "__main__":
    main()
