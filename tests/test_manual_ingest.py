"""Manual ingest (Airflow's newsflow_ingest and inbox): documents are named after their
publisher, and an ingest in which every URL failed is a failure, not a silent success."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_settings

from newsflow import pipeline
from newsflow.airflow_support import NothingIngested, check_ingested
from newsflow.demo_server import DemoServer, serving
from newsflow.index import SearchQuery
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.urls import doc_id

SEED_PATH = "/meridian-post/world/2025/12/06/russia-strikes-fastiv.html"


def test_documents_are_named_after_the_feed_or_the_site_not_the_url(tmp_path: Path, demo_server: DemoServer) -> None:
    settings = make_settings(tmp_path, extractors=("keywords",), workers=1)
    feed_url = demo_server.base_url + "/northern-ledger/atom.xml"
    with pipeline.Resources(settings) as res:
        summary = pipeline.RunSummary()
        pipeline.poll(res, [FeedSource(url=feed_url, name=feed_url)], summary, pipeline.NO_PROGRESS)
        done = pipeline.ingest_urls(settings, [demo_server.base_url + SEED_PATH], resources=res)
    assert done.articles_new == 9
    index = EmbeddedBackend(settings.index_file)
    try:
        seed = index.get(doc_id(demo_server.base_url + SEED_PATH))
        facets = dict(index.search(SearchQuery(facets=("source",), size=0)).facets["source"])
    finally:
        index.close()
    assert seed is not None and seed["source"] == "Meridian Post", "a page alone: its site name"
    assert facets == {"The Northern Ledger": 8, "Meridian Post": 1}, "a feed given by URL: its title"


def test_a_page_without_a_site_name_is_named_by_its_domain(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "news").mkdir(parents=True)
    words = " ".join(f"The harbour council met on day {i} to discuss the new ferry timetable." for i in range(40))
    (site / "news" / "plain.html").write_text(
        f"<html><head><title>Ferry timetable</title></head><body><article><h1>Ferry timetable</h1>"
        f"<p>{words}</p></article></body></html>", encoding="utf-8")
    settings = make_settings(tmp_path / "data", extractors=("keywords",), workers=1)
    with serving(site) as server:
        url = server.base_url + "/news/plain.html"
        assert pipeline.ingest_urls(settings, [url]).articles_new == 1
    backend = EmbeddedBackend(settings.index_file)
    try:
        doc = backend.get(doc_id(url))
    finally:
        backend.close()
    assert doc is not None and doc["source"] in ("127.0.0.1", url.split("/")[2]), "the domain, not the URL"


def test_an_ingest_where_every_url_failed_raises_with_the_reasons(tmp_path: Path, demo_server: DemoServer) -> None:
    settings = make_settings(tmp_path, extractors=("keywords",), workers=1)
    refused = ["http://192.168.0.1/private.html", demo_server.base_url + "/meridian-post/gone.html"]
    summary = pipeline.ingest_urls(settings, refused)
    with pytest.raises(NothingIngested) as excinfo:
        check_ingested({"ingest": summary.as_dict()})
    message = str(excinfo.value)
    assert "nothing could be ingested" in message and all(url in message for url in refused)
    assert "UnsafeURL" in message and "NotFound" in message
    good = pipeline.ingest_urls(settings, [*refused, demo_server.base_url + SEED_PATH])
    check_ingested({"ingest": good.as_dict()})  # one article went through: a partial success
    check_ingested({"ingest": pipeline.RunSummary().as_dict()})  # nothing to do is not a failure
