"""``places``: the places an article mentions, geocoded offline.

Reads the canonical mentions of :mod:`extractors.entities` (the shared parse: nothing is
parsed again) and resolves each GPE/LOC mention with :mod:`extractors.gazetteer`.

* A place followed by "nuclear (power) plant/station" is looked up as that facility, and
  one followed by "region"/"oblast"/"province" as that region, so "the Zaporizhzhia nuclear
  power plant" and "the Donbas region" resolve to curated entries with their own points.
* Continents, oceans, seas and similar areas ("Europe", "the Baltic") keep their name
  but are not geocoded.
* Choosing among same-named candidates is a score, highest wins:
  ``log10(population)`` + 2 × ``log10(1 + number of GeoNames names)`` (how widely a
  place is written about: Geneva, Switzerland over Geneva, Illinois) + 8 for a country
  (so "Georgia" is the country…) + 10 when the article also names the first-level region
  a city lies in, or a city in a region (…unless Atlanta is mentioned; "Paris" with
  "Texas" is Paris, TX; "London" with "Ontario" is London, ON; regions of more than 25
  million people, like England, are too broad to count) + 3 for a national capital
  ("Washington" is the city, "Moscow" the Russian one) + 3 for a curated entry + 1.5
  when the candidate's country is mentioned (as a place or a nationality: "Ukrainian")
  − 1 when the name is only one of GeoNames' alternate names ("Newcastle" for
  Newcastle upon Tyne). Support comes from the unambiguous names first, then once more
  from every first choice. Without support the most prominent candidate wins.
* A GPE/LOC the gazetteer does not know keeps its name in ``places`` (so it can be
  faceted) but gets no country or point.

Fields: ``places`` (canonical names, most mentioned first, ties by first offset),
``countries`` (ISO 3166 alpha-2 codes of the resolved places, same order), ``locations``
({name, country_code, admin1, feature, location: {lat, lon}}), ``place_points``
([{lat, lon}] for the Elasticsearch ``geo_point``). Countries and US states are placed at
their population centre (see :mod:`extractors.gazetteer`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from extractors import entities, nlp
from extractors.base import Extractor, Fields
from extractors.gazetteer import DEMONYMS, Candidate, Gazetteer, Place, nominative_variants
from extractors.gazetteer import normalise as gazetteer_key
from extractors.registry import register
from newsflow.models import Article

VERSION = "2"
PLACE_LABELS = ("GPE", "LOC")
_FACILITY = re.compile(r"^\s+nuclear(?:\s+power)?\s+(?:plant|station)\b", re.IGNORECASE)
_REGION = re.compile(r"^\s+(region|oblast|province)\b", re.IGNORECASE)

COUNTRY_BONUS = 8.0
SAME_REGION_BONUS = 10.0
CAPITAL_BONUS = 3.0
CURATED_BONUS = 3.0
SAME_COUNTRY_BONUS = 1.5
ALTERNATE_NAME_PENALTY = 1.0
PROMINENCE_WEIGHT = 2.0
BROAD_REGION = 25_000_000
"""A region this populous (England, California) is too broad to settle a city's name."""
NOT_GEOCODED = frozenset({
    "europe", "asia", "africa", "north america", "south america", "latin america", "oceania",
    "antarctica", "middle east", "arctic", "antarctic", "atlantic", "pacific", "indian ocean",
    "baltic", "mediterranean", "north sea", "black sea", "red sea", "south china sea",
    "caribbean", "balkans", "caucasus", "scandinavia", "east asia", "southeast asia",
    "central asia", "western europe", "eastern europe", "central europe", "northern europe",
    "southern europe", "sub saharan africa", "west africa", "east africa", "gulf",
})
"""Continents, seas and other areas without one country: kept as names, not geocoded
(GeoNames would otherwise find a town called "Asia")."""


@dataclass(slots=True)
class _Group:
    """All mentions of one place name in the article."""

    name: str
    count: int
    first: int
    candidates: list[Candidate]
    choice: Place | None = None


def _lookup_name(text: str, mention: entities.Mention, gaz: Gazetteer) -> str:
    """The name to look up: the facility or region the mention is part of, if known."""
    after = text[mention.end:mention.end + 40]
    if _FACILITY.match(after):
        name = f"{mention.surface} nuclear power plant"
        if gaz.candidates(name):
            return name
    region = _REGION.match(after)
    if region:
        name = f"{mention.surface} {region.group(1).lower()}"
        if gaz.candidates(name):
            return name
    return mention.surface


def _contains(region: Place, place: Place) -> bool:
    """Whether ``place`` lies in the (not too broad) first-level region ``region``."""
    return (region.feature == "region" and region.key != place.key
            and region.population <= BROAD_REGION and bool(region.admin1)
            and region.country_code == place.country_code and region.admin1 == place.admin1)


def _score(cand: Candidate, context: set[str], resolved: list[Place]) -> float:
    place = cand.place
    score = math.log10(max(place.population, 1))
    score += PROMINENCE_WEIGHT * math.log10(1 + place.names)
    if place.feature == "country":
        score += COUNTRY_BONUS
    if place.capital:
        score += CAPITAL_BONUS
    if place.curated:
        score += CURATED_BONUS
    if place.country_code in context:
        score += SAME_COUNTRY_BONUS
    if not cand.primary:
        score -= ALTERNATE_NAME_PENALTY
    if any(_contains(other, place) or (place.feature == "region" and other.feature == "city"
                                       and _contains(place, other)) for other in resolved):
        score += SAME_REGION_BONUS
    return score


def _choose(group: _Group, others: list[_Group], nationalities: set[str]) -> Place | None:
    if not group.candidates:
        return None
    resolved = [g.choice for g in others if g is not group and g.choice is not None]
    context = set(nationalities) | {p.country_code for p in resolved}
    best = max(group.candidates,
               key=lambda c: (_score(c, context, resolved), c.place.population, c.place.key))
    return best.place


def resolve(analysis: nlp.Analysis, gaz: Gazetteer) -> list[_Group]:
    """The article's place groups with their chosen gazetteer entries."""
    text = analysis.text
    groups: dict[str, _Group] = {}
    nationalities: set[str] = set()
    for mention in entities.mentions(analysis):
        if mention.label == "NORP":
            code = DEMONYMS.get(mention.surface)
            if code:
                nationalities.add(code)
            continue
        if mention.label not in PLACE_LABELS:
            continue
        name = _lookup_name(text, mention, gaz)
        candidates = [] if gazetteer_key(name) in NOT_GEOCODED else gaz.candidates(name)
        if not candidates:  # "Москве" → "Москва"
            for variant in nominative_variants(name, analysis.language):
                candidates = gaz.candidates(variant)
                if candidates:
                    name = variant
                    break
        key = candidates[0].place.key if len(candidates) == 1 else f"name:{name.casefold()}"
        group = groups.get(key)
        if group is None:
            groups[key] = _Group(name, 1, mention.start, candidates)
        else:
            group.count += 1
    ordered = list(groups.values())
    for group in ordered:  # unambiguous names are settled first
        if len(group.candidates) == 1:
            group.choice = group.candidates[0].place
    settled = [g for g in ordered if g.choice is not None]
    first = {id(g): _choose(g, settled, nationalities) for g in ordered}
    for group in ordered:
        group.choice = first[id(group)]
    final = {id(g): _choose(g, ordered, nationalities) for g in ordered}
    for group in ordered:
        group.choice = final[id(group)]
    return ordered


def _point(place: Place) -> dict[str, float] | None:
    if place.lat is None or place.lon is None:
        return None
    return {"lat": round(place.lat, 5), "lon": round(place.lon, 5)}


def summarise(groups: Sequence[_Group], language: str = nlp.DEFAULT_LANGUAGE) -> Fields:
    """The extractor's fields from resolved groups.

    In other languages than English a one-word name the gazetteer does not know is left out
    (the WikiNER-trained models tag "Sport", "Toulousains" or "Cloître" as places)."""
    if language != nlp.DEFAULT_LANGUAGE:
        groups = [g for g in groups if g.choice is not None or " " in g.name]
    merged: dict[str, list[Any]] = {}  # canonical name → [count, first, place]
    for group in groups:
        name = group.choice.name if group.choice is not None else group.name
        entry = merged.get(name)
        if entry is None:
            merged[name] = [group.count, group.first, group.choice]
        else:
            entry[0] += group.count
            entry[1] = min(entry[1], group.first)
            entry[2] = entry[2] or group.choice
    ordered = sorted(merged.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))
    places = [name for name, _ in ordered]
    countries: list[str] = []
    locations: list[dict[str, Any]] = []
    points: list[dict[str, float]] = []
    places = [name for name, (_, _, place) in ordered
              if place is not None or not name.isupper()]  # "AI": an acronym, not a place
    for name, (_, _, place) in ordered:
        if place is None:
            continue
        if place.country_code not in countries:
            countries.append(place.country_code)
        location: dict[str, Any] = {"name": name, "country_code": place.country_code,
                                    "admin1": place.admin1, "feature": place.feature}
        point = _point(place)
        if point is not None:
            location["location"] = point
            if point not in points:
                points.append(point)
        locations.append(location)
    return {"places": places, "countries": countries, "locations": locations,
            "place_points": points}


EMPTY: Fields = {"places": [], "countries": [], "locations": [], "place_points": []}


def extract_places(articles: Sequence[Article]) -> list[Fields]:
    """Geocoded places of each article."""
    from extractors import gazetteer

    gaz = gazetteer.load() if gazetteer.available() else None
    out: list[Fields] = []
    for analysis in nlp.analyses_for(articles):
        if analysis is None:
            out.append({k: list(v) for k, v in EMPTY.items()})
        elif gaz is None:  # no gazetteer data: names only
            names = [m["name"] for m in entities.summarise(entities.mentions(analysis))
                     ["entity_mentions"] if m["label"] in PLACE_LABELS]
            out.append({**{k: list(v) for k, v in EMPTY.items()}, "places": names})
        else:
            out.append(summarise(resolve(analysis, gaz), analysis.language))
    return out


PLACES = register(
    Extractor(
        name="places",
        version=VERSION,
        fields=("places", "countries", "locations", "place_points"),
        run=extract_places,
        description="Places geocoded offline (GeoNames cities ≥ 15k, countries, curated regions).",
        requires=("language",),
    )
)
