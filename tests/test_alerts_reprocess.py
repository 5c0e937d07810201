"""Alerts after ``reprocess``: a document indexed before the alert was made is a candidate
again once ``reprocess`` writes it anew (here: the entities extractor adds its fields), and
is delivered once, and never again however often it is reprocessed."""

from __future__ import annotations

import json
import time
from pathlib import Path

from conftest import make_settings

from newsflow import pipeline
from newsflow.alerts import SavedSearch, run_alerts
from newsflow.index import SearchQuery, open_backend
from newsflow.models import FeedSource
from newsflow.state import StateStore


def test_documents_reprocess_writes_again_match_once(tmp_path: Path, demo_feeds: list[FeedSource]) -> None:
    feed = next(f for f in demo_feeds if f.name == "The Continental Dispatch")
    settings = make_settings(tmp_path, extractors=("keywords",), workers=1)
    assert pipeline.run(settings, feeds=[feed]).articles_new > 0
    target = tmp_path / "zelensky.jsonl"
    time.sleep(1.1)  # the alert is made a second after the documents were written
    state = StateStore(settings.state_location)
    state.add_alert("zelensky", SavedSearch(text="Zelensky").to_json(), str(target))
    state.close()
    assert run_alerts(settings).as_dict()["found"] == 0  # indexed before the alert: not new
    time.sleep(1.1)
    summary = pipeline.reprocess(settings, extractor_names=["keywords", "entities"])
    assert summary.articles_failed == 0
    assert run_alerts(settings).as_dict()["failed"] == []
    backend = open_backend(settings)
    try:
        expected = {h.id for h in backend.search(SearchQuery(text="Zelensky", size=100)).hits}
        assert all(backend.get(i).get("persons") is not None for i in expected)  # type: ignore[union-attr]
    finally:
        backend.close()
    delivered = [json.loads(line)["document"]["id"] for line in target.read_text().splitlines()]
    assert expected and sorted(delivered) == sorted(expected)
    time.sleep(1.1)
    pipeline.reprocess(settings, extractor_names=["keywords", "entities"])  # whatever it writes, delivered before
    assert run_alerts(settings).as_dict()["found"] == 0
    assert len(target.read_text().splitlines()) == len(expected)
