"""The JSON API against its own OpenAPI schema (schemathesis): for any input the schema allows
or not, no 500, a declared status and content type, and a body of the declared shape."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from web_app import app_over, embedded_index
from web_stories import story_settings

from newsflow.web.stories import StorySource

_DIR = tempfile.mkdtemp(prefix="nf-web-schema-")  # the schema's app exists at import: so does its index
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
INDEX = embedded_index(Path(_DIR) / "index.db")
THREADS = story_settings(Path(_DIR) / "stories")  # its state store's threads
STORIES = StorySource(THREADS.state_location, THREADS.story_window_hours)
schema = schemathesis.openapi.from_asgi("/openapi.json", app_over(INDEX, semantic_available=False, stories=STORIES))
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)


def test_the_schema_covers_the_api() -> None:
    paths = set(schema.raw_schema["paths"])
    assert paths == {"/api/search", "/api/documents/{doc_id}", "/api/entities/{kind}/{name}", "/api/stories"}, paths


@pytest.mark.parametrize("query", ["q=%00", "q=%ff%fe", "filter=persons%3D%00", "q=%22%22%22-",
                                   "since=9999-12-31T23:59:59%2B14:00", "near=nan,nan,nan",
                                   "near=1e400,0,1", "q=drought&mode=semantic", "facet=" + "x" * 5000])
def test_awkward_inputs_are_answered(query: str) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app_over(INDEX, semantic_available=False), raise_server_exceptions=False) as c:
        answer = c.get("/api/search?" + query)
    assert answer.status_code < 500 or answer.status_code == 503, answer.text
    assert ("detail" if answer.status_code >= 400 else "total") in answer.json()
