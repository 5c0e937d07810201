"""Near-duplicate clusters: articles whose SimHashes are within ``k`` bits share a ``cluster_id``.

The ``simhash`` extractor gives each article a 64-bit SimHash of its body. A
:class:`ClusterStore` keeps every signature seen, in one table (``simhash_clusters``) of the
state database the caller names (a SQLite file or a PostgreSQL URL; the pipeline uses the
state store's), and
:func:`assign_clusters` gives each article of a batch its cluster:

* the candidates for a signature are the stored ones equal to it in at least one of four
  16-bit bands; two 64-bit values within Hamming distance 3 always agree on one of four
  bands (pigeonhole), so for ``k ≤ 3`` no near-duplicate is missed (a larger ``k`` is
  allowed and then finds only the near-duplicates that share a band);
* among the candidates within ``k`` bits, the article joins the cluster of the one seen
  first (earliest ``seen_at``, then the one stored first); with none, it starts its own
  cluster, whose id is its own ``doc_id``. A cluster's id is therefore always the
  ``doc_id`` of its first-seen member, and never changes once given, so documents already
  indexed with it stay right; clustering is single-link (a member close to any earlier
  member joins);
* within a batch, articles are taken in ``seen_at`` order (then ``doc_id``), so the
  earlier of two syndicated copies fetched together founds the cluster; across batches,
  the one stored first did;
* assigning is idempotent: a ``doc_id`` already stored with the same signature gets its
  stored cluster back; one stored with another signature (the article was edited) is
  re-matched against the others and its row updated, except that a cluster's founder
  keeps its own id while other members point to it;
* an article without a signature (no text) is its own cluster and is not stored.

A batch is one transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: under the table's
advisory lock), so concurrent runs (Airflow tasks) serialise instead of racing to found the
same cluster twice. The table's SQL is each dialect's ``clusters`` module.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from newsflow.models import iso, utcnow
from newsflow.postgres_db import is_postgres_url
from newsflow.state.protocols import Database as StateDatabase

DEFAULT_MAX_DISTANCE = 3
BANDS = 4
BAND_BITS = 16
_MASK = (1 << BAND_BITS) - 1

SimHash = int | str
"""A signature: the 64-bit int, or the ``simhash`` field's 16 hex digits."""
SeenAt = str | datetime | None
ClusterItem = tuple[str, SimHash | None, SeenAt]
"""(doc_id, simhash, published or seen time)"""


def bands(value: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a 64-bit value, most significant first."""
    return (
        (value >> 48) & _MASK,
        (value >> 32) & _MASK,
        (value >> 16) & _MASK,
        value & _MASK,
    )


def as_int(value: SimHash) -> int:
    if isinstance(value, int):
        if not 0 <= value < 1 << 64:
            raise ValueError(f"not a 64-bit SimHash: {value}")
        return value
    text = value.strip().lower()
    if len(text) != 16:
        raise ValueError(f"not a 16-hex-digit SimHash: {value!r}")
    return int(text, 16)


def _seen(value: SeenAt) -> str:
    """``seen_at`` as UTC ISO 8601 (``Z``), so that stored times compare as strings; now if
    missing, and as given if it does not parse."""
    if value is None:
        return iso(utcnow()) or ""
    if isinstance(value, datetime):
        return iso(value) or ""
    try:
        return iso(datetime.fromisoformat(value.strip().replace("Z", "+00:00"))) or value
    except ValueError:
        return value


@dataclass(frozen=True, slots=True)
class Member:
    doc_id: str
    simhash: int
    seen_at: str
    cluster_id: str


class ClusterStore(AbstractContextManager["ClusterStore"]):
    """The SimHash signatures seen so far and their clusters: the ``simhash_clusters`` table of
    the state database at ``target`` (a SQLite file path, or the ``state_url``'s
    ``postgresql://`` URL, where the table is part of the state schema).

    Holds the database (``db``: one connection and lock, ``transaction()``) and the table's
    store (``table``: :mod:`newsflow.state.sqlite.clusters` or
    :mod:`newsflow.state.postgres.clusters`); ``close()`` and ``with`` support. Raises
    :class:`~newsflow.errors.ConfigError` when the database cannot be opened.
    """

    def __init__(self, target: str | Path, max_distance: int = DEFAULT_MAX_DISTANCE) -> None:
        if not 0 <= max_distance < 64:
            raise ValueError(f"max_distance must be in 0..63, not {max_distance}")
        self.max_distance = max_distance
        self.db: StateDatabase
        self.table: ClustersTable
        if is_postgres_url(target):
            from newsflow.state.postgres import clusters as pg_clusters
            from newsflow.state.postgres import open_database

            self.db = open_database(str(target))
            self.table = pg_clusters.Clusters(self.db.conn)
        else:
            from newsflow.sqlite_db import Database
            from newsflow.state.sqlite import clusters as sqlite_clusters

            sqlite_db = Database(target)
            with sqlite_db.locked() as conn:
                sqlite_clusters.create(conn)
            self.db, self.table = sqlite_db, sqlite_clusters.Clusters(sqlite_db.conn)

    def close(self) -> None:
        self.db.close()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, doc_id: str) -> Member | None:
        with self.db.locked():
            row = self.table.get(doc_id)
        return _member(row) if row else None

    def members(self, cluster_id: str) -> list[Member]:
        """The members of a cluster, first-seen first."""
        with self.db.locked():
            return [_member(row) for row in self.table.members(cluster_id)]

    def count(self) -> int:
        with self.db.locked():
            return self.table.count()

    def remove(self, doc_id: str) -> None:
        """Forget a document (its cluster keeps the id it has; later members still join it)."""
        with self.db.transaction():
            self.table.remove(doc_id)

    def nearest(self, value: int, exclude: str | None = None) -> Member | None:
        """The first-seen stored signature within ``max_distance`` bits of ``value`` (run
        inside the caller's transaction)."""
        best: tuple[str, int, Member] | None = None
        for doc_id, stored, seen_at, cluster_id, seq in self.table.sharing_a_band(bands(value)):
            if doc_id == exclude:
                continue
            if (int(stored, 16) ^ value).bit_count() <= self.max_distance:
                key = (seen_at, seq)
                if best is None or key < (best[0], best[1]):
                    best = (seen_at, seq, Member(doc_id, int(stored, 16), seen_at, cluster_id))
        return best[2] if best else None


class ClustersTable(Protocol):
    """What :class:`ClusterStore` needs of a dialect's ``simhash_clusters`` table store; rows
    are ``(doc_id, simhash hex, seen_at, cluster_id, seq)``."""

    def lock(self) -> None: ...

    def get(self, doc_id: str) -> tuple[str, str, str, str, int] | None: ...

    def members(self, cluster_id: str) -> list[tuple[str, str, str, str, int]]: ...

    def count(self) -> int: ...

    def remove(self, doc_id: str) -> None: ...

    def sharing_a_band(self, bands: tuple[int, int, int, int]) -> list[tuple[str, str, str, str, int]]: ...

    def last_seq(self) -> int: ...

    def update(self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], cluster_id: str) -> None: ...

    def insert(
        self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], seen_at: str, cluster_id: str, seq: int
    ) -> None: ...


def _member(row: tuple[str, str, str, str, int]) -> Member:
    return Member(row[0], int(row[1], 16), row[2], row[3])


def assign_clusters(store: ClusterStore, items: Iterable[ClusterItem]) -> dict[str, str]:
    """``doc_id → cluster_id`` for a batch of ``(doc_id, simhash, seen_at)``.

    ``simhash`` is the int or the extractor's hex string (``None``: no text, own cluster);
    ``seen_at`` the published (or fetched) time, ISO 8601 or a datetime (``None``: now).
    See the module docstring for the rules.
    """
    batch = list(items)
    out: dict[str, str] = {}
    ordered = sorted(
        ((doc_id, value, _seen(seen)) for doc_id, value, seen in batch),
        key=lambda item: (item[2], item[0]),
    )
    table = store.table
    with store.db.transaction():
        table.lock()
        seq = table.last_seq()
        for doc_id, value, seen_at in ordered:
            if value is None or value == "":
                out[doc_id] = doc_id
                continue
            signature = as_int(value)
            row = table.get(doc_id)
            if row is not None:
                _, stored, _first_seen, cluster_id, _ = row
                if int(stored, 16) == signature:
                    out[doc_id] = cluster_id
                    continue
                if cluster_id != doc_id:  # an edited member: match it again
                    match = store.nearest(signature, exclude=doc_id)
                    cluster_id = match.cluster_id if match else doc_id
                table.update(doc_id, f"{signature:016x}", bands(signature), cluster_id)
                out[doc_id] = cluster_id
                continue
            match = store.nearest(signature)
            cluster_id = match.cluster_id if match else doc_id
            seq += 1
            table.insert(doc_id, f"{signature:016x}", bands(signature), seen_at, cluster_id, seq)
            out[doc_id] = cluster_id
    # a doc_id given twice in one batch gets one answer: the last assignment
    return {doc_id: out[doc_id] for doc_id, _, _ in batch}
