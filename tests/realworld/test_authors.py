"""Authors through the real pipeline: names, not job titles or link text; the feed's
``dc:creator`` when the page's candidates are not names."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_settings

from newsflow import pipeline
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource

from .site import page, rss, site

DATE = "Tue, 24 Jun 2025 08:57:00 +0200"
# path → (page markup, dc:creator or None, expected authors, expected source)
CASES: dict[str, tuple[dict[str, str], str | None, list[str], str]] = {
    "/meta-title.html": ({"head": '<meta name="author" content="Senior Reporter">'}, "Jane Roe",
                         ["Jane Roe"], "feed"),
    "/byline.html": ({"before": '<p class="byline">By Jane Roe, Senior Reporter</p>'}, None,
                     ["Jane Roe"], "page"),
    "/box.html": ({"before": '<div class="author">Jane Roe Transport Correspondent Email the author</div>'},
                  None, ["Jane Roe"], "page"),
    "/two.html": ({"head": '<meta name="author" content="Jane Roe and Sam Poe">'}, "Someone Else",
                  ["Jane Roe", "Sam Poe"], "page"),
    "/de.html": ({"head": '<meta name="author" content="Von Max Muster, Redakteur"><meta name="x" content="">',
                  "lang": "de"}, None, ["Max Muster"], "page"),
    "/desk.html": ({"head": '<meta name="author" content="Redaktion">', "lang": "de"}, "Erika Beispiel",
                   ["Erika Beispiel"], "feed"),
}


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("authors")
    files = {
        path.lstrip("/"): page(f"Ferry story {path}", f"Quay {i}", **markup)  # type: ignore[arg-type]
        for i, (path, (markup, _, _, _)) in enumerate(CASES.items())
    }
    creators = {path: creator for path, (_, creator, _, _) in CASES.items() if creator}
    files["feed.xml"] = rss([(path, DATE) for path in CASES], creators=creators)
    with site(root / "site", files) as server:
        settings = make_settings(root / "data")
        summary = pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="authors")])
        assert summary.feeds_failed == 0
        backend = EmbeddedBackend(settings.index_file)
        docs = {doc["url"].removeprefix(server.base_url): doc for doc in backend.iter_documents()}
        backend.close()
    return docs


@pytest.mark.parametrize("path", list(CASES))
def test_authors_are_names(documents: dict[str, Any], path: str) -> None:
    _, _, expected, source = CASES[path]
    doc = documents[path]
    assert doc["authors"] == expected
    assert doc["field_sources"]["authors"] == source
