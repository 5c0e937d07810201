"""Which extractors exist, in which order they run, and running them with provenance."""

from __future__ import annotations

import dataclasses
import importlib
import logging
from collections.abc import Callable, Iterable, Sequence

from extractors.base import Extractor, Fields, per_article
from extractors.builtin import CHAIN
from newsflow.models import Article, ExtractorRun

log = logging.getLogger(__name__)

_REGISTRY: dict[str, Extractor] = {}
_CORE_FIELDS = frozenset(f.name for f in dataclasses.fields(Article)) - {
    "id", "url", "enrichments", "extractors", "field_sources"
}


def register(extractor: Extractor) -> Extractor:
    if extractor.name in _REGISTRY and _REGISTRY[extractor.name] is not extractor:
        raise ValueError(f"an extractor named {extractor.name!r} is already registered")
    _REGISTRY[extractor.name] = extractor
    return extractor


def register_per_article(
    func: Callable[[Article], Fields], *, name: str, version: str, fields: tuple[str, ...],
    description: str = "", requires: tuple[str, ...] = (),
) -> Extractor:
    """Register and return the extractor ``name`` that runs ``func`` on each article of a
    batch (:func:`~extractors.base.per_article`); the other arguments are those of
    :class:`~extractors.base.Extractor`. Raises ``ValueError`` like :func:`register`."""
    return register(Extractor(name, version, fields, per_article(func), description, requires))


def available() -> dict[str, Extractor]:
    """All extractors in run order: the built-ins in :data:`extractors.builtin.CHAIN`,
    then any other registered extractor in registration order."""
    builtin = {name: _builtin(name) for name in CHAIN}
    return builtin | {name: ext for name, ext in _REGISTRY.items() if name not in builtin}


def resolve(names: Iterable[str] | None = None) -> list[Extractor]:
    """The extractors to run for ``names`` (all when None), in dependency order.

    Raises ``KeyError`` naming the unknown extractor and the known ones.
    """
    registry = available()
    wanted = list(registry) if names is None else list(names)
    ordered: list[Extractor] = []

    def visit(name: str) -> None:
        if name not in registry:
            raise KeyError(f"unknown extractor {name!r}; known: {', '.join(registry)}")
        extractor = registry[name]
        for dep in extractor.requires:
            visit(dep)
        if extractor not in ordered:
            ordered.append(extractor)

    for name in wanted:
        visit(name)
    return ordered


def run_extractors(
    articles: Sequence[Article], extractors: Sequence[Extractor]
) -> list[tuple[Article, str, str]]:
    """Run each extractor over the batch and merge its fields into the articles.

    A failing extractor does not stop the others: each affected article records the
    error in its provenance, and the returned list holds ``(article, extractor name,
    error message)`` for the caller to record as failures.
    """
    errors: list[tuple[Article, str, str]] = []
    for extractor in extractors:
        try:
            results = extractor.run(articles)
            if len(results) != len(articles):
                raise RuntimeError(
                    f"returned {len(results)} results for {len(articles)} articles"
                )
        except Exception as exc:  # an extractor bug must not stop the run: record it
            message = f"{type(exc).__name__}: {exc}"
            log.warning("extractor %s failed on a batch of %d: %s", extractor.name, len(articles), message)
            for article in articles:
                _apply_outcome(article, extractor, None, message)
                errors.append((article, extractor.name, message))
            continue
        for article, fields in zip(articles, results, strict=True):
            unknown = set(fields) - set(extractor.fields)
            if unknown:
                message = f"returned undeclared fields {sorted(unknown)}"
                _apply_outcome(article, extractor, None, message)
                errors.append((article, extractor.name, message))
                continue
            _apply_outcome(article, extractor, fields, None)
    return errors


def record_failure(article: Article, extractor: Extractor, message: str) -> None:
    """Record in the article's provenance that ``extractor`` failed on it with ``message``."""
    _apply_outcome(article, extractor, None, message)


def _apply_outcome(article: Article, extractor: Extractor, fields: dict[str, object] | None, error: str | None) -> None:
    """Apply ``extractor``'s ``fields`` (or its ``error``) to ``article``; record the run in its provenance."""
    for key, value in (fields or {}).items():
        if key in _CORE_FIELDS:  # an extractor may fill in or correct a core field
            if getattr(article, key) != value:  # confirming a value keeps its source
                setattr(article, key, value)
                article.field_sources[key] = f"extractor:{extractor.name}"
        else:
            article.enrichments[key] = value
    run = ExtractorRun(extractor.name, extractor.version, tuple(sorted(fields or ())), error)
    names = [r.name for r in article.extractors]
    if extractor.name in names:  # a re-run replaces its record in place: same output, same document
        article.extractors[names.index(extractor.name)] = run
    else:
        article.extractors.append(run)


def _builtin(name: str) -> Extractor:
    """The built-in extractor ``name``: importing ``extractors.<name>`` registers it (once;
    a later import is a lookup in ``sys.modules``)."""
    importlib.import_module(f"extractors.{name}")
    return _REGISTRY[name]
