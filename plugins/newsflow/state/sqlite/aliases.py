"""Every URL an indexed article is known by → its one document id: the ``aliases`` table (SQLite)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from newsflow.state.clock import Stamp
from newsflow.state.sqlite.schema import Table, TableStore

TABLE = Table(
    "aliases",
    """
    CREATE TABLE IF NOT EXISTS aliases (
        url TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL,
        first_seen_at REAL NOT NULL
    )""",
    indexes=("CREATE INDEX IF NOT EXISTS aliases_doc ON aliases(doc_id)",),
    times=("first_seen_at",),
)


class Aliases(TableStore):
    """The ``aliases`` table."""

    def known(self, urls: Sequence[str]) -> dict[str, str]:
        """``url → doc_id`` for those of ``urls`` recorded."""
        rows = self.conn.execute(
            "SELECT url, doc_id FROM aliases WHERE url IN (SELECT value FROM json_each(?))", (json.dumps(list(urls)),)
        )
        return {row["url"]: row["doc_id"] for row in rows}

    def add(self, urls: Sequence[str], doc_id: str, now: Stamp) -> None:
        """Record ``urls`` under ``doc_id``; one already recorded keeps its document."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO aliases (url, doc_id, first_seen_at) VALUES (?, ?, ?)",
            [(u, doc_id, now) for u in urls],
        )

    def of(self, doc_id: str) -> list[str]:
        """Every URL recorded for ``doc_id``, first recorded first."""
        rows = self.conn.execute("SELECT url FROM aliases WHERE doc_id = ? ORDER BY first_seen_at, rowid", (doc_id,))
        return [row["url"] for row in rows]
