"""Indexing throughput: newsflow's Elasticsearch backend vs a raw ``helpers.bulk``.

Both write the same N enriched documents into fresh indices created from the same template
on the same node; the ratio (ours / raw) is the figure of merit (goal ≥ 0.8). Ours does more:
it looks up existing content hashes (mget) to report new/updated/unchanged and refreshes.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

from elasticsearch import Elasticsearch, helpers

from benchmarks.corpus import scaled_documents
from newsflow.index.elastic import ElasticBackend


def run(es_url: str, sizes: tuple[int, ...] = (1_000, 10_000)) -> list[dict[str, Any]]:
    client = Elasticsearch(es_url, request_timeout=120)
    rows = []
    try:
        for n in sizes:
            docs = list(scaled_documents(n))
            ours_alias = f"bench-ours-{uuid4().hex[:6]}"
            backend = ElasticBackend(client=client, index_alias=ours_alias)
            started = time.perf_counter()
            report = backend.upsert(docs)
            ours = time.perf_counter() - started
            assert len(report.new) == n, f"expected {n} new documents, got {len(report.new)} ({report.failed[:1]})"

            raw_alias = f"bench-raw-{uuid4().hex[:6]}"
            ElasticBackend(client=client, index_alias=raw_alias)  # same template, empty index
            started = time.perf_counter()
            ok, errors = helpers.bulk(
                client, ({"_index": raw_alias, "_id": d["id"], "_source": d} for d in docs),
                chunk_size=500, raise_on_error=False,
            )
            client.indices.refresh(index=raw_alias)
            raw = time.perf_counter() - started
            assert ok == n, f"raw bulk indexed {ok}/{n}: {errors!r:.300}"
            for alias in (ours_alias, raw_alias):
                client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)
            rows.append({"n": n, "ours_docs_per_s": round(n / ours), "raw_docs_per_s": round(n / raw),
                         "ratio": round(raw / ours, 2)})
    finally:
        client.close()
    return rows
