"""The rule matcher: entities of a text without a model.

For a language without an installed model (and when no model loads at all): capitalised
sequences labelled from the alias table (:func:`extractors.entity_aliases.known_entity`), the
gazetteer, organisation words, and names after a title or starting with a known given name
(:data:`NAME_CUES_PATH`, one :class:`Cues` per language). English text follows English
capitalisation; other languages get stricter rules (German capitalises every noun).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.entity_aliases import known_entity
from extractors.entity_cleaning import TITLES
from extractors.nlp_analysis import DEFAULT_LANGUAGE, Analysis, Ent
from extractors.yaml_data import load_yaml

_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĖĘĚĞĪİĽŁŃŇŌŐŒŘŚŞŠŢŤŪŮŰŹŻŽА-ЯЁЄІЇҐ"
_NAME_WORD = rf"(?:[{_UPPER}][\w'’\-]*[\w]|[{_UPPER}]\.)"
_ENGLISH_JOINERS = "of|the|and|for|de|von|van|der|al|bin"
_NAME_JOINERS = "de|da|do|dos|del|della|di|von|van|der|al|bin|la|le"
"""Lower-case words inside a name in other languages ("Banco de España", "Ursula von der
Leyen"); articles and "and" are not, since German joins every noun with them."""
_NAME_SEQUENCE = re.compile(
    rf"{_NAME_WORD}(?:[ \t]+(?:(?:{_ENGLISH_JOINERS})[ \t]+)?{_NAME_WORD})*"
)
_OTHER_SEQUENCE = re.compile(
    rf"{_NAME_WORD}(?:[ \t]+(?:(?:{_NAME_JOINERS})[ \t]+){{0,2}}{_NAME_WORD})*"
)
_WORD = re.compile(r"\S+")
_WORD_BEFORE = re.compile(r"([\w.'’\-]+)[ \t]+$")
ORG_WORDS = frozenset(
    ["Ministry", "Council", "Parliament", "Congress", "Senate", "Assembly", "Commission", "Committee", "Agency", "Bank", "Fund", "Party", "Union", "Organisation", "Organization", "Association", "Institute", "University", "Company", "Corporation", "Corp", "Inc", "Ltd", "Group", "Army", "Navy", "Force", "Forces", "Service", "Office", "Court", "Authority", "Department", "Federation", "League", "Foundation", "Board", "Police", "Guard", "Kremlin", "Reserve", "Exchange", "Alliance", "Coalition", "Movement", "Front", "Network", "Times", "Post", "News"]
)
_SKIP_FIRST = frozenset(
    ["The", "A", "An", "In", "On", "At", "By", "For", "From", "With", "Without", "After", "Before", "During", "While", "When", "Where", "If", "As", "But", "And", "Or", "So", "Yet", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "You", "His", "Her", "Their", "Our", "My", "Its", "There", "Here", "Among", "About", "Under", "Over", "Despite", "Although", "Meanwhile", "However", "According", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Some", "Many", "Most", "Few", "Both", "Each", "Every", "One", "Two", "Three", "Mr", "Mrs", "Ms", "Dr", "Sir", "Dame", "President", "Prime", "Minister", "Chancellor"]
)
NAME_CUES_PATH = Path(__file__).parent / "data" / "name_cues.yaml"
RULE_PLACE_POPULATION = 50_000
"""Without a model, a capitalised word is a place when it is a country or capital (by any
gazetteer name: "Moskau"), a curated region, a city of this many people by its own name, or
of :data:`RULE_ALTERNATE_POPULATION` by another ("München", "Frankfurt")."""
RULE_ALTERNATE_POPULATION = 200_000


@dataclass(frozen=True, slots=True)
class Cues:
    """The rule matcher's word lists for one language (see ``extractors/data/name_cues.yaml``)."""

    titles: frozenset[str]
    org_words: frozenset[str]
    org_suffixes: tuple[str, ...]
    skip_first: frozenset[str]
    given_names: frozenset[str]
    title_suffixes: tuple[str, ...] = ()
    """Endings of compound titles ("Konzernchef", "Bahnchefin")."""
    name_adjectives: frozenset[str] = frozenset()
    """Capitalised adjectives that start an organisation's name ("Deutsche Bahn")."""
    speech_verbs: frozenset[str] = frozenset()
    """Verbs after which a capitalised pair is a person ("sagte Birgit Lammerz")."""
    capitalised_nouns: bool = False
    """Whether the language capitalises every noun (German): then two capitalised words are a
    person only after a title or with a known given name; elsewhere, as in English, they are."""

    def is_title(self, word: str) -> bool:
        """Whether ``word`` is a title (also capitalised at a sentence start: "Президент")."""
        return word in self.titles or word.lower() in self.titles or (
            word.endswith(self.title_suffixes)  # one C-level test rules most words out
            and any(word.endswith(s) and len(word) > len(s) + 2 for s in self.title_suffixes))


@functools.cache
def name_cues(language: str) -> Cues:
    """The cues for ``language`` (only the shared given names for a language not listed)."""
    data = load_yaml(NAME_CUES_PATH)
    entry = (data.get("languages") or {}).get(language) or {}
    return Cues(frozenset(entry.get("titles") or ()), frozenset(entry.get("org_words") or ()),
                tuple(entry.get("org_suffixes") or ()), frozenset(entry.get("skip_first") or ()),
                frozenset(data.get("given_names") or ()), tuple(entry.get("title_suffixes") or ()),
                frozenset(entry.get("name_adjectives") or ()), frozenset(entry.get("speech_verbs") or ()),
                bool(entry.get("capitalised_nouns")))


def rule_entities(text: str, language: str = DEFAULT_LANGUAGE) -> list[Ent]:
    """Entities without a model: capitalised sequences labelled by gazetteer and lists.

    English text follows English capitalisation (two or three capitalised words are a
    person); other languages get the stricter :func:`_other_label` (German capitalises every
    noun).
    """
    from extractors import gazetteer

    gaz = gazetteer.load() if gazetteer.available() else None
    out: list[Ent] = []
    if language == DEFAULT_LANGUAGE:
        for match in _NAME_SEQUENCE.finditer(text):
            for start, end in _chunks(match.start(), match.group(), TITLES.__contains__,
                                      _SKIP_FIRST):
                name = text[start:end]
                label = _rule_label(name, name.split(), gaz)
                if label is not None:
                    out.append(Ent(start, end, label, name))
        return out
    cues = name_cues(language)
    for match in _OTHER_SEQUENCE.finditer(text):
        chunks = _chunks(match.start(), match.group(),
                         lambda word: cues.is_title(word) or word in TITLES,
                         cues.skip_first)
        for start, end in chunks:
            name = text[start:end].rstrip(".")
            end = start + len(name)
            before = _WORD_BEFORE.search(text, max(0, start - 40), start)
            titled = before is not None and (cues.is_title(before.group(1)) or before.group(1)
                                             in cues.speech_verbs or before.group(1) in TITLES)
            label = _other_label(name, gaz, cues, titled, language)
            if label == "ORG" and " " in name:  # "Forschende der Universität Bonn"
                name, start = _organisation_tail(name, start, cues)
            inside = _words_of(text, start, name, gaz, cues, language) \
                if " " in name and (label is None or known_entity(name) is None) else []
            if label is not None and not any(known_entity(e.text) for e in inside):
                out.append(Ent(start, end, label, name))
            else:  # "in Hamburg Vertreter", "України Володимир Зеленський": the names inside
                out += inside
    return out


_ARTICLE_JOINER = re.compile(r" (?:der|des|den|de|del|di|da|do) ")


def _organisation_tail(name: str, start: int, cues: Cues) -> tuple[str, int]:
    """An organisation named after a joiner ("Forschende der Universität Bonn" → "Universität
    Bonn") when nothing before the joiner belongs to it."""
    joiner = _ARTICLE_JOINER.search(name)
    if joiner is None:
        return name, start
    head, tail = name[:joiner.start()].split(), name[joiner.end():]
    tail_words = tail.split()
    if any(w in cues.org_words or w in ORG_WORDS or w in cues.name_adjectives for w in head) or not (
            tail_words and (tail_words[0] in cues.org_words or tail_words[0] in ORG_WORDS
                            or tail_words[0] in cues.name_adjectives)):
        return name, start
    return tail, start + joiner.end()


def _words_of(text: str, offset: int, name: str, gaz: Any, cues: Cues, language: str = ""
              ) -> list[Ent]:
    """The known names and organisations (longest first: "Deutschen Bahn" in "Vertreter der
    Deutschen Bahn") and well-known places among the words of an unlabelled sequence; a
    given name is never a place."""
    words = list(_WORD.finditer(name))
    out: list[Ent] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + 4), i, -1):
            start, end = words[i].start(), words[j - 1].end()
            surface = name[start:end]
            known = known_entity(surface)
            if known is not None:
                label: str | None = str(known[1])
            elif j > i + 1:
                label = "ORG" if words[i].group() in cues.name_adjectives or (
                    words[j - 1].group() in cues.org_words and words[i].group() not in cues.skip_first
                    and not cues.is_title(words[i].group())) else None
            else:
                label = "GPE" if surface not in cues.given_names and gaz is not None \
                    and _rule_place(gaz, surface, language) else None
            if label is not None:
                out.append(Ent(offset + start, offset + end, label, surface))
                i = j
                break
        else:
            i += 1
    return out


def _chunks(offset: int, sequence: str, is_title: Callable[[str], bool], skip_first: frozenset[str]
            ) -> list[tuple[int, int]]:
    """Split a capitalised sequence at titles and leading function words."""
    chunks: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for word in _WORD.finditer(sequence):
        token = word.group().rstrip(".")
        if is_title(word.group()) or is_title(token) or (not current and token in skip_first):
            if current:
                chunks.append((current[0][0], current[-1][1]))
            current = []
            continue
        current.append((offset + word.start(), offset + word.end()))
    if current:
        chunks.append((current[0][0], current[-1][1]))
    return chunks


def _rule_label(name: str, words: list[str], gaz: Any) -> str | None:
    known = known_entity(name)
    if known is not None:
        return str(known[1])
    if name in _gazetteer_demonyms():
        return "NORP"
    if gaz is not None and any(c.primary for c in gaz.candidates(name)):
        return "GPE"
    if any(w in ORG_WORDS for w in words) or (name.isupper() and 2 <= len(name) <= 6):
        return "ORG"
    if 2 <= len(words) <= 3 and all(w[0].isupper() for w in words):
        return "PERSON"
    return None


def _other_label(name: str, gaz: Any, cues: Cues, titled: bool,
                 language: str = "") -> str | None:
    """The label of a capitalised sequence in a language other than English: the alias
    table, then a well-known place, an organisation word or acronym, then a person (two to
    four capitalised words; in German only after a title or starting with a given name);
    anything else is no entity."""
    known = known_entity(name)
    if known is not None:
        return str(known[1])
    words = name.split()
    if gaz is not None and _rule_place(gaz, name, language):
        return "GPE"
    if (name.isupper() and 2 <= len(name) <= 6 and name.isalpha()) or (len(words) > 1 and (any(
            w in cues.org_words or w in ORG_WORDS for w in words) or words[0] in cues.name_adjectives)
    ) or (len(words) == 1 and any(len(name) > len(s) + 2 and name.endswith(s) for s in cues.org_suffixes)):
        return "ORG"
    if 2 <= len(words) <= 5 and all(w[:1].isupper() or w in PARTICLE_WORDS for w in words) and (
            titled or words[0].split("-")[0] in cues.given_names
            or (not cues.capitalised_nouns and len(words) <= 4)):
        return "PERSON"
    if titled and len(words) == 1 and len(name) > 2:
        return "PERSON"
    return None


PARTICLE_WORDS = frozenset(_NAME_JOINERS.split("|"))


def _rule_place(gaz: Any, name: str, language: str = "") -> bool:
    """Whether ``name`` (or, in Russian or Ukrainian, its nominative form) is a well-known
    place (see :data:`RULE_PLACE_POPULATION`)."""
    from extractors.gazetteer import nominative_variants

    if _well_known_place(gaz, name, language):
        return True
    return any(_well_known_place(gaz, v, language) for v in nominative_variants(name, language))


LANGUAGE_COUNTRIES: dict[str, frozenset[str]] = {
    "de": frozenset({"DE", "AT", "CH", "LI", "LU"}),
    "fr": frozenset({"FR", "BE", "CH", "LU", "CA", "MC"}),
    "es": frozenset({"ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "BO", "UY", "PY", "CU", "DO",
                     "GT", "HN", "SV", "NI", "CR", "PA", "PR"}),
    "it": frozenset({"IT", "CH", "SM", "VA"}),
    "pt": frozenset({"PT", "BR", "AO", "MZ"}),
    "ru": frozenset({"RU", "BY", "KZ", "UA"}),
    "uk": frozenset({"UA"}),
}
"""Where each language is spoken: a town named like a common noun elsewhere ("Ende" in
Indonesia, "Derby" in England) is no place in a German article, a German town is."""
BIG_CITY = 500_000
"""A city this big is a place in any language's article."""


def _well_known_place(gaz: Any, name: str, language: str = "") -> bool:
    """A country or capital (an ISO code only in capitals: "Dom" is no "DOM"), a curated
    region, or a city of :data:`RULE_PLACE_POPULATION` (by another name :data:`RULE_ALTERNATE_POPULATION`)
    in a country of the language, or of :data:`BIG_CITY` anywhere; never by another name
    that is the place's name cut short (:func:`_clipped`)."""
    home = LANGUAGE_COUNTRIES.get(language)
    for cand in gaz.candidates(name):
        place = cand.place
        if not cand.primary and _clipped(name, place.name):
            continue
        if place.feature == "country" and (cand.primary or name.isupper()):
            return True
        if place.feature == "country":
            continue
        if place.capital or (cand.primary and place.curated) or (
                place.feature == "city" and place.population >= BIG_CITY):
            return True
        if home is not None and place.country_code not in home:
            continue
        if (cand.primary and place.population >= RULE_PLACE_POPULATION) or (
                place.feature == "city" and place.population >= RULE_ALTERNATE_POPULATION):
            return True
    return False


CLIPPED_LETTERS = 3
"""Letters an alternate name must leave off its place's name, inside a word, to be a
clipping (:func:`_clipped`): "Rom" and "Prag" leave one or two and are the German names."""


def _clipped(alternate: str, primary: str) -> bool:
    """Whether ``alternate`` is ``primary`` cut short inside a word: gazetteer alternate names
    such as "Hang" (Hangzhou), "Ist" (Istanbul) or "Man" (Manchester), which in a language
    that capitalises its nouns, or at a sentence's start, are a slope, "is", "one"…
    ("Frankfurt" of "Frankfurt am Main" ends at a word's end, "Rom" of "Rome" leaves one
    letter: neither is clipped; an all-capitals code never is)."""
    a, p = alternate.casefold(), primary.casefold()
    return (not alternate.isupper() and p.startswith(a) and len(p) >= len(a) + CLIPPED_LETTERS
            and p[len(a) : len(a) + CLIPPED_LETTERS].isalpha())


def _gazetteer_demonyms() -> dict[str, str]:
    from extractors.gazetteer import DEMONYMS

    return DEMONYMS


def rule_analysis(text: str, language: str = DEFAULT_LANGUAGE) -> Analysis:
    """The model-free :class:`Analysis` of ``text`` in ``language``."""
    return Analysis(text, rule_entities(text, language), "rules", language=language)
