"""Story threads in the web app: the Story facet shows thread titles (read from the state
store, never written; ids when it cannot be read), ``/stories`` lists threads and links each
to its articles in time order, ``/api/stories`` answers what ``newsflow stories --json``
prints. The index and state store come from the pipeline's index stage (tests/web_stories.py)
and, once, from a whole pipeline run over the demo corpus."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import make_settings
from fastapi.testclient import TestClient
from test_cli import cli
from web_stories import BRIDGE, FERRY, story_app, story_settings

from newsflow import pipeline
from newsflow.config import Settings
from newsflow.demo_server import DemoServer
from newsflow.index import open_backend
from newsflow.models import FeedSource
from newsflow.web.app import create_app
from newsflow.web.stories import StorySource


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return story_settings(tmp_path_factory.mktemp("web-stories"))


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(story_app(settings), raise_server_exceptions=False) as c:
        yield c


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(("options", "params"), [
    ((), ""), (("--all", "--min-size", "1"), "all=true&min_size=1"), (("--limit", "1"), "limit=1")])
def test_the_api_answers_what_newsflow_stories_prints(client: TestClient, settings: Settings,
                                                       options: tuple[str, ...], params: str) -> None:
    want = json.loads(cli(settings, "stories", "--json", *options).stdout)
    assert client.get("/api/stories?" + params).json() == want
    assert [t["story_id"] for t in want["threads"]] == [FERRY, BRIDGE, "s-6"][:len(want["threads"])]


def test_the_story_facet_shows_titles_and_sizes(client: TestClient) -> None:
    page = client.get("/").text
    facet = page.split('data-facet="story_id"')[1].split("</section>")[0]
    assert "Ferry crews strike in Bergen" in facet and "3/3" in facet
    assert "Old bridge closed for repairs in Bergen" in facet and "2/2" in facet
    assert f'data-value="{FERRY}"' in facet  # the filter is still by id
    assert f"<span>{FERRY}</span>" not in facet


def test_a_thread_s_articles_in_time_order(client: TestClient) -> None:
    listing = client.get("/stories").text
    link = re.search(r'<a href="([^"]+)">Ferry crews strike in Bergen</a>', listing)
    assert link, listing
    page = client.get(link[1].replace("&amp;", "&")).text
    assert "3 articles" in page and "story: Ferry crews strike in Bergen" in page  # the chip names the story
    order = re.findall(r'href="/article/(s-\d)"', page)
    assert order == ["s-3", "s-2", "s-1"]  # newest first: sorted by date


def test_the_stories_page_lists_active_threads(client: TestClient) -> None:
    page = client.get("/stories").text
    threads = re.findall(r'data-story="([^"]+)"', page)
    assert threads == [FERRY, BRIDGE]  # the lone article is no thread worth listing
    ferry = page.split(f'data-story="{FERRY}"')[1].split("</article>")[0]
    for shown in ("3 articles", "2026-03-01 08:00", "2026-03-01 12:00", "de, en, fr",
                  "fjord.test, harbour.test, quai.test", "Bergen"):
        assert shown in ferry, shown
    assert 'href="/stories"' in client.get("/").text  # linked from the header
    every = client.get("/stories?all=true&min_size=1").text
    assert re.findall(r'data-story="([^"]+)"', every) == [FERRY, BRIDGE, "s-6"]


def test_reading_threads_writes_nothing(client: TestClient, settings: Settings) -> None:
    before = _digest(settings.state_file)
    for url in ("/", "/stories", "/api/stories?all=true", f"/?filter=story_id%3D{FERRY}"):
        assert client.get(url).status_code == 200
    assert _digest(settings.state_file) == before
    assert client.post("/api/stories").status_code == 405


def test_a_postgres_state_store_shows_the_same_threads(client: TestClient, pg_url: str, tmp_path: Path) -> None:
    """``state_url`` set: the facet's titles, /stories and /api/stories read PostgreSQL."""
    with TestClient(story_app(story_settings(tmp_path, state_url=pg_url)), raise_server_exceptions=False) as pg:
        for url in ("/api/stories", "/api/stories?all=true&min_size=1"):
            answer = pg.get(url)
            assert answer.status_code == 200 and answer.json() == client.get(url).json(), answer.text
        facet = pg.get("/").text.split('data-facet="story_id"')[1].split("</section>")[0]
        assert "Ferry crews strike in Bergen" in facet and "3/3" in facet
        assert re.findall(r'data-story="([^"]+)"', pg.get("/stories").text) == [FERRY, BRIDGE]
    assert not (tmp_path / "state.db").exists()  # nothing went to a SQLite file


@pytest.mark.parametrize("state", ["missing", "not sqlite", "no story tables", "none"])
def test_without_a_readable_state_store(settings: Settings, tmp_path: Path, state: str) -> None:
    """The facet shows ids (no error); /stories and /api/stories say why there are no threads."""
    path = tmp_path / "state.db"
    if state == "not sqlite":
        path.write_text("this is not a database\n" * 100)
    elif state == "no story tables":
        import sqlite3

        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE feeds (url TEXT)")
    source = None if state == "none" else StorySource(str(path), 72.0)
    app = create_app(lambda: open_backend(settings), stories=source, semantic_available=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/")
        assert page.status_code == 200 and f"<span>{FERRY}</span>" in page.text
        assert "story: " not in c.get(f"/?filter=story_id%3D{FERRY}").text
        api, html = c.get("/api/stories"), c.get("/stories")
    assert api.status_code == 503 and "story threads" in api.json()["detail"], api.text
    assert html.status_code == 503 and "story threads" in html.text and "Traceback" not in html.text
    assert path.exists() == (state != "missing" and state != "none")  # never created


@pytest.mark.parametrize("url", ["/api/stories?limit=0", "/api/stories?min_size=x", "/stories?limit=100000"])
def test_bad_options_are_a_clear_422(client: TestClient, url: str) -> None:
    answer = client.get(url)
    assert answer.status_code == 422
    assert ("limit" in answer.text or "min_size" in answer.text) and "Traceback" not in answer.text


def test_newsflow_serve_reads_the_threads_of_its_settings(settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")} | {"NEWSFLOW_WEB_PORT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "--data-dir", str(settings.data_dir), "serve"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        answer = httpx.get(url[0] + "api/stories", timeout=30)
        assert answer.json() == json.loads(cli(settings, "stories", "--json").stdout)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_demo_corpus_s_threads_on_the_page(tmp_path: Path, demo_server: DemoServer,
                                               demo_feeds: list[FeedSource]) -> None:
    """A whole pipeline run over the demo corpus: its threads (one told in three languages)
    are listed as ``newsflow stories --all --json`` lists them, titled in the facet, and each
    opens its articles."""
    settings = make_settings(tmp_path)
    pipeline.run(settings, feeds=demo_feeds)
    want = json.loads(cli(settings, "stories", "--all", "--json").stdout)["threads"]
    assert any(len(t["languages"]) >= 3 for t in want), want
    with TestClient(story_app(settings), raise_server_exceptions=False) as c:
        assert c.get("/api/stories?all=true").json()["threads"] == want
        listing = c.get("/stories?all=true").text
        assert re.findall(r'data-story="([^"]+)"', listing) == [t["story_id"] for t in want]
        facet = c.get("/").text.split('data-facet="story_id"')[1].split("</section>")[0]
        for t in want:
            assert f"{html.escape(t['title'])}</span>" in facet, t["title"]
            page = c.get(f"/api/search?filter=story_id%3D{t['story_id']}&sort=date&size=100").json()
            assert page["total"] == t["size"]
            assert sorted({h["document"]["language"] for h in page["hits"]}) == t["languages"]
            dates = [h["document"]["published_at"] for h in page["hits"]]
            assert dates == sorted(dates, reverse=True)
