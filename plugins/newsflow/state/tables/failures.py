"""One row per (stage, url) that failed: the ``failures`` table's methods, for both dialects
(a dialect gives :meth:`Failures.hold` and :meth:`Failures.clear`)."""

from __future__ import annotations

from collections.abc import Sequence

from newsflow.state.clock import Stamp
from newsflow.state.records import Failure, failure
from newsflow.state.tables import TableStore

_UPSERT = """
    INSERT INTO failures (stage, url, error_class, message, retryable, attempts,
                          first_failed_at, last_failed_at, next_retry_at, host)
    VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
    ON CONFLICT (stage, url) DO UPDATE SET
        error_class = excluded.error_class, message = excluded.message,
        retryable = excluded.retryable, attempts = failures.attempts + 1,
        last_failed_at = excluded.last_failed_at, next_retry_at = excluded.next_retry_at,
        host = excluded.host
"""


class Failures(TableStore):
    """The ``failures`` table."""

    def hold(self, stage: str, url: str) -> None:
        """Hold the (stage, url) pair until the caller's transaction ends."""
        raise NotImplementedError

    def attempts(self, stage: str, url: str) -> int:
        """How many times ``url`` has failed in ``stage`` so far (0: never, or cleared); the
        pair stays held (:meth:`hold`) until the caller's transaction ends, so a concurrent
        failure of the same item waits and counts from this one's result."""
        self.hold(stage, url)
        row = self.run("SELECT attempts FROM failures WHERE stage = ? AND url = ?", (stage, url)).fetchone()
        return int(row["attempts"]) if row else 0

    def record(
        self, stage: str, url: str, now: Stamp, *, error_class: str, message: str, retryable: bool,
        next_retry: Stamp | None, host: str | None,
    ) -> Failure:
        """Insert the failure or bump its attempts; the row as it is now."""
        self.run(_UPSERT, (stage, url, error_class, message, retryable, now, now, next_retry, host))
        return failure(self.run("SELECT * FROM failures WHERE stage = ? AND url = ?", (stage, url)).fetchone())

    def clear(self, urls: Sequence[str], stages: Sequence[str]) -> None:
        """Forget the failures of ``urls`` in ``stages``."""
        raise NotImplementedError

    def all(self, stage: str | None = None) -> list[Failure]:
        """Every failure (of ``stage``), last failed first."""
        where, params = (" WHERE stage = ?", (stage,)) if stage else ("", ())
        rows = self.run(f"SELECT * FROM failures{where} ORDER BY last_failed_at DESC, id DESC", params)
        return [failure(r) for r in rows]

    def count(self) -> int:
        return int(self.run("SELECT count(*) AS n FROM failures").fetchone()["n"])

    def prune_permanent(self, before: Stamp) -> int:
        """Forget permanent failures last seen before ``before``; how many."""
        return int(self.run("DELETE FROM failures WHERE NOT retryable AND last_failed_at < ?", (before,)).rowcount)
