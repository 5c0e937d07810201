"""Entity timelines (newsflow.timelines) on both index backends: mentions per day,
co-occurring entities, quotes by the person and places with their points, all read back
through the search API from the corpus of ``web_corpus``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_index_contract import BACKENDS, FACTORIES
from web_corpus import POINTS, docs

from newsflow.errors import QueryError
from newsflow.index.base import IndexBackend
from newsflow.timelines import Place, timeline


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexBackend]:
    backend = FACTORIES[request.param](request, tmp_path)
    try:
        report = backend.upsert(docs())
        assert not report.failed, report.failed
        yield backend
    finally:
        backend.close()


def test_a_person_s_mentions_per_day_partners_quotes_and_places(index: IndexBackend) -> None:
    line = timeline(index, "person", "Maria Lopez")
    assert line.total == 4  # w1, w2, w3 and the undated w5
    assert line.per_day == [("2024-05-01", 2), ("2024-05-03", 1)]
    assert line.co_occurring["person"] == [("Jon Berg", 1)]  # herself left out
    assert line.co_occurring["organization"] == [("City Water Board", 2)]
    assert line.co_occurring["place"] == [("Valencia", 2), ("Atlantis Street", 1), ("Madrid", 1)]
    # newest document first; Jon Berg's quote in w2 is not hers
    assert [(q.doc_id, q.text) for q in line.quotes] == [
        ("w2", "Sharing water is cheaper than trucking it."),
        ("w1", "The old pipes will be gone by June.")]
    assert line.quotes[0].title == "Madrid and Valencia share a drought plan"
    # Atlantis Street has no point: not on the map
    assert line.places == [Place("Valencia", *POINTS["Valencia"], 2), Place("Madrid", *POINTS["Madrid"], 1)]


def test_a_place_is_on_its_own_map_and_quotes_are_a_person_s(index: IndexBackend) -> None:
    line = timeline(index, "place", "Madrid")
    assert line.total == 2
    assert line.per_day == [("2024-05-01", 1), ("2024-05-03", 1)]
    assert line.places == [Place("Madrid", *POINTS["Madrid"], 2)]
    assert line.co_occurring["place"] == [("Lisbon", 1), ("Valencia", 1)]
    assert line.co_occurring["person"] == [("Jon Berg", 2), ("Maria Lopez", 1)]
    assert line.quotes == []


def test_an_organisation_and_an_unknown_name(index: IndexBackend) -> None:
    board = timeline(index, "organization", "City Water Board")
    assert (board.total, board.per_day) == (2, [("2024-05-01", 1), ("2024-05-03", 1)])
    assert [p.name for p in board.places] == ["Valencia"]
    nobody = timeline(index, "person", "Nobody O'Neill \"x\"")
    assert (nobody.total, nobody.per_day, nobody.quotes, nobody.places) == (0, [], [], [])
    assert all(values == [] for values in nobody.co_occurring.values())


def test_top_limits_the_co_occurring_entities(index: IndexBackend) -> None:
    line = timeline(index, "person", "Maria Lopez", top=1, max_quotes=1)
    assert line.co_occurring["place"] == [("Valencia", 2)]
    assert len(line.quotes) == 1 and line.quotes[0].doc_id == "w2"


def test_as_dict_has_the_api_field_names(index: IndexBackend) -> None:
    data = timeline(index, "person", "Jon Berg").as_dict()
    assert data["per_day"] == [{"date": "2024-05-01", "count": 1}, {"date": "2024-05-03", "count": 1}]
    assert data["quotes"] == [{"text": "No city will be left dry.", "doc_id": "w2",
                               "title": "Madrid and Valencia share a drought plan",
                               "published_at": "2024-05-01T15:30:00Z"}]
    assert {"value": "Maria Lopez", "count": 1} in data["co_occurring"]["person"]


@pytest.mark.parametrize(("kind", "name", "message"), [
    ("country", "Spain", "entity kind must be one of person, organization, place"),
    ("person", "  ", "needs a name"),
])
def test_a_bad_entity_is_a_query_error(index: IndexBackend, kind: str, name: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        timeline(index, kind, name)
