"""Entity mentions the model missed, added from the document and the curated tables.

* a surname of a person named in full elsewhere in the document ("Donald Trump … Trump
  described"), or a curated person's name (:data:`extractors.entity_aliases.KNOWN`):
  :func:`add_missed_surnames`;
* a capitalised name outside every entity that is a country, a capital, a curated region
  or a city of ≥ :data:`MISSED_PLACE_POPULATION` ("southwest of Kyiv"):
  :func:`add_missed_places`.

Spans are ``(start, end, label, surface)`` with offsets into the article text, in text order.
"""

from __future__ import annotations

import re
from typing import Any

from extractors.entity_aliases import (
    KNOWN_PERSON_NAMES,
    KNOWN_PERSON_PATTERN,
    known_entity,
    names_pattern,
)
from extractors.entity_cleaning import POSSESSIVE


def add_missed_surnames(text: str, items: list[tuple[int, int, str, str]]
                        ) -> list[tuple[int, int, str, str]]:
    """Add PERSON mentions the model left untagged: a surname of a person it named in full
    elsewhere in the document ("Donald Trump … Trump described"), or a name of
    :data:`extractors.entity_aliases.KNOWN` ("Zelenskyy met …")."""
    surnames = {s.split()[-1] for _, _, label, s in items
                if label == "PERSON" and len(s.split()) > 1 and len(s.split()[-1]) > 2}
    found = [(m.start(), m.end()) for m in KNOWN_PERSON_PATTERN.finditer(text)]
    own = surnames - KNOWN_PERSON_NAMES
    if own:  # a small pattern per document; the known names' one is compiled once
        found += [(m.start(), m.end()) for m in names_pattern(own).finditer(text)]
    found.sort(key=lambda span: (span[0], -span[1]))  # leftmost, then longest, as one alternation would
    covered = [(s, e) for s, e, _, _ in items]
    added: list[tuple[int, int, str, str]] = []
    consumed = 0
    for start, end in found:
        if start < consumed:
            continue
        consumed = end
        if not any(s < end and start < e for s, e in covered):
            added.append((start, end, "PERSON", text[start:end]))
    return sorted(items + added, key=lambda item: item[0]) if added else items


_CAPITALISED = re.compile(r"\b[A-Z][a-z][\w'’\-]*(?: [A-Z][a-z][\w'’\-]*){0,2}\b")
MISSED_PLACE_POPULATION = 500_000
"""A city name the model missed is added only for cities this big (or capitals)."""


def add_missed_places(text: str, items: list[tuple[int, int, str, str]], gaz: Any
                      ) -> list[tuple[int, int, str, str]]:
    """Add GPE mentions of well-known places the model left untagged ("southwest of Kyiv").

    Only capitalised words outside every entity span naming a country (by a name, not its
    ISO code: German "Dom" is no "DOM") or a capital (also by a GeoNames alternate name:
    "Kiev"), or by its own name a curated region or a city of ≥ :data:`MISSED_PLACE_POPULATION`.
    """
    covered = [(s, e) for s, e, _, _ in items]
    added: list[tuple[int, int, str, str]] = []
    for match in _CAPITALISED.finditer(text):
        start, end = match.span()
        if any(s < end and start < e for s, e in covered):
            continue
        name = POSSESSIVE.sub("", match.group()) if match.group().endswith(("'s", "’s")) \
            else match.group()
        if known_entity(name) is not None:
            continue
        for cand in gaz.candidates(name):
            place = cand.place
            if (place.feature == "country" and cand.primary) or place.capital or (cand.primary and (
                    place.curated or place.population >= MISSED_PLACE_POPULATION)):
                added.append((start, start + len(name), "GPE", name))
                break
    return sorted(items + added, key=lambda item: item[0])
