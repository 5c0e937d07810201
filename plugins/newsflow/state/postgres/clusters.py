"""SimHash signatures and their near-duplicate clusters: the ``simhash_clusters`` table (PostgreSQL).

The same rows and methods as :mod:`newsflow.state.sqlite.clusters`; part of the PostgreSQL
state schema (:mod:`.schema`, version 1). A batch of assignments locks the table's advisory
lock first (:meth:`Clusters.lock`), so concurrent batches serialise instead of founding one
cluster twice.
"""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import clusters as shared

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

_LOCK = 0x73696D68  # "simh"

Row = shared.Row
"""(doc_id, simhash hex, seen_at, cluster_id, seq)"""


class Clusters(shared.Clusters, TableStore):
    """The ``simhash_clusters`` table."""

    def lock(self) -> None:
        """Hold the clusters' advisory lock until the caller's transaction ends."""
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
