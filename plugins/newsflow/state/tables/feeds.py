"""Per-feed validators and poll outcomes: the ``feeds`` table's methods, for both dialects."""

from __future__ import annotations

from typing import ClassVar

from newsflow.state.clock import Stamp
from newsflow.state.records import FeedState, feed_state
from newsflow.state.tables import TableStore


class Feeds(TableStore):
    """The ``feeds`` table; a dialect gives :attr:`UPSERT`."""

    UPSERT: ClassVar[str]
    """Insert or update one feed's row from the named parameters :meth:`record` passes."""

    def get(self, url: str) -> FeedState | None:
        row = self.run("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return feed_state(row) if row else None

    def all(self) -> list[FeedState]:
        return [feed_state(r) for r in self.run("SELECT * FROM feeds ORDER BY name, url")]

    def record(
        self,
        url: str,
        name: str,
        now: Stamp,
        *,
        status: str,
        http_status: int | None,
        etag: str | None,
        last_modified: str | None,
        body_hash: str | None,
        changed: bool,
        entries: int,
        validators_trusted: bool | None,
        conditional: bool | None,
        poll_interval: float | None,
    ) -> None:
        """Store one poll's outcome (see :meth:`newsflow.state.StateStore.record_feed`)."""
        self.conn.execute(self.UPSERT, {
            "url": url, "name": name, "etag": etag, "last_modified": last_modified, "body_hash": body_hash,
            "status": status, "http_status": http_status, "now": now, "changed": changed, "entries": entries,
            "trusted": validators_trusted, "conditional": conditional, "interval": poll_interval,
            "next_poll": now + poll_interval if poll_interval is not None else None,
        })
