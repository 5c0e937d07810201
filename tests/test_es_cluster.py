"""ElasticBackend on a real three-node cluster on loopback (newsflow_dev.es_cluster): a node
killed with SIGKILL in the middle of a bulk run loses and duplicates nothing."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ci import unavailable
from elasticsearch import Elasticsearch

from newsflow.index.elastic import ElasticBackend, content_hash
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import Document
from newsflow_dev.es_cluster import EsCluster, start_cluster

pytestmark = pytest.mark.elasticsearch

DOCUMENTS = 5_000
KILL_AFTER = 2_000
"""The node dies when the writer has taken this many documents from the input."""


@pytest.fixture(scope="module")
def cluster() -> Iterator[EsCluster]:
    try:
        running = start_cluster(nodes=3)
    except Exception as exc:  # no distribution, no JDK: as for the single node of es_fixtures
        unavailable(f"no Elasticsearch cluster: {type(exc).__name__}: {exc}")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def admin(cluster: EsCluster) -> Iterator[Elasticsearch]:
    client = Elasticsearch(cluster.urls, request_timeout=60, max_retries=5, retry_on_timeout=True)
    yield client
    client.close()


def generated(n: int) -> Iterator[Document]:
    """``n`` distinct documents, in our own words."""
    topics = ("harbour", "election", "storm", "market", "football", "library", "railway")
    for i in range(n):
        topic = topics[i % len(topics)]
        yield {
            "id": f"gen{i:05d}",
            "url": f"https://cluster.example/{topic}/{i}",
            "source": f"Source {i % 11}",
            "domain": "cluster.example",
            "title": f"The {topic} story number {i}",
            "text": f"Report {i} about the {topic}. " + " ".join(f"word{(i * 7 + k) % 997}" for k in range(40)),
            "published_at": f"2025-0{1 + i % 9}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
            "language": "en",
            "tags": [topic, f"t{i % 5}"],
        }


def shard_holders(client: Elasticsearch, index: str) -> dict[str, str]:
    """``{"primary"|"replica": node name}`` of the index's one shard."""
    rows = client.cat.shards(index=index, format="json", h="prirep,node,state")
    return {("primary" if r["prirep"] == "p" else "replica"): r["node"] for r in rows
            if r["state"] == "STARTED"}


def test_setup_gives_one_replica_on_a_cluster(cluster: EsCluster, admin: Elasticsearch) -> None:
    alias = f"replicas-{uuid.uuid4().hex[:6]}"
    backend = ElasticBackend(cluster.url, index_alias=alias, setup=True)
    try:
        index = backend.current_index()
        settings = admin.indices.get_settings(index=index)[index]["settings"]["index"]
        assert settings["number_of_replicas"] == "1"
        assert "auto_expand_replicas" not in settings
        health = admin.cluster.health(index=index, wait_for_status="green", timeout="60s")
        assert health["status"] == "green" and health["number_of_nodes"] == 3
        assert set(shard_holders(admin, index)) == {"primary", "replica"}
    finally:
        backend.close()
        admin.indices.delete(index=f"{alias}-*")


def test_a_node_killed_mid_bulk_loses_and_duplicates_nothing(
    cluster: EsCluster, admin: Elasticsearch, tmp_path: Path
) -> None:
    alias = f"fault-{uuid.uuid4().hex[:6]}"
    docs = list(generated(DOCUMENTS))
    embedded = EmbeddedBackend(tmp_path / "index.db")
    assert len(embedded.upsert(docs).new) == DOCUMENTS
    expected = {d["id"]: content_hash(d) for d in embedded.iter_documents()}
    embedded.close()

    # the client knows every node; small chunks make the run long enough to be cut in two
    backend = ElasticBackend(cluster.url, index_alias=alias, setup=True, chunk_size=200,
                             initial_backoff=0.5, request_timeout=60)
    index = backend.current_index()
    admin.cluster.health(index=index, wait_for_status="green", timeout="60s")
    victim_name = shard_holders(admin, index)["primary"]  # its loss forces a replica promotion
    victim = cluster.names.index(victim_name)
    events: dict[str, Any] = {}

    def bring_back() -> None:
        started = time.monotonic()
        try:
            cluster.restart(victim)
            events["back_after"] = time.monotonic() - started
        except Exception as exc:  # reported by the assertion below
            events["restart_error"] = exc

    restarter = threading.Thread(target=bring_back)

    def stream() -> Iterator[Document]:
        for i, doc in enumerate(docs):
            if i == KILL_AFTER:
                cluster.nodes[victim].kill()  # SIGKILL: no shutdown, a bulk request may be in flight
                events["killed_at"] = time.monotonic()
                restarter.start()
            yield doc

    started = time.monotonic()
    report = backend.upsert(stream())
    events["run_took"] = time.monotonic() - started
    restarter.join(timeout=300)
    assert "restart_error" not in events, events
    assert "killed_at" in events and "back_after" in events, events
    assert not report.failed, report.failed[:3]
    assert len(report.new) + len(report.updated) + len(report.unchanged) == DOCUMENTS
    assert set(report.new) | set(report.updated) | set(report.unchanged) == set(expected)

    admin.cluster.health(index=index, wait_for_status="green", wait_for_nodes="3", timeout="120s")
    backend.refresh()
    assert admin.count(index=alias)["count"] == DOCUMENTS  # exactly once: no duplicates
    stored = {d["id"]: content_hash(d) for d in backend.iter_documents()}
    assert stored == expected
    # the node that was killed holds a full copy again, identical to the other
    holders = shard_holders(admin, index)
    assert set(holders) == {"primary", "replica"}, holders
    for copy in ("primary", "replica"):
        found = admin.search(index=index, preference=f"_only_nodes:{holders[copy]}", size=0,
                             track_total_hits=True)
        assert found["hits"]["total"]["value"] == DOCUMENTS, copy
    backend.close()
    admin.indices.delete(index=f"{alias}-*")
    print(f"\nfault run: {DOCUMENTS} documents in {events['run_took']:.1f}s, node "
          f"{cluster.nodes[victim].url} (primary) killed after {KILL_AFTER}, back after "
          f"{events['back_after']:.1f}s")

