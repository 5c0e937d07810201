"""SimHash signatures and their near-duplicate clusters: the ``simhash_clusters`` table (SQLite).

The rules (which cluster a signature joins) are :mod:`newsflow.clustering`'s; this is the
table's SQL. Rows are ``(doc_id, simhash, seen_at, cluster_id, seq)``: ``simhash`` 16 hex
digits, ``seen_at`` ISO 8601 UTC text (compared as text), ``seq`` the order rows were stored in.
Created by :class:`~newsflow.clustering.ClusterStore` on open (not part of the state schema's
version: the table has not changed since it was added).
"""

from __future__ import annotations

from typing import Any

from newsflow.state.sqlite.schema import TableStore

BANDS = 4
DDL = (
    """CREATE TABLE IF NOT EXISTS simhash_clusters (
    doc_id TEXT PRIMARY KEY,
    simhash TEXT NOT NULL,
    band0 INTEGER NOT NULL,
    band1 INTEGER NOT NULL,
    band2 INTEGER NOT NULL,
    band3 INTEGER NOT NULL,
    seen_at TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    seq INTEGER NOT NULL
)""",
    *(f"CREATE INDEX IF NOT EXISTS simhash_clusters_band{i} ON simhash_clusters(band{i})" for i in range(BANDS)),
    "CREATE INDEX IF NOT EXISTS simhash_clusters_cluster ON simhash_clusters(cluster_id)",
)

Row = tuple[str, str, str, str, int]
"""(doc_id, simhash hex, seen_at, cluster_id, seq)"""
_COLUMNS = "doc_id, simhash, seen_at, cluster_id, seq"


def create(conn: Any) -> None:
    for statement in DDL:
        conn.execute(statement)


class Clusters(TableStore):
    """The ``simhash_clusters`` table."""

    def lock(self) -> None:
        """Nothing to do: the caller's ``BEGIN IMMEDIATE`` already holds the file."""

    def get(self, doc_id: str) -> Row | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM simhash_clusters WHERE doc_id = ?", (doc_id,)).fetchone()
        return tuple(row) if row else None

    def members(self, cluster_id: str) -> list[Row]:
        """The rows of a cluster, first seen first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM simhash_clusters WHERE cluster_id = ? ORDER BY seen_at, seq", (cluster_id,)
        )
        return [tuple(r) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM simhash_clusters").fetchone()[0])

    def remove(self, doc_id: str) -> None:
        self.conn.execute("DELETE FROM simhash_clusters WHERE doc_id = ?", (doc_id,))

    def sharing_a_band(self, bands: tuple[int, int, int, int]) -> list[Row]:
        """The rows equal to ``bands`` in at least one band."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM simhash_clusters WHERE band0 = ? OR band1 = ? OR band2 = ? OR band3 = ?", bands
        )
        return [tuple(r) for r in rows]

    def last_seq(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM simhash_clusters").fetchone()[0])

    def update(self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], cluster_id: str) -> None:
        self.conn.execute(
            "UPDATE simhash_clusters SET simhash = ?, band0 = ?, band1 = ?, band2 = ?, band3 = ?, cluster_id = ?"
            " WHERE doc_id = ?",
            (simhash, *bands, cluster_id, doc_id),
        )

    def insert(
        self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], seen_at: str, cluster_id: str, seq: int
    ) -> None:
        self.conn.execute(
            "INSERT INTO simhash_clusters (doc_id, simhash, band0, band1, band2, band3, seen_at, cluster_id, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, simhash, *bands, seen_at, cluster_id, seq),
        )
