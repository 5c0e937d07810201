"""The Elasticsearch the tests run against is a real server, not a stand-in."""

from __future__ import annotations

import os
import uuid

import pytest
from elasticsearch import Elasticsearch

from newsflow_dev import es_distribution as es_dev

pytestmark = pytest.mark.elasticsearch


def test_cluster_is_healthy(es_client: Elasticsearch) -> None:
    health = es_client.cluster.health(wait_for_status="yellow", timeout="30s")
    assert health["status"] in ("green", "yellow")
    assert health["number_of_nodes"] >= 1


def test_server_version_matches_client_major(es_client: Elasticsearch) -> None:
    # GET / lives in a module the minimal distribution lacks; ask the nodes API instead
    nodes = es_client.nodes.info(filter_path="nodes.*.version")["nodes"]
    versions = {n["version"] for n in nodes.values()}
    assert versions, nodes
    majors = {int(v.split(".")[0]) for v in versions}
    assert majors == {9}, versions
    if not os.environ.get("NEWSFLOW_ES_URL"):
        assert versions <= set(es_dev.KNOWN_VERSIONS)


def test_index_and_search_roundtrip(es_client: Elasticsearch) -> None:
    index = f"roundtrip-{uuid.uuid4().hex[:8]}"
    es_client.indices.create(index=index, settings={"number_of_replicas": 0})
    try:
        es_client.index(index=index, id="a1", document={"title": "Storm hits the coast"},
                        refresh=True)
        found = es_client.search(index=index, query={"match": {"title": "storm"}})
        assert found["hits"]["total"]["value"] == 1
        assert found["hits"]["hits"][0]["_id"] == "a1"
        assert found["hits"]["hits"][0]["_source"] == {"title": "Storm hits the coast"}
        assert es_client.get(index=index, id="a1")["found"]
    finally:
        es_client.indices.delete(index=index)
