"""Entity timelines: what the index says about one person, organisation or place.

Everything comes from searches of the index (facets, filters, the date histogram and hits),
through :class:`~newsflow.index.base.IndexBackend`, so it is the same on every backend and
there is no second store to keep in step:

* mentions per day: the day histogram of the documents whose entity facet holds the name;
* co-occurring entities: the person, organisation and place facets of those documents;
* quotes: the ``quotes`` of the documents whose ``quote_speakers`` facet holds the name,
  newest first (for a person; other kinds are not speakers);
* places with coordinates: the entity's places (a place: itself) with the point the
  ``places`` extractor resolved, read from one document naming each place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from newsflow.errors import QueryError
from newsflow.index.base import IndexBackend, SearchQuery

KINDS: dict[str, str] = {"person": "persons", "organization": "organizations", "place": "places"}
"""Entity kind → the facet field that names it in a document."""
CO_FIELDS: tuple[str, ...] = ("persons", "organizations", "places")
"""The facets whose values are reported as co-occurring entities."""
KIND_OF_FIELD: dict[str, str] = {f: k for k, f in KINDS.items()}


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    doc_id: str
    title: str
    published_at: str | None


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float
    count: int
    """Documents naming both the entity and this place."""


@dataclass(frozen=True, slots=True)
class Timeline:
    kind: str
    name: str
    total: int
    """Documents naming the entity."""
    per_day: list[tuple[str, int]] = field(default_factory=list)
    """(``YYYY-MM-DD``, documents published that day), oldest first, days without any omitted;
    undated documents count in :attr:`total` only."""
    co_occurring: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    """Kind (``person``/``organization``/``place``) → (name, documents naming both), most
    frequent first; the entity itself left out."""
    quotes: list[Quote] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "name": self.name, "total": self.total,
            "per_day": [{"date": d, "count": c} for d, c in self.per_day],
            "co_occurring": {k: [{"value": v, "count": c} for v, c in vs]
                             for k, vs in self.co_occurring.items()},
            "quotes": [asdict(q) for q in self.quotes],
            "places": [asdict(p) for p in self.places],
        }


def field_of(kind: str) -> str:
    """The facet field of an entity kind; :class:`QueryError` naming the kinds otherwise."""
    try:
        return KINDS[kind]
    except KeyError:
        raise QueryError(f"entity kind must be one of {', '.join(KINDS)}, not {kind!r}") from None


def timeline(index: IndexBackend, kind: str, name: str, *, top: int = 10,
             max_quotes: int = 20) -> Timeline:
    """The timeline of the entity ``name`` of ``kind`` (a key of :data:`KINDS`).

    ``top``: co-occurring entities per kind (and places on the map); ``max_quotes``: quotes at
    most. Raises :class:`QueryError` for an unknown kind or an empty name (and what the
    backend raises for a search it cannot run).
    """
    facet = field_of(kind)
    if not name.strip():
        raise QueryError("an entity needs a name")
    result = index.search(SearchQuery(filters={facet: (name,)}, facets=CO_FIELDS,
                                      facet_size=top + 1, histogram="day", size=0))
    co = {KIND_OF_FIELD[f]: [(v, c) for v, c in result.facets.get(f, []) if f != facet or v != name][:top]
          for f in CO_FIELDS}
    places = [(name, result.total)] if kind == "place" else co["place"]
    return Timeline(kind=kind, name=name, total=result.total, per_day=list(result.histogram),
                    co_occurring=co,
                    quotes=quotes_by(index, name, max_quotes) if kind == "person" else [],
                    places=located(index, places))


def quotes_by(index: IndexBackend, speaker: str, limit: int) -> list[Quote]:
    """Up to ``limit`` quotes attributed to ``speaker``, newest document first."""
    found: list[Quote] = []
    result = index.search(SearchQuery(filters={"quote_speakers": (speaker,)}, sort="date",
                                      size=limit, highlight=False))
    for hit in result.hits:
        doc = hit.document
        for quote in doc.get("quotes") or []:
            if isinstance(quote, dict) and quote.get("speaker") == speaker and quote.get("text"):
                found.append(Quote(str(quote["text"]), hit.id, str(doc.get("title", "")),
                                   doc.get("published_at")))
    return found[:limit]


def located(index: IndexBackend, places: list[tuple[str, int]]) -> list[Place]:
    """The places of ``(name, count)`` whose point is known, with it (from one document that
    names the place; places the gazetteer did not resolve are left out)."""
    out: list[Place] = []
    for name, count in places:
        result = index.search(SearchQuery(filters={"places": (name,)}, size=1, highlight=False))
        point = next((loc.get("location") for hit in result.hits
                      for loc in hit.document.get("locations") or []
                      if isinstance(loc, dict) and loc.get("name") == name), None)
        if isinstance(point, dict) and "lat" in point and "lon" in point:
            out.append(Place(name, float(point["lat"]), float(point["lon"]), count))
    return out
