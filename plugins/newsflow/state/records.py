"""What the state store returns: its records, built from stored rows, and groupings of failures.

Times in records are ISO 8601 UTC strings (see :mod:`newsflow.state.clock`); a row's stored
times are converted here, once, whatever the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from dataclasses import field as dataclass_field
from typing import Any

from newsflow.models import FeedEntry, PageRules
from newsflow.politeness import host_of
from newsflow.state import clock


@dataclass(frozen=True, slots=True)
class FeedState:
    url: str
    name: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    last_status: str | None
    last_http_status: int | None
    last_polled_at: str | None
    last_changed_at: str | None
    entries_total: int
    validators_trusted: bool = True
    """False once the feed answered 304 (or the same ETag) while its body had changed."""
    polls_since_verify: int = 0
    poll_interval: float | None = None
    next_poll_at: str | None = None

    def due(self, now: str | None = None) -> bool:
        """Whether the adaptive poll interval has elapsed (``now``: ISO 8601, default the current time)."""
        return self.next_poll_at is None or self.next_poll_at <= (now or clock.to_iso(clock.now()) or "")


@dataclass(frozen=True, slots=True)
class HostState:
    host: str
    consecutive_failures: int
    backoff_until: str | None
    last_error: str | None
    updated_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Failure:
    id: int
    stage: str
    url: str
    error_class: str
    message: str
    retryable: bool
    attempts: int
    first_failed_at: str
    last_failed_at: str
    next_retry_at: str | None
    host: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A feed's WebSub hub and our subscription to it (see :mod:`newsflow.state.tables.websub`)."""

    feed_url: str
    hub: str
    topic: str
    """The topic URL subscribed to: the feed's ``rel="self"``, else its URL."""
    status: str
    """``discovered``, ``requested``, ``active``, ``unsubscribing`` or ``denied``."""
    callback_id: str | None
    """The unguessable last path segment of this subscription's callback URL."""
    secret: str | None = dataclass_field(repr=False)
    """The HMAC key the hub signs pushed content with: never shown, never logged."""
    lease_seconds: float | None
    requested_at: str | None
    """When our outstanding request was sent (None: none outstanding)."""
    verified_at: str | None
    expires_at: str | None
    last_push_at: str | None
    last_error: str | None
    updated_at: str

    def as_dict(self) -> dict[str, Any]:
        """Every field but the secret."""
        return {k: v for k, v in asdict(self).items() if k != "secret"}


def _shown(row: Mapping[str, Any], times: Sequence[str]) -> dict[str, Any]:
    data = dict(row)
    for column in times:
        data[column] = clock.to_iso(data[column])
    return data


def feed_state(row: Mapping[str, Any]) -> FeedState:
    """A ``feeds`` row (every column, stored times) as a record."""
    data = _shown(row, ("last_polled_at", "last_changed_at", "next_poll_at"))
    data["validators_trusted"] = bool(data["validators_trusted"])
    return FeedState(**data)


def subscription(row: Mapping[str, Any]) -> Subscription:
    """A ``websub`` row (every column, stored times) as a record."""
    return Subscription(**_shown(row, ("requested_at", "verified_at", "expires_at", "last_push_at", "updated_at")))


def host_state(row: Mapping[str, Any]) -> HostState:
    """A ``hosts`` row (every column, stored times) as a record."""
    return HostState(**_shown(row, ("backoff_until", "updated_at")))


def failure(row: Mapping[str, Any]) -> Failure:
    """A ``failures`` row (every column, stored times) as a record."""
    data = _shown(row, ("first_failed_at", "last_failed_at", "next_retry_at"))
    data["retryable"] = bool(data["retryable"])
    return Failure(**data)


def entry_json(entry: FeedEntry) -> str:
    """A feed entry as stored (JSON of every field of :class:`FeedEntry`)."""
    return json.dumps(asdict(entry))


def entry_of(raw: str) -> FeedEntry:
    """A stored entry (:func:`entry_json`) back as the dataclass."""
    data = json.loads(raw)
    for field in ("authors", "tags", "aliases"):
        data[field] = tuple(data.get(field) or ())
    if data.get("page_rules"):
        data["page_rules"] = PageRules.from_json(data["page_rules"])
    return FeedEntry(**data)


def iter_failures_by_reason(failures: Sequence[Failure]) -> Iterator[tuple[tuple[str, str], list[Failure]]]:
    """Group failures by (stage, error class), largest group first; within a group by host."""
    groups: dict[tuple[str, str], list[Failure]] = {}
    for item in failures:
        groups.setdefault((item.stage, item.error_class), []).append(item)
    for key, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        yield key, sorted(group, key=lambda f: (f.host or host_of(f.url), f.url))


def failures_by_host(failures: Sequence[Failure]) -> list[tuple[str, int]]:
    """(host, number of failures), most first."""
    counts: dict[str, int] = {}
    for item in failures:
        host = item.host or host_of(item.url)
        counts[host] = counts.get(host, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
