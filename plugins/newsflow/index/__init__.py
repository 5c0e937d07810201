"""Index backends behind one interface; :func:`open_backend` picks one from settings."""

from __future__ import annotations

from newsflow.config import Settings
from newsflow.index.base import (
    FACET_FIELDS,
    Hit,
    IndexBackend,
    IndexReport,
    SearchQuery,
    SearchResult,
)

__all__ = [
    "FACET_FIELDS",
    "Hit",
    "IndexBackend",
    "IndexReport",
    "SearchQuery",
    "SearchResult",
    "open_backend",
]


def open_backend(settings: Settings) -> IndexBackend:
    """The backend ``settings.backend`` names, ready to use (index/template created)."""
    if settings.backend == "elasticsearch":
        from newsflow.index.elastic import ElasticBackend

        return ElasticBackend.from_settings(settings)
    from newsflow.index.embedded import EmbeddedBackend

    return EmbeddedBackend(settings.index_file)
