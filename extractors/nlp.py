"""One shared parse per article for the entities, places and quotes extractors.

Why: spaCy is the costly part of enrichment, so the three extractors share one parse of an
article, made by one ``nlp.pipe`` call per language over the batch (:func:`analyses_for`),
memoised by article id + text hash in a small bounded cache. Whichever of the three runs
first parses the batch; the others find the parses there. Nothing parses a text twice.

Each article is read in its language (the ``language`` extractor's code; none → English)
by that language's model (:mod:`extractors.nlp_models`: spaCy pipelines, slovnet for
Russian, what :func:`configure` names for English), or, for a language without an
installed model, by the rule matcher (:mod:`extractors.nlp_rules`, :func:`rule_entities`):
an English model never reads another language's text. What a parse gives is an
:class:`~extractors.nlp_analysis.Analysis` (:mod:`extractors.nlp_analysis`).

Only ``ner`` runs (:func:`~extractors.nlp_models.keep_ner_only`): the extractors need
entities, not sentences, tags, lemmas or dependencies (``quotes`` finds its own sentence
breaks), and the small pipelines' ``ner`` embeds the tokens itself. Labels are spaCy's
English ones (:data:`LABELS`).

This module also re-exports the names other code reads from it (models, labels, the rule
matcher's cues and word lists).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from extractors.nlp_analysis import DEFAULT_LANGUAGE, LABELS, MAX_CHARS, Analysis, Ent
from extractors.nlp_models import (
    BATCH_SIZE,
    EXCLUDE,
    KEEP,
    MODEL_NAMES,
    MODELS,
    SLOVNET_LANGUAGES,
    WIKINER_LABELS,
    SlovnetModel,
    configured_model,
    keep_ner_only,
    load_model,
    loaded_languages,
    model_name,
    parse,
    set_model,
)
from extractors.nlp_models import lock as _lock
from extractors.nlp_rules import (
    NAME_CUES_PATH,
    ORG_WORDS,
    PARTICLE_WORDS,
    Cues,
    name_cues,
    rule_analysis,
    rule_entities,
)
from newsflow.langtags import normalize_language
from newsflow.models import Article

__all__ = ["BATCH_SIZE", "CACHE_SIZE", "DEFAULT_LANGUAGE", "EXCLUDE", "KEEP", "LABELS", "MAX_CHARS",
           "MODELS", "MODEL_NAMES", "NAME_CUES_PATH", "ORG_WORDS", "PARTICLE_WORDS", "SLOVNET_LANGUAGES",
           "WIKINER_LABELS", "Analysis", "Cues", "Ent", "SlovnetModel", "analyses_for", "article_language",
           "configure", "configured_model", "docs_for", "keep_ner_only", "load_model", "loaded_languages", "model_name",
           "name_cues", "rule_analysis", "rule_entities"]

CACHE_SIZE = 256
"""Parses kept (a pipeline batch is much smaller, so the three extractors all hit)."""

_cache: OrderedDict[tuple[str, str], Analysis] = OrderedDict()


def configure(model: str | None) -> None:
    """Use ``model`` for English and unknown-language text (a spaCy package name or a model
    directory; None: :data:`MODEL_NAMES`).

    Drops every loaded model and the cache, so the next batch loads them again.
    """
    with _lock:
        set_model(model)
        _cache.clear()


def article_language(article: Article) -> str:
    """The article's primary language subtag (``"de"`` for ``de-AT``); unknown → English."""
    return normalize_language(article.language) or DEFAULT_LANGUAGE


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
    model = load_model(language)
    texts = list(batch.values())
    if model is not None:
        parsed = parse(model, language, texts)
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
