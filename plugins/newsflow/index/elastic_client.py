"""The one Elasticsearch client the backend's parts share, and our errors for its failures.

:class:`Connection` is what admin, writer and reader hold: the client, the alias they work
through, the bulk options, and :meth:`Connection.call`, which runs one client call and turns
every client exception into a :class:`NewsflowError` that says what to do about it. A missing
alias is :func:`missing_alias` (run ``newsflow es setup``): the backend never creates indices
on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import (
    ApiError,
    AuthenticationException,
    AuthorizationException,
    BadRequestError,
    Elasticsearch,
    NotFoundError,
    UnsupportedProductError,
)

from newsflow.errors import ConfigError, IndexUnavailable, NewsflowError, QueryError

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 502, 503, 504)
"""HTTP statuses the client and the bulk helper retry with backoff."""


def connect(
    url: str | Sequence[str],
    *,
    api_key: str | None = None,
    basic_auth: tuple[str, str] | None = None,
    ca_certs: str | Path | None = None,
    verify_certs: bool = True,
    request_timeout: float = 30.0,
) -> Elasticsearch:
    """A client for ``url`` (one URL, several comma-separated, or a list); timeout in seconds.
    Nothing is sent yet."""
    hosts = [u.strip() for u in url.split(",")] if isinstance(url, str) else list(url)
    options: dict[str, Any] = {"ca_certs": str(ca_certs)} if ca_certs else {}
    return Elasticsearch(
        hosts, api_key=api_key, basic_auth=basic_auth, verify_certs=verify_certs, **options,
        request_timeout=request_timeout, retry_on_status=RETRY_STATUSES, retry_on_timeout=True,
        max_retries=3,
    )


@dataclass
class BulkOptions:
    """How documents go to ``_bulk``: per request at most ``chunk_size`` documents and
    ``max_chunk_bytes`` bytes; one document at most ``max_document_bytes``; refused chunks
    retried ``max_retries`` times, waiting ``initial_backoff`` doubling up to ``max_backoff``
    seconds.

    ``refresh`` is the ``refresh`` of each bulk request: ``False`` (default) leaves it to the
    index's ``refresh_interval`` (1s) and the one refresh when the backend closes after
    writing; ``"wait_for"`` returns once a scheduled refresh made the writes searchable;
    ``True`` forces a refresh per request (tests only: it makes many small segments)."""

    refresh: bool | Literal["wait_for"] = False
    chunk_size: int = 500
    max_chunk_bytes: int = 10 * 1024 * 1024
    max_document_bytes: int = 20 * 1024 * 1024
    max_retries: int = 5
    initial_backoff: float = 1.0
    max_backoff: float = 30.0


def error_type(exc: ApiError) -> str:
    """The root cause's type in an error answer (``index_not_found_exception`` …), or ``""``."""
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error")
    if isinstance(err, dict):
        root = err.get("root_cause") or [err]
        return str(root[0].get("type") or err.get("type") or "")
    return ""


def error_reason(exc: ApiError) -> str:
    """``type: reason`` of an error answer's root cause, for messages."""
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error")
    if isinstance(err, dict):
        root = (err.get("root_cause") or [err])[0]
        return f"{root.get('type', 'error')}: {root.get('reason', err.get('reason', ''))}"
    return str(exc.message or exc)


def item_reason(info: dict[str, Any]) -> str:
    """Why ``_bulk`` refused one item (its result ``info``), with the cause when given."""
    err = info.get("error")
    if isinstance(err, dict):
        reason = f"{err.get('type', 'error')}: {err.get('reason', '')}"
        cause = err.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            reason += f" (caused by {cause.get('type', 'error')}: {cause['reason']})"
        return reason
    if "exception" in info:
        return f"{type(info['exception']).__name__}: {info['exception']}"
    return str(err or f"HTTP {info.get('status')}")


def missing_alias(alias: str, where: str) -> IndexUnavailable:
    """The error of a cluster without newsflow's alias: setup has not run there (or the index
    was deleted). Retryable: the work is kept and indexed once setup has run."""
    return IndexUnavailable(
        f"the Elasticsearch alias {alias} does not exist on {where}: run `newsflow es setup` "
        "once with credentials that may manage index templates and indices (the stack's "
        "newsflow-setup job and the newsflow_maintenance DAG run it); newsflow does not create "
        "indices while it writes"
    )


def not_allowed(alias: str, doing: str, reason: str) -> ConfigError:
    """The error of credentials that lack a privilege (HTTP 403) for ``doing``."""
    return ConfigError(
        f"the Elasticsearch user may not do this: {doing} was refused (403: {reason}). "
        f"Searching needs `read` on {alias}*; writing also `write` (and `refresh`, optional); "
        "`newsflow es setup` and reindex need `manage` there and the cluster privilege "
        "`manage_index_templates`. Use credentials with that role, or only search with "
        "read-only ones"
    )


@dataclass
class Connection:
    """One client working through one alias. ``owns_client``: :meth:`close` closes it."""

    client: Elasticsearch
    alias: str
    owns_client: bool = False
    bulk: BulkOptions = field(default_factory=BulkOptions)

    @property
    def where(self) -> str:
        """The node URLs, for messages."""
        return ", ".join(str(n.base_url) for n in self.client.transport.node_pool.all())

    def call(self, doing: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(*args, **kwargs)``. Raises the :meth:`translate`d error, ``doing`` saying what
        was being done (:func:`missing_alias` when the alias is missing)."""
        try:
            return fn(*args, **kwargs)
        except (ApiError, TransportError) as exc:
            raise self.translate(exc, doing) from exc

    def close(self) -> None:
        if self.owns_client:
            self.client.close()

    def translate(self, exc: Exception, doing: str) -> NewsflowError:
        """Our error for an exception of the client, with what to do about it."""
        where = self.where
        if isinstance(exc, UnsupportedProductError):
            return ConfigError(
                f"{where} is not Elasticsearch (the client's product check failed while "
                f"{doing}); point NEWSFLOW_ES_URL at an Elasticsearch 8.x/9.x cluster"
            )
        if isinstance(exc, AuthenticationException):
            return ConfigError(
                f"Elasticsearch at {where} rejected the credentials while {doing} (401): set "
                "NEWSFLOW_ES_API_KEY or NEWSFLOW_ES_USERNAME/NEWSFLOW_ES_PASSWORD correctly"
            )
        if isinstance(exc, ApiError):
            return self._api_error(exc, doing)
        if isinstance(exc, ConnectionTimeout):
            return IndexUnavailable(
                f"Elasticsearch at {where} did not answer in time while {doing}; it may be "
                "overloaded: retry later or raise the timeout"
            )
        if isinstance(exc, TransportConnectionError | TransportError):
            return IndexUnavailable(
                f"cannot reach Elasticsearch at {where} while {doing} ({exc}); is it running? "
                "(for development: scripts/es-test-server start, then set NEWSFLOW_ES_URL)"
            )
        return IndexUnavailable(f"unexpected error while {doing}: {type(exc).__name__}: {exc}")

    def _api_error(self, exc: ApiError, doing: str) -> NewsflowError:
        if isinstance(exc, NotFoundError) and error_type(exc) == "index_not_found_exception":
            return missing_alias(self.alias, self.where)
        if error_type(exc) == "cluster_block_exception" or "read_only" in str(exc.body):
            return IndexUnavailable(
                f"Elasticsearch refuses writes while {doing}: {error_reason(exc)}. The index "
                "is read-only (often the disk flood-stage watermark): free disk space, then "
                "clear the block (PUT <index>/_settings "
                '{"index.blocks.read_only_allow_delete": null}); the documents are retried '
                "on the next run"
            )
        if isinstance(exc, AuthorizationException):
            return not_allowed(self.alias, doing, error_reason(exc))
        if exc.status_code >= 500 or exc.status_code == 429:
            return IndexUnavailable(
                f"Elasticsearch at {self.where} failed while {doing} (HTTP {exc.status_code}: "
                f"{error_reason(exc)}); retry later"
            )
        if isinstance(exc, BadRequestError):
            return QueryError(f"Elasticsearch refused the request while {doing}: "
                              f"{error_reason(exc)}")
        return IndexUnavailable(
            f"Elasticsearch at {self.where} answered HTTP {exc.status_code} while {doing}: "
            f"{error_reason(exc)}"
        )
