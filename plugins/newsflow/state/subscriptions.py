"""The state store's WebSub operations (:mod:`newsflow.websub`): each feed's hub, topic,
subscription request, lease and last push, in the ``websub`` table.

:class:`SubscriptionState` is the part of :class:`~newsflow.state.store.StateStore` that
concerns push subscriptions; it works on the same database and table stores.
"""

from __future__ import annotations

from newsflow.state import clock
from newsflow.state.protocols import Database, Tables
from newsflow.state.reconnect import reconnecting_methods
from newsflow.state.records import Subscription


@reconnecting_methods()
class SubscriptionState:
    """WebSub subscriptions over the store's database (see :class:`~newsflow.state.store.StateStore`)."""

    _db: Database
    _tables: Tables

    def subscription(self, feed_url: str) -> Subscription | None:
        with self._db.locked():
            return self._tables.websub.get(feed_url)

    def subscription_by_callback(self, callback_id: str) -> Subscription | None:
        with self._db.locked():
            return self._tables.websub.by_callback(callback_id)

    def subscriptions(self) -> list[Subscription]:
        with self._db.locked():
            return self._tables.websub.all()

    def subscriptions_due(self, *, renew_at: float, retry_after: float) -> list[Subscription]:
        """Subscriptions that need a (re)subscription request now (see
        :meth:`newsflow.state.tables.websub.Subscriptions.due_requests`; ``retry_after`` in seconds)."""
        with self._db.locked():
            return self._tables.websub.due_requests(clock.now(), renew_at=renew_at, retry_after=retry_after)

    def pushed_feeds(self) -> set[str]:
        """Feeds with an active WebSub subscription (verified, lease not expired)."""
        with self._db.locked():
            return set(self._tables.websub.active(clock.now()))

    def record_hub(self, feed_url: str, hub: str, topic: str) -> None:
        """The feed declares ``hub`` for ``topic`` (a new hub or topic needs a new subscription)."""
        with self._db.locked():
            self._tables.websub.discovered(feed_url, hub, topic, clock.now())

    def subscription_requested(self, feed_url: str, callback_id: str, secret: str) -> None:
        with self._db.locked():
            self._tables.websub.requested(feed_url, callback_id, secret, clock.now())

    def subscription_verified(self, feed_url: str, lease_seconds: float) -> None:
        with self._db.locked():
            self._tables.websub.verified(feed_url, lease_seconds, clock.now())

    def subscription_status(self, feed_url: str, status: str, *, error: str | None = None,
                            outstanding: bool = False) -> None:
        with self._db.locked():
            self._tables.websub.set_status(feed_url, status, clock.now(), error=error, outstanding=outstanding)

    def subscription_failed(self, feed_url: str, error: str) -> None:
        with self._db.locked():
            self._tables.websub.failed(feed_url, error, clock.now())

    def subscription_pushed(self, feed_url: str) -> None:
        with self._db.locked():
            self._tables.websub.pushed(feed_url, clock.now())

    def forget_subscription(self, feed_url: str) -> None:
        with self._db.locked():
            self._tables.websub.delete(feed_url)
