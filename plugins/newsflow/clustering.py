"""Near-duplicate clusters: articles whose SimHashes are within ``k`` bits share a ``cluster_id``.

The ``simhash`` extractor gives each article a 64-bit SimHash of its body. A
:class:`ClusterStore` keeps every signature seen, in one table (``simhash_clusters``) of the
state database the caller names (a SQLite file or a PostgreSQL URL; the pipeline uses the
state store's), and
:func:`assign_clusters` gives each article of a batch its cluster:

* two signatures are *near* when they are equal in at least one of four 16-bit bands and
  within ``k`` bits; two 64-bit values within Hamming distance 3 always agree on one of four
  bands (pigeonhole), so for ``k ≤ 3`` no near-duplicate is missed (a larger ``k`` is
  allowed and then finds only the near-duplicates that share a band);
* a cluster is a connected component of the "near" graph over every stored signature
  (single-link: a member near any other member belongs), and its id is the smallest
  ``doc_id`` among its members. Both depend only on the set of signatures stored, never on
  the order they came in, so two workers taking the same articles in any order (or a
  single process) end with the same ids;
* a new signature near members of one or more clusters merges them: every member whose id
  is no longer its cluster's smallest ``doc_id`` is re-pointed, in the same transaction.
  :func:`assign_clusters` returns those moved documents too, so the caller rewrites their
  ``cluster_id`` in the index (:mod:`newsflow.pipeline.index_stage`);
* assigning is idempotent: a ``doc_id`` already stored with the same signature gets its
  stored cluster back; one stored with another signature (the article was edited) leaves
  its cluster, whose remaining members are split into their components again (each named
  by its smallest ``doc_id``), and then joins whatever it is near now; :meth:`ClusterStore.remove`
  splits the same way;
* an article without a signature (no text) is its own cluster and is not stored.

State written before this rule (a cluster's id was its first-seen member, and a new member
joined only one cluster) stays valid: each stored cluster keeps its id, so documents indexed
with it still group right, until a batch touches it (a new or edited member near it), which
renames all its members to the smallest ``doc_id`` and reports them as moved. Reprocessing
an unchanged article gives back its stored id; the ids of a fresh run are the smallest
``doc_id`` ones; ``newsflow state migrate`` copies ids as they are.

A batch is one transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: under the table's
advisory lock), so concurrent runs (Airflow tasks) serialise: one batch's merge is complete
before the next batch looks. The table's SQL is each dialect's ``clusters`` module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from newsflow.models import iso, utcnow
from newsflow.postgres_db import is_postgres_url
from newsflow.state.protocols import Database as StateDatabase
from newsflow.state.reconnect import reconnecting, retrying

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

    @property
    def _db(self) -> StateDatabase:  # what :func:`~newsflow.state.reconnect.reconnecting` retries on
        return self.db

    def close(self) -> None:
        self.db.close()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @reconnecting
    def get(self, doc_id: str) -> Member | None:
        with self.db.locked():
            row = self.table.get(doc_id)
        return _member(row) if row else None

    @reconnecting
    def members(self, cluster_id: str) -> list[Member]:
        """The members of a cluster, first-seen first."""
        with self.db.locked():
            return [_member(row) for row in self.table.members(cluster_id)]

    @reconnecting
    def cluster_ids(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """The stored ``cluster_id`` of each of ``doc_ids`` that has a signature stored."""
        with self.db.locked():
            return self.table.cluster_ids(list(doc_ids))

    @reconnecting
    def count(self) -> int:
        with self.db.locked():
            return self.table.count()

    @reconnecting
    def remove(self, doc_id: str) -> dict[str, str]:
        """Forget a document; its cluster's other members are split into the components they
        form without it. Returns the members whose ``cluster_id`` changed (``doc_id →`` new id)."""
        moved: dict[str, str] = {}
        with self.db.transaction():
            self.table.lock()
            row = self.table.get(doc_id)
            if row is not None:
                self.table.remove(doc_id)
                _split(self, row[3], moved, doc_id)
        return moved

    def near(self, a: int, b: int) -> bool:
        """Whether two signatures are near: one band equal and within ``max_distance`` bits."""
        return (a ^ b).bit_count() <= self.max_distance and any(
            x == y for x, y in zip(bands(a), bands(b), strict=True))

    def neighbours(self, value: int, exclude: str | None = None) -> list[Member]:
        """The stored signatures near ``value`` (run inside the caller's transaction)."""
        return [
            Member(doc_id, int(stored, 16), seen_at, cluster_id)
            for doc_id, stored, seen_at, cluster_id, _ in self.table.sharing_a_band(bands(value))
            if doc_id != exclude and (int(stored, 16) ^ value).bit_count() <= self.max_distance
        ]


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

    def rename(self, cluster_id: str, new_id: str) -> None: ...

    def set_cluster(self, doc_ids: list[str], cluster_id: str) -> None: ...

    def cluster_ids(self, doc_ids: list[str]) -> dict[str, str]: ...

    def update(self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], cluster_id: str) -> None: ...

    def insert(
        self, doc_id: str, simhash: str, bands: tuple[int, int, int, int], seen_at: str, cluster_id: str, seq: int
    ) -> None: ...


def _member(row: tuple[str, str, str, str, int]) -> Member:
    return Member(row[0], int(row[1], 16), row[2], row[3])


def _split(store: ClusterStore, cluster_id: str, moved: dict[str, str], leaving: str) -> None:
    """Renumber what is left of cluster ``cluster_id`` when member ``leaving`` leaves it: each
    connected component of the other members gets its smallest ``doc_id`` (inside the
    caller's transaction). Members whose id changes are added to ``moved``."""
    members = [_member(row) for row in store.table.members(cluster_id) if row[0] != leaving]
    parent = {m.doc_id: m.doc_id for m in members}

    def root(doc_id: str) -> str:
        while parent[doc_id] != doc_id:
            parent[doc_id] = parent[parent[doc_id]]
            doc_id = parent[doc_id]
        return doc_id

    by_band: dict[tuple[int, int], list[Member]] = {}
    for m in members:
        for i, band in enumerate(bands(m.simhash)):
            by_band.setdefault((i, band), []).append(m)
    for group in by_band.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if (a.simhash ^ b.simhash).bit_count() <= store.max_distance:
                    ra, rb = root(a.doc_id), root(b.doc_id)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
    components: dict[str, list[str]] = {}
    for m in members:
        components.setdefault(root(m.doc_id), []).append(m.doc_id)
    for smallest, doc_ids in components.items():  # the root is the smallest doc_id (min wins)
        if smallest != cluster_id:
            store.table.set_cluster(doc_ids, smallest)
            moved.update(dict.fromkeys(doc_ids, smallest))


def _join(store: ClusterStore, doc_id: str, signature: int, moved: dict[str, str]) -> str:
    """The id of the cluster ``doc_id`` (not stored with ``signature`` yet) belongs to: every
    cluster it is near merges into one, named by the smallest ``doc_id`` of all their members
    and ``doc_id``; the others' members are re-pointed (added to ``moved``)."""
    touched = {m.cluster_id for m in store.neighbours(signature, exclude=doc_id)}
    members = {row[0]: row[3] for cluster in touched for row in store.table.members(cluster)}
    members.pop(doc_id, None)
    new_id = min([doc_id, *members])
    for cluster in touched:
        if cluster != new_id:
            store.table.rename(cluster, new_id)
    moved.update({member: new_id for member, old in members.items() if old != new_id})
    return new_id


def assign_clusters(store: ClusterStore, items: Iterable[ClusterItem]) -> dict[str, str]:
    """``doc_id → cluster_id`` for a batch of ``(doc_id, simhash, seen_at)``, and for every
    stored document of another batch whose ``cluster_id`` this batch changed (a merge or a
    split re-pointed it: the caller rewrites it in the index).

    ``simhash`` is the int or the extractor's hex string (``None``: no text, own cluster);
    ``seen_at`` the published (or fetched) time, ISO 8601 or a datetime (``None``: now), kept
    to list a cluster's members in order. See the module docstring for the rules. Raises
    ``ValueError`` for a signature that is not 64 bits.
    """
    batch = list(items)
    return retrying(store.db, "assign_clusters", lambda: _assign(store, batch))


def _assign(store: ClusterStore, batch: list[ClusterItem]) -> dict[str, str]:
    out: dict[str, str] = {}
    moved: dict[str, str] = {}
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
                    out[doc_id] = moved.get(doc_id, cluster_id)
                    continue
                # an edited member: it leaves its cluster (which may split), then joins again
                _split(store, cluster_id, moved, doc_id)
                cluster_id = _join(store, doc_id, signature, moved)
                table.update(doc_id, f"{signature:016x}", bands(signature), cluster_id)
            else:
                cluster_id = _join(store, doc_id, signature, moved)
                seq += 1
                table.insert(doc_id, f"{signature:016x}", bands(signature), seen_at, cluster_id, seq)
            out[doc_id] = cluster_id
            moved.pop(doc_id, None)
        # a merge later in the batch may have re-pointed an earlier member of it
        for doc_id in list(out):
            if doc_id in moved:
                out[doc_id] = moved.pop(doc_id)
    # a doc_id given twice in one batch gets one answer: the last assignment
    return {**{doc_id: out[doc_id] for doc_id, _, _ in batch}, **moved}
