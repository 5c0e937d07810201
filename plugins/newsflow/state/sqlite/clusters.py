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
from newsflow.state.tables import clusters as shared

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


def create(conn: Any) -> None:
    for statement in DDL:
        conn.execute(statement)

Row = shared.Row
"""(doc_id, simhash hex, seen_at, cluster_id, seq)"""


class Clusters(shared.Clusters, TableStore):
    """The ``simhash_clusters`` table."""

    def lock(self) -> None:
        """Nothing to do: the caller's ``BEGIN IMMEDIATE`` already holds the file."""
