"""``entities``: the people and organisations an article mentions, canonicalised.

Reads the shared parse of :mod:`extractors.nlp` (spaCy NER, or the rule matcher) and turns
entity spans into *mentions* with one canonical name each, then counts them. The mentions
(:func:`mentions`) are computed once per parse and reused by ``places`` and ``quotes``.

Cleaning, in order (each rule general, none about one article):

1. Surface clean-up: a leading "the", a trailing possessive ("Putin's" → "Putin"), titles
   and honorifics (Sir, Dame, President, Prime Minister, Mr, Dr, …, also after a country:
   "UK Prime Minister") and surrounding punctuation are removed; ALL-CAPS words are
   title-cased (datelines); a person span holding lower-case words (other than name
   particles: "de", "von", "bin" …) keeps only its capitalised tail ("Missiles struck Kiev"
   → "Kiev").
2. Junk is dropped: names not starting with a capital letter (pronouns and words cut by a
   typo), with digits, of one letter (the "X" platform), pronouns/determiners, and a
   one-word person/organisation the article also writes in lower case (a common noun at
   the start of a sentence: "Budget", "Council").
3. Labels are corrected where the small model is known to slip, by rules that use only
   the gazetteer and the document itself:
   * :data:`KNOWN` (a short curated list of prominent people and organisations with
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
4. Mentions the model missed are added: a surname of a person named in full elsewhere in
   the document ("Trump described …"), a curated person's name (:data:`KNOWN`), and a capitalised name outside every entity that
   is a country, a capital, a curated region or a city of ≥ 500,000 ("southwest of Kyiv").
5. Organisations: a country right before an organisation joins it ("US" + "Congress" →
   "US Congress"); "<Country>'s <ORG>" for a national institution becomes "<ORG> of
   <Country>"; "<Country>'s <topic> ministry" becomes "Ministry of <Topic> of <Country>".
6. Canonical names within the document: a one-word person name is the full name it is
   the surname (or first name) of, nearest preceding first ("Macron" → "Emmanuel
   Macron"); failing that, :data:`KNOWN`. An organisation named by the tail of a longer
   organisation name in the document is that one ("Congress" → "US Congress"); a country
   takes its gazetteer name ("US" → "United States").

Fields: ``persons`` and ``organizations`` (canonical names, most mentioned first, ties by
first offset) and ``entity_mentions`` ({name, label, count, first_offset} for PERSON, ORG,
GPE, LOC and NORP; offsets are into ``article.text``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors import nlp
from extractors.base import Extractor, Fields
from extractors.registry import register
from newsflow.models import Article

VERSION = "2"
MENTION_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP")

ALIASES_PATH = Path(__file__).parent / "data" / "aliases.yaml"


def _read_aliases(path: Path) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(canonical name, label, aliases) of each entry of the alias table at ``path``.

    Raises ValueError on an entry without a name or with a label other than PERSON/ORG.
    """
    import yaml

    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for entry in entries:
        name, label = str(entry.get("name") or "").strip(), entry.get("label")
        if not name or label not in ("PERSON", "ORG"):
            raise ValueError(f"{path}: bad alias entry {entry!r} (needs a name and label PERSON or ORG)")
        aliases = tuple(dict.fromkeys(str(a).strip() for a in entry.get("aliases") or () if str(a).strip()))
        out.append((name, label, aliases))
    return tuple(out)


KNOWN: tuple[tuple[str, str, tuple[str, ...]], ...] = _read_aliases(ALIASES_PATH)
"""Curated canonical names, labels and variants in every language we ingest (read from
``extractors/data/aliases.yaml``): prominent names the small models mislabel or spell several
ways ("Selenskyj", "Zelensky", "Зеленський" → Volodymyr Zelensky). Kept short on purpose;
everything else follows the rules."""

TITLES = frozenset(
    ["Sir", "Dame", "Lord", "Lady", "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Miss", "Dr", "Dr.", "Prof", "Prof.", "Professor", "President", "Vice", "Prime", "Minister", "Chancellor", "Premier", "King", "Queen", "Prince", "Princess", "Pope", "Sen", "Sen.", "Senator", "Rep", "Rep.", "Representative", "Gov", "Gov.", "Governor", "Mayor", "General", "Gen", "Gen.", "Colonel", "Col", "Col.", "Lieutenant", "Captain", "Judge", "Justice", "Secretary", "Foreign", "Defence", "Defense", "Deputy", "Special", "Envoy", "Ambassador", "Chairman", "Chairwoman", "Chief", "Commander", "Speaker", "Saint", "St", "St.", "Rev", "Rev.", "Reverend", "Father", "Sister", "Brother", "Sheikh", "Emir", "Crown", "Acting", "Former", "Ex", "Minister-President"]
)
PRONOUNS = frozenset(
    ["i", "me", "my", "he", "him", "his", "she", "her", "hers", "it", "its", "we", "us", "our", "they", "them", "their", "you", "your", "this", "that", "these", "those", "who", "whom", "whose", "which", "what", "there", "here", "one", "someone", "anyone", "everyone"]
)
PARTICLES = frozenset(["de", "da", "di", "du", "del", "della", "der", "den", "van", "von", "la", "le", "al", "el", "bin", "ibn", "ben", "y"])
"""Lower-case words that belong inside personal names."""
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
INSTITUTION_WORDS = frozenset(
    ["Ministry", "Council", "Parliament", "Army", "Navy", "Service", "Agency", "Bank", "Committee", "Commission", "Guard", "Police", "Court", "Office", "Assembly", "Senate", "Congress", "Government", "Forces"]
)
_MINISTRY = re.compile(
    r"(?P<country>[A-Z][\w .\-]*?)['’]s\s+(?P<topic>(?:[a-z]+\s+){1,2}?)ministry\b"
)
_TOPICS = {"foreign": "Foreign Affairs", "interior": "Internal Affairs",
           "home": "Home Affairs", "defense": "Defense"}
_POSSESSIVE = re.compile(r"['’]s?$")
_SPACED_DASH = re.compile(r"\s+[—–|]\s+|\s+-\s+")
_EDGE = re.compile(r"^[^\w]+|[^\w.)]+$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    label: str
    """PERSON, ORG, GPE, LOC or NORP."""
    surface: str
    """The cleaned text as written ("Macron")."""
    name: str
    """The canonical name ("Emmanuel Macron")."""


def _known_index() -> dict[str, tuple[str, str]]:
    index: dict[str, tuple[str, str]] = {}
    for canonical, label, aliases in KNOWN:
        for alias in (canonical, *aliases):
            index[alias.casefold()] = (canonical, label)
    return index


_KNOWN_INDEX = _known_index()
_KNOWN_PERSON_NAMES = frozenset(
    alias for canonical, label, aliases in KNOWN if label == "PERSON"
    for alias in (canonical, *aliases) if len(alias) > 3
)


def _names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of ``names`` as whole words, longest first."""
    ordered = sorted(names, key=len, reverse=True)
    if not ordered:
        return re.compile(r"(?!)")
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in ordered) + r")\b")


_KNOWN_PERSON_PATTERN = _names_pattern(_KNOWN_PERSON_NAMES)


def known_entity(name: str) -> tuple[str, str] | None:
    """(canonical name, label) of a curated entity called ``name``, else None."""
    return _KNOWN_INDEX.get(_SPACES.sub(" ", name.strip()).casefold())


def clean_surface(text: str, label: str) -> str:
    """A span's text without "the", possessive, titles and edge punctuation."""
    text = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()
    text = _SPACED_DASH.split(text, maxsplit=1)[0]  # "Agnès Lemaire — Publié": a byline, not a name
    text = _EDGE.sub("", text)
    if text[:4].casefold() == "the ":
        text = text[4:]
    text = _POSSESSIVE.sub("", text) if re.search(r"\w['’]s?$", text) else text
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


def _without_article(surface: str, function_words: frozenset[str]) -> str:
    """"La OTAN" → "OTAN", "l'OTAN" → "OTAN": a leading article or elision of the language."""
    surface = _ELISION.sub("", surface)
    first, _, rest = surface.partition(" ")
    if rest and first in function_words:
        surface = rest
    return surface[:1].upper() + surface[1:] if surface[:1].islower() else surface


def _nominative_known(surface: str, language: str) -> str:
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


def _common_noun(surface: str, label: str, lower_words: set[str]) -> bool:
    """A one-word person/organisation that the article also writes in lower case is a
    common noun the model took for a name ("Budget …", "Council said")."""
    return (label in ("PERSON", "ORG") and " " not in surface and not surface.isupper()
            and known_entity(surface) is None and surface.lower() in lower_words)


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
    from extractors.gazetteer import DEMONYMS

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
    raw = [item for item in raw if not _common_noun(item[3], item[2], lower_words)]
    if analysis.language != nlp.DEFAULT_LANGUAGE:  # "Después" at a sentence start is no place
        function_words = nlp.name_cues(analysis.language).skip_first
        raw = [(start, end, label, _without_article(surface, function_words))
               for start, end, label, surface in raw if surface not in function_words]
    full_names = [s for _, _, label, s in raw if label == "PERSON" and len(s.split()) > 1]
    surnames = {s.split()[-1] for s in full_names}

    written_as_place = {surface for start, end, label, surface in raw
                        if label == "ORG" and " " not in surface and gaz is not None
                        and _place_evidence(gaz, surface, text, start, end, analysis.language)}
    if analysis.language in ("ru", "uk"):  # "Путина" → "Путин" when the alias table knows it
        raw = [(start, end, label, _nominative_known(surface, analysis.language))
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
              and gaz is not None and _is_place(gaz, surface)
              and (label == "PERSON" or surface in written_as_place)):
            label = "GPE"
        elif (label == "ORG" and 2 <= len(words) <= 3 and all(w[:1].isupper() for w in words)
              and not any(w in nlp.ORG_WORDS for w in words)
              and (_ROLE_BEFORE.search(text[max(0, start - 40):start])
                   or _ROLE_AFTER.match(text[end:end + 80]))):
            label = "PERSON"
        labelled.append((start, end, label, surface))

    labelled = _add_missed_surnames(text, labelled)
    if gaz is not None:
        labelled = _add_missed_places(text, labelled, gaz)
    labelled = _join_organisations(text, labelled, gaz)
    return _canonicalise(labelled, gaz)


def _add_missed_surnames(text: str, items: list[tuple[int, int, str, str]]
                         ) -> list[tuple[int, int, str, str]]:
    """Add PERSON mentions the model left untagged: a surname of a person it named in full
    elsewhere in the document ("Donald Trump … Trump described"), or a name of :data:`KNOWN`
    ("Zelenskyy met …")."""
    surnames = {s.split()[-1] for _, _, label, s in items
                if label == "PERSON" and len(s.split()) > 1 and len(s.split()[-1]) > 2}
    found = [(m.start(), m.end()) for m in _KNOWN_PERSON_PATTERN.finditer(text)]
    own = surnames - _KNOWN_PERSON_NAMES
    if own:  # a small pattern per document; the known names' one is compiled once
        found += [(m.start(), m.end()) for m in _names_pattern(own).finditer(text)]
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


def _add_missed_places(text: str, items: list[tuple[int, int, str, str]], gaz: Any
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
        name = _POSSESSIVE.sub("", match.group()) if match.group().endswith(("'s", "’s")) \
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


def _place_evidence(gaz: Any, name: str, text: str, start: int, end: int, language: str) -> bool:
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


def _is_place(gaz: Any, name: str) -> bool:
    """Whether ``name`` is a gazetteer place by its own name, or a country or capital by
    any name ("Kiev")."""
    return any(c.primary or (c.place.feature == "country" and name.isupper())
               or c.place.capital for c in gaz.candidates(name))


def _join_organisations(text: str, items: list[tuple[int, int, str, str]], gaz: Any
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
    if gaz is not None:
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


def _canonicalise(items: list[tuple[int, int, str, str]], gaz: Any) -> list[Mention]:
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
