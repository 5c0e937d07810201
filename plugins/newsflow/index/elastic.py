"""Elasticsearch backend: the :class:`~newsflow.index.base.IndexBackend` on Elasticsearch 8.x/9.x.

:class:`ElasticBackend` composes the parts around one client (:mod:`.elastic_client`):
:mod:`.elastic_admin` (template, versioned index, alias, reindex), :mod:`.elastic_writer`
(bulk upserts, deletes) and :mod:`.elastic_reader` (get, iterate, search), with the query
compiler in :mod:`.elastic_query` and the cursor codec in :mod:`.elastic_cursor`. The names
other code imports from here are re-exported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elasticsearch import Elasticsearch

from newsflow.errors import ConfigError, NewsflowError
from newsflow.index.base import IndexReport, SearchQuery, SearchResult
from newsflow.index.elastic_admin import ElasticAdmin
from newsflow.index.elastic_client import BulkOptions, Connection, connect
from newsflow.index.elastic_cursor import decode_cursor, decode_cursor_position, encode_cursor
from newsflow.index.elastic_query import TEXT_FIELDS, compile_query
from newsflow.index.elastic_reader import ElasticReader
from newsflow.index.elastic_writer import (
    INTERNAL_FIELDS,
    ElasticWriter,
    canonical_content,
    content_hash,
)
from newsflow.index.template import TEMPLATE_FILE, load_template
from newsflow.models import Document

if TYPE_CHECKING:
    from newsflow.config import Settings

log = logging.getLogger(__name__)

__all__ = [
    "INTERNAL_FIELDS", "TEMPLATE_FILE", "TEXT_FIELDS", "ElasticBackend", "canonical_content",
    "compile_query", "content_hash", "decode_cursor", "decode_cursor_position", "encode_cursor",
    "load_template",
]


class ElasticBackend(AbstractContextManager["ElasticBackend"]):
    """The :class:`~newsflow.index.base.IndexBackend` on Elasticsearch 8.x/9.x.

    Give a URL (or several, comma-separated: the client spreads requests over them and
    retries another node when one fails) with optional credentials/TLS options, or a ready
    :class:`~elasticsearch.Elasticsearch` client (then :meth:`close` leaves it open).

    Opening sends nothing and creates nothing: the template, first index and alias come from
    :meth:`setup`, run once per cluster (``newsflow es setup``; ``setup=True`` runs it on
    opening, for tests and tools). So read-only credentials can search, and a writer on a
    cluster without the alias gets :class:`~newsflow.errors.IndexUnavailable` telling to run
    ``newsflow es setup``. The bulk options are those of
    :class:`~newsflow.index.elastic_client.BulkOptions`; search is described in
    :mod:`newsflow.index.elastic_reader`. :meth:`close` refreshes once after writes.
    """

    name = "elasticsearch"

    def __init__(
        self,
        url: str | Sequence[str] | None = None,
        *,
        client: Elasticsearch | None = None,
        index_alias: str = "newsflow-articles",
        template_path: Path = TEMPLATE_FILE,
        api_key: str | None = None,
        basic_auth: tuple[str, str] | None = None,
        ca_certs: str | Path | None = None,
        verify_certs: bool = True,
        request_timeout: float = 30.0,
        setup: bool = False,
        **bulk: Any,
    ) -> None:
        owns = client is None
        if client is None:
            if url is None:
                raise ConfigError("ElasticBackend needs an Elasticsearch URL or a client")
            client = connect(url, api_key=api_key, basic_auth=basic_auth, ca_certs=ca_certs,
                             verify_certs=verify_certs, request_timeout=request_timeout)
        self.conn = Connection(client, index_alias, owns_client=owns, bulk=BulkOptions(**bulk))
        self.admin = ElasticAdmin(self.conn, template_path)
        self.writer = ElasticWriter(self.conn)
        self.reader = ElasticReader(self.conn)
        if setup:
            self.setup()

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticBackend:
        """The backend the ``es_*`` settings describe (nothing sent yet; see :meth:`setup`)."""
        auth = None
        if settings.es_username:
            auth = (settings.es_username, settings.es_password or "")
        return cls(
            settings.es_url,
            index_alias=settings.es_index,
            api_key=settings.es_api_key,
            basic_auth=auth,
            ca_certs=settings.es_ca_certs,
            verify_certs=settings.es_verify_certs,
            request_timeout=max(settings.read_timeout, 30.0),
        )

    @property
    def client(self) -> Elasticsearch:
        return self.conn.client

    @property
    def alias(self) -> str:
        return self.conn.alias

    @property
    def analyzer(self) -> str:
        """The analyzer of the text fields (see :attr:`ElasticAdmin.analyzer`)."""
        return self.admin.analyzer

    @property
    def max_retries(self) -> int:
        """How often a refused bulk chunk is retried (settable)."""
        return self.conn.bulk.max_retries

    @max_retries.setter
    def max_retries(self, value: int) -> None:
        self.conn.bulk.max_retries = value

    def setup(self) -> None:
        """See :meth:`ElasticAdmin.setup`."""
        self.admin.setup()

    def refresh(self) -> None:
        """Make the writes so far searchable now; see :meth:`ElasticWriter.refresh`."""
        self.writer.refresh()

    def current_index(self) -> str:
        """See :meth:`ElasticAdmin.current_index`."""
        return self.admin.current_index()

    def reindex(self, *, delete_old: bool = False) -> dict[str, Any]:
        """See :meth:`ElasticAdmin.reindex`."""
        return self.admin.reindex(delete_old=delete_old)

    def upsert(self, documents: Iterable[Document]) -> IndexReport:
        """See :meth:`ElasticWriter.upsert`."""
        return self.writer.upsert(documents)

    def delete(self, doc_ids: Iterable[str]) -> int:
        """See :meth:`ElasticWriter.delete`."""
        return self.writer.delete(doc_ids)

    def get(self, doc_id: str) -> Document | None:
        """See :meth:`ElasticReader.get`."""
        return self.reader.get(doc_id)

    def count(self) -> int:
        """See :meth:`ElasticReader.count`."""
        return self.reader.count()

    def iter_documents(self, since: datetime | None = None) -> Iterator[Document]:
        """See :meth:`ElasticReader.iter_documents`."""
        return self.reader.iter_documents(since)

    def search(self, query: SearchQuery) -> SearchResult:
        """See :meth:`ElasticReader.search`."""
        return self.reader.search(query)

    def close(self) -> None:
        """Refresh once when documents were written (a run's writes are searchable when it
        ends), then close the client when the backend made it."""
        try:
            self.writer.refresh()
        except NewsflowError as exc:  # the writes are in; they become searchable on their own
            log.warning("could not refresh %s after writing: %s", self.alias, exc)
        finally:
            self.conn.close()

    def __exit__(self, *exc: object) -> None:
        self.close()
