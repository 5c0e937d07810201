"""A small hand-written corpus for the entity timelines and the web app: two people quoted
across five articles, their organisation and places (one the gazetteer could not resolve),
and a title that tries to inject markup. Shaped by ``Article.to_document()``."""

from __future__ import annotations

import copy
from typing import Any

from newsflow.models import Article, Document, ExtractorRun

POINTS = {"Valencia": (39.47, -0.38), "Madrid": (40.42, -3.70), "Lisbon": (38.72, -9.14)}


def _doc(doc_id: str, title: str, text: str, published_at: str | None, *, source: str = "Harbour Post",
         persons: tuple[str, ...] = (), organizations: tuple[str, ...] = (),
         places: tuple[str, ...] = (), quotes: tuple[tuple[str, str], ...] = (),
         language: str = "en") -> Document:
    domain = source.lower().replace(" ", "") + ".example"
    url = f"https://{domain}/story/{doc_id}"
    locations: list[dict[str, Any]] = []
    for name in places:
        location: dict[str, Any] = {"name": name, "country_code": "ES" if name != "Lisbon" else "PT",
                                    "admin1": None, "feature": "PPL"}
        if name in POINTS:
            location["location"] = {"lat": POINTS[name][0], "lon": POINTS[name][1]}
        locations.append(location)
    article = Article(
        id=doc_id, url=url, feed_url=f"https://{domain}/feed.xml", source=source, domain=domain,
        title=title, text=text, fetched_at="2024-05-06T08:00:00Z", authors=["Desk"],
        published_at=published_at, site_name=source, language=language, tags=[],
        canonical_url=url, feed_published_at=published_at, feed_summary=text[:50],
        field_sources={"title": "page"},
        extractors=[ExtractorRun("entities", "test", ("persons", "organizations"))],
        enrichments={
            "persons": list(persons), "organizations": list(organizations),
            "places": list(places), "locations": locations,
            "place_points": [loc["location"] for loc in locations if "location" in loc],
            "quote_speakers": sorted({s for s, _ in quotes}),
            "quotes": [{"speaker": s, "speaker_type": "person", "text": t} for s, t in quotes],
            "topics": ["water"],
        },
    )
    return article.to_document()


DOCS: list[Document] = [
    _doc("w1", "Valencia water board plans new pipes",
         "The water board of Valencia will replace old pipes along the harbour this spring.",
         "2024-05-01T08:00:00Z", persons=("Maria Lopez",), organizations=("City Water Board",),
         places=("Valencia",),
         quotes=(("Maria Lopez", "The old pipes will be gone by June."),)),
    _doc("w2", "Madrid and Valencia share a drought plan",
         "Officials from Madrid and Valencia agreed to share reservoir water during the drought.",
         "2024-05-01T15:30:00Z", source="Plateau Daily",
         persons=("Maria Lopez", "Jon Berg"), places=("Valencia", "Madrid"),
         quotes=(("Jon Berg", "No city will be left dry."),
                 ("Maria Lopez", "Sharing water is cheaper than trucking it."))),
    _doc("w3", "Water board audit finds leaks",
         "An audit found that the board loses a fifth of its water to leaks in Atlantis Street.",
         "2024-05-03T10:00:00Z", persons=("Maria Lopez",), organizations=("City Water Board",),
         places=("Atlantis Street",)),
    _doc("w4", "Drought rules tighten in Madrid",
         "Madrid limits garden watering to two evenings a week as the drought continues.",
         "2024-05-03T18:00:00Z", source="Plateau Daily", persons=("Jon Berg",), places=("Madrid", "Lisbon")),
    _doc("w5", "Profile: the engineer who maps the pipes",
         "Maria Lopez has spent ten years mapping the pipes under the old town.",
         None, persons=("Maria Lopez",)),
    _doc("w6", "<script>alert('x')</script> drought notes",
         "Notes on the drought <b>in bold</b> & more.", "2024-04-20T09:00:00Z", source="Notes"),
]


def docs() -> list[Document]:
    return copy.deepcopy(DOCS)
