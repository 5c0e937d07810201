"""The whole pipeline with its state on a real PostgreSQL (``state_url``): the demo corpus is
ingested exactly as with the SQLite file, a second run finds nothing new, and no state file
is written."""

from __future__ import annotations

from pathlib import Path

from conftest import make_settings

from newsflow import pipeline
from newsflow.clustering import ClusterStore
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.state import StateStore


def test_a_run_keeps_its_state_in_postgresql(tmp_path: Path, pg_url: str, demo_feeds: list[FeedSource]) -> None:
    on_file = make_settings(tmp_path / "file", extractors=("keywords", "simhash"), workers=1)
    on_pg = make_settings(tmp_path / "pg", extractors=("keywords", "simhash"), workers=1, state_url=pg_url)
    expected = pipeline.run(on_file, feeds=demo_feeds)
    first = pipeline.run(on_pg, feeds=demo_feeds)
    assert first.exit_code == expected.exit_code == 0
    assert (first.entries_new, first.articles_new) == (expected.entries_new, expected.articles_new)
    assert first.articles_new > 0
    assert not on_pg.state_file.exists()  # the state went to PostgreSQL only
    pg_state, file_state = StateStore(pg_url), StateStore(on_file.state_file)
    try:
        assert pg_state.counts() == file_state.counts()
        assert [f.url for f in pg_state.feeds()] == [f.url for f in file_state.feeds()]
    finally:
        pg_state.close()
        file_state.close()
    with ClusterStore(pg_url) as clusters:
        assert clusters.count() == first.articles_new  # every indexed article's SimHash is there
    again = pipeline.run(on_pg, feeds=demo_feeds)
    assert again.entries_new == again.articles_new == 0
    backend = EmbeddedBackend(on_pg.index_file)
    try:
        assert backend.count() == first.articles_new
    finally:
        backend.close()
