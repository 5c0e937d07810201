"""What the facade needs of a dialect: the database and one protocol per table store.

:class:`~newsflow.state.store.StateStore` is typed against these, not against a dialect's
classes; :mod:`newsflow.state.sqlite` and :mod:`newsflow.state.postgres` each implement
them (structurally: no inheritance). Times are stored form (:data:`~newsflow.state.clock.Stamp`),
records are those of :mod:`newsflow.state.records`. A table store's method runs on the
connection the caller holds (``Database.locked()``), inside ``Database.transaction()`` where
several statements must hold together; "for update" methods keep what they read locked
against other processes until that transaction ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from newsflow.models import FeedEntry
from newsflow.state.clock import Stamp
from newsflow.state.records import Failure, FeedState, HostState, Subscription
from newsflow.state.tables.alerts import Alert, Delivery


class Database(Protocol):
    """One connection and the lock its threads share (:class:`newsflow.sqlite_db.Database`,
    :class:`newsflow.postgres_db.Database`)."""

    @property
    def Error(self) -> type[Exception]:
        """The exception a statement raises (a busy or unreachable database, a full disk…)."""
        ...

    def locked(self) -> AbstractContextManager[Any]:
        """The connection, for statements that each stand alone (autocommit)."""
        ...

    def transaction(self) -> AbstractContextManager[Any]:
        """The connection inside one transaction; rolled back on any exception."""
        ...

    def lost(self, exc: BaseException) -> bool:
        """Whether ``exc`` means the connection is gone (:meth:`reconnect` may help)."""
        ...

    def reconnect(self) -> None:
        """A new connection for a lost one; :class:`~newsflow.errors.StateUnavailable` when
        the server stays unreachable."""
        ...

    def close(self) -> None: ...


class FeedsTable(Protocol):
    def get(self, url: str) -> FeedState | None: ...

    def all(self) -> list[FeedState]: ...

    def record(
        self, url: str, name: str, now: Stamp, *, status: str, http_status: int | None, etag: str | None,
        last_modified: str | None, body_hash: str | None, changed: bool, entries: int,
        validators_trusted: bool | None, conditional: bool | None, poll_interval: float | None,
    ) -> None: ...


class ArticlesTable(Protocol):
    def insert_new(self, entry: FeedEntry, doc_id: str, now: Stamp, status: str = "pending") -> bool: ...

    def queue(self, entry: FeedEntry, doc_id: str, now: Stamp) -> None: ...

    def stored(self, url: str) -> tuple[FeedEntry, str] | None: ...

    def replace_entry(self, entry: FeedEntry, now: Stamp) -> None: ...

    def due(
        self, now: Stamp, *, max_attempts: int, include_failed: bool, urls: Sequence[str] | None, limit: int | None
    ) -> list[tuple[str, FeedEntry]]: ...

    def claim_due(
        self, now: Stamp, owner: str, until: Stamp, *, max_attempts: int, include_failed: bool,
        urls: Sequence[str] | None, limit: int | None,
    ) -> list[FeedEntry]:
        """Lease what :meth:`due` lists to ``owner``; never an article another live
        transaction or run holds. Entries oldest first."""
        ...

    def renew(self, owner: str, until: Stamp) -> int: ...

    def release(self, owner: str, urls: Sequence[str] | None) -> int: ...

    def entry(self, url: str) -> FeedEntry | None: ...

    def settle(self, urls: Sequence[str], status: str, now: Stamp) -> None: ...

    def requeue_failed(self, now: Stamp, *, include_permanent: bool) -> int: ...

    def counts(self) -> dict[str, int]: ...

    def prune_done(self, before: Stamp) -> int: ...


class AliasesTable(Protocol):
    def known(self, urls: Sequence[str]) -> dict[str, str]:
        """``url → doc_id`` of those recorded; inside a transaction, no other claim of
        aliases runs until it ends."""
        ...

    def add(self, urls: Sequence[str], doc_id: str, now: Stamp) -> None: ...

    def of(self, doc_id: str) -> list[str]: ...


class FailuresTable(Protocol):
    def attempts(self, stage: str, url: str) -> int:
        """Failures of ``url`` in ``stage`` so far, held for update until the transaction ends."""
        ...

    def record(
        self, stage: str, url: str, now: Stamp, *, error_class: str, message: str, retryable: bool,
        next_retry: Stamp | None, host: str | None,
    ) -> Failure: ...

    def clear(self, urls: Sequence[str], stages: Sequence[str]) -> None: ...

    def all(self, stage: str | None = None) -> list[Failure]: ...

    def count(self) -> int: ...

    def prune_permanent(self, before: Stamp) -> int: ...


class HostsTable(Protocol):
    def get(self, host: str) -> tuple[int, Stamp | None]: ...

    def for_update(self, host: str) -> tuple[int, Stamp | None]:
        """:meth:`get`, held for update until the transaction ends (a counter is read then written)."""
        ...

    def put(self, host: str, failures: int, until: Stamp | None, error: str, now: Stamp) -> None: ...

    def reset(self, host: str, now: Stamp) -> None: ...

    def all(self, *, backed_off_after: Stamp | None = None) -> list[HostState]: ...


class RobotsTable(Protocol):
    def get(self, origin: str, now: Stamp) -> tuple[int, str] | None: ...

    def put(self, origin: str, status: int, body: str, now: Stamp, expires: Stamp) -> None: ...


class HostSlotsTable(Protocol):
    def lock(self, host: str) -> None:
        """Hold ``host`` against every other process until the transaction ends."""
        ...

    def acquire(
        self, host: str, owner: str, token: str, now: Stamp, *, limit: int, delay: float, until: Stamp
    ) -> float:
        """Lease a slot of ``host`` (0.0) when fewer than ``limit`` are held and its next allowed
        start has come (it moves to ``now + delay``); else the seconds until that start, or a
        negative number when the slots are full. Runs after :meth:`lock` in one transaction."""
        ...

    def owners(self, host: str) -> list[tuple[str, str]]:
        """``(token, owner)`` of every slot row of ``host``."""
        ...

    def release(self, token: str) -> None: ...

    def held(self, host: str, now: Stamp) -> int: ...


class WebSubTable(Protocol):
    def get(self, feed_url: str) -> Subscription | None: ...

    def by_callback(self, callback_id: str) -> Subscription | None: ...

    def all(self) -> list[Subscription]: ...

    def due_requests(self, now: Stamp, *, renew_at: float, retry_after: float) -> list[Subscription]: ...

    def active(self, now: Stamp) -> list[str]: ...

    def discovered(self, feed_url: str, hub: str, topic: str, now: Stamp) -> None: ...

    def requested(self, feed_url: str, callback_id: str, secret: str, now: Stamp) -> None: ...

    def verified(self, feed_url: str, lease_seconds: float, now: Stamp) -> None: ...

    def set_status(self, feed_url: str, status: str, now: Stamp, *, error: str | None = None,
                   outstanding: bool = False) -> None: ...

    def failed(self, feed_url: str, error: str, now: Stamp) -> None: ...

    def pushed(self, feed_url: str, now: Stamp) -> None: ...

    def delete(self, feed_url: str) -> None: ...


class SitemapURLsTable(Protocol):
    def get(self, url: str) -> tuple[bool, Stamp | None]:
        """(listed before, newest lastmod recorded or None)."""
        ...

    def put(self, url: str, sitemap: str, lastmod: Stamp | None, now: Stamp) -> None: ...

    def count(self) -> int: ...


class AlertsTable(Protocol):
    """Saved searches and their delivery log (:mod:`newsflow.state.tables.alerts`)."""

    def add(self, name: str, search: str, target: str, now: Stamp) -> bool: ...

    def get(self, name: str) -> Alert | None: ...

    def all(self) -> list[Alert]: ...

    def checked_since(self, name: str) -> Stamp | None: ...

    def remove(self, name: str) -> bool: ...

    def claim(self, name: str, owner: str, now: Stamp, until: Stamp) -> bool: ...

    def release(self, name: str, owner: str) -> None: ...

    def found(self, name: str, matches: Sequence[tuple[str, str, str]], checked_at: Stamp, now: Stamp) -> int: ...

    def waiting(self, name: str) -> list[Delivery]: ...

    def deliveries(self, name: str) -> list[Delivery]: ...

    def sending(self, delivery_id: str) -> None: ...

    def delivered(self, name: str, delivery_ids: Sequence[str], now: Stamp) -> None: ...

    def failed(self, name: str, delivery_id: str | None, error: str, now: Stamp) -> None: ...


class Tables(Protocol):
    """The table stores of one state database, all on its one connection."""

    @property
    def feeds(self) -> FeedsTable: ...

    @property
    def articles(self) -> ArticlesTable: ...

    @property
    def aliases(self) -> AliasesTable: ...

    @property
    def failures(self) -> FailuresTable: ...

    @property
    def hosts(self) -> HostsTable: ...

    @property
    def robots(self) -> RobotsTable: ...

    @property
    def host_slots(self) -> HostSlotsTable: ...

    @property
    def websub(self) -> WebSubTable: ...

    @property
    def sitemap_urls(self) -> SitemapURLsTable: ...

    @property
    def alerts(self) -> AlertsTable: ...
