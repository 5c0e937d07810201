"""Elasticsearch backend: composable template + versioned index + alias, bulk upserts, search.

Layout: the alias ``newsflow-articles`` points at exactly one index ``newsflow-articles-00000N``
created from the composable template ``newsflow-articles`` (body in
``seeds/elasticsearch/index-template.json``, index pattern ``<alias>-*``). A mapping change is
:meth:`ElasticBackend.reindex`: create ``…-00000N+1``, copy, swap the alias atomically.

Only features of the Elasticsearch server itself are used (no scripts, no ``_reindex`` /
``_update_by_query``, no ``GET /``), so the backend also runs on the minimal distribution the
tests start. Where the cluster lacks ``analysis-common`` (no ``english`` analyzer) the text
fields use the standard analyzer and one warning is logged.

Each stored document is the given one plus ``indexed_at`` and an internal ``content_hash``
(SHA-256 of the document without ``indexed_at``) that makes unchanged documents cheap to
detect; ``content_hash`` never leaves this module.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

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
from elasticsearch.helpers import streaming_bulk

from newsflow.errors import ConfigError, IndexUnavailable, NewsflowError, QueryError
from newsflow.index.base import (
    FACET_FIELDS,
    GEO_FIELD,
    Hit,
    IndexReport,
    SearchQuery,
    SearchResult,
    check_near,
    reject_reason,
)
from newsflow.index.query import ParsedQuery, Term, parse
from newsflow.index.template import TEMPLATE_FILE, load_template, template_body
from newsflow.models import Document, iso, utcnow

if TYPE_CHECKING:
    from newsflow.config import Settings

log = logging.getLogger(__name__)

INTERNAL_FIELDS = ("content_hash",)
_HASH_EXCLUDED = frozenset({"indexed_at", *INTERNAL_FIELDS})
_SUFFIX = re.compile(r"-(\d{6})$")
_RETRY_STATUSES = (429, 502, 503, 504)
_INTERVALS = {"day": "day", "week": "week", "month": "month", "year": "year"}
_MAX_WINDOW = 10_000


def canonical_content(doc: Document) -> tuple[str, str]:
    """The document's content (everything but ``indexed_at`` and internals) as canonical JSON,
    and its SHA-256. Serialised once: the same string is the hash input and the bulk body.

    Raises ``TypeError``/``ValueError`` for values JSON cannot carry (NaN, objects).
    """
    content = {k: v for k, v in doc.items() if k not in _HASH_EXCLUDED}
    raw = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return raw, hashlib.sha256(raw.encode("utf-8")).hexdigest()


def content_hash(doc: Document) -> str:
    """SHA-256 of the document's content (see :func:`canonical_content`)."""
    return canonical_content(doc)[1]




def _prepared(action: Any) -> Any:
    """Bulk actions are built as (header, pre-serialised source): nothing to expand."""
    return action


# --------------------------------------------------------------------------- query text


TEXT_FIELDS = ("title^3", "text")
"""The analysed fields query text searches, with their boosts."""


def _term_query(term: Term) -> dict[str, Any]:
    """A word or phrase: its analysed tokens next to each other, in order, in any text field;
    the score sums over the fields (``tie_breaker`` 1), so a title match adds to text matches."""
    return {"multi_match": {"query": term.text, "type": "phrase", "fields": list(TEXT_FIELDS),
                            "tie_breaker": 1.0}}


def compile_query(query: ParsedQuery) -> dict[str, Any] | None:
    """The query tree of :mod:`newsflow.index.query` as a ``bool`` query, or ``None`` when it
    puts no condition on the text. Terms are only ever analysed, never parsed."""
    if query.empty:
        return None
    must = [
        _term_query(g[0]) if len(g) == 1
        else {"bool": {"should": [_term_query(t) for t in g], "minimum_should_match": 1}}
        for g in query.groups
    ]
    return {"bool": {"must": must or [{"match_all": {}}],
                     "must_not": [_term_query(t) for t in query.excluded]}}


# --------------------------------------------------------------------------- cursor


def encode_cursor(sort: str, values: Sequence[Any], seen: int = 0) -> str:
    """Opaque cursor: the sort values of the last hit and how many hits came before it."""
    raw = json.dumps({"s": sort, "v": list(values), "n": seen}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor_position(cursor: str, sort: str) -> tuple[list[Any], int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values = data["v"]
        seen = int(data.get("n", 0))
        if data["s"] != sort or not isinstance(values, list):
            raise ValueError("cursor of another sort order")
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise QueryError(
            f"invalid search_after cursor ({exc}); use the next_cursor of a previous search "
            "with the same sort order"
        ) from exc
    return values, seen


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    return decode_cursor_position(cursor, sort)[0]


# --------------------------------------------------------------------------- errors


def _error_type(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error")
    if isinstance(err, dict):
        root = err.get("root_cause") or [err]
        return str(root[0].get("type") or err.get("type") or "")
    return ""


def _error_reason(exc: ApiError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    err = body.get("error")
    if isinstance(err, dict):
        root = (err.get("root_cause") or [err])[0]
        return f"{root.get('type', 'error')}: {root.get('reason', err.get('reason', ''))}"
    return str(exc.message or exc)


def _item_reason(info: dict[str, Any]) -> str:
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


# --------------------------------------------------------------------------- backend


class ElasticBackend:
    """The :class:`~newsflow.index.base.IndexBackend` on Elasticsearch 8.x/9.x.

    Give a URL (or several, comma-separated) with optional credentials/TLS options, or a
    ready :class:`~elasticsearch.Elasticsearch` client (then :meth:`close` leaves it open).
    Opening runs :meth:`setup` unless ``setup=False``. Notes on search: facets and the
    histogram count the documents matching text *and* filters; a filter with an empty value
    tuple is ignored; with ``search_after`` the ``offset`` is ignored.
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
        refresh: bool = True,
        chunk_size: int = 500,
        max_chunk_bytes: int = 10 * 1024 * 1024,
        max_document_bytes: int = 20 * 1024 * 1024,
        max_retries: int = 5,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        setup: bool = True,
    ) -> None:
        if client is None:
            if url is None:
                raise ConfigError("ElasticBackend needs an Elasticsearch URL or a client")
            hosts = [u.strip() for u in url.split(",")] if isinstance(url, str) else list(url)
            options: dict[str, Any] = {}
            if ca_certs:
                options["ca_certs"] = str(ca_certs)
            client = Elasticsearch(
                hosts,
                api_key=api_key,
                basic_auth=basic_auth,
                verify_certs=verify_certs,
                **options,
                request_timeout=request_timeout,
                retry_on_status=_RETRY_STATUSES,
                retry_on_timeout=True,
                max_retries=3,
            )
            self._owns_client = True
        else:
            self._owns_client = False
        self.client = client
        self.alias = index_alias
        self.template_name = index_alias
        self.template_path = template_path
        self.refresh = refresh
        self.chunk_size = chunk_size
        self.max_chunk_bytes = max_chunk_bytes
        self.max_document_bytes = max_document_bytes
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.analyzer: str | None = None
        self._where = ", ".join(str(n.base_url) for n in client.transport.node_pool.all())
        if setup:
            self.setup()

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticBackend:
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

    # ------------------------------------------------------------------ errors

    def _translate(self, exc: Exception, doing: str) -> NewsflowError:
        """Our error for an exception of the client, with what to do about it."""
        where = self._where
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
            kind = _error_type(exc)
            if kind == "cluster_block_exception" or "read_only" in str(exc.body):
                return IndexUnavailable(
                    f"Elasticsearch refuses writes while {doing}: {_error_reason(exc)}. The index "
                    "is read-only (often the disk flood-stage watermark): free disk space, then "
                    "clear the block (PUT <index>/_settings "
                    '{"index.blocks.read_only_allow_delete": null}); the documents are retried '
                    "on the next run"
                )
            if isinstance(exc, AuthorizationException):
                return ConfigError(
                    f"the Elasticsearch user lacks a privilege for {doing} (403: "
                    f"{_error_reason(exc)}); grant it on {self.alias}* and the template"
                )
            if exc.status_code >= 500 or exc.status_code == 429:
                return IndexUnavailable(
                    f"Elasticsearch at {where} failed while {doing} (HTTP {exc.status_code}: "
                    f"{_error_reason(exc)}); retry later"
                )
            if isinstance(exc, BadRequestError):
                return QueryError(f"Elasticsearch refused the request while {doing}: "
                                  f"{_error_reason(exc)}")
            return IndexUnavailable(
                f"Elasticsearch at {where} answered HTTP {exc.status_code} while {doing}: "
                f"{_error_reason(exc)}"
            )
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

    # ------------------------------------------------------------------ setup

    def detect_analyzer(self) -> str:
        """``english`` when the cluster has it (module analysis-common), else ``standard``."""
        try:
            self.client.indices.analyze(analyzer="english", text="running")
        except BadRequestError as exc:
            log.warning(
                "Elasticsearch at %s has no 'english' analyzer (module analysis-common missing: "
                "%s); indexing title/text with the standard analyzer, without stemming",
                self._where, _error_reason(exc),
            )
            return "standard"
        return "english"

    def template_body(self, analyzer: str) -> dict[str, Any]:
        return template_body(self.alias, analyzer, self.template_path)

    def setup(self) -> None:
        """Create (or update) the template, and the first index and alias when missing."""
        try:
            if self.analyzer is None:
                self.analyzer = self.detect_analyzer()
            self.client.indices.put_index_template(
                name=self.template_name, **self.template_body(self.analyzer)
            )
            if self.client.indices.exists_alias(name=self.alias):
                self._add_new_fields()
                return
            if self.client.indices.exists(index=self.alias):
                raise ConfigError(
                    f"an index named {self.alias!r} exists where newsflow expects an alias "
                    f"(it was probably auto-created without the template): reindex it into "
                    f"{self.alias}-000001 or delete it, then run again"
                )
            first = f"{self.alias}-000001"
            try:
                self.client.indices.create(
                    index=first, aliases={self.alias: {"is_write_index": True}}
                )
                log.info("created Elasticsearch index %s with alias %s", first, self.alias)
            except BadRequestError as exc:
                if _error_type(exc) != "resource_already_exists_exception":
                    raise
                # the index exists without the alias: attach it
                self.client.indices.put_alias(index=first, name=self.alias, is_write_index=True)
        except NewsflowError:
            raise
        except (ApiError, TransportError) as exc:
            raise self._translate(exc, "setting up the index template and alias") from exc

    def _add_new_fields(self) -> None:
        """Add fields the template gained since the index was created (additive only).

        A template change that alters an existing field cannot be applied in place: that
        is logged, and :meth:`reindex` applies it.
        """
        properties = load_template(self.template_path)["template"]["mappings"]["properties"]
        try:
            self.client.indices.put_mapping(index=self.alias, properties=properties)
        except BadRequestError as exc:
            log.warning("the index behind %s cannot take the current mapping in place (%s); "
                        "run `newsflow es reindex`", self.alias, _error_reason(exc))

    def current_index(self) -> str:
        """The concrete index the alias points at."""
        try:
            indices = list(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError as exc:
            raise IndexUnavailable(
                f"the alias {self.alias} does not exist on {self._where}; run setup "
                "(opening the backend does it) or `newsflow es reindex`"
            ) from exc
        except (ApiError, TransportError) as exc:
            raise self._translate(exc, "reading the alias") from exc
        if len(indices) != 1:
            raise ConfigError(f"alias {self.alias} points at {sorted(indices)}; expected one index")
        return indices[0]

    def _call(self, doing: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one client call; recreate a deleted index/alias once; translate errors."""
        for attempt in (1, 2):
            try:
                return fn(*args, **kwargs)
            except NotFoundError as exc:
                if attempt == 1 and _error_type(exc) == "index_not_found_exception":
                    log.warning("index %s is missing on %s; recreating it", self.alias, self._where)
                    self.setup()
                    continue
                raise self._translate(exc, doing) from exc
            except (ApiError, TransportError) as exc:
                raise self._translate(exc, doing) from exc
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ writing

    def upsert(self, documents: Iterable[Document]) -> IndexReport:
        """Write ``documents``; report which were new, updated, unchanged or refused.

        Batches are pipelined one deep: while one bulk request is on the wire (the server
        indexing it), the next batch's existing hashes are looked up and its JSON is built.
        Bulk requests still go out one at a time and in order, so the last version of a
        document given twice wins; a batch that shares an id with the one in flight waits for
        it first, so "updated" is reported exactly.
        """
        report = IndexReport()
        wrote = False
        in_flight: tuple[Future[tuple[IndexReport, list[str]]], frozenset[str]] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsflow-bulk") as sender:
            for batch in self._batches(documents, report):
                if in_flight is not None and not in_flight[1].isdisjoint(batch):
                    self._settle(in_flight[0], report)
                    in_flight = None
                actions, kinds = self._prepare(batch, report)
                if in_flight is not None:
                    self._settle(in_flight[0], report)
                    in_flight = None
                if actions:
                    in_flight = (sender.submit(self._send, actions, kinds), frozenset(batch))
                    wrote = True
            if in_flight is not None:
                self._settle(in_flight[0], report)
        if wrote and self.refresh:
            self._call("refreshing the index", self.client.indices.refresh, index=self.alias)
        return report

    def _batches(self, documents: Iterable[Document], report: IndexReport) -> Iterator[dict[str, Document]]:
        """Valid documents in batches of ``chunk_size`` with no id twice in one batch."""
        batch: dict[str, Document] = {}
        for doc in documents:
            reason = reject_reason(doc)
            if reason is not None:
                doc_id = doc.get("id") if isinstance(doc, dict) else None
                report.failed.append((doc_id if isinstance(doc_id, str) else "", reason))
                continue
            doc_id = doc["id"]
            if doc_id in batch or len(batch) >= self.chunk_size:
                yield batch
                batch = {}
            batch[doc_id] = doc
        if batch:
            yield batch

    def _existing_hashes(self, ids: list[str]) -> dict[str, str | None]:
        for attempt in (1, 2):
            resp = self._call(
                "looking up existing documents", self.client.mget,
                index=self.alias, ids=ids, source_includes=["content_hash"],
            )
            errors = [d["error"] for d in resp["docs"] if d.get("error")]
            if not errors:
                break
            kind = errors[0].get("type") if isinstance(errors[0], dict) else str(errors[0])
            if attempt == 1 and kind == "index_not_found_exception":
                log.warning("index %s is missing on %s; recreating it", self.alias, self._where)
                self.setup()
                continue
            raise IndexUnavailable(
                f"Elasticsearch at {self._where} could not look up existing documents "
                f"({kind}: {errors[0]}); retry later"
            )
        out: dict[str, str | None] = {}
        for d in resp["docs"]:
            if d.get("found"):
                out[d["_id"]] = (d.get("_source") or {}).get("content_hash")
        return out

    def _prepare(
        self, batch: dict[str, Document], report: IndexReport
    ) -> tuple[list[tuple[dict[str, Any], str]], dict[str, str]]:
        """Bulk actions for the documents of ``batch`` that changed, and whether each is new
        or updated. Unchanged and unserialisable documents go straight into ``report``."""
        existing = self._existing_hashes(list(batch))
        now = iso(utcnow())
        actions: list[tuple[dict[str, Any], str]] = []
        kinds: dict[str, str] = {}
        for doc_id, doc in batch.items():
            try:
                raw, digest = canonical_content(doc)
            except (TypeError, ValueError) as exc:
                report.failed.append((doc_id, f"not indexable: {exc}"))
                continue
            if doc_id in existing and existing[doc_id] == digest:
                report.unchanged.append(doc_id)
                continue
            # the stored source is the canonical content plus our two bookkeeping fields
            source = f'{raw[:-1]},"content_hash":"{digest}","indexed_at":"{now}"}}'
            size = len(source.encode("utf-8"))
            if size > self.max_document_bytes:
                report.failed.append((doc_id, (
                    f"document is {size / 1e6:.1f} MB, over the {self.max_document_bytes / 1e6:.0f}"
                    " MB limit for one document: shorten its text"
                )))
                continue
            kinds[doc_id] = "updated" if doc_id in existing else "new"
            actions.append(({"index": {"_index": self.alias, "_id": doc_id}}, source))
        return actions, kinds

    def _send(
        self, actions: list[tuple[dict[str, Any], str]], kinds: dict[str, str]
    ) -> tuple[IndexReport, list[str]]:
        """One batch through ``streaming_bulk`` (runs on the sender thread): what happened to
        each document, and the refusals that are the cluster's fault rather than the document's."""
        done = IndexReport()
        blocked: list[str] = []
        try:
            for ok, item in streaming_bulk(
                self.client,
                cast(Any, actions),  # (header, JSON) pairs, see _prepared
                chunk_size=self.chunk_size,
                max_chunk_bytes=self.max_chunk_bytes,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=self.max_retries,
                initial_backoff=self.initial_backoff,
                max_backoff=self.max_backoff,
                retry_on_status=_RETRY_STATUSES,
                yield_ok=True,
                require_alias=True,
                expand_action_callback=_prepared,
            ):
                info = next(iter(item.values()))
                doc_id = str(info.get("_id"))
                if ok:
                    bucket = done.updated if kinds.get(doc_id) == "updated" else done.new
                    bucket.append(doc_id)
                    continue
                reason = _item_reason(info)
                status = int(info.get("status") or 0)
                if status in _RETRY_STATUSES or "cluster_block_exception" in reason:
                    blocked.append(f"{doc_id}: {reason}")
                done.failed.append((doc_id, reason))
        except (ApiError, TransportError) as exc:
            raise self._translate(exc, "bulk indexing") from exc
        return done, blocked

    def _settle(self, sent: Future[tuple[IndexReport, list[str]]], report: IndexReport) -> None:
        """Wait for a bulk request, fold its outcome into ``report``; raise if the cluster
        refused documents for reasons that are not theirs."""
        done, blocked = sent.result()
        report.merge(done)
        if blocked:
            raise IndexUnavailable(
                f"Elasticsearch at {self._where} refused {len(blocked)} document(s) for reasons "
                f"that are not theirs (first: {blocked[0]}); retry later. If the index is "
                "read-only, free disk space and clear index.blocks.read_only_allow_delete"
            )

    def delete(self, doc_ids: Iterable[str]) -> int:
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return 0
        deleted = 0
        actions = ({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)
        try:
            for ok, item in streaming_bulk(
                self.client, actions, chunk_size=self.chunk_size, raise_on_error=False,
                max_retries=self.max_retries, initial_backoff=self.initial_backoff,
                retry_on_status=_RETRY_STATUSES, ignore_status=(404,),
            ):
                info = item.get("delete", {})
                if ok and info.get("result") == "deleted":
                    deleted += 1
        except (ApiError, TransportError) as exc:
            raise self._translate(exc, "deleting documents") from exc
        if self.refresh:
            self._call("refreshing the index", self.client.indices.refresh, index=self.alias)
        return deleted

    # ------------------------------------------------------------------ reading

    @staticmethod
    def _public(source: dict[str, Any]) -> Document:
        return {k: v for k, v in source.items() if k not in INTERNAL_FIELDS}

    def get(self, doc_id: str) -> Document | None:
        try:
            resp = self.client.get(index=self.alias, id=doc_id)
        except NotFoundError as exc:
            if _error_type(exc) == "index_not_found_exception":
                raise self._translate(exc, "getting a document") from exc
            return None
        except (ApiError, TransportError) as exc:
            raise self._translate(exc, "getting a document") from exc
        return self._public(resp["_source"])

    def count(self) -> int:
        return int(self._call("counting documents", self.client.count, index=self.alias)["count"])

    def iter_documents(self, since: datetime | None = None) -> Iterator[Document]:
        query: dict[str, Any] = {"match_all": {}}
        if since is not None:
            query = {"range": {"published_at": {"gte": iso(since)}}}
        after: list[Any] | None = None
        while True:
            kwargs: dict[str, Any] = {}
            if after is not None:
                kwargs["search_after"] = after
            resp = self._call(
                "reading all documents", self.client.search,
                index=self.alias, query=query, sort=[{"id": "asc"}], size=500,
                source_excludes=list(INTERNAL_FIELDS), track_total_hits=False, **kwargs,
            )
            hits = resp["hits"]["hits"]
            for h in hits:
                yield self._public(h["_source"])
            if len(hits) < 500:
                return
            after = hits[-1]["sort"]

    def _build_query(self, q: SearchQuery) -> tuple[dict[str, Any], bool]:
        """The Elasticsearch query, and whether its text has a positive term to highlight."""
        must: list[dict[str, Any]] = []
        filters: list[dict[str, Any]] = []
        parsed = parse(q.text)
        text_query = compile_query(parsed)
        if text_query is not None:
            must.append(text_query)
        for field_name, values in q.filters.items():
            if field_name not in FACET_FIELDS:
                raise QueryError(
                    f"cannot filter on {field_name!r}; filterable fields: {', '.join(FACET_FIELDS)}"
                )
            if values:
                filters.append({"terms": {field_name: [str(v) for v in values]}})
        if q.since is not None or q.until is not None:
            rng: dict[str, Any] = {}
            if q.since is not None:
                rng["gte"] = iso(q.since)
            if q.until is not None:
                rng["lt"] = iso(q.until)
            filters.append({"range": {"published_at": rng}})
        try:
            near = check_near(q.near)
        except ValueError as exc:
            raise QueryError(str(exc)) from exc
        if near is not None:
            lat, lon, km = near
            filters.append({"geo_distance": {"distance": f"{km}km", "distance_type": "arc",
                                             GEO_FIELD: {"lat": lat, "lon": lon}}})
        if not must and not filters:
            return {"match_all": {}}, bool(parsed.groups)
        return ({"bool": {"must": must or [{"match_all": {}}], "filter": filters}},
                bool(parsed.groups))

    def search(self, query: SearchQuery) -> SearchResult:
        q = query
        if q.size < 0 or q.offset < 0 or q.facet_size < 1:
            raise QueryError("size and offset must be >= 0 and facet_size >= 1")
        if q.sort not in ("relevance", "date"):
            raise QueryError(f"unknown sort {q.sort!r}; use 'relevance' or 'date'")
        if q.search_after is None and q.offset + q.size > _MAX_WINDOW:
            raise QueryError(
                f"offset + size may not exceed {_MAX_WINDOW}; page deeper with search_after"
            )
        es_query, has_terms = self._build_query(q)
        date_sort = {"published_at": {"order": "desc", "missing": "_last"}}
        sort: list[Any] = (
            [date_sort, {"_score": "desc"}, {"id": "asc"}]
            if q.sort == "date"
            else [{"_score": "desc"}, date_sort, {"id": "asc"}]
        )
        body: dict[str, Any] = {
            "query": es_query,
            "sort": sort,
            "size": q.size,
            "track_total_hits": True,
            "track_scores": True,
            "source_excludes": list(INTERNAL_FIELDS),
        }
        before = q.offset
        if q.search_after is not None:
            body["search_after"], before = decode_cursor_position(q.search_after, q.sort)
        elif q.offset:
            body["from_"] = q.offset
        aggs: dict[str, Any] = {}
        for facet in q.facets:
            if facet not in FACET_FIELDS:
                raise QueryError(
                    f"cannot facet on {facet!r}; facet fields: {', '.join(FACET_FIELDS)}"
                )
            aggs[f"facet:{facet}"] = {
                "terms": {"field": facet, "size": q.facet_size,
                          "order": [{"_count": "desc"}, {"_key": "asc"}]}
            }
        if q.histogram is not None:
            if q.histogram not in _INTERVALS:
                raise QueryError(f"unknown histogram interval {q.histogram!r}")
            aggs["histogram"] = {
                "date_histogram": {
                    "field": "published_at",
                    "calendar_interval": _INTERVALS[q.histogram],
                    "format": "yyyy-MM-dd",
                    "min_doc_count": 1,
                }
            }
        if aggs:
            body["aggs"] = aggs
        if q.highlight and has_terms:
            body["highlight"] = {
                "pre_tags": ["<mark>"],
                "post_tags": ["</mark>"],
                "encoder": "default",
                "fields": {
                    "title": {"number_of_fragments": 0},
                    "text": {"fragment_size": 160, "number_of_fragments": 3},
                },
            }
        resp = self._call("searching", self.client.search, index=self.alias, **body)
        hits = [
            Hit(
                id=h["_id"],
                score=float(h.get("_score") or 0.0),
                document=self._public(h["_source"]),
                highlights={k: list(v) for k, v in (h.get("highlight") or {}).items()},
            )
            for h in resp["hits"]["hits"]
        ]
        total = int(resp["hits"]["total"]["value"])
        raw_aggs = resp.get("aggregations") or {}
        facets = {
            facet: [(str(b["key"]), int(b["doc_count"]))
                    for b in raw_aggs[f"facet:{facet}"]["buckets"]]
            for facet in q.facets
        }
        histogram = [
            (str(b["key_as_string"]), int(b["doc_count"]))
            for b in (raw_aggs.get("histogram") or {}).get("buckets", [])
            if b["doc_count"] > 0
        ]
        next_cursor = None
        seen = before + len(hits)
        if hits and q.size and len(hits) == q.size and seen < total:
            last_sort = resp["hits"]["hits"][-1].get("sort")
            if last_sort is not None:
                next_cursor = encode_cursor(q.sort, last_sort, seen)
        return SearchResult(total=total, hits=hits, facets=facets, histogram=histogram,
                            next_cursor=next_cursor)

    # ------------------------------------------------------------------ maintenance

    def reindex(self, *, delete_old: bool = False) -> dict[str, Any]:
        """Copy everything into a new versioned index with the current template, swap the alias.

        Readers see the old index until the atomic alias swap. Documents written to the old
        index while copying are copied again after the swap (by ``indexed_at``).
        """
        self.setup()  # refresh the template with the current mapping
        old = self.current_index()
        m = _SUFFIX.search(old)
        number = int(m.group(1)) + 1 if m else 1
        new = f"{self.alias}-{number:06d}"
        while self.client.indices.exists(index=new):
            number += 1
            new = f"{self.alias}-{number:06d}"
        started = iso(utcnow())
        try:
            self.client.indices.create(index=new)
        except (ApiError, TransportError) as exc:
            raise self._translate(exc, f"creating {new}") from exc
        copied, failures = self._copy(old, new, None)
        if failures:
            self.client.indices.delete(index=new)
            raise ConfigError(
                f"reindex into {new} aborted, {len(failures)} document(s) do not fit the new "
                f"mapping (first: {failures[0][0]}: {failures[0][1]}); {self.alias} still "
                f"points at {old}: fix the template or the documents, then run again"
            )
        try:
            self.client.indices.refresh(index=new)
            self.client.indices.update_aliases(actions=[
                {"add": {"index": new, "alias": self.alias, "is_write_index": True}},
                {"remove": {"index": old, "alias": self.alias}},
            ])
        except (ApiError, TransportError) as exc:
            raise self._translate(exc, "swapping the alias") from exc
        caught_up, _ = self._copy(old, new, started)
        self.client.indices.refresh(index=new)
        if delete_old:
            self.client.indices.delete(index=old)
        log.info("reindexed %s: %s -> %s (%d documents, %d caught up)",
                 self.alias, old, new, copied, caught_up)
        return {"old": old, "new": new, "copied": copied, "caught_up": caught_up,
                "old_deleted": delete_old}

    def _copy(self, src: str, dst: str, since: str | None) -> tuple[int, list[tuple[str, str]]]:
        query: dict[str, Any] = {"match_all": {}}
        if since is not None:
            query = {"range": {"indexed_at": {"gte": since}}}

        def actions() -> Iterator[dict[str, Any]]:
            after: list[Any] | None = None
            while True:
                kwargs: dict[str, Any] = {"search_after": after} if after is not None else {}
                resp = self.client.search(index=src, query=query, sort=[{"id": "asc"}],
                                          size=500, track_total_hits=False, **kwargs)
                hits = resp["hits"]["hits"]
                for h in hits:
                    yield {"_op_type": "index", "_index": dst, "_id": h["_id"],
                           "_source": h["_source"]}
                if len(hits) < 500:
                    return
                after = hits[-1]["sort"]

        copied = 0
        failures: list[tuple[str, str]] = []
        try:
            for ok, item in streaming_bulk(
                self.client, actions(), chunk_size=self.chunk_size,
                max_chunk_bytes=self.max_chunk_bytes, raise_on_error=False,
                max_retries=self.max_retries, initial_backoff=self.initial_backoff,
                retry_on_status=_RETRY_STATUSES,
            ):
                info = next(iter(item.values()))
                if ok:
                    copied += 1
                else:
                    failures.append((str(info.get("_id")), _item_reason(info)))
        except (ApiError, TransportError) as exc:
            raise self._translate(exc, f"copying {src} into {dst}") from exc
        return copied, failures

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> ElasticBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
