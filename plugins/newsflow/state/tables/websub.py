"""WebSub subscriptions, one per feed that declares a hub: the ``websub`` table's methods, for
both dialects.

A row is written when a poll discovers the feed's hub (``status`` ``discovered``); the
subscriber (:mod:`newsflow.websub.subscriber`) moves it to ``requested`` (a subscription
request the hub accepted and has not verified yet), the callback endpoint to ``active`` when
the hub verifies it (with its lease) and deletes it when the hub verifies an unsubscription
(``unsubscribing``); ``denied`` when the hub refused it. ``requested_at`` is set while a
request of ours is outstanding (also while an active subscription is being renewed): only
then does the endpoint confirm a verification. Times are stored form (:mod:`~newsflow.state.clock`).
"""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.records import Subscription, subscription
from newsflow.state.tables import TableStore

COLUMNS = (
    "feed_url", "hub", "topic", "status", "callback_id", "secret", "lease_seconds", "requested_at",
    "verified_at", "expires_at", "last_push_at", "last_error", "updated_at",
)
"""The table's columns, in DDL order (both dialects declare them alike)."""
TIMES = ("requested_at", "verified_at", "expires_at", "last_push_at", "updated_at")


class Subscriptions(TableStore):
    """The ``websub`` table."""

    def get(self, feed_url: str) -> Subscription | None:
        row = self.run("SELECT * FROM websub WHERE feed_url = ?", (feed_url,)).fetchone()
        return subscription(row) if row else None

    def by_callback(self, callback_id: str) -> Subscription | None:
        row = self.run("SELECT * FROM websub WHERE callback_id = ?", (callback_id,)).fetchone()
        return subscription(row) if row else None

    def all(self) -> list[Subscription]:
        return [subscription(r) for r in self.run("SELECT * FROM websub ORDER BY feed_url")]

    def due_requests(self, now: Stamp, *, renew_at: float, retry_after: float) -> list[Subscription]:
        """Rows that need a subscription request now: newly discovered; requested but the
        request failed or went unanswered ``retry_after`` seconds ago; active past
        ``renew_at`` (a fraction) of their lease, or lapsed, with no renewal outstanding (or
        one unanswered for ``retry_after``)."""
        rows = self.run(
            """
            SELECT * FROM websub WHERE status = 'discovered'
               OR (status IN ('requested', 'active') AND requested_at IS NOT NULL AND requested_at + ? <= ?)
               OR (status = 'requested' AND requested_at IS NULL)
               OR (status = 'active' AND requested_at IS NULL AND verified_at + ? * lease_seconds <= ?)
            ORDER BY feed_url
            """,
            (retry_after, now, renew_at, now),
        )
        return [subscription(r) for r in rows]

    def active(self, now: Stamp) -> list[str]:
        """Feed URLs with a verified subscription whose lease has not expired at ``now``."""
        rows = self.run("SELECT feed_url FROM websub WHERE status = 'active' AND expires_at > ? ORDER BY feed_url",
                        (now,))
        return [str(r["feed_url"]) for r in rows]

    def discovered(self, feed_url: str, hub: str, topic: str, now: Stamp) -> None:
        """Record the feed's hub and topic; a changed hub or topic needs a new subscription
        (``discovered`` again), an unchanged one keeps its state."""
        self.run(
            "INSERT INTO websub (feed_url, hub, topic, status, updated_at) VALUES (?, ?, ?, 'discovered', ?)"
            " ON CONFLICT (feed_url) DO UPDATE SET"
            " status = CASE WHEN websub.hub = excluded.hub AND websub.topic = excluded.topic"
            "  THEN websub.status ELSE 'discovered' END,"
            " hub = excluded.hub, topic = excluded.topic, updated_at = excluded.updated_at",
            (feed_url, hub, topic, now),
        )

    def requested(self, feed_url: str, callback_id: str, secret: str, now: Stamp) -> None:
        """A subscription request the hub accepted: outstanding from ``now``. The callback id and
        secret are the feed's first ones (kept across renewals); an active subscription stays
        active while its renewal is verified."""
        self.run(
            "UPDATE websub SET callback_id = coalesce(callback_id, ?), secret = coalesce(secret, ?),"
            " status = CASE WHEN status = 'active' THEN 'active' ELSE 'requested' END,"
            " requested_at = ?, last_error = NULL, updated_at = ? WHERE feed_url = ?",
            (callback_id, secret, now, now, feed_url),
        )

    def verified(self, feed_url: str, lease_seconds: float, now: Stamp) -> None:
        """The hub verified our subscription for ``lease_seconds``."""
        self.run(
            "UPDATE websub SET status = 'active', verified_at = ?, lease_seconds = ?, expires_at = ?,"
            " requested_at = NULL, last_error = NULL, updated_at = ? WHERE feed_url = ?",
            (now, lease_seconds, now + lease_seconds, now, feed_url),
        )

    def set_status(self, feed_url: str, status: str, now: Stamp, *, error: str | None = None,
                   outstanding: bool = False) -> None:
        """Move the row to ``status``; ``outstanding``: a request of ours is now pending."""
        self.run(
            "UPDATE websub SET status = ?, last_error = ?, requested_at = ?, updated_at = ? WHERE feed_url = ?",
            (status, error, now if outstanding else None, now, feed_url),
        )

    def failed(self, feed_url: str, error: str, now: Stamp) -> None:
        """A request to the hub failed: the state is kept; the request counts as sent at
        ``now``, so it is repeated only after the retry delay (:meth:`due_requests`)."""
        self.run(
            "UPDATE websub SET last_error = ?, requested_at = ?, updated_at = ? WHERE feed_url = ?",
            (error, now, now, feed_url),
        )

    def pushed(self, feed_url: str, now: Stamp) -> None:
        self.run("UPDATE websub SET last_push_at = ? WHERE feed_url = ?", (now, feed_url))

    def delete(self, feed_url: str) -> None:
        self.run("DELETE FROM websub WHERE feed_url = ?", (feed_url,))
