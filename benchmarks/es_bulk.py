"""Indexing throughput: newsflow's Elasticsearch backend vs a raw ``helpers.bulk``.

Both write the same N enriched documents into fresh indices created from the same template
on the same node; the ratio (ours / raw) is the figure of merit (goal ≥ 0.8). Ours does more:
it looks up existing content hashes (mget) to report new/updated/unchanged and refreshes; it
hides that work by preparing the next batch while the server indexes the current one.
The JVM is warmed up first, and each method runs ``repeats`` times, alternating which goes
first; the best run of each counts (the least disturbed by other load on the machine).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

from elasticsearch import Elasticsearch, helpers

from benchmarks.corpus import scaled_documents
from newsflow.index.elastic import ElasticBackend
from newsflow.models import Document


def _ours(client: Elasticsearch, docs: list[Document]) -> float:
    alias = f"bench-ours-{uuid4().hex[:6]}"
    backend = ElasticBackend(client=client, index_alias=alias, setup=True)
    try:
        started = time.perf_counter()
        report = backend.upsert(docs)
        backend.refresh()  # searchable, as the raw bulk's explicit refresh
        elapsed = time.perf_counter() - started
        assert len(report.new) == len(docs), f"{len(report.new)} new of {len(docs)} ({report.failed[:1]})"
        return elapsed
    finally:
        client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)


def _raw(client: Elasticsearch, docs: list[Document]) -> float:
    alias = f"bench-raw-{uuid4().hex[:6]}"
    ElasticBackend(client=client, index_alias=alias, setup=True)  # same template, empty index
    try:
        started = time.perf_counter()
        ok, errors = helpers.bulk(
            client, ({"_index": alias, "_id": d["id"], "_source": d} for d in docs),
            chunk_size=500, raise_on_error=False,
        )
        client.indices.refresh(index=alias)
        elapsed = time.perf_counter() - started
        assert ok == len(docs), f"raw bulk indexed {ok}/{len(docs)}: {errors!r:.300}"
        return elapsed
    finally:
        client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)


def run(es_url: str, sizes: tuple[int, ...] = (1_000, 10_000), repeats: int = 3) -> list[dict[str, Any]]:
    client = Elasticsearch(es_url, request_timeout=120)
    methods: dict[str, Callable[[Elasticsearch, list[Document]], float]] = {"ours": _ours, "raw": _raw}
    rows = []
    try:
        warm = list(scaled_documents(500))
        for method in methods.values():
            method(client, warm)
        for n in sizes:
            docs = list(scaled_documents(n))
            best = {name: float("inf") for name in methods}
            for i in range(repeats):
                order = list(methods) if i % 2 == 0 else list(reversed(methods))
                for name in order:
                    best[name] = min(best[name], methods[name](client, docs))
            rows.append({"n": n, "ours_docs_per_s": round(n / best["ours"]), "raw_docs_per_s": round(n / best["raw"]),
                         "ratio": round(best["raw"] / best["ours"], 2)})
    finally:
        client.close()
    return rows
