"""``entities``: the people and organisations an article mentions, canonicalised.

Reads the shared parse of :mod:`extractors.nlp` (spaCy NER, or the rule matcher) and turns
entity spans into *mentions* with one canonical name each, then counts them. The mentions
(:func:`mentions`) are computed once per parse and reused by ``places`` and ``quotes``.

Cleaning, in order (each rule general, none about one article), one module a step:

1. Surface clean-up (:mod:`extractors.entity_cleaning`): a leading "the", a trailing possessive ("Putin's" → "Putin"), titles
   and honorifics (Sir, Dame, President, Prime Minister, Mr, Dr, …, also after a country:
   "UK Prime Minister") and surrounding punctuation are removed; ALL-CAPS words are
   title-cased (datelines); a person span holding lower-case words (other than name
   particles: "de", "von", "bin" …) keeps only its capitalised tail ("Missiles struck Kiev"
   → "Kiev").
2. Junk is dropped (:mod:`extractors.entity_cleaning`): names not starting with a capital letter (pronouns and words cut by a
   typo), with digits, of one letter (the "X" platform), pronouns/determiners, and a
   one-word person/organisation the article also writes in lower case (a common noun at
   the start of a sentence: "Budget", "Council").
3. Labels are corrected (:mod:`extractors.entity_labels`) where the small model is known to slip, by rules that use only
   the gazetteer and the document itself:
   * the alias table (:mod:`extractors.entity_aliases`, a short curated list of prominent people and organisations with
     their spelling variants) wins: "Kremlin" is an organisation, "Zelenskyy" is
     Volodymyr Zelensky.
   * a nationality adjective (:data:`extractors.gazetteer.DEMONYMS`) is ``NORP``;
   * a one-word PERSON/ORG that names a gazetteer place and is no person's surname in
     the document is a place (``GPE``): "Fastiv", "Kyiv", "Zaporizhzhia";
   * a one-word GPE/ORG that is the surname of a person named in full in the document is
     that person ("Zelensky");
   * a two- or three-word ORG with no organisation word, next to a role noun ("envoy X",
     "X, Ukraine's security chief", "X, a former diplomat") or followed by ", who" is a
     PERSON.
4. Mentions the model missed are added (:mod:`extractors.entity_recall`): a surname of a person named in full elsewhere in
   the document ("Trump described …"), a curated person's name, and a capitalised name outside every entity that
   is a country, a capital, a curated region or a city of ≥ 500,000 ("southwest of Kyiv").
5. Organisations (:mod:`extractors.entity_canonical`): a country right before an organisation joins it ("US" + "Congress" →
   "US Congress"); "<Country>'s <ORG>" for a national institution becomes "<ORG> of
   <Country>"; "<Country>'s <topic> ministry" becomes "Ministry of <Topic> of <Country>".
6. Canonical names within the document: a one-word person name is the full name it is
   the surname (or first name) of, nearest preceding first ("Macron" → "Emmanuel
   Macron"); failing that, the alias table. An organisation named by the tail of a longer
   organisation name in the document is that one ("Congress" → "US Congress"); a country
   takes its gazetteer name ("US" → "United States").

Fields: ``persons`` and ``organizations`` (canonical names, most mentioned first, ties by
first offset) and ``entity_mentions`` ({name, label, count, first_offset} for PERSON, ORG,
GPE, LOC and NORP; offsets are into ``article.text``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from extractors import nlp
from extractors.base import Extractor, Fields
from extractors.entity_aliases import KNOWN, known_entity
from extractors.entity_canonical import Mention, canonicalise, join_organisations
from extractors.entity_cleaning import (
    PARTICLES,
    PRONOUNS,
    TITLES,
    clean_surface,
    common_noun,
    is_junk,
    without_article,
)
from extractors.entity_labels import relabel
from extractors.entity_recall import add_missed_places, add_missed_surnames
from extractors.registry import register
from newsflow.models import Article

__all__ = ["ENTITIES", "KNOWN", "MENTION_LABELS", "PARTICLES", "PRONOUNS", "TITLES", "Mention", "clean_surface",
           "extract_entities", "is_junk", "known_entity", "mentions", "summarise"]

VERSION = "2"
MENTION_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP")


def _gazetteer() -> Any:
    from extractors import gazetteer

    return gazetteer.load() if gazetteer.available() else None


def mentions(analysis: nlp.Analysis) -> list[Mention]:
    """Canonical mentions of the parse, computed once and kept on it."""
    cached = analysis.derived.get("mentions")
    if cached is None:
        cached = _mentions(analysis)
        analysis.derived["mentions"] = cached
    return list(cached)


def _mentions(analysis: nlp.Analysis) -> list[Mention]:
    """Steps 1 to 6 of the module docstring over the entity spans of ``analysis``."""
    text = analysis.text
    gaz = _gazetteer()
    raw: list[tuple[int, int, str, str]] = []
    for ent in sorted(analysis.ents, key=lambda e: (e.start, -e.end)):
        label = "LOC" if ent.label == "FAC" else ent.label
        surface = clean_surface(ent.text, label)
        if is_junk(surface):
            continue
        raw.append((ent.start, ent.end, label, surface))

    lower_words = set(re.findall(r"\b[a-z][a-z\-]+\b", text))
    raw = [item for item in raw if not common_noun(item[3], item[2], lower_words)]
    if analysis.language != nlp.DEFAULT_LANGUAGE:  # "Después" at a sentence start is no place
        function_words = nlp.name_cues(analysis.language).skip_first
        raw = [(start, end, label, without_article(surface, function_words))
               for start, end, label, surface in raw if surface not in function_words]
    labelled = relabel(raw, text, gaz, analysis.language)
    labelled = add_missed_surnames(text, labelled)
    if gaz is not None:
        labelled = add_missed_places(text, labelled, gaz)
    labelled = join_organisations(text, labelled, gaz)
    return canonicalise(labelled, gaz)


def summarise(found: Sequence[Mention]) -> Fields:
    """The extractor's fields from canonical mentions."""
    stats: dict[tuple[str, str], list[int]] = {}
    for m in found:
        if m.label not in MENTION_LABELS:
            continue
        entry = stats.setdefault((m.name, m.label), [0, m.start])
        entry[0] += 1
        entry[1] = min(entry[1], m.start)
    ordered = sorted(stats.items(), key=lambda kv: (-kv[1][0], kv[1][1], kv[0][0]))
    mention_list: list[dict[str, Any]] = [
        {"name": name, "label": label, "count": count, "first_offset": first}
        for (name, label), (count, first) in ordered]

    def names(label: str) -> list[str]:
        return list(dict.fromkeys(str(m["name"]) for m in mention_list if m["label"] == label))

    return {"persons": names("PERSON"), "organizations": names("ORG"),
            "entity_mentions": mention_list}


EMPTY: Fields = {"persons": [], "organizations": [], "entity_mentions": []}


def extract_entities(articles: Sequence[Article]) -> list[Fields]:
    """Persons, organisations and all entity mentions of each article."""
    out: list[Fields] = []
    for analysis in nlp.analyses_for(articles):
        if analysis is None:
            out.append({k: list(v) for k, v in EMPTY.items()})
        else:
            out.append(summarise(mentions(analysis)))
    return out


ENTITIES = register(
    Extractor(
        name="entities",
        version=VERSION,
        fields=("persons", "organizations", "entity_mentions"),
        run=extract_entities,
        description="People and organisations (spaCy NER or rules), canonicalised per document.",
        requires=("language",),
    )
)
