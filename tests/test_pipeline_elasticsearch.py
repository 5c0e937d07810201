"""The pipeline and the CLI on the Elasticsearch backend, against a real node."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import make_settings

from newsflow import pipeline
from newsflow.config import SEEDS_DIR
from newsflow.demo_server import DemoServer
from newsflow.index import SearchQuery
from newsflow.index.elastic import ElasticBackend
from newsflow.models import FeedSource
from newsflow.state import StateStore

pytestmark = pytest.mark.elasticsearch
EXPECTED: dict[str, Any] = yaml.safe_load((SEEDS_DIR / "demo" / "expected.yaml").read_text(encoding="utf-8"))


def test_run_indexes_the_demo_corpus_into_elasticsearch(
    es_url: str, es_client: Any, demo_server: DemoServer, demo_feeds: list[FeedSource], tmp_path: Path
) -> None:
    alias = "e2e-articles"
    settings = make_settings(tmp_path, backend="elasticsearch", es_url=es_url, es_index=alias)
    base = [sys.executable, "-m", "newsflow.cli", "--data-dir", str(tmp_path), "--backend", "elasticsearch",
            "--es-url", es_url]
    env = {**os.environ, "NEWSFLOW_ES_INDEX": alias}
    try:
        setup = subprocess.run([*base, "es", "setup", "--json"], capture_output=True, text=True, env=env,
                               check=True)
        assert json.loads(setup.stdout)["index"] == f"{alias}-000001"
        first = pipeline.run(settings, feeds=demo_feeds)
        assert first.articles_new == len(EXPECTED["articles"]) and first.articles_failed == 0
        again = pipeline.run(settings, feeds=demo_feeds)
        assert again.articles_new == again.articles_updated == 0 and again.feeds_unchanged == len(demo_feeds)

        backend = ElasticBackend(es_url, index_alias=alias)
        assert backend.count() == len(EXPECTED["articles"])
        result = backend.search(SearchQuery(text="Fastiv", facets=("source", "language")))
        assert result.hits[0].document["title"] == EXPECTED["seed_article"]["title"]
        assert any("<mark>Fastiv</mark>" in f for f in result.hits[0].highlights["text"])
        assert dict(result.facets["source"])["Meridian Post"] >= 1
        from newsflow import semantic

        # the semantic extra (its absence is tested in test_semantic.py); CI must have it
        if semantic.available() or os.environ.get("CI", "").lower() == "true":
            for mode in ("semantic", "hybrid"):
                near = backend.search(SearchQuery(text="rail hub bombed near the capital", mode=mode, size=3))
                assert EXPECTED["seed_article"]["title"] in [h.document["title"] for h in near.hits], mode
                assert all("embedding" not in h.document for h in near.hits)
        backend.close()

        found = subprocess.run([*base, "search", "Fastiv", "--facet", "language", "--json"],
                               capture_output=True, text=True, env=env, check=True)
        data = json.loads(found.stdout)
        assert data["total"] >= 1 and data["facets"]["language"]
        assert "<mark>" in json.dumps(data["hits"][0]["highlights"])

        swapped = subprocess.run([*base, "es", "reindex", "--json"], capture_output=True, text=True, env=env, check=True)
        report = json.loads(swapped.stdout)
        assert report["copied"] == len(EXPECTED["articles"])
        assert es_client.indices.get_alias(name=alias).keys() == {report["new"]}
    finally:
        es_client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)


def test_index_down_is_recorded_and_retried_later(demo_server: DemoServer, demo_feeds: list[FeedSource],
                                                  tmp_path: Path, es_url: str, es_client: Any) -> None:
    """A cluster that is down fails the index stage for each article; a later retry indexes them."""
    alias = "down-articles"
    dead = make_settings(tmp_path, backend="elasticsearch", es_url="http://127.0.0.1:9", es_index=alias,
                         read_timeout=1)
    feeds = demo_feeds[:1]
    down = pipeline.run(dead, feeds=feeds)
    assert down.articles_new == 0 and down.articles_failed > 0 and down.exit_code == 1
    state = StateStore(dead.state_file)
    failures = state.failures("index")
    state.close()
    assert len(failures) == down.articles_failed
    assert all(f.error_class == "IndexUnavailable" and f.retryable for f in failures)
    assert "127.0.0.1:9" in failures[0].message and "is it running?" in failures[0].message
    try:
        up = dead.replace(es_url=es_url)
        summary = pipeline.run(up, feeds=feeds)  # the cluster is up, but nobody set it up yet
        assert summary.articles_new == 0 and summary.articles_failed == down.articles_failed
        state = StateStore(dead.state_file)
        failures = state.failures("index")
        state.close()
        assert all(f.retryable and "newsflow es setup" in f.message for f in failures), failures[0].message
        assert not es_client.indices.get(index=f"{alias}*").body, "writing created no index"
        ElasticBackend(es_url, index_alias=alias, setup=True).close()
        summary = pipeline.run(up, feeds=feeds)
        assert summary.feeds_unchanged == 1, "the feed was not re-read: the work came from the state store"
        assert summary.articles_new == down.articles_failed and summary.articles_failed == 0
        state = StateStore(dead.state_file)
        assert state.failures() == []
        state.close()
    finally:
        es_client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)
