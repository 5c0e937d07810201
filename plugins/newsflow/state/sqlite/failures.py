"""One row per (stage, url) that failed: the ``failures`` table (SQLite)."""

from __future__ import annotations

from collections.abc import Sequence

from newsflow.state.clock import Stamp
from newsflow.state.records import Failure, failure
from newsflow.state.sqlite.schema import Table, TableStore

TABLE = Table(
    "failures",
    """
    CREATE TABLE IF NOT EXISTS failures (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL,
        url TEXT NOT NULL,
        error_class TEXT NOT NULL,
        message TEXT NOT NULL,
        retryable INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        first_failed_at REAL NOT NULL,
        last_failed_at REAL NOT NULL,
        next_retry_at REAL,
        host TEXT,
        UNIQUE (stage, url)
    )""",
    times=("first_failed_at", "last_failed_at", "next_retry_at"),
)

_UPSERT = """
    INSERT INTO failures (stage, url, error_class, message, retryable, attempts,
                          first_failed_at, last_failed_at, next_retry_at, host)
    VALUES (:stage, :url, :error_class, :message, :retryable, 1, :now, :now, :next_retry, :host)
    ON CONFLICT(stage, url) DO UPDATE SET
        error_class = excluded.error_class, message = excluded.message,
        retryable = excluded.retryable, attempts = failures.attempts + 1,
        last_failed_at = excluded.last_failed_at, next_retry_at = excluded.next_retry_at,
        host = excluded.host
"""


class Failures(TableStore):
    """The ``failures`` table."""

    def attempts(self, stage: str, url: str) -> int:
        """How many times ``url`` has failed in ``stage`` so far (0: never, or cleared)."""
        row = self.conn.execute("SELECT attempts FROM failures WHERE stage = ? AND url = ?", (stage, url)).fetchone()
        return int(row["attempts"]) if row else 0

    def record(
        self, stage: str, url: str, now: Stamp, *, error_class: str, message: str, retryable: bool,
        next_retry: Stamp | None, host: str | None,
    ) -> Failure:
        """Insert the failure or bump its attempts; the row as it is now."""
        self.conn.execute(_UPSERT, {
            "stage": stage, "url": url, "error_class": error_class, "message": message,
            "retryable": int(retryable), "now": now, "next_retry": next_retry, "host": host,
        })
        return failure(self.conn.execute("SELECT * FROM failures WHERE stage = ? AND url = ?", (stage, url)).fetchone())

    def clear(self, urls: Sequence[str], stages: Sequence[str]) -> None:
        self.conn.executemany(
            "DELETE FROM failures WHERE url = ? AND stage = ?", [(u, s) for u in urls for s in stages]
        )

    def all(self, stage: str | None = None) -> list[Failure]:
        """Every failure (of ``stage``), last failed first."""
        where, params = (" WHERE stage = ?", (stage,)) if stage else ("", ())
        rows = self.conn.execute(f"SELECT * FROM failures{where} ORDER BY last_failed_at DESC, id DESC", params)
        return [failure(r) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM failures").fetchone()[0])

    def prune_permanent(self, before: Stamp) -> int:
        """Forget permanent failures last seen before ``before``; how many."""
        return self.conn.execute(
            "DELETE FROM failures WHERE retryable = 0 AND last_failed_at < ?", (before,)
        ).rowcount
