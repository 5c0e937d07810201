"""The "new documents" rule of saved-search alerts on a real Elasticsearch node: the same
as on the embedded index (tests/test_alerts.py), through ``indexed_at``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from conftest import make_settings
from test_alerts import doc, next_second

from newsflow.alerts import SavedSearch, run_alerts
from newsflow.state import StateStore

pytestmark = pytest.mark.elasticsearch


def test_only_documents_written_since_the_last_run_match_once_each(tmp_path: Path, es_url: str,
                                                                   es_client: Any) -> None:
    from newsflow.index.elastic import ElasticBackend

    alias = f"alerts-{uuid4().hex[:8]}"
    index = ElasticBackend(es_url, index_alias=alias, setup=True, refresh=True)
    settings = make_settings(tmp_path)
    state = StateStore(settings.state_location)
    target = tmp_path / "floods.jsonl"
    try:
        index.upsert([doc("old", "flood")])
        next_second()
        state.add_alert("floods", SavedSearch(text="flood", mode="keyword").to_json(), str(target))
        index.upsert([doc("d1", "flood"), doc("b1", "bank")])
        found = [run_alerts(settings, state=state, backend=index).as_dict()["found"] for _ in range(2)]
        next_second()
        index.upsert([doc("d1", "flood", note=" (updated)"), doc("d2", "flood"), doc("old", "flood")])
        found.append(run_alerts(settings, state=state, backend=index).as_dict()["found"])
        assert found == [1, 0, 1]
        assert [json.loads(line)["document"]["id"] for line in target.read_text().splitlines()] == ["d1", "d2"]
    finally:
        state.close()
        index.close()
        es_client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)
