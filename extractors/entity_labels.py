"""Entity labels corrected where the small model is known to slip, from the document itself.

Rules that use only the alias table, the gazetteer and the article (:func:`relabel`):

* a curated name (:data:`extractors.entity_aliases.KNOWN`) takes its curated label:
  "Kremlin" is an organisation;
* a nationality adjective (:data:`extractors.gazetteer.DEMONYMS`) is ``NORP``;
* a one-word PERSON/ORG that names a gazetteer place and is no person's surname in the
  document is a place (``GPE``): "Fastiv", "Kyiv", "Zaporizhzhia" (an ORG only when the
  document writes it as a place: :func:`place_evidence`);
* a one-word GPE/ORG that is the surname of a person named in full in the document is
  that person ("Zelensky");
* a two- or three-word ORG with no organisation word, next to a role noun ("envoy X",
  "X, Ukraine's security chief", "X, a former diplomat") or followed by ", who" is a
  PERSON.
"""

from __future__ import annotations

import re
from typing import Any

from extractors.entity_aliases import known_entity
from extractors.entity_cleaning import nominative_known
from extractors.nlp_rules import ORG_WORDS

ROLE_NOUNS = (
    "envoy|chief|minister|president|spokesman|spokeswoman|spokesperson|secretary|chancellor|"
    "leader|head|director|ceo|ambassador|adviser|advisor|governor|mayor|senator|general|"
    "commander|negotiator|premier|king|queen|prince|judge|lawyer|analyst|economist|professor|"
    "founder|chairman|chairwoman|chair|official|aide|deputy|prosecutor|representative|"
    "diplomat|journalist|researcher|scientist|expert|activist|resident|student|doctor|nurse|"
    "teacher|artist|writer|manager|executive|engineer|historian|lawmaker|politician|"
    "candidate|owner|farmer|worker|volunteer|witness|survivor|spokeswoman|coach|player"
)
_ROLE_BEFORE = re.compile(rf"\b(?:{ROLE_NOUNS})\s+$", re.IGNORECASE)
_ROLE_AFTER = re.compile(
    rf"^,\s+(?:who\b|(?:the\s+|a\s+|an\s+)?(?:[\w'’\-]+\s+){{0,5}}?(?:{ROLE_NOUNS})\b)",
    re.IGNORECASE,
)


_LOCATIVE = {
    "en": r"in|near|outside|around|across|throughout|into|towards?|(?:city|town|village|port|hub|"
          r"region|capital|province|district|suburbs?|outskirts|residents|mayor|governor|streets|"
          r"(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?|"
          r"centre|center)\s+of",
    "de": r"in|nach|bei|nahe|aus|um|(?:Stadt|Ort|Dorf|Region|Hauptstadt|Hafenstadt)",
    "fr": r"à|en|près\s+de|dans|vers|de\s+la\s+ville\s+de|ville\s+de",
    "es": r"en|cerca\s+de|hacia|ciudad\s+de|localidad\s+de|pueblo\s+de",
    "it": r"a|in|presso|vicino\s+a|città\s+di",
    "pt": r"em|no|na|perto\s+de|cidade\s+de",
}
"""Words before a name that make it a place ("in Fastiv", "the town of Fastiv")."""
_LOCATIVE_BEFORE = {language: re.compile(rf"(?:^|[\s(])(?:{words})\s+$", re.IGNORECASE)
                    for language, words in _LOCATIVE.items()}
_PLACE_AFTER = re.compile(r"^,\s+(?:the\s+)?([A-ZÀ-ÞА-ЯЁЄІЇҐ][\w'’\-]+(?:\s[A-Z][\w'’\-]+)?)")
_PLACE_NOUN_AFTER = re.compile(
    r"^(?:,\s+(?:a|an|the)\s+(?:[\w\-]+\s+){0,2}(?:town|city|village|port|junction|hub|region|"
    r"district|suburb|settlement|municipality|capital)\b|,?\s+(?:\d+\s*(?:km|kilometres|kilometers|"
    r"miles)\s+)?(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?\s+of\b)",
    re.IGNORECASE)
"""After a name, what makes it a place: ", a railway junction", " southwest of Kyiv"."""


def place_evidence(gaz: Any, name: str, text: str, start: int, end: int, language: str) -> bool:
    """Whether a one-word person/organisation the gazetteer knows as a place is written as
    one here: a country or capital (by any name), a curated region, or a name after a
    locative ("in Fastiv", "the town of Fastiv"), before ", <country or region>" ("Fastiv,
    Ukraine"), before a place apposition (", a railway junction") or a bearing ("southwest
    of Kyiv"). A club, company or institution named after a town ("Kilmarnock beat
    Chelsea") has none of these and stays an organisation."""
    if any(c.place.feature == "country" or c.place.capital or (c.primary and c.place.curated)
           for c in gaz.candidates(name)):
        return True
    before = _LOCATIVE_BEFORE.get(language, _LOCATIVE_BEFORE["en"])
    if before.search(text[max(0, start - 40):start]):
        return True
    if language == "en" and _PLACE_NOUN_AFTER.match(text[end:end + 80]):
        return True
    after = _PLACE_AFTER.match(text[end:end + 60])
    return after is not None and any(c.place.feature in ("country", "region")
                                     for c in gaz.candidates(after.group(1)))


def is_place(gaz: Any, name: str) -> bool:
    """Whether ``name`` is a gazetteer place by its own name, or a country or capital by
    any name ("Kiev")."""
    return any(c.primary or (c.place.feature == "country" and name.isupper())
               or c.place.capital for c in gaz.candidates(name))


def relabel(raw: list[tuple[int, int, str, str]], text: str, gaz: Any, language: str
            ) -> list[tuple[int, int, str, str]]:
    """The cleaned spans ``raw`` ((start, end, label, surface), offsets into ``text``, in
    text order) with their labels corrected (see the module docstring); ``gaz`` is the
    gazetteer, or None without one. Russian and Ukrainian surfaces become the nominative
    form the alias table knows ("Путина" → "Путин")."""
    from extractors.gazetteer import DEMONYMS

    full_names = [s for _, _, label, s in raw if label == "PERSON" and len(s.split()) > 1]
    surnames = {s.split()[-1] for s in full_names}

    written_as_place = {surface for start, end, label, surface in raw
                        if label == "ORG" and " " not in surface and gaz is not None
                        and place_evidence(gaz, surface, text, start, end, language)}
    if language in ("ru", "uk"):  # "Путина" → "Путин" when the alias table knows it
        raw = [(start, end, label, nominative_known(surface, language))
               for start, end, label, surface in raw]
    labelled: list[tuple[int, int, str, str]] = []
    for start, end, label, surface in raw:
        known = known_entity(surface)
        words = surface.split()
        if known is not None:
            label = known[1]
        elif surface in DEMONYMS:
            label = "NORP"
        elif len(words) == 1 and surface in surnames and label in ("GPE", "ORG", "LOC"):
            label = "PERSON"
        elif (len(words) == 1 and label in ("PERSON", "ORG") and surface not in surnames
              and gaz is not None and is_place(gaz, surface)
              and (label == "PERSON" or surface in written_as_place)):
            label = "GPE"
        elif (label == "ORG" and 2 <= len(words) <= 3 and all(w[:1].isupper() for w in words)
              and not any(w in ORG_WORDS for w in words)
              and (_ROLE_BEFORE.search(text[max(0, start - 40):start])
                   or _ROLE_AFTER.match(text[end:end + 80]))):
            label = "PERSON"
        labelled.append((start, end, label, surface))
    return labelled
