"""Story grouping (articles on the same story) and passage alignment within a story.

Grouping: each article's title + lead (first content passages, ``lead_chars``) is embedded with the
multilingual ``story_embedder`` (e5-small: Arabic, Persian and English in one space) in one batch;
each article keeps its ``story_neighbours`` nearest neighbours with cosine ≥ ``story_threshold``
(a sparse k-NN graph) and stories are the connected components (union-find). The neighbour search
is an exact blocked product up to ``exact_max`` articles and random-hyperplane LSH blocking above,
so no all-pairs comparison is needed at scale; embedding (linear in the articles) dominates.

Alignment: inside a story only, passages of different articles are compared on their anchors
(fact keys, numbers and entity names they mention: Jaccard) and character 3-gram cosine of their
normalised text (script-shared words: "العراق"/"عراق"), averaged; each passage keeps its
``align_neighbours`` best partners scoring at least ``align_threshold``. A story of more than
``align_max_articles`` articles compares each article's passages only with those of its
``align_article_neighbours`` most similar articles (3-gram cosine of whole articles), so the cost
grows with n·k, not n²; the report's story says so (``Story.note``). Facts are merged per key
over all the story's articles whatever its size. Inside a results-cache
scope (``mtqa.store.using``) a story's alignment is stored under a digest of its passages, their
anchors, the settings and this code, so a re-run of an unchanged story recomputes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from mtqa import __version__
from mtqa.crosscheck.mention import Mention
from mtqa.crosscheck.text import View
from mtqa.model import Alignment, Article, Passage
from mtqa.store import active_store, digest, source_sha


def lead(article: Article, chars: int) -> str:
    """Title plus the first content passages, about ``chars`` characters."""
    parts = [article.title] if article.title else []
    n = sum(len(p) for p in parts)
    for p in article.content():
        if n >= chars:
            break
        parts.append(p.text)
        n += len(p.text)
    text = " ".join(parts) or article.text[:chars]
    return text[:chars]


def neighbours(vecs: np.ndarray, k: int, threshold: float, exact_max: int = 5000,
               bits: int = 12, tables: int = 8, seed: int = 0) -> list[tuple[int, int, float]]:
    """(i, j, cosine) edges, i < j, of each row's ``k`` nearest rows with cosine ≥ ``threshold``."""
    n = len(vecs)
    edges: dict[tuple[int, int], float] = {}
    if n < 2:
        return []
    if n <= exact_max:
        block = 512
        for lo in range(0, n, block):
            sims = vecs[lo:lo + block] @ vecs.T
            for r, row in enumerate(sims):
                i = lo + r
                row[i] = -1.0
                kk = min(k, n - 1)
                idx = np.argpartition(-row, kk - 1)[:kk]
                for j in idx:
                    if row[j] >= threshold:
                        edges[(min(i, int(j)), max(i, int(j)))] = float(row[j])
    else:
        rng = np.random.default_rng(seed)
        cand: dict[int, set[int]] = defaultdict(set)
        for _ in range(tables):
            planes = rng.standard_normal((vecs.shape[1], bits)).astype(np.float32)
            codes = ((vecs @ planes) > 0).astype(np.int64) @ (1 << np.arange(bits))
            buckets: dict[int, list[int]] = defaultdict(list)
            for i, c in enumerate(codes.tolist()):
                buckets[c].append(i)
            for members in buckets.values():
                if len(members) > 1:
                    for i in members:
                        cand[i].update(members[:200])
        for i, js in cand.items():
            js.discard(i)
            if not js:
                continue
            idx = np.fromiter(js, dtype=np.int64)
            sims = vecs[idx] @ vecs[i]
            order = np.argsort(-sims)[:k]
            for o in order:
                if sims[o] >= threshold:
                    j = int(idx[o])
                    edges[(min(i, j), max(i, j))] = float(sims[o])
    return [(i, j, s) for (i, j), s in sorted(edges.items())]


def components(n: int, edges: Sequence[tuple[int, int, float]]) -> list[list[int]]:
    """Connected components (union-find), each sorted, ordered by first member."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def group(articles: Sequence[Article], cfg: Mapping[str, Any]) -> list[list[int]]:
    """Indices of the articles of each story."""
    from mtqa.embed import get_embedder

    if not articles:
        return []
    if len(articles) == 1:
        return [[0]]
    texts = [lead(a, int(cfg["lead_chars"])) for a in articles]
    vecs = get_embedder(str(cfg["story_embedder"])).encode(texts)
    edges = neighbours(np.asarray(vecs, dtype=np.float32), int(cfg["story_neighbours"]),
                       float(cfg["story_threshold"]), int(cfg["exact_max"]),
                       int(cfg["lsh_bits"]), int(cfg["lsh_tables"]))
    return components(len(articles), edges)


ALIGN_KIND = "aln"  # results-cache entries: one story's alignment, JSON
ALIGN_FORMAT = 1


def align(articles: Sequence[Article], mentions: Sequence[Mention],
          cfg: Mapping[str, Any]) -> list[Alignment]:
    """Aligned passage pairs of different articles of one story (see the module docstring)."""
    return [Alignment(tuple(d["passages"]), tuple(d["articles"]), d["score"], tuple(d["shared"]))
            for d in _cached_align(articles, mentions, cfg)]


def _cached_align(articles: Sequence[Article], mentions: Sequence[Mention],
                  cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    """:func:`_align`'s pairs (as stored in the results cache), read back when stored before."""
    passages = [p for a in articles for p in a.content()]
    if len({p.article_id for p in passages}) < 2:
        return []
    anchors: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        if m.side == "source":
            anchors[m.passage].add(f"{m.key}={m.value}" if m.type != "name" else m.key)
    store = active_store()
    if store is None:
        return _align(passages, anchors, cfg)
    key = digest(ALIGN_FORMAT, __version__, _align_code_sha(), dict(cfg),
                 [[p.id, p.article_id, p.text] for p in passages],
                 sorted([k, sorted(v)] for k, v in anchors.items()))
    raw = store.get_many(ALIGN_KIND, [key]).get(key)
    if raw is not None:
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            pass  # a broken entry is recomputed
    out = _align(passages, anchors, cfg)
    store.put_many(ALIGN_KIND, [(key, json.dumps(out, ensure_ascii=False).encode("utf-8"))])
    return out


@lru_cache(maxsize=1)
def _align_code_sha() -> str:
    """The code an alignment depends on: this module, the normalised views and ``mtqa.script``."""
    from mtqa import script
    from mtqa.crosscheck import text

    return source_sha([__file__, text.__file__, script.__file__])


def _align(passages: Sequence[Passage], anchors: Mapping[str, set[str]],
           cfg: Mapping[str, Any]) -> list[dict[str, Any]]:
    x = char_ngram_matrix([View.of(p.text).norm for p in passages], 3)
    k = int(cfg["align_neighbours"])
    thr = float(cfg["align_threshold"])
    best: dict[int, list[tuple[float, int]]] = defaultdict(list)
    owners = [p.article_id for p in passages]
    if len(set(owners)) <= int(cfg["align_max_articles"]):
        candidates = _similar_pairs(x, ALIGN_BLOCK)
    else:
        candidates = _nearest_article_pairs(x, owners, int(cfg["align_article_neighbours"]))
    for i, j, s in candidates:
        if passages[i].article_id == passages[j].article_id:
            continue
        ai, aj = anchors.get(passages[i].id, set()), anchors.get(passages[j].id, set())
        jac = len(ai & aj) / len(ai | aj) if ai | aj else 0.0
        score = 0.5 * s + 0.5 * jac
        if score >= thr:
            best[i].append((score, j))
            best[j].append((score, i))
    pairs: dict[tuple[int, int], float] = {}
    for i, lst in best.items():
        for score, j in sorted(lst, reverse=True)[:k]:
            pairs[(min(i, j), max(i, j))] = score
    return [{"passages": [passages[i].id, passages[j].id],
             "articles": [passages[i].article_id, passages[j].article_id],
             "score": round(s, 4),
             "shared": sorted(anchors.get(passages[i].id, set()) & anchors.get(passages[j].id, set()))}
            for (i, j), s in sorted(pairs.items(), key=lambda kv: -kv[1])]


def word_ngrams(text: str, n: int) -> Iterator[str]:
    """Character n-grams inside the space-padded words of ``text`` (a word shorter than n: once)."""
    for word in text.lower().split():
        w = f" {word} "
        if len(w) <= n:
            yield w
            continue
        for i in range(len(w) - n + 1):
            yield w[i : i + n]


def char_ngram_matrix(texts: Sequence[str], n: int) -> Any:
    """Rows of L2-normalised character n-gram counts (``word_ngrams``), a scipy CSR matrix.

    Exact counts over the texts' own n-gram vocabulary (no hashing, so no collisions)."""
    from scipy.sparse import csr_matrix

    vocab: dict[str, int] = {}
    indptr, indices, data = [0], [], []
    for text in texts:
        counts: dict[int, int] = defaultdict(int)
        for g in word_ngrams(text, n):
            counts[vocab.setdefault(g, len(vocab))] += 1
        row = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        norm = float(np.sqrt((row * row).sum()))
        indices.extend(counts.keys())
        data.extend((row / norm).tolist() if norm else row.tolist())
        indptr.append(len(indices))
    return csr_matrix((np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                       np.asarray(indptr, dtype=np.int64)), shape=(len(texts), max(1, len(vocab))))


ALIGN_BLOCK = 256  # rows of the similarity matrix held at once: memory grows with n, not n²


def article_neighbours(x: Any, owners: Sequence[str], k: int) -> list[tuple[int, int]]:
    """Pairs (a, b), a < b, of article indices (in order of first appearance in ``owners``) where
    b is among a's ``k`` most similar articles or a among b's, on the L2-normalised sum of each
    article's passage rows of ``x``."""
    from scipy.sparse import csr_matrix

    order: dict[str, int] = {}
    col = [order.setdefault(o, len(order)) for o in owners]
    n = len(order)
    member = csr_matrix((np.ones(len(owners)), (col, np.arange(len(owners)))), shape=(n, len(owners)))
    arts = (member @ x).tocsr()
    norms = np.sqrt(np.asarray(arts.multiply(arts).sum(axis=1)).ravel())
    arts = csr_matrix(arts.multiply(1.0 / np.where(norms > 0, norms, 1.0)[:, None]))
    at = arts.T.tocsc()
    kk = min(k, n - 1)
    pairs: set[tuple[int, int]] = set()
    for lo in range(0, n, ALIGN_BLOCK):
        sims = (arts[lo:lo + ALIGN_BLOCK] @ at).toarray()
        for r, row in enumerate(sims):
            a = lo + r
            row[a] = -1.0
            for b in np.argpartition(-row, kk - 1)[:kk].tolist():
                if row[b] > 0:
                    pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)


def _nearest_article_pairs(x: Any, owners: Sequence[str], k: int) -> Iterator[tuple[int, int, float]]:
    """(i, j, cosine), i < j, for passages of each pair of :func:`article_neighbours`: every
    article is compared with its ``k`` most similar articles only, so a story of n articles costs
    about n·k article comparisons instead of n²/2 (the article vectors' own product is one sparse
    product, done ``ALIGN_BLOCK`` rows at a time)."""
    rows: dict[str, list[int]] = defaultdict(list)
    for i, o in enumerate(owners):
        rows[o].append(i)
    groups = list(rows.values())  # in order of first appearance, as article_neighbours numbers them
    for a, b in article_neighbours(x, owners, k):
        ra, rb = np.asarray(groups[a]), np.asarray(groups[b])
        sims = (x[ra] @ x[rb].T).tocoo()
        for r, c, s in zip(sims.row.tolist(), sims.col.tolist(), sims.data.tolist(), strict=True):
            i, j = int(ra[r]), int(rb[c])
            yield min(i, j), max(i, j), s


def _similar_pairs(x: Any, block: int) -> Iterator[tuple[int, int, float]]:
    """(i, j, cosine) for every i < j with a non-zero similarity, computed ``block`` rows at a time."""
    xt = x.T.tocsc()
    for lo in range(0, x.shape[0], block):
        sims = (x[lo:lo + block] @ xt).tocoo()
        rows = sims.row + lo
        keep = rows < sims.col
        yield from zip(rows[keep].tolist(), sims.col[keep].tolist(), sims.data[keep].tolist(),
                       strict=True)
