"""SimHash signatures and their near-duplicate clusters: the ``simhash_clusters`` table (PostgreSQL).

The same rows and methods as :mod:`newsflow.state.sqlite.clusters`; part of the PostgreSQL
state schema (:mod:`.schema`, version 1). A batch of assignments locks the table's advisory
lock first (:meth:`Clusters.lock`), so concurrent batches serialise instead of founding one
cluster twice.
"""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore

BANDS = 4
DDL = (
    """CREATE TABLE simhash_clusters (
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
    *(f"CREATE INDEX simhash_clusters_band{i} ON simhash_clusters (band{i})" for i in range(BANDS)),
    "CREATE INDEX simhash_clusters_cluster ON simhash_clusters (cluster_id)",
)

Row = tuple[str, str, str, str, int]
_COLUMNS = "doc_id, simhash, seen_at, cluster_id, seq"
_LOCK = 0x73696D68  # "simh"


def _row(row: dict[str, object]) -> Row:
    return (str(row["doc_id"]), str(row["simhash"]), str(row["seen_at"]), str(row["cluster_id"]), int(row["seq"]))  # type: ignore[call-overload]


class Clusters(TableStore):
    """The ``simhash_clusters`` table."""

    def lock(self) -> None:
        """Hold the clusters' advisory lock until the caller's transaction ends."""
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))

    def get(self, doc_id: str) -> Row | None:
        row = self.conn.execute(f"SELECT {_COLUMNS} FROM simhash_clusters WHERE doc_id = %s", (doc_id,)).fetchone()
        return _row(row) if row else None

    def members(self, cluster_id: str) -> list[Row]:
        """The rows of a cluster, first seen first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM simhash_clusters WHERE cluster_id = %s ORDER BY seen_at, seq", (cluster_id,)
        )
        return [_row(r) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) AS n FROM simhash_clusters").fetchone()["n"])

    def remove(self, doc_id: str) -> None:
        self.conn.execute("DELETE FROM simhash_clusters WHERE doc_id = %s", (doc_id,))

    def sharing_a_band(self, bands: tuple[int, int, int, int]) -> list[Row]:
        """The rows equal to ``bands`` in at least one band."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM simhash_clusters WHERE band0 = %s OR band1 = %s OR band2 = %s OR band3 = %s",
            bands,
        )
        return [_row(r) for r in rows]

    def last_seq(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) AS n FROM simhash_clusters").fetchone()["n"])

    def update(self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], cluster_id: str) -> None:
        self.conn.execute(
            "UPDATE simhash_clusters SET simhash = %s, band0 = %s, band1 = %s, band2 = %s, band3 = %s,"
            " cluster_id = %s WHERE doc_id = %s",
            (simhash, *bands, cluster_id, doc_id),
        )

    def insert(
        self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], seen_at: str, cluster_id: str, seq: int
    ) -> None:
        self.conn.execute(
            "INSERT INTO simhash_clusters (doc_id, simhash, band0, band1, band2, band3, seen_at, cluster_id, seq)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (doc_id, simhash, *bands, seen_at, cluster_id, seq),
        )
