"""The web app of ``newsflow serve`` (newsflow.web) over a real embedded index (and once over
Elasticsearch): pages, the JSON API against the CLI's ``--json``, errors without tracebacks,
and ``newsflow serve`` itself on loopback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from test_index_contract import FACTORIES
from web_app import app_over, embedded_index
from web_corpus import docs

from newsflow.web.app import create_app


@pytest.fixture(scope="module")
def index_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return embedded_index(tmp_path_factory.mktemp("web") / "index.db")


@pytest.fixture(scope="module")
def client(index_path: Path) -> Iterator[TestClient]:
    with TestClient(app_over(index_path, semantic_available=True), raise_server_exceptions=False) as c:
        yield c


def cli_json(index_path: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    done = subprocess.run([sys.executable, "-m", "newsflow.cli", "--index", str(index_path), *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=120, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("params", [
    "q=drought&facet=persons&facet=source&histogram=day",
    "q=water&filter=persons%3DMaria%20Lopez&sort=date&size=2&page=2",
    "filter=places%3DMadrid&filter=places%3DValencia&facet=places&since=2024-05-02",
    "q=%22reservoir%20water%22%20-Madrid",
])
def test_the_api_answers_what_the_cli_prints(client: TestClient, index_path: Path, params: str) -> None:
    api = client.get(f"/api/search?{params}")
    assert api.status_code == 200, api.text
    args: list[str] = []
    for pair in params.split("&"):
        key, value = pair.split("=", 1)
        value = httpx.QueryParams(f"v={value}")["v"]
        args += [value] if key == "q" else ["--page" if key == "page" else f"--{key}", value]
    assert api.json() == cli_json(index_path, "search", *args)


def test_the_search_page_highlights_hits_and_offers_facets_as_filters(client: TestClient) -> None:
    page = client.get("/", params={"q": "drought"})
    assert page.status_code == 200
    html = page.text
    assert "<mark>drought</mark>" in html.lower() or "<mark>Drought</mark>" in html
    assert 'data-testid="total">3 articles' in html  # w2, w4, w6
    link = re.search(r'href="([^"]*filter=source%3DPlateau\+Daily[^"]*)"', html)
    assert link, "the source facet's values are links that add a filter"
    narrowed = client.get(link[1].replace("&amp;", "&"))
    assert 'data-testid="total">2 articles' in narrowed.text
    assert 'data-filter="source=Plateau Daily"' in narrowed.text  # a chip that removes it
    assert "<svg class=\"hist\"" in html and "<rect" in html  # the date histogram
    assert 'data-place="Madrid"' in html  # the map of the results' places


def test_markup_from_documents_is_escaped(client: TestClient) -> None:
    html = client.get("/", params={"q": "notes"}).text
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>in bold</b>" not in html
    article = client.get("/article/w6").text
    assert "<script>alert" not in article and "&lt;script&gt;" in article


def test_the_entity_page_has_the_timeline_quotes_and_map(client: TestClient) -> None:
    page = client.get("/entity/person/" + quote("Maria Lopez"))
    assert page.status_code == 200
    html = page.text
    assert "Sharing water is cheaper than trucking it." in html
    assert "No city will be left dry." not in html  # Jon Berg's
    assert html.count("<rect") == 2  # two days with mentions
    assert 'data-place="Valencia"' in html and 'data-place="Madrid"' in html
    assert 'class="land" d="M' in html  # the shipped outline, no tiles
    assert 'href="/entity/person/Jon%20Berg"' in html


def test_an_entity_name_may_hold_a_slash(client: TestClient) -> None:
    page = client.get("/entity/organization/" + quote("AC/DC", safe=""))
    assert page.status_code == 200 and 'data-testid="entity">AC/DC' in page.text
    assert client.get("/api/entities/organization/AC%2FDC").json()["name"] == "AC/DC"


def test_a_histogram_bar_filters_to_its_day(client: TestClient) -> None:
    html = client.get("/", params={"q": "water"}).text
    bar = re.search(r'<a href="([^"]*since=2024-05-03[^"]*)"><rect', html)
    assert bar and "until=2024-05-04" in bar[1]
    day = client.get(bar[1].replace("&amp;", "&")).text
    assert 'data-testid="total">1 article<' in day  # w3; w4 says "watering"
    assert "since 2024-05-03" in day


def test_the_article_view_shows_enrichments_and_provenance(client: TestClient) -> None:
    html = client.get("/article/w2").text
    assert "Madrid and Valencia share a drought plan" in html
    assert 'href="/entity/place/Madrid"' in html and 'data-place="Madrid"' in html
    provenance = html.split('data-testid="provenance"', 1)[1]
    assert "entities" in provenance and "persons, organizations" in provenance
    assert client.get("/api/documents/w2").json() == cli_json_show(client, "w2")


def cli_json_show(client: TestClient, doc_id: str) -> dict:
    return client.app.state.open_index().get(doc_id)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/api/search?filter=colour%3Dred", 400, "unknown filter field"),
    ("/api/search?mode=semantic", 400, "semantic search needs query text"),
    ("/api/search?near=1,2", 400, "expected LAT,LON,KM"),
    ("/api/search?near=95,0,10", 400, "out of range"),
    ("/api/search?cursor=garbage", 400, "cursor"),
    ("/api/documents/nope", 404, "no document with id 'nope'"),
    ("/api/entities/country/Spain", 422, "literal_error"),
])
def test_api_errors_are_json_with_a_reason(client: TestClient, url: str, status: int, message: str) -> None:
    answer = client.get(url)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert message in json.dumps(answer.json()["detail"])


@pytest.mark.parametrize(("url", "status", "message"), [
    ("/article/nope", 404, "no document with id &#39;nope&#39;"),
    ("/entity/country/Spain", 400, "entity kind must be one of person, organization, place"),
    ("/?q=x&sort=sideways", 400, "sort must be relevance or date"),
    ("/?filter=nonsense", 400, "expected FIELD=VALUE"),
    ("/?page=0", 422, "page: Input should be greater than or equal to 1"),
    ("/no/such/page", 404, "Not Found"),
])
def test_page_errors_are_pages_with_a_reason(client: TestClient, url: str, status: int, message: str) -> None:
    answer = client.get(url)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert message in answer.text and "Traceback" not in answer.text


def test_nothing_changes_the_index(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    methods = {m for path in schema["paths"].values() for m in path}
    assert methods == {"get"}
    assert {"/api/search", "/api/documents/{doc_id}", "/api/entities/{kind}/{name}"} <= set(schema["paths"])
    for method in ("post", "put", "delete", "patch"):
        answer = client.request(method, "/api/search")
        assert answer.status_code == 405 and "only reads" in answer.json()["detail"]


def test_semantic_modes_are_greyed_without_the_extra(index_path: Path) -> None:
    with TestClient(app_over(index_path, semantic_available=False)) as c:
        html = c.get("/").text
        assert re.search(r'<option value="semantic"[^>]*disabled', html)
        assert re.search(r'<option value="keyword"[^>]*selected(?![^>]*disabled)', html)
        assert "pip install &#39;newsflow[semantic]&#39;" in html
        answer = c.get("/", params={"q": "drought", "mode": "hybrid"})
        assert answer.status_code == 400 and "need the semantic extra" in answer.text


def test_an_unexpected_error_is_a_message_not_a_traceback(index_path: Path) -> None:
    def broken() -> object:
        raise RuntimeError("disk on fire")

    with TestClient(create_app(broken), raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        api, page = c.get("/api/search"), c.get("/")
    assert api.status_code == 500 and "unexpected error (RuntimeError)" in api.json()["detail"]
    assert page.status_code == 500 and "Traceback" not in page.text and "server log" in page.text


@pytest.mark.elasticsearch
def test_the_app_over_elasticsearch(request: pytest.FixtureRequest, tmp_path: Path, index_path: Path,
                                    client: TestClient) -> None:
    from newsflow.index.elastic import ElasticBackend

    es = FACTORIES["elasticsearch"](request, tmp_path)
    assert isinstance(es, ElasticBackend)
    assert not es.upsert(docs()).failed
    es_url, alias = request.getfixturevalue("es_url"), es.alias
    es.close()
    # as newsflow serve does: a backend per request, closed after it
    with TestClient(create_app(lambda: ElasticBackend(es_url, index_alias=alias), semantic_available=True)) as over_es:
        for url in ("/api/search?q=water&facet=persons&histogram=day", "/api/entities/person/Maria%20Lopez"):
            got, want = over_es.get(url).json(), client.get(url).json()
            if "hits" in got:  # BM25 scores differ between the backends; ids, facets and dates do not
                got["hits"] = sorted(h["id"] for h in got["hits"])
                want["hits"] = sorted(h["id"] for h in want["hits"])
            assert got == want
        assert 'data-place="Valencia"' in over_es.get("/entity/place/Valencia").text


def test_newsflow_serve_listens_on_loopback(index_path: Path) -> None:
    """By default on 127.0.0.1; the port from the web_port setting (0: a free one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")} | {"NEWSFLOW_WEB_PORT": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "newsflow.cli", "--index", str(index_path), "serve"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
        answer = httpx.get(url[0] + "api/search?q=drought", timeout=30)
        assert answer.json()["total"] == 3
    finally:
        proc.terminate()
        proc.wait(timeout=30)
