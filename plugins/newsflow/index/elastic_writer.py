"""Writing documents to Elasticsearch: bulk upserts that skip unchanged documents, deletes.

Each stored document is the given one plus ``indexed_at`` and an internal ``content_hash``
(SHA-256 of the document without ``indexed_at``) that makes unchanged documents cheap to
detect; ``content_hash`` never leaves the backend (see :data:`INTERNAL_FIELDS`).

Every write carries an external version, the time of the write in milliseconds, above the
writer's previous one (``version_type: external_gte``): a document's version only grows, so a reindex catch-up
copying an older version cannot overwrite it (see :mod:`.elastic_admin`). A write whose
version is below the stored one (another writer indexed the same document later, by its
clock) leaves the stored, newer document and is reported unchanged.

Writes are not refreshed one by one: they become searchable with the index's
``refresh_interval`` (1s), and :meth:`ElasticWriter.refresh` (the backend calls it when it
closes after writing) makes them searchable at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, cast

from elastic_transport import TransportError
from elasticsearch import ApiError
from elasticsearch.helpers import streaming_bulk

from newsflow.errors import ConfigError, IndexUnavailable
from newsflow.index.base import IndexReport, reject_reason
from newsflow.index.elastic_client import (
    RETRY_STATUSES,
    Connection,
    item_reason,
    missing_alias,
    not_allowed,
)
from newsflow.models import Document, iso, utcnow

log = logging.getLogger(__name__)

INTERNAL_FIELDS = ("content_hash",)
"""Stored fields that are the backend's bookkeeping, never part of a returned document."""
_HASH_EXCLUDED = frozenset({"indexed_at", *INTERNAL_FIELDS})

Actions = list[tuple[dict[str, Any], str]]
"""Bulk actions as (header, pre-serialised source) pairs."""
Sent = Future[tuple[IndexReport, list[str]]]


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


class ElasticWriter:
    """Upserts and deletes through ``conn.alias`` with ``conn.bulk``'s options."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.dirty = False
        """Whether documents were written or deleted since the last :meth:`refresh`."""
        self._last_version = 0

    def upsert(self, documents: Iterable[Document]) -> IndexReport:
        """Write ``documents``; report which were new, updated, unchanged or refused.

        Batches are pipelined one deep: while one bulk request is on the wire (the server
        indexing it), the next batch's existing hashes are looked up and its JSON is built.
        Bulk requests still go out one at a time and in order, so the last version of a
        document given twice wins; a batch that shares an id with the one in flight waits for
        it first, so "updated" is reported exactly. Raises :class:`IndexUnavailable` when the
        cluster refuses documents for reasons that are not theirs (or the alias is missing:
        run ``newsflow es setup``), :class:`ConfigError` when the credentials may not write.
        """
        report = IndexReport()
        in_flight: tuple[Sent, frozenset[str]] | None = None
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
                    self.dirty = True
            if in_flight is not None:
                self._settle(in_flight[0], report)
        return report

    def refresh(self) -> None:
        """Make the writes so far searchable now (one ``_refresh``), when there were any.
        Credentials without the ``refresh`` privilege skip it: the index's
        ``refresh_interval`` does the same a moment later."""
        if not self.dirty:
            return
        self.dirty = False
        try:
            self.conn.call("refreshing the index", self.conn.client.indices.refresh,
                           index=self.conn.alias)
        except ConfigError as exc:
            log.info("not refreshing %s (%s); writes become searchable within the index's "
                     "refresh_interval", self.conn.alias, exc)

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
            if doc_id in batch or len(batch) >= self.conn.bulk.chunk_size:
                yield batch
                batch = {}
            batch[doc_id] = doc
        if batch:
            yield batch

    def _existing_hashes(self, ids: list[str]) -> dict[str, str | None]:
        """The stored content hash of each of ``ids`` that exists."""
        resp = self.conn.call(
            "looking up existing documents", self.conn.client.mget,
            index=self.conn.alias, ids=ids, source_includes=["content_hash"],
        )
        errors = [d["error"] for d in resp["docs"] if d.get("error")]
        if errors:
            kind = errors[0].get("type") if isinstance(errors[0], dict) else str(errors[0])
            if kind == "index_not_found_exception":
                raise missing_alias(self.conn.alias, self.conn.where)
            raise IndexUnavailable(
                f"Elasticsearch at {self.conn.where} could not look up existing documents "
                f"({kind}: {errors[0]}); retry later"
            )
        return {d["_id"]: (d.get("_source") or {}).get("content_hash")
                for d in resp["docs"] if d.get("found")}

    def _next_version(self) -> int:
        """The external version of the next write: the clock in milliseconds (``indexed_at``
        itself keeps whole seconds), and above this writer's previous one, so two writes of
        the same document within one second or millisecond still order (a reindex catch-up
        must see the second as newer)."""
        self._last_version = max(time.time_ns() // 1_000_000, self._last_version + 1)
        return self._last_version

    def _prepare(self, batch: dict[str, Document], report: IndexReport) -> tuple[Actions, dict[str, str]]:
        """Bulk actions for the documents of ``batch`` that changed, and whether each is new
        or updated. Unchanged and unserialisable documents go straight into ``report``."""
        existing = self._existing_hashes(list(batch))
        moment = utcnow()
        now = iso(moment)
        version = self._next_version()
        limit = self.conn.bulk.max_document_bytes
        actions: Actions = []
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
            if size > limit:
                report.failed.append((doc_id, (
                    f"document is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f}"
                    " MB limit for one document: shorten its text"
                )))
                continue
            kinds[doc_id] = "updated" if doc_id in existing else "new"
            actions.append(({"index": {"_index": self.conn.alias, "_id": doc_id, "version": version,
                                       "version_type": "external_gte"}}, source))
        return actions, kinds

    def _send(self, actions: Actions, kinds: dict[str, str]) -> tuple[IndexReport, list[str]]:
        """One batch through ``streaming_bulk`` (runs on the sender thread): what happened to
        each document, and the refusals that are the cluster's fault rather than the document's.
        Raises :class:`ConfigError` when the credentials may not write, and the missing-alias
        :class:`IndexUnavailable`."""
        done = IndexReport()
        blocked: list[str] = []
        bulk = self.conn.bulk
        try:
            for ok, item in streaming_bulk(
                self.conn.client,
                cast(Any, actions),  # (header, JSON) pairs, see _prepared
                chunk_size=bulk.chunk_size,
                max_chunk_bytes=bulk.max_chunk_bytes,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=bulk.max_retries,
                initial_backoff=bulk.initial_backoff,
                max_backoff=bulk.max_backoff,
                retry_on_status=RETRY_STATUSES,
                yield_ok=True,
                require_alias=True,
                refresh=bulk.refresh,
                expand_action_callback=_prepared,
            ):
                info = next(iter(item.values()))
                doc_id = str(info.get("_id"))
                if ok:
                    bucket = done.updated if kinds.get(doc_id) == "updated" else done.new
                    bucket.append(doc_id)
                    continue
                reason = item_reason(info)
                status = int(info.get("status") or 0)
                if status == 409:  # the index holds a newer version (see the module docstring)
                    log.debug("%s: a newer version is indexed already (%s)", doc_id, reason)
                    done.unchanged.append(doc_id)
                    continue
                if status in (401, 403) and "security_exception" in reason:
                    raise not_allowed(self.conn.alias, "bulk indexing", reason)
                if "index_not_found_exception" in reason:
                    raise missing_alias(self.conn.alias, self.conn.where)
                if status in RETRY_STATUSES or "cluster_block_exception" in reason:
                    blocked.append(f"{doc_id}: {reason}")
                done.failed.append((doc_id, reason))
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, "bulk indexing") from exc
        return done, blocked

    def _settle(self, sent: Sent, report: IndexReport) -> None:
        """Wait for a bulk request, fold its outcome into ``report``; raise if the cluster
        refused documents for reasons that are not theirs."""
        done, blocked = sent.result()
        report.merge(done)
        if blocked:
            raise IndexUnavailable(
                f"Elasticsearch at {self.conn.where} refused {len(blocked)} document(s) for "
                f"reasons that are not theirs (first: {blocked[0]}); retry later. If the index "
                "is read-only, free disk space and clear index.blocks.read_only_allow_delete"
            )

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Delete ``doc_ids`` (missing ones are ignored); the number actually deleted."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return 0
        deleted = 0
        bulk = self.conn.bulk
        actions = ({"_op_type": "delete", "_index": self.conn.alias, "_id": i} for i in ids)
        try:
            for ok, item in streaming_bulk(
                self.conn.client, actions, chunk_size=bulk.chunk_size, raise_on_error=False,
                max_retries=bulk.max_retries, initial_backoff=bulk.initial_backoff,
                retry_on_status=RETRY_STATUSES, ignore_status=(404,), refresh=bulk.refresh,
            ):
                info = item.get("delete", {})
                if ok and info.get("result") == "deleted":
                    deleted += 1
                    self.dirty = True
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, "deleting documents") from exc
        return deleted
