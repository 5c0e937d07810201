"""SimHash signatures and their near-duplicate clusters: the ``simhash_clusters`` table's methods.

The rules (which cluster a signature joins) are :mod:`newsflow.clustering`'s; this is the
table's SQL, the same in both dialects save :meth:`Clusters.lock`. Rows are
``(doc_id, simhash, seen_at, cluster_id, seq)``: ``simhash`` 16 hex digits, ``seen_at``
ISO 8601 UTC text (compared as text), ``seq`` the order rows were stored in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newsflow.state.tables import TableStore

BANDS = 4
DDL = (
    """CREATE TABLE IF NOT EXISTS simhash_clusters (
    doc_id text PRIMARY KEY,
    simhash text NOT NULL,
    band0 integer NOT NULL,
    band1 integer NOT NULL,
    band2 integer NOT NULL,
    band3 integer NOT NULL,
    seen_at text NOT NULL,
    cluster_id text NOT NULL,
    seq bigint NOT NULL
)""",
    *(f"CREATE INDEX IF NOT EXISTS simhash_clusters_band{i} ON simhash_clusters (band{i})" for i in range(BANDS)),
    "CREATE INDEX IF NOT EXISTS simhash_clusters_cluster ON simhash_clusters (cluster_id)",
)
"""The table and its indexes, in SQL both dialects read alike (SQLite gives ``bigint`` the
integer affinity)."""
Row = tuple[str, str, str, str, int]
"""(doc_id, simhash hex, seen_at, cluster_id, seq)"""
_COLUMNS = "doc_id, simhash, seen_at, cluster_id, seq"


def _row(row: Mapping[str, Any]) -> Row:
    return (str(row["doc_id"]), str(row["simhash"]), str(row["seen_at"]), str(row["cluster_id"]), int(row["seq"]))


class Clusters(TableStore):
    """The ``simhash_clusters`` table; a dialect gives :meth:`lock`."""

    def lock(self) -> None:
        """Serialise the caller's transaction with every other batch of assignments."""
        raise NotImplementedError

    def get(self, doc_id: str) -> Row | None:
        row = self.run(f"SELECT {_COLUMNS} FROM simhash_clusters WHERE doc_id = ?", (doc_id,)).fetchone()
        return _row(row) if row else None

    def members(self, cluster_id: str) -> list[Row]:
        """The rows of a cluster, first seen first."""
        rows = self.run(
            f"SELECT {_COLUMNS} FROM simhash_clusters WHERE cluster_id = ? ORDER BY seen_at, seq", (cluster_id,)
        )
        return [_row(r) for r in rows]

    def count(self) -> int:
        return int(self.run("SELECT count(*) AS n FROM simhash_clusters").fetchone()["n"])

    def remove(self, doc_id: str) -> None:
        self.run("DELETE FROM simhash_clusters WHERE doc_id = ?", (doc_id,))

    def sharing_a_band(self, bands: tuple[int, int, int, int]) -> list[Row]:
        """The rows equal to ``bands`` in at least one band."""
        rows = self.run(
            f"SELECT {_COLUMNS} FROM simhash_clusters WHERE band0 = ? OR band1 = ? OR band2 = ? OR band3 = ?", bands
        )
        return [_row(r) for r in rows]

    def last_seq(self) -> int:
        return int(self.run("SELECT coalesce(max(seq), 0) AS n FROM simhash_clusters").fetchone()["n"])

    def rename(self, cluster_id: str, new_id: str) -> None:
        """Re-point every member of cluster ``cluster_id`` to ``new_id`` (a merge)."""
        self.run("UPDATE simhash_clusters SET cluster_id = ? WHERE cluster_id = ?", (new_id, cluster_id))

    def set_cluster(self, doc_ids: list[str], cluster_id: str) -> None:
        """Point the rows ``doc_ids`` at ``cluster_id`` (a split)."""
        for doc_id in doc_ids:
            self.run("UPDATE simhash_clusters SET cluster_id = ? WHERE doc_id = ?", (cluster_id, doc_id))

    def cluster_ids(self, doc_ids: list[str]) -> dict[str, str]:
        """``doc_id → cluster_id`` of the stored rows among ``doc_ids``."""
        out: dict[str, str] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.run(f"SELECT doc_id, cluster_id FROM simhash_clusters WHERE doc_id IN ({marks})", chunk):
                out[str(row["doc_id"])] = str(row["cluster_id"])
        return out

    def update(self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], cluster_id: str) -> None:
        self.run(
            "UPDATE simhash_clusters SET simhash = ?, band0 = ?, band1 = ?, band2 = ?, band3 = ?, cluster_id = ?"
            " WHERE doc_id = ?",
            (simhash, *bands, cluster_id, doc_id),
        )

    def insert(
        self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], seen_at: str, cluster_id: str, seq: int
    ) -> None:
        self.run(
            "INSERT INTO simhash_clusters (doc_id, simhash, band0, band1, band2, band3, seen_at, cluster_id, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc_id, simhash, *bands, seen_at, cluster_id, seq),
        )
