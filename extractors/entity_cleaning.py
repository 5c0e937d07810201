"""Cleaning entity spans: the surface of a name, and what is no name at all.

Surface clean-up (:func:`clean_surface`): a leading "the", a trailing possessive ("Putin's" →
"Putin"), titles and honorifics (:data:`TITLES`, also after a country: "UK Prime Minister")
and surrounding punctuation are removed; ALL-CAPS words are title-cased (datelines); a person
span holding lower-case words (other than name :data:`PARTICLES`) keeps only its capitalised
tail ("Missiles struck Kiev" → "Kiev"). Junk (:func:`is_junk`, :func:`common_noun`): names not
starting with a capital letter, with digits, of one letter, pronouns/determiners, and a
one-word person/organisation the article also writes in lower case.
"""

from __future__ import annotations

import re

from extractors.entity_aliases import known_entity

TITLES = frozenset(
    ["Sir", "Dame", "Lord", "Lady", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Miss", "Dr", "Dr.", "Prof", "Prof.", "Professor", "President", "Vice", "Prime", "Minister", "Chancellor", "Premier", "King", "Queen", "Prince", "Princess", "Pope", "Sen", "Sen.", "Senator", "Rep", "Rep.", "Representative", "Gov", "Gov.", "Governor", "Mayor", "General", "Gen", "Gen.", "Colonel", "Col", "Col.", "Lieutenant", "Captain", "Judge", "Justice", "Secretary", "Foreign", "Defence", "Defense", "Deputy", "Special", "Envoy", "Ambassador", "Chairman", "Chairwoman", "Chief", "Commander", "Speaker", "Saint", "St", "St.", "Rev", "Rev.", "Reverend", "Father", "Sister", "Brother", "Sheikh", "Emir", "Crown", "Acting", "Former", "Ex", "Minister-President"]
)
PRONOUNS = frozenset(
    ["i", "me", "my", "he", "him", "his", "she", "her", "hers", "it", "its", "we", "us", "our", "they", "them", "their", "you", "your", "this", "that", "these", "those", "who", "whom", "whose", "which", "what", "there", "here", "one", "someone", "anyone", "everyone"]
)
PARTICLES = frozenset(["de", "da", "di", "du", "del", "della", "der", "den", "van", "von", "la", "le", "al", "el", "bin", "ibn", "ben", "y"])
"""Lower-case words that belong inside personal names."""
POSSESSIVE = re.compile(r"['’]s?$")
"""A trailing possessive ("Putin's" → "Putin")."""
_SPACED_DASH = re.compile(r"\s+[—–|]\s+|\s+-\s+")
_EDGE = re.compile(r"^[^\w]+|[^\w.)]+$")
_SPACES = re.compile(r"\s+")


def clean_surface(text: str, label: str) -> str:
    """A span's text without "the", possessive, titles and edge punctuation."""
    text = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()
    text = _SPACED_DASH.split(text, maxsplit=1)[0]  # "Agnès Lemaire — Publié": a byline, not a name
    text = _EDGE.sub("", text)
    if text[:4].casefold() == "the ":
        text = text[4:]
    text = POSSESSIVE.sub("", text) if re.search(r"\w['’]s?$", text) else text
    words = text.split()
    while len(words) > 1 and any(ch.isdigit() for ch in words[-1]):  # "Chelsea 2-1" → "Chelsea"
        words.pop()
    if label == "PERSON":  # "Missiles struck Kiev": keep the capitalised run at the end
        lower = [i for i, w in enumerate(words) if w[:1].islower() and w not in PARTICLES]
        if lower:
            words = words[lower[-1] + 1:]
        while len(words) > 1 and (words[0] in TITLES or (
                _is_country_word(words[0]) and len(words) > 2 and words[1] in TITLES)):
            words = words[1:]
    words = [w.title() if w.isupper() and len(w) > 3 and label != "ORG" else w for w in words]
    return _EDGE.sub("", " ".join(words))


_ELISION = re.compile(r"^[LlDd]['’](?=\w)")


def without_article(surface: str, function_words: frozenset[str]) -> str:
    """"La OTAN" → "OTAN", "l'OTAN" → "OTAN": a leading article or elision of the language."""
    surface = _ELISION.sub("", surface)
    first, _, rest = surface.partition(" ")
    if rest and first in function_words:
        surface = rest
    return surface[:1].upper() + surface[1:] if surface[:1].islower() else surface


def nominative_known(surface: str, language: str) -> str:
    """An inflected name's nominative form the alias table knows, else the name as written."""
    from extractors.gazetteer import nominative_variants

    if known_entity(surface) is not None:
        return surface
    for variant in nominative_variants(surface, language):
        if known_entity(variant) is not None:
            return variant
    return surface


def _is_country_word(word: str) -> bool:
    from extractors.gazetteer import DEMONYMS

    return word in DEMONYMS or word in {"US", "U.S.", "UK", "EU", "UN"}


def is_junk(name: str) -> bool:
    """Pronouns, lowercase-initial words, digits, single letters: not entities."""
    if len(name) < 2 or not name[0].isupper() or not name[0].isalpha():
        return True
    if any(ch.isdigit() for ch in name):
        return True
    words = name.split()
    if all(w.casefold() in PRONOUNS and not w.isupper() for w in words):
        return True
    return len(name.replace(".", "")) < 2


def common_noun(surface: str, label: str, lower_words: set[str]) -> bool:
    """A one-word person/organisation that the article also writes in lower case is a
    common noun the model took for a name ("Budget …", "Council said")."""
    return (label in ("PERSON", "ORG") and " " not in surface and not surface.isupper()
            and known_entity(surface) is None and surface.lower() in lower_words)
