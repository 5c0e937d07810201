"""Canonical names of entity mentions within one document.

Organisations: a country right before an organisation joins it ("US" + "Congress" → "US
Congress"); "<Country>'s <ORG>" for a national institution becomes "<ORG> of <Country>";
"<Country>'s <topic> ministry" becomes "Ministry of <Topic> of <Country>"
(:func:`join_organisations`).

Canonical names (:func:`canonicalise`): a one-word person name is the full name it is the
surname (or first name) of, nearest preceding first ("Macron" → "Emmanuel Macron"); failing
that, the alias table. An organisation named by the tail of a longer organisation name in
the document is that one ("Congress" → "US Congress"); a country takes its gazetteer name
("US" → "United States").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from extractors.entity_aliases import known_entity


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity mention of the article: offsets into its text, label and names."""

    start: int
    end: int
    label: str
    """PERSON, ORG, GPE, LOC or NORP."""
    surface: str
    """The cleaned text as written ("Macron")."""
    name: str
    """The canonical name ("Emmanuel Macron")."""


INSTITUTION_WORDS = frozenset(
    ["Ministry", "Council", "Parliament", "Army", "Navy", "Service", "Agency", "Bank", "Committee", "Commission", "Guard", "Police", "Court", "Office", "Assembly", "Senate", "Congress", "Government", "Forces"]
)
_MINISTRY = re.compile(
    r"(?P<country>[A-Z][\w .\-]*?)['’]s\s+(?P<topic>(?:[a-z]+\s+){1,2}?)ministry\b"
)
_TOPICS = {"foreign": "Foreign Affairs", "interior": "Internal Affairs",
           "home": "Home Affairs", "defense": "Defense"}


def join_organisations(text: str, items: list[tuple[int, int, str, str]], gaz: Any
                        ) -> list[tuple[int, int, str, str]]:
    """"US" + "Congress" → "US Congress"; "Ukraine's National … Council" → "… of Ukraine"."""
    out: list[tuple[int, int, str, str]] = []
    for i, (start, end, label, surface) in enumerate(items):
        prev = items[i - 1] if i else None
        if label == "ORG" and prev is not None and prev[2] == "GPE":
            between = text[prev[1]:start]
            country = gaz.country_of_name(prev[3]) if gaz is not None else None
            if between == " " and (country is not None or prev[3] in ("US", "UK", "EU")) \
                    and known_entity(surface) is None:
                surface = f"{prev[3]} {surface}"
            elif (between in ("'s ", "’s ") and country is not None
                  and any(w in INSTITUTION_WORDS for w in surface.split())
                  and " of " not in surface):
                surface = f"{surface} of {country.name}"
        out.append((start, end, label, surface))
    if gaz is not None and "ministry" in text:  # what _MINISTRY needs (it scans on from every capital)
        for match in _MINISTRY.finditer(text):
            country = gaz.country_of_name(match.group("country").split(".")[-1].strip())
            if country is None:
                continue
            topic = match.group("topic").strip()
            topic = _TOPICS.get(topic, topic.title())
            start = match.start("topic")
            if any(s <= start < e for s, e, _, _ in out):
                continue
            out.append((start, match.end(), "ORG", f"Ministry of {topic} of {country.name}"))
        out.sort(key=lambda item: item[0])
    return out


def canonicalise(items: list[tuple[int, int, str, str]], gaz: Any) -> list[Mention]:
    """The mentions of the labelled spans ``items`` ((start, end, label, surface), in text
    order) with their canonical names; ``gaz`` is the gazetteer, or None."""
    persons_full = [(s, surface) for s, _, label, surface in items
                    if label == "PERSON" and len(surface.split()) > 1]
    orgs = [surface for _, _, label, surface in items if label == "ORG"]
    out: list[Mention] = []
    for start, end, label, surface in items:
        name = surface
        if label == "PERSON":
            name = _person_name(start, surface, persons_full)
        elif label == "ORG":
            known = known_entity(surface)
            longer = [o for o in orgs if o != surface and o.endswith(" " + surface)]
            name = known[0] if known is not None else (max(longer, key=len) if longer else surface)
        elif label == "GPE" and gaz is not None:
            country = gaz.country_of_name(surface)
            name = country.name if country is not None else surface
        out.append(Mention(start, end, label, surface, name))
    return out


def _person_name(start: int, surface: str, full: list[tuple[int, str]]) -> str:
    words = surface.split()
    if len(words) == 1:
        matches = [(s, f) for s, f in full if surface in (f.split()[-1], f.split()[0])]
        before = [m for m in matches if m[0] < start]
        if before:
            name = before[-1][1]
        elif matches:
            name = matches[0][1]
        else:
            known = known_entity(surface)
            return known[0] if known is not None and known[1] == "PERSON" else surface
    else:
        name = surface
    known = known_entity(name)
    return known[0] if known is not None and known[1] == "PERSON" else name
