"""Article enrichment: one module per extractor, all behind :class:`extractors.base.Extractor`."""

from extractors.base import Extractor, Fields, per_article
from extractors.registry import available, register, resolve, run_extractors

__all__ = ["Extractor", "Fields", "available", "per_article", "register", "resolve", "run_extractors"]
