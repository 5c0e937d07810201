"""Index backends behind one interface; :func:`open_backend` picks one from settings."""

from __future__ import annotations

from newsflow.config import Settings
from newsflow.errors import ConfigError
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

    if settings.index_path is None:  # the default file in newsflow's own data directory: create that
        # (with state_url nothing else does; a configured index path's directory is the user's)
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the data directory {settings.data_dir}: {exc}") from exc
    return EmbeddedBackend(settings.index_file)
