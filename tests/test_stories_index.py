"""``story_id`` in the index: a facet and filter on both backends, written by the pipeline's
story step, rewritten when a later batch merges threads; ``newsflow stories`` lists them."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from test_cli import cli
from test_index_contract import DOCS, backend, ids, search  # noqa: F401 - the contract's backends and corpus
from test_stories import direction, near

from newsflow.config import Settings
from newsflow.index import open_backend
from newsflow.index.base import IndexBackend
from newsflow.models import Article
from newsflow.pipeline.context import open_run
from newsflow.pipeline.index_stage import cluster, index_articles
from newsflow.schema import FACET_FIELDS


def test_story_id_is_a_facet_and_a_filter_on_both_backends(backend: IndexBackend) -> None:  # noqa: F811
    docs = copy.deepcopy(DOCS)
    for doc in docs:
        doc["story_id"] = "d01" if doc["id"] in ("d01", "d03", "d08") else doc["id"]
    assert not backend.upsert(docs).failed
    assert "story_id" in FACET_FIELDS
    result = search(backend, facets=("story_id",))
    counts = dict(result.facets["story_id"])
    assert counts["d01"] == 3 and counts["d02"] == 1 and len(counts) == len(docs) - 2
    assert set(ids(search(backend, filters={"story_id": ("d01",)}))) == {"d01", "d03", "d08"}
    assert backend.get("d03")["story_id"] == "d01"  # type: ignore[index]


def _article(doc_id: str, vector: bytes, hour: int, domain: str, language: str, title: str) -> Article:
    article = Article(id=doc_id, url=f"http://{domain}/{doc_id}", feed_url=f"http://{domain}/feed",
                      source=domain, domain=domain, title=title, text=f"{title}. More words of the article.",
                      fetched_at=f"2026-03-01T{hour:02d}:30:00Z", published_at=f"2026-03-01T{hour:02d}:00:00Z",
                      language=language)
    article.enrichments.update(embedding=np.frombuffer(vector, dtype=np.float32).tolist(), places=["Oslo"],
                               persons=[], organizations=[])
    return article


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def index_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings whose index is an embedded file, or an alias of its own on the session's
    Elasticsearch node (set up, and removed after the test)."""
    if request.param == "embedded":
        return Settings(data_dir=tmp_path)
    from uuid import uuid4

    from newsflow.index.elastic import ElasticBackend

    es_url, client = request.getfixturevalue("es_url"), request.getfixturevalue("es_client")
    alias = f"stories-{uuid4().hex[:8]}"
    request.addfinalizer(lambda: client.indices.delete(index=f"{alias}-*", ignore_unavailable=True))
    ElasticBackend(es_url, index_alias=alias, setup=True).close()
    return Settings(data_dir=tmp_path, backend="elasticsearch", es_url=es_url, es_index=alias)


def test_a_merge_rewrites_the_story_id_of_documents_indexed_earlier(index_settings: Settings) -> None:
    settings = index_settings
    bridge = ((direction(5) + direction(6)) / np.sqrt(2)).astype(np.float32).tobytes()
    first = [_article("m-2", near(5, 0.9, 6), 8, "one.test", "en", "Ferry strike in Oslo"),
             _article("m-3", near(6, 0.9, 5), 9, "two.test", "de", "Fährstreik in Oslo")]
    later = [_article("m-1", bridge, 10, "three.test", "fr", "Grève des ferries à Oslo")]
    with open_run(settings) as ctx:
        for batch in (first, later):
            cluster(ctx, batch)
            index_articles(ctx, batch)
        assert ctx.summary.stage_seconds.get("stories", 0) > 0
    with open_backend(settings) as index:
        docs = {doc_id: index.get(doc_id) for doc_id in ("m-1", "m-2", "m-3")}
        assert {k: d["story_id"] if d else None for k, d in docs.items()} == dict.fromkeys(docs, "m-1")
        if settings.backend == "elasticsearch":
            from elasticsearch import Elasticsearch

            with Elasticsearch(settings.es_url) as client:
                client.indices.refresh(index=settings.es_index)
        result = search(index, facets=("story_id",))
        assert dict(result.facets["story_id"]) == {"m-1": 3}

    listed = json.loads(cli(settings, "stories", "--json").stdout)["threads"]
    assert listed == [{
        "story_id": "m-1", "title": "Ferry strike in Oslo", "first_seen": "2026-03-01T08:00:00Z",
        "last_seen": "2026-03-01T10:00:00Z", "size": 3, "outlets": ["one.test", "three.test", "two.test"],
        "languages": ["de", "en", "fr"], "entities": ["Oslo"],
    }]
    text = cli(settings, "stories").stdout
    assert "Ferry strike in Oslo" in text and "one.test, three.test, two.test" in text and "de, en, fr" in text


def test_stories_says_when_there_is_none(tmp_path: Path) -> None:
    done = cli(Settings(data_dir=tmp_path), "stories")
    assert "no story threads active" in done.stdout
    assert json.loads(cli(Settings(data_dir=tmp_path), "stories", "--all", "--json").stdout) == {"threads": []}


@pytest.mark.parametrize("option", ["--min-size", "--limit"])
def test_stories_refuses_a_count_below_one(tmp_path: Path, option: str) -> None:
    done = cli(Settings(data_dir=tmp_path), "stories", option, "0", check=False)
    assert done.returncode == 2
