"""The state store: what newsflow remembers between runs, in one SQLite file.

- ``feeds``: per-feed validators (ETag, Last-Modified, body hash) and last status;
- ``articles``: every article URL ever seen (normalised), with its feed entry and whether it
  is ``pending`` (durable work not yet indexed), ``done`` or ``failed``;
- ``failures``: one row per (stage, url) that failed, with reason, host, attempts and next retry;
- ``hosts``: consecutive transient failures per host and, past a threshold, a backoff time;
- ``robots``: each origin's robots.txt with an expiry;
- ``aliases``: every normalised URL an indexed article is known by (entry link, proxy link,
  final URL, canonical URL) → its one document id.

Work is written here before it is acknowledged, so a killed run loses nothing: the next run
picks up ``pending`` articles. A run *claims* the articles it processes (a lease: owner and
expiry, renewed by a background thread while the run lives), so two concurrent runs never
process the same article, and a killed run's claims expire and are picked up again.

Layout: :class:`StateStore` (:mod:`.store`, its per-host part in :mod:`.hosts`) is the entry point callers use; its records
(:mod:`.records`), time representation (:mod:`.clock`) and retry policy (:mod:`.retry`) do
not depend on the database; :mod:`.sqlite` holds the schema (version, migrations) and one
module per table with that table's SQL.
"""

from newsflow.state.clock import seconds_until
from newsflow.state.records import (
    Failure,
    FeedState,
    HostState,
    failures_by_host,
    iter_failures_by_reason,
)
from newsflow.state.retry import RetryPolicy, retry_delay
from newsflow.state.sqlite.schema import SCHEMA_VERSION
from newsflow.state.store import StateStore

__all__ = [
    "SCHEMA_VERSION",
    "Failure",
    "FeedState",
    "HostState",
    "RetryPolicy",
    "StateStore",
    "failures_by_host",
    "iter_failures_by_reason",
    "retry_delay",
    "seconds_until",
]
