"""SimHash signatures and their near-duplicate clusters: the ``simhash_clusters`` table (PostgreSQL).

The table, its rows and methods are :mod:`newsflow.state.tables.clusters`'s; part of the PostgreSQL
state schema (:mod:`.schema`, version 1). A batch of assignments locks the table's advisory
lock first (:meth:`Clusters.lock`), so concurrent batches serialise instead of founding one
cluster twice.
"""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import clusters as shared

BANDS = shared.BANDS
DDL = shared.DDL

_LOCK = 0x73696D68  # "simh"

Row = shared.Row
"""(doc_id, simhash hex, seen_at, cluster_id, seq)"""


class Clusters(shared.Clusters, TableStore):
    """The ``simhash_clusters`` table."""

    def lock(self) -> None:
        """Hold the clusters' advisory lock until the caller's transaction ends."""
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
