"""ElasticBackend against a real Elasticsearch node (see tests/es_fixtures.py)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from ci import unavailable
from elasticsearch import Elasticsearch

from newsflow.errors import ConfigError, IndexUnavailable, QueryError
from newsflow.index.base import SearchQuery
from newsflow.index.elastic import (
    ElasticBackend,
    compile_query,
    decode_cursor,
    encode_cursor,
    load_template,
)
from newsflow.index.query import parse
from newsflow.models import Document
from newsflow_dev import es_node as es_dev

pytestmark = pytest.mark.elasticsearch


def make_doc(n: int, **changes: Any) -> Document:
    """A document shaped like ``Article.to_document()`` plus a few enrichments."""
    doc: Document = {
        "id": f"doc{n:03d}",
        "url": f"https://news.example/a/{n}",
        "canonical_url": None,
        "feed_url": "https://news.example/feed.xml",
        "source": "Example News",
        "domain": "news.example",
        "title": f"Article {n}",
        "text": f"Body of article {n}.",
        "authors": ["Ann Writer"],
        "published_at": f"2024-05-{(n % 28) + 1:02d}T08:00:00Z",
        "feed_published_at": None,
        "fetched_at": "2024-06-01T00:00:00Z",
        "site_name": "Example",
        "language": "en",
        "description": None,
        "feed_summary": None,
        "image": None,
        "tags": [],
        "categories": [],
        "field_sources": {"title": "page", "published_at": "feed"},
        "extractors": [{"name": "stats", "version": "1", "fields": ["word_count"]}],
        "word_count": 4,
        "reading_time_min": 0.1,
        "keywords": [],
        "language_confidence": 0.99,
    }
    doc.update(changes)
    return doc


CORPUS: list[Document] = [
    make_doc(1, title="Storm hits the northern coast", source="Daily Planet",
             text="A violent storm hit the coast on Monday. Fishermen stayed in port.",
             published_at="2024-05-06T09:00:00Z", tags=["weather", "coast"],
             places=["Kiel"], place_points=[{"lat": 54.32, "lon": 10.13}],
             persons=["Ann Lee"], topics=["weather"], cluster_id="c1"),
    make_doc(2, title="Election results announced", source="Daily Planet",
             text="The election commission announced the results. Turnout was high.",
             published_at="2024-05-07T12:00:00Z", tags=["politics"],
             quotes=[{"speaker": "Ann Lee", "text": "A great day"}], quote_speakers=["Ann Lee"],
             organizations=["Election Commission"], topics=["politics"], cluster_id="c2"),
    make_doc(3, title="Storm damage in the harbour", source="Morning Post",
             text="Storm damage was reported in the harbour. Boats sank during the night.",
             published_at="2024-05-13T07:30:00Z", tags=["weather"],
             quantities=[{"value": 12.0, "unit": "boat", "object": "boats", "text": "12 boats"}],
             locations=[{"name": "Kiel", "country_code": "DE", "admin1": "SH",
                         "location": {"lat": 54.32, "lon": 10.13}}],
             topics=["weather"], topic_scores={"weather": 0.9}, tone=-2.5, cluster_id="c1"),
    make_doc(4, title="Football club wins the cup", source="Morning Post",
             text="The local football club won the cup after a penalty shoot-out.",
             published_at="2024-06-02T18:00:00Z", tags=["sport"], topics=["sport"],
             summary="Club wins cup.", simhash="abcd1234",
             dates_mentioned=[{"text": "Saturday", "date": "2024-06-01"}]),
    make_doc(5, title="Markets calm after the storm", source="Ledger",
             text="Markets were calm. Analysts said the political storm has passed.",
             published_at="2024-06-20T10:00:00Z", tags=["economy", "politics"],
             keywords=["markets"], topics=["economy"]),
]


@pytest.fixture
def alias(es_client: Elasticsearch) -> Iterator[str]:
    name = f"nftest-{uuid.uuid4().hex[:8]}"
    yield name
    es_client.indices.delete(index=f"{name}-*", ignore_unavailable=True, allow_no_indices=True)
    es_client.options(ignore_status=404).indices.delete_index_template(name=name)


@pytest.fixture
def backend(es_url: str, alias: str) -> Iterator[ElasticBackend]:
    b = ElasticBackend(es_url, index_alias=alias, setup=True, refresh=True)
    yield b
    b.close()


@pytest.fixture
def loaded(backend: ElasticBackend) -> ElasticBackend:
    report = backend.upsert(CORPUS)
    assert sorted(report.new) == sorted(d["id"] for d in CORPUS), report
    return backend


def ids(result: Any) -> list[str]:
    return [h.id for h in result.hits]


# ----------------------------------------------------------------------------- setup


def test_setup_creates_template_index_and_alias_idempotently(
    es_url: str, es_client: Elasticsearch, alias: str
) -> None:
    first = ElasticBackend(es_url, index_alias=alias, setup=True)
    second = ElasticBackend(es_url, index_alias=alias, setup=True)  # same again: nothing new
    try:
        assert es_client.indices.exists_index_template(name=alias)
        assert list(es_client.indices.get_alias(name=alias).body) == [f"{alias}-000001"]
        assert first.current_index() == second.current_index() == f"{alias}-000001"
        index_settings = es_client.indices.get_settings(index=f"{alias}-000001")
        assert index_settings[f"{alias}-000001"]["settings"]["index"]["number_of_replicas"] == "0"
        mapping = es_client.indices.get_mapping(index=f"{alias}-000001")[f"{alias}-000001"]
        props = mapping["mappings"]["properties"]
        assert mapping["mappings"]["dynamic"] == "strict"
        assert props["place_points"]["type"] == "geo_point"
        assert props["locations"]["properties"]["location"]["type"] == "geo_point"
        assert props["title"]["fields"]["keyword"]["type"] == "keyword"
        assert props["published_at"]["type"] == "date"
        for facet in ("source", "domain", "authors", "tags", "persons", "places", "cluster_id"):
            assert props[facet]["type"] == "keyword", facet
        assert first.count() == 0
    finally:
        first.close()
        second.close()


def test_template_file_is_valid_and_covers_every_document_key() -> None:
    body = load_template()
    props = body["template"]["mappings"]["properties"]
    assert body["template"]["mappings"]["dynamic"] == "strict"
    for doc in CORPUS:
        assert set(doc) <= set(props), set(doc) - set(props)
    for reserved in ("persons", "organizations", "places", "locations", "quotes", "quantities",
                     "topics", "topic_scores", "tone", "summary", "dates_mentioned",
                     "cluster_id", "simhash", "quote_speakers", "indexed_at"):
        assert reserved in props


def test_text_fields_use_the_template_analyzer_on_every_cluster(
    es_url: str, es_client: Elasticsearch, alias: str, caplog: pytest.LogCaptureFixture
) -> None:
    # one path: no detection of what the cluster has, no fallback, nothing to warn about
    caplog.set_level(logging.WARNING, logger="newsflow")
    b = ElasticBackend(es_url, index_alias=alias, setup=True, refresh=True)
    try:
        b.upsert(CORPUS[:2])
        settings = es_client.indices.get_settings(index=b.current_index())
        analyzer = settings[b.current_index()]["settings"]["index"]["analysis"]["analyzer"]
        assert analyzer["newsflow_text"]["type"] == b.analyzer == "standard"
        assert [r.getMessage() for r in caplog.records if r.name.startswith("newsflow")] == []
        # the same tokens as the embedded index: words are not stemmed
        assert ids(b.search(SearchQuery(text="storm"))) == ["doc001"]
        assert ids(b.search(SearchQuery(text="storms"))) == []
    finally:
        b.close()


# ----------------------------------------------------------------------------- upsert


def test_upsert_reports_new_updated_unchanged_and_does_not_rewrite(
    backend: ElasticBackend, es_client: Elasticsearch
) -> None:
    docs = [make_doc(i) for i in range(3)]
    first = backend.upsert(docs)
    assert sorted(first.new) == ["doc000", "doc001", "doc002"]
    assert first.updated == first.unchanged == first.failed == []
    stored = backend.get("doc001")
    assert stored is not None
    assert "content_hash" not in stored
    assert stored.pop("indexed_at")
    assert stored == docs[1]
    version = es_client.get(index=backend.alias, id="doc001")["_version"]

    again = backend.upsert([dict(d, indexed_at="2000-01-01T00:00:00Z") for d in docs])
    assert sorted(again.unchanged) == ["doc000", "doc001", "doc002"]
    assert again.new == again.updated == []
    assert es_client.get(index=backend.alias, id="doc001")["_version"] == version

    changed = make_doc(1, title="A new title")
    third = backend.upsert([changed, make_doc(3)])
    assert third.updated == ["doc001"] and third.new == ["doc003"]
    got = backend.get("doc001")
    assert got is not None and got["title"] == "A new title"
    assert backend.count() == 4
    assert backend.get("missing") is None


def test_same_id_twice_in_one_call_is_processed_in_order(backend: ElasticBackend) -> None:
    report = backend.upsert([make_doc(1), make_doc(1, title="second"), make_doc(1, title="second")])
    assert report.new == ["doc001"]
    assert report.updated == ["doc001"]
    assert report.unchanged == ["doc001"]
    got = backend.get("doc001")
    assert got is not None and got["title"] == "second"


def test_rejected_documents_are_reported_while_others_index(backend: ElasticBackend) -> None:
    docs = [
        make_doc(1),
        make_doc(2, unknown_field="typo"),  # dynamic: strict
        make_doc(3, published_at="not a date"),
        make_doc(4),
        {"title": "no id"},
    ]
    report = backend.upsert(docs)
    assert sorted(report.new) == ["doc001", "doc004"]
    reasons = dict(report.failed)
    assert set(reasons) == {"doc002", "doc003", ""}
    assert reasons[""] == "missing required field 'id'"
    assert "strict_dynamic_mapping_exception" in reasons["doc002"]
    assert "unknown_field" in reasons["doc002"]
    assert "published_at" in reasons["doc003"]
    assert backend.count() == 2
    # fixed later, the same documents index
    retry = backend.upsert([make_doc(2), make_doc(3)])
    assert sorted(retry.new) == ["doc002", "doc003"]


def test_oversized_document_is_refused_with_a_reason(es_url: str, alias: str) -> None:
    b = ElasticBackend(es_url, index_alias=alias, setup=True, max_document_bytes=5_000)
    try:
        report = b.upsert([make_doc(1, text="word " * 5_000), make_doc(2)])
        assert report.new == ["doc002"]
        assert report.failed[0][0] == "doc001" and "MB" in report.failed[0][1]
    finally:
        b.close()


def test_bulk_is_chunked(es_url: str, alias: str) -> None:
    b = ElasticBackend(es_url, index_alias=alias, setup=True, refresh=True, chunk_size=7,
                       max_chunk_bytes=4_000)
    try:
        report = b.upsert(make_doc(i, text="x " * 300) for i in range(40))
        assert len(report.new) == 40 and not report.failed
        assert b.count() == 40
        assert len(b.upsert(make_doc(i, text="x " * 300) for i in range(40)).unchanged) == 40
    finally:
        b.close()

def test_pipelined_batches_keep_order_and_report_exactly(es_url: str, alias: str) -> None:
    # batches of 3 go out one deep: a batch repeating ids of the one in flight (or of one sent
    # earlier) must see those writes, and the last version of a document must win
    b = ElasticBackend(es_url, index_alias=alias, setup=True, refresh=True, chunk_size=3)
    try:
        stream = [make_doc(i) for i in range(1, 7)]  # batches [1 2 3] [4 5 6]
        stream += [make_doc(5, title="five, revised"), make_doc(2), make_doc(7)]  # [5' 2 7]
        stream += [make_doc(5, title="five, final"), make_doc(8)]  # [5'' 8]
        report = b.upsert(stream)
        assert sorted(report.new) == [f"doc{i:03d}" for i in range(1, 9)]
        assert report.updated == ["doc005", "doc005"]
        assert report.unchanged == ["doc002"]
        assert not report.failed
        got = b.get("doc005")
        assert got is not None and got["title"] == "five, final"
        assert b.count() == 8
    finally:
        b.close()



def test_read_only_index_raises_index_unavailable(
    backend: ElasticBackend, es_client: Elasticsearch
) -> None:
    backend.upsert([make_doc(1)])
    index = backend.current_index()
    es_client.indices.put_settings(index=index, settings={"index.blocks.write": True})
    backend.max_retries = 0
    try:
        with pytest.raises(IndexUnavailable, match=r"read-only|refuse"):
            backend.upsert([make_doc(2)])
    finally:
        es_client.indices.put_settings(index=index, settings={"index.blocks.write": None})
    assert backend.upsert([make_doc(2)]).new == ["doc002"]


def test_a_cluster_without_the_alias_says_to_run_setup_and_creates_nothing(
    es_url: str, es_client: Elasticsearch, alias: str
) -> None:
    # writing never creates indices: the alias comes from `newsflow es setup`, run once
    b = ElasticBackend(es_url, index_alias=alias)
    try:
        for attempt in (lambda: b.upsert([make_doc(1)]), b.count, lambda: list(b.iter_documents()),
                        lambda: b.search(SearchQuery(text="storm"))):
            with pytest.raises(IndexUnavailable, match=r"alias .* does not exist.*newsflow es setup"):
                attempt()
        assert not es_client.indices.get(index=f"{alias}*").body
        assert not es_client.indices.exists_index_template(name=alias)
        b.setup()
        assert b.upsert([make_doc(1)]).new == ["doc001"]
        # a deleted index is not silently recreated either
        es_client.indices.delete(index=b.current_index())
        with pytest.raises(IndexUnavailable, match="newsflow es setup"):
            b.upsert([make_doc(2)])
        assert not es_client.indices.get(index=f"{alias}*").body
    finally:
        b.close()


def test_unreachable_cluster_gives_index_unavailable() -> None:
    client = Elasticsearch("http://127.0.0.1:9", request_timeout=2, max_retries=0)
    backend = ElasticBackend(client=client, index_alias="whatever")  # opening sends nothing
    with pytest.raises(IndexUnavailable, match="cannot reach Elasticsearch"):
        backend.upsert([make_doc(1)])
    with pytest.raises(IndexUnavailable, match="cannot reach Elasticsearch"):
        backend.setup()


SUPERUSER = ("newsflow-test", "correct-horse-battery-staple")


READER = ("newsflow-reader", "a-reader-may-only-search")
READER_ROLE = {"indices": [{"names": ["auth-test*"], "privileges": ["read"]}]}


@pytest.fixture(scope="module")
def secured_es_url() -> Iterator[str]:
    """A second real node, started with security on, a file-realm superuser and a user with
    the read-only role ``newsflow_reader`` (``read`` on ``auth-test*``, nothing else)."""
    try:
        node = es_dev.start_node(superuser=SUPERUSER, roles={"newsflow_reader": READER_ROLE},
                                 users=[es_dev.FileUser(*READER, roles=("newsflow_reader",))])
    except Exception as exc:  # e.g. only an 8.x distribution, which has no security module
        unavailable(f"no Elasticsearch with security: {type(exc).__name__}: {exc}")
    try:
        yield node.url
    finally:
        node.stop()


@pytest.mark.parametrize(
    "credentials",
    [
        {"basic_auth": (SUPERUSER[0], "wrong-password-for-sure")},
        {"api_key": "bm90LWFuLWlkOm5vdC1hLWtleQ=="},
        {},
    ],
    ids=["wrong-password", "unknown-api-key", "none"],
)
def test_rejected_credentials_are_a_config_error_that_names_the_settings(
    secured_es_url: str, credentials: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as raised:
        ElasticBackend(secured_es_url, index_alias="auth-test", setup=True, **credentials)
    message = str(raised.value)
    assert "rejected the credentials" in message and "401" in message
    assert "NEWSFLOW_ES_API_KEY" in message and "NEWSFLOW_ES_USERNAME" in message
    secrets = ("wrong-password-for-sure", "bm90LWFuLWlkOm5vdC1hLWtleQ==", SUPERUSER[1])
    assert not any(secret in message or secret in caplog.text for secret in secrets)


def test_the_right_credentials_index_and_search(secured_es_url: str) -> None:
    backend = ElasticBackend(secured_es_url, index_alias="auth-test", basic_auth=SUPERUSER,
                             setup=True, refresh=True)
    try:
        assert backend.upsert([make_doc(1), make_doc(2)]).new == ["doc001", "doc002"]
        assert backend.count() == 2
        assert [h.id for h in backend.search(SearchQuery(text="article 2")).hits][:1] == ["doc002"]
    finally:
        backend.close()


def test_read_only_credentials_search_and_are_refused_writes_clearly(secured_es_url: str) -> None:
    admin = ElasticBackend(secured_es_url, index_alias="auth-test", basic_auth=SUPERUSER, setup=True)
    admin.upsert([make_doc(7, title="Readers find this"), make_doc(8)])
    admin.close()  # refreshes: the writes are searchable
    reader = ElasticBackend(secured_es_url, index_alias="auth-test", basic_auth=READER)
    try:
        assert [h.id for h in reader.search(SearchQuery(text="readers find")).hits] == ["doc007"]
        assert reader.count() >= 2 and reader.get("doc008") is not None
        assert {"doc007", "doc008"} <= {d["id"] for d in reader.iter_documents()}  # a PIT
        with pytest.raises(ConfigError) as refused:
            reader.upsert([make_doc(9)])
        message = str(refused.value)
        assert "may not" in message and "403" in message and "read-only" in message
        with pytest.raises(ConfigError, match="manage_index_templates"):
            reader.setup()
        assert reader.get("doc009") is None
    finally:
        reader.close()


# ----------------------------------------------------------------------------- reading


def test_iter_documents_in_id_order_and_since(loaded: ElasticBackend) -> None:
    every = list(loaded.iter_documents())
    assert [d["id"] for d in every] == sorted(d["id"] for d in CORPUS)
    assert all("content_hash" not in d and "indexed_at" in d for d in every)
    recent = list(loaded.iter_documents(since=datetime(2024, 6, 1, tzinfo=UTC)))
    assert [d["id"] for d in recent] == ["doc004", "doc005"]


def test_delete(loaded: ElasticBackend) -> None:
    assert loaded.delete(["doc001", "doc002", "nope"]) == 2
    assert loaded.count() == 3
    assert loaded.get("doc001") is None
    assert loaded.delete([]) == 0


# ----------------------------------------------------------------------------- search


def test_query_text_syntax(loaded: ElasticBackend) -> None:
    def search(text: str) -> list[str]:
        return sorted(ids(loaded.search(SearchQuery(text=text, size=50))))

    assert search("storm") == ["doc001", "doc003", "doc005"]
    assert search("storm coast") == ["doc001"]  # words are ANDed
    assert search('"storm damage"') == ["doc003"]  # phrase, in order
    assert search('"damage storm"') == []
    assert search("coast OR harbour") == ["doc001", "doc003"]
    assert search("storm coast OR markets") == ["doc001", "doc005"]  # storm AND (coast OR markets)
    assert search("storm -harbour") == ["doc001", "doc005"]
    assert search('storm -"political storm"') == ["doc001", "doc003"]
    assert search("-storm") == ["doc002", "doc004"]  # only an exclusion
    assert search("") == [d["id"] for d in CORPUS]
    assert search("shoot-out") == ["doc004"]  # a hyphen inside a word is not an exclusion
    assert search("STORM Coast") == ["doc001"]
    # nothing the user types is a syntax error
    for text in ['"unclosed', "a | b", "(((", "~ * + -", "foo\\", "OR", "storm OR", '""', "-"]:
        loaded.search(SearchQuery(text=text))


def test_query_tree_compiles_to_phrase_clauses() -> None:
    def phrase(text: str) -> dict[str, Any]:
        return {"multi_match": {"query": text, "type": "phrase", "fields": ["title^3", "text"],
                                "tie_breaker": 1.0}}

    assert compile_query(parse('a "b c" OR d -e')) == {"bool": {
        "must": [phrase("a"),
                 {"bool": {"should": [phrase("b c"), phrase("d")], "minimum_should_match": 1}}],
        "must_not": [phrase("e")],
    }}
    assert compile_query(parse("x* (y)")) == {"bool": {"must": [phrase("x*"), phrase("(y)")],
                                                       "must_not": []}}
    assert compile_query(parse("-e"))["bool"]["must"] == [{"match_all": {}}]  # type: ignore[index]
    assert compile_query(parse("   OR - ")) is None


def test_filters_since_until(loaded: ElasticBackend) -> None:
    def search(**kw: Any) -> list[str]:
        return sorted(ids(loaded.search(SearchQuery(size=50, **kw))))

    assert search(filters={"source": ("Morning Post",)}) == ["doc003", "doc004"]
    assert search(filters={"source": ("Morning Post", "Ledger")}) == ["doc003", "doc004", "doc005"]
    assert search(filters={"tags": ("weather",), "source": ("Morning Post",)}) == ["doc003"]
    assert search(filters={"places": ("Kiel",)}) == ["doc001"]
    assert search(filters={"quote_speakers": ("Ann Lee",)}) == ["doc002"]
    assert search(text="storm", filters={"topics": ("weather",)}) == ["doc001", "doc003"]
    assert search(since=datetime(2024, 6, 2, 18, tzinfo=UTC)) == ["doc004", "doc005"]
    assert search(until=datetime(2024, 6, 2, 18, tzinfo=UTC)) == ["doc001", "doc002", "doc003"]
    with pytest.raises(QueryError, match="cannot filter on 'title'"):
        loaded.search(SearchQuery(filters={"title": ("x",)}))
    with pytest.raises(QueryError, match="cannot facet"):
        loaded.search(SearchQuery(facets=("text",)))


def test_facets_and_histogram(loaded: ElasticBackend) -> None:
    result = loaded.search(SearchQuery(facets=("source", "tags", "cluster_id"), histogram="month",
                                       size=0))
    assert result.total == 5 and result.hits == []
    assert result.facets["source"] == [("Daily Planet", 2), ("Morning Post", 2), ("Ledger", 1)]
    assert result.facets["tags"][:2] == [("politics", 2), ("weather", 2)]
    assert result.facets["cluster_id"] == [("c1", 2), ("c2", 1)]
    assert result.histogram == [("2024-05-01", 3), ("2024-06-01", 2)]
    days = loaded.search(SearchQuery(text="storm", histogram="day", facets=("source",)))
    assert days.histogram == [("2024-05-06", 1), ("2024-05-13", 1), ("2024-06-20", 1)]
    assert days.facets["source"] == [("Daily Planet", 1), ("Ledger", 1), ("Morning Post", 1)]
    weeks = loaded.search(SearchQuery(histogram="week", size=0))
    assert weeks.histogram[0] == ("2024-05-06", 2)  # ISO weeks start on Monday
    small = loaded.search(SearchQuery(facets=("tags",), facet_size=1, size=0))
    assert small.facets["tags"] == [("politics", 2)]


def test_highlights(loaded: ElasticBackend) -> None:
    result = loaded.search(SearchQuery(text="harbour", size=5))
    assert ids(result) == ["doc003"]
    hl = result.hits[0].highlights
    assert hl["title"] == ["Storm damage in the <mark>harbour</mark>"]
    assert any("<mark>harbour</mark>" in frag for frag in hl["text"])
    assert loaded.search(SearchQuery(text="harbour", highlight=False)).hits[0].highlights == {}


def test_sort_offset_and_search_after(loaded: ElasticBackend) -> None:
    by_date = loaded.search(SearchQuery(sort="date", size=50))
    assert ids(by_date) == ["doc005", "doc004", "doc003", "doc002", "doc001"]
    assert ids(loaded.search(SearchQuery(sort="date", size=2, offset=2))) == ["doc003", "doc002"]

    relevance = loaded.search(SearchQuery(text="storm", size=50))
    assert relevance.hits[0].score >= relevance.hits[-1].score > 0

    for sort in ("date", "relevance"):
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            page = loaded.search(SearchQuery(sort=sort, size=2, search_after=cursor))
            seen += ids(page)
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
        assert sorted(seen) == sorted(d["id"] for d in CORPUS) and len(seen) == 5, sort
        assert pages == 3
    with pytest.raises(QueryError, match="cursor"):
        loaded.search(SearchQuery(search_after="not-a-cursor"))
    with pytest.raises(QueryError, match="cursor"):
        loaded.search(SearchQuery(sort="date", search_after=encode_cursor("relevance", [1, 2])))
    assert decode_cursor(encode_cursor("date", [1, "x"]), "date") == [1, "x"]


def test_as_dict_shape(loaded: ElasticBackend) -> None:
    out = loaded.search(SearchQuery(text="storm", facets=("source",), histogram="day", size=1))
    data = out.as_dict()
    assert data["total"] == 3 and len(data["hits"]) == 1
    assert data["next_cursor"]
    assert set(data["hits"][0]) == {"id", "score", "highlights", "document"}
    assert "content_hash" not in data["hits"][0]["document"]


# ----------------------------------------------------------------------------- reindex


def test_reindex_swaps_alias_and_keeps_every_document(
    loaded: ElasticBackend, es_client: Elasticsearch
) -> None:
    before = {d["id"]: d for d in loaded.iter_documents()}
    info = loaded.reindex()
    assert info["old"] == f"{loaded.alias}-000001" and info["new"] == f"{loaded.alias}-000002"
    assert info["copied"] == 5
    assert list(es_client.indices.get_alias(name=loaded.alias).body) == [info["new"]]
    assert es_client.indices.exists(index=info["old"])  # kept unless delete_old
    after = {d["id"]: d for d in loaded.iter_documents()}
    assert after == before  # indexed_at and content preserved
    assert loaded.upsert(CORPUS).unchanged == [d["id"] for d in CORPUS]
    assert ids(loaded.search(SearchQuery(text='"storm damage"'))) == ["doc003"]
    third = loaded.reindex(delete_old=True)
    assert third["new"] == f"{loaded.alias}-000003"
    assert not es_client.indices.exists(index=info["new"])
    assert loaded.count() == 5


def test_each_write_of_a_document_gets_a_higher_version(loaded: ElasticBackend) -> None:
    """Writes of one document within the same second still order (the reindex catch-up below
    relies on it; versions from the whole-second ``indexed_at`` were equal)."""
    versions = []
    for i in range(3):
        assert loaded.upsert([make_doc(1, title=f"revision {i}")]).updated == ["doc001"]
        versions.append(loaded.client.get(index=loaded.alias, id="doc001")["_version"])
    assert versions[0] < versions[1] < versions[2], versions


def test_reindex_catch_up_never_overwrites_a_newer_write(loaded: ElasticBackend) -> None:
    """A write landing in the new index between the copy and the catch-up survives the
    catch-up, which copies the older version written to the old index during the copy."""
    swap = loaded.admin.swap

    def swap_with_writers_around(old: str, new: str) -> None:
        # a writer during the copy (the alias still points at the old index) ...
        assert loaded.upsert([make_doc(1, title="written during the copy"),
                              make_doc(2, title="only during the copy")]).updated == ["doc001", "doc002"]
        swap(old, new)
        # ... and one right after the swap, before the catch-up
        assert loaded.upsert([make_doc(1, title="written after the swap")]).updated == ["doc001"]

    loaded.admin.swap = swap_with_writers_around  # type: ignore[method-assign]
    info = loaded.reindex()
    got = loaded.get("doc001")
    assert got is not None and got["title"] == "written after the swap"
    got = loaded.get("doc002")
    assert got is not None and got["title"] == "only during the copy"  # caught up
    assert loaded.count() == len(CORPUS)
    assert info["caught_up"] >= 1 and info["kept"] >= 1, info
