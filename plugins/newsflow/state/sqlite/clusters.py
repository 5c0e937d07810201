"""SimHash signatures and their near-duplicate clusters: the ``simhash_clusters`` table (SQLite).

The table, its rows and methods are :mod:`newsflow.state.tables.clusters`'s; on SQLite the
caller's ``BEGIN IMMEDIATE`` is the lock. Created by :class:`~newsflow.clustering.ClusterStore` on open (not part of the state schema's
version: the table has not changed since it was added).
"""

from __future__ import annotations

from typing import Any

from newsflow.state.sqlite.schema import TableStore
from newsflow.state.tables import clusters as shared

BANDS = shared.BANDS
DDL = shared.DDL


def create(conn: Any) -> None:
    for statement in DDL:
        conn.execute(statement)


Row = shared.Row
"""(doc_id, simhash hex, seen_at, cluster_id, seq)"""


class Clusters(shared.Clusters, TableStore):
    """The ``simhash_clusters`` table."""

    def lock(self) -> None:
        """Nothing to do: the caller's ``BEGIN IMMEDIATE`` already holds the file."""
