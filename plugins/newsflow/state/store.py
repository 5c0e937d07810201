"""The state store's one entry point: :class:`StateStore`, a facade over the table stores.

Callers use this class; it holds the database (one connection, one lock) and the table stores
built on it, decides which operations are one transaction, applies the retry policy
(:mod:`newsflow.state.retry`) and takes times in the API form (:mod:`newsflow.state.clock`).
The tables and their SQL are the dialect's: :mod:`newsflow.state.sqlite` for a file path,
:mod:`newsflow.state.postgres` for a ``postgresql://`` URL, both typed by
:mod:`newsflow.state.protocols`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from newsflow.errors import StateUnavailable
from newsflow.models import FeedEntry
from newsflow.politeness import host_of
from newsflow.postgres_db import is_postgres_url, redact_url
from newsflow.state import clock
from newsflow.state.alerting import AlertState
from newsflow.state.hosts import PerHostState
from newsflow.state.protocols import Database, Tables
from newsflow.state.reconnect import reconnecting_methods
from newsflow.state.records import Failure, FeedState
from newsflow.state.retry import RetryPolicy
from newsflow.state.subscriptions import SubscriptionState
from newsflow.urls import scheme_twin

DAY = 86_400.0


def open_state(target: Path | str) -> tuple[Database, Tables]:
    """The database and table stores at ``target``: a ``postgresql://`` URL, else a SQLite
    file path (``":memory:"`` for a throw-away one). Raises :class:`~newsflow.errors.ConfigError`."""
    if is_postgres_url(target):
        from newsflow.state import postgres

        return postgres.open_state(str(target))
    from newsflow.state import sqlite

    return sqlite.open_state(target)


@reconnecting_methods("close", "leased")
class StateStore(PerHostState, SubscriptionState, AlertState):
    """Thread-safe access to the state database (one connection, one lock).

    ``target``: a SQLite file path, or a ``postgresql://user:pass@host:port/db`` URL (the
    ``state_url`` setting); :attr:`path` shows it without a password. ``retry_base_delay``, ``max_retry_delay``: seconds; ``max_attempts`` counts the first try
    (see :class:`~newsflow.state.retry.RetryPolicy`). Raises :class:`~newsflow.errors.ConfigError`
    when the database cannot be opened (the message names the setting, never a password) or
    its schema is newer than this newsflow. A lost PostgreSQL connection is reopened and the
    operation run once more (:mod:`newsflow.state.reconnect`); a server that stays away
    raises :class:`~newsflow.errors.StateUnavailable`.
    """

    def __init__(
        self,
        target: Path | str,
        *,
        retry_base_delay: float = 300.0,
        max_attempts: int = 5,
        max_retry_delay: float = 86_400.0,
    ) -> None:
        self.path = redact_url(str(target)) if is_postgres_url(target) else str(target)
        self.retry = RetryPolicy(retry_base_delay, max_attempts, max_retry_delay)
        self._db, self._tables = open_state(target)

    def close(self) -> None:
        self._db.close()

    # --- feeds -------------------------------------------------------------------------
    def feed(self, url: str) -> FeedState | None:
        with self._db.locked():
            return self._tables.feeds.get(url)

    def feeds(self) -> list[FeedState]:
        with self._db.locked():
            return self._tables.feeds.all()

    def record_feed(
        self,
        url: str,
        name: str,
        *,
        status: str,
        http_status: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        changed: bool = False,
        entries: int = 0,
        validators_trusted: bool | None = None,
        conditional: bool | None = None,
        poll_interval: float | None = None,
    ) -> None:
        """Store the outcome of one poll. Validators are only replaced when the poll got a body.

        ``conditional``: whether the request carried validators (counts polls since the last
        unconditional, verifying poll). ``poll_interval``: the feed's next interval in seconds,
        which also sets ``next_poll_at``.
        """
        with self._db.locked():
            self._tables.feeds.record(
                url, name, clock.now(), status=status, http_status=http_status, etag=etag,
                last_modified=last_modified, body_hash=body_hash, changed=changed, entries=entries,
                validators_trusted=validators_trusted, conditional=conditional, poll_interval=poll_interval,
            )

    # --- articles ------------------------------------------------------------------------
    def add_entries(self, entries: Sequence[FeedEntry], doc_ids: Sequence[str]) -> list[FeedEntry]:
        """Record entries not seen before as pending work; return just those new ones.

        An entry whose URL is known but which brings aliases not recorded yet (the same
        article through a proxy feed, with its ``origLink``) adds them to the stored entry; a
        done article is queued again so its document gets them.
        """
        now = clock.now()
        new: list[FeedEntry] = []
        with self._db.transaction():
            for entry, doc_id in zip(entries, doc_ids, strict=True):
                if self._tables.articles.insert_new(entry, doc_id, now):
                    new.append(entry)
                elif entry.aliases:
                    self._merge_aliases(entry, now)
        return new

    def add_seen(self, entries: Sequence[FeedEntry], doc_ids: Sequence[str]) -> list[FeedEntry]:
        """Record entries not seen before as done without fetching them (a feed-list rule
        excluded them), in one transaction, so no run claims them; return just those new ones."""
        now = clock.now()
        with self._db.transaction():
            return [entry for entry, doc_id in zip(entries, doc_ids, strict=True)
                    if self._tables.articles.insert_new(entry, doc_id, now, "done")]

    def add_sitemap_entries(
        self, sitemap: str, found: Sequence[tuple[FeedEntry, str, str | None]], *, limit: int
    ) -> tuple[list[FeedEntry], list[FeedEntry]]:
        """Record what ``sitemap`` lists: ``found`` is (entry, doc id, lastmod ISO 8601 or None)
        in sitemap order. Returns ``(new, refreshed)``, together at most ``limit`` entries.

        A URL not known at all is queued like a feed entry (``new``). A URL a sitemap listed
        before whose lastmod is later than the newest one recorded is *refreshed*: a done
        article is queued again (its stored entry takes the sitemap's title and date when
        given), so its one document is updated; a pending one just takes them. Equal, older
        or missing lastmods change nothing; a URL first known from a feed starts its lastmod
        record here. Once ``limit`` is reached the rest is left unrecorded (a later call takes
        it). One transaction.
        """
        now = clock.now()
        new: list[FeedEntry] = []
        refreshed: list[FeedEntry] = []
        with self._db.transaction():
            for entry, doc_id, lastmod_iso in found:
                if len(new) + len(refreshed) >= limit:
                    break
                lastmod = clock.from_iso(lastmod_iso) if lastmod_iso else None
                listed, recorded = self._tables.sitemap_urls.get(entry.url)
                if self._tables.articles.insert_new(entry, doc_id, now):
                    new.append(entry)
                elif listed and lastmod is not None and recorded is not None and lastmod > recorded:
                    stored = self._tables.articles.stored(entry.url)
                    if stored is not None and stored[1] != "failed":
                        updated = _with_sitemap_fields(stored[0], entry)
                        self._tables.articles.replace_entry(updated, now)
                        refreshed.append(updated)
                self._tables.sitemap_urls.put(entry.url, sitemap, lastmod, now)
        return new, refreshed

    def sitemap_urls_known(self) -> int:
        """How many article URLs sitemaps have listed so far."""
        with self._db.locked():
            return self._tables.sitemap_urls.count()

    def _merge_aliases(self, entry: FeedEntry, now: clock.Stamp) -> None:
        stored = self._tables.articles.stored(entry.url)
        if stored is None:
            return
        known, status = stored
        missing = [a for a in entry.aliases if a not in known.aliases]
        if status == "done":
            recorded = self._tables.aliases.known(missing)
            missing = [a for a in missing if a not in recorded]
        if missing:
            self._tables.articles.replace_entry(replace(known, aliases=(*known.aliases, *missing)), now)

    def due_articles(
        self, limit: int | None = None, *, include_failed: bool = True, urls: Sequence[str] | None = None
    ) -> list[FeedEntry]:
        """Pending articles, then failed ones whose retry time has come (oldest first), that no
        live run has claimed. Only a listing: :meth:`claim_due` is what a processing run calls.

        ``urls`` restricts the answer to those articles (a mapped Airflow task's batch).
        """
        with self._db.locked():
            due = self._tables.articles.due(
                clock.now(), max_attempts=self.retry.max_attempts, include_failed=include_failed, urls=urls, limit=limit
            )
        return [entry for _, entry in due]

    def claim_due(
        self,
        owner: str,
        lease_seconds: float,
        limit: int | None = None,
        *,
        include_failed: bool = True,
        urls: Sequence[str] | None = None,
    ) -> list[FeedEntry]:
        """Claim the due articles for ``owner`` until ``lease_seconds`` from now and return them.

        Atomic across processes (SQLite: one ``BEGIN IMMEDIATE`` transaction; PostgreSQL: one
        ``UPDATE … FOR UPDATE SKIP LOCKED``): an article claimed by a live run is not returned
        to another; once its lease expires (the run was killed) it is.
        """
        now = clock.now()
        with self._db.transaction():
            return self._tables.articles.claim_due(
                now, owner, now + lease_seconds, max_attempts=self.retry.max_attempts,
                include_failed=include_failed, urls=urls, limit=limit,
            )

    def renew_leases(self, owner: str, lease_seconds: float) -> int:
        """Extend all of ``owner``'s claims to ``lease_seconds`` from now; how many."""
        with self._db.locked():
            return self._tables.articles.renew(owner, clock.now() + lease_seconds)

    def release_leases(self, owner: str, urls: Sequence[str] | None = None) -> int:
        """Give up ``owner``'s claims (all, or just ``urls``): the articles are due again at once."""
        with self._db.locked():
            return self._tables.articles.release(owner, urls)

    @contextmanager
    def leased(self, owner: str, lease_seconds: float) -> Iterator[None]:
        """Renew ``owner``'s claims every third of the lease while the block runs; release them after."""
        stop = threading.Event()

        def heartbeat() -> None:
            while not stop.wait(max(lease_seconds / 3, 0.05)):
                try:
                    self.renew_leases(owner, lease_seconds)
                except (self._db.Error, StateUnavailable):  # busy or away: the next beat tries again
                    continue

        thread = threading.Thread(target=heartbeat, name=f"lease-{owner}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)
            self.release_leases(owner)

    def article_entry(self, url: str) -> FeedEntry | None:
        with self._db.locked():
            return self._tables.articles.entry(url)

    def add_manual(self, entry: FeedEntry, doc_id: str) -> None:
        """Queue an article given by hand (re-queues it when already known)."""
        with self._db.locked():
            self._tables.articles.queue(entry, doc_id, clock.now())

    def mark_done(self, urls: Sequence[str], stages: Sequence[str] = ("fetch", "clean", "index")) -> None:
        """Mark ``urls`` indexed, drop their leases and their failures in ``stages``."""
        with self._db.transaction():
            self._tables.articles.settle(urls, "done", clock.now())
            self._tables.failures.clear(urls, stages)

    def mark_failed(self, url: str) -> None:
        with self._db.locked():
            self._tables.articles.settle([url], "failed", clock.now())

    def claim_identity(self, doc_id: str, aliases: Sequence[str]) -> tuple[str, list[str]]:
        """The document id of the article named by ``aliases`` (its identity URL first), and
        every alias recorded for that id.

        When any alias is already known, the article keeps the id it was first indexed under
        (the id of the first alias in ``aliases`` order that is known, itself or under the
        other web scheme: :func:`~newsflow.urls.scheme_twin`); else ``doc_id`` is
        used. The aliases not yet known are recorded under the chosen id; an alias already
        mapped to another document keeps its mapping. Atomic (one transaction).
        """
        urls = list(dict.fromkeys(aliases))
        twins = [t for t in map(scheme_twin, urls) if t]
        with self._db.transaction():
            known = self._tables.aliases.known(list(dict.fromkeys([*urls, *twins])))
            chosen = next((i for i in (known.get(u) or known.get(scheme_twin(u) or "") for u in urls) if i), doc_id)
            self._tables.aliases.add(urls, chosen, clock.now())
            return chosen, self._tables.aliases.of(chosen)

    def counts(self) -> dict[str, int]:
        """Articles per status (``pending``, ``done``, ``failed``) and the number of ``failures``."""
        with self._db.locked():
            return {**self._tables.articles.counts(), "failures": self._tables.failures.count()}

    # --- failures ------------------------------------------------------------------------
    def record_failure(
        self, stage: str, url: str, error: BaseException, *, retryable: bool, retry_after: float | None = None
    ) -> Failure:
        """Insert or bump the failure of ``url`` in ``stage``; schedule its next retry.

        Transient failures are retried after ``retry_base_delay * 2**(attempts-1)`` seconds
        with jitter (between half and all of it), never before the server's ``retry_after``,
        never later than ``max_retry_delay``; none after ``max_attempts``.
        """
        now = clock.now()
        with self._db.transaction():
            attempts = self._tables.failures.attempts(stage, url) + 1
            delay = self.retry.item_delay(attempts, retryable=retryable, retry_after=retry_after)
            return self._tables.failures.record(
                stage, url, now, error_class=type(error).__name__, message=str(error) or type(error).__name__,
                retryable=retryable, next_retry=None if delay is None else now + delay, host=host_of(url),
            )

    def clear_failure(self, stage: str, url: str) -> None:
        with self._db.locked():
            self._tables.failures.clear([url], [stage])

    def failures(self, stage: str | None = None) -> list[Failure]:
        """Every failure (of ``stage``), last failed first."""
        with self._db.locked():
            return self._tables.failures.all(stage)

    def requeue_failed_articles(self, *, include_permanent: bool = False) -> int:
        """Put failed articles back to pending (``newsflow retry``); returns how many."""
        with self._db.locked():
            return self._tables.articles.requeue_failed(clock.now(), include_permanent=include_permanent)

    def prune(self, older_than_days: int) -> dict[str, int]:
        """Forget done articles and permanent failures older than ``older_than_days``.

        Keep this longer than any feed keeps an entry, or a pruned URL is processed again.
        """
        cutoff = clock.now() - older_than_days * DAY
        with self._db.transaction():
            articles = self._tables.articles.prune_done(cutoff)
            failures = self._tables.failures.prune_permanent(cutoff)
        return {"articles": articles, "failures": failures}


def _with_sitemap_fields(stored: FeedEntry, listed: FeedEntry) -> FeedEntry:
    """``stored`` with the title, date and language a sitemap gives for it (its own where the
    sitemap gives none)."""
    dated = listed.published_at is not None
    return replace(
        stored,
        title=listed.title or stored.title,
        published_at=listed.published_at if dated else stored.published_at,
        published_day=listed.published_day if dated else stored.published_day,
        published_offset=listed.published_offset if dated else stored.published_offset,
        published_raw=listed.published_raw if dated else stored.published_raw,
        language=listed.language or stored.language,
    )
