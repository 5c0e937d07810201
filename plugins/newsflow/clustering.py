"""Near-duplicate clusters: articles whose SimHashes are within ``k`` bits share a ``cluster_id``.

The ``simhash`` extractor gives each article a 64-bit SimHash of its body. A
:class:`ClusterStore` keeps every signature seen, in one table (``simhash_clusters``) of a
SQLite file the caller names (the pipeline uses the state database), and
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

A batch is one ``BEGIN IMMEDIATE`` transaction, so concurrent runs (Airflow tasks) on the
same file serialise instead of racing to found the same cluster twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsflow.models import iso, utcnow
from newsflow.sqlite_db import Database

DEFAULT_MAX_DISTANCE = 3
BANDS = 4
BAND_BITS = 16
_MASK = (1 << BAND_BITS) - 1

SCHEMA = (
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


class ClusterStore(Database):
    """The SimHash signatures seen so far and their clusters, in one table of a SQLite file.

    A :class:`~newsflow.sqlite_db.Database`: one connection and lock, ``transaction()``
    (``BEGIN IMMEDIATE``, yields the connection), ``close()`` and ``with`` support.
    """

    def __init__(self, path: str | Path, max_distance: int = DEFAULT_MAX_DISTANCE) -> None:
        if not 0 <= max_distance < 64:
            raise ValueError(f"max_distance must be in 0..63, not {max_distance}")
        super().__init__(path)
        self.max_distance = max_distance
        with self.locked() as db:
            for statement in SCHEMA:
                db.execute(statement)

    def get(self, doc_id: str) -> Member | None:
        with self.locked() as db:
            row = db.execute(
                "SELECT doc_id, simhash, seen_at, cluster_id FROM simhash_clusters WHERE doc_id = ?",
                (doc_id,),
            ).fetchone()
        return _member(row) if row else None

    def members(self, cluster_id: str) -> list[Member]:
        """The members of a cluster, first-seen first."""
        with self.locked() as db:
            rows = db.execute(
                "SELECT doc_id, simhash, seen_at, cluster_id FROM simhash_clusters "
                "WHERE cluster_id = ? ORDER BY seen_at, seq",
                (cluster_id,),
            ).fetchall()
        return [_member(row) for row in rows]

    def count(self) -> int:
        with self.locked() as db:
            return int(db.execute("SELECT COUNT(*) FROM simhash_clusters").fetchone()[0])

    def remove(self, doc_id: str) -> None:
        """Forget a document (its cluster keeps the id it has; later members still join it)."""
        with self.transaction() as db:
            db.execute("DELETE FROM simhash_clusters WHERE doc_id = ?", (doc_id,))

    def nearest(self, db: sqlite3.Connection, value: int, exclude: str | None = None) -> Member | None:
        """The first-seen stored signature within ``max_distance`` bits of ``value``."""
        b = bands(value)
        rows = db.execute(
            "SELECT doc_id, simhash, seen_at, cluster_id, seq FROM simhash_clusters "
            "WHERE band0 = ? OR band1 = ? OR band2 = ? OR band3 = ?",
            b,
        ).fetchall()
        best: tuple[str, int, Member] | None = None
        for doc_id, stored, seen_at, cluster_id, seq in rows:
            if doc_id == exclude:
                continue
            if (int(stored, 16) ^ value).bit_count() <= self.max_distance:
                key = (seen_at, seq)
                if best is None or key < (best[0], best[1]):
                    best = (seen_at, seq, Member(doc_id, int(stored, 16), seen_at, cluster_id))
        return best[2] if best else None


def _member(row: sqlite3.Row) -> Member:
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
    with store.transaction() as db:
        seq = int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM simhash_clusters").fetchone()[0])
        for doc_id, value, seen_at in ordered:
            if value is None or value == "":
                out[doc_id] = doc_id
                continue
            signature = as_int(value)
            row = db.execute(
                "SELECT simhash, cluster_id, seen_at FROM simhash_clusters WHERE doc_id = ?", (doc_id,)
            ).fetchone()
            if row is not None:
                stored, cluster_id, _first_seen = row
                if int(stored, 16) == signature:
                    out[doc_id] = cluster_id
                    continue
                if cluster_id != doc_id:  # an edited member: match it again
                    match = store.nearest(db, signature, exclude=doc_id)
                    cluster_id = match.cluster_id if match else doc_id
                db.execute(
                    "UPDATE simhash_clusters SET simhash = ?, band0 = ?, band1 = ?, band2 = ?, "
                    "band3 = ?, cluster_id = ? WHERE doc_id = ?",
                    (f"{signature:016x}", *bands(signature), cluster_id, doc_id),
                )
                out[doc_id] = cluster_id
                continue
            match = store.nearest(db, signature)
            cluster_id = match.cluster_id if match else doc_id
            seq += 1
            db.execute(
                "INSERT INTO simhash_clusters (doc_id, simhash, band0, band1, band2, band3, "
                "seen_at, cluster_id, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (doc_id, f"{signature:016x}", *bands(signature), seen_at, cluster_id, seq),
            )
            out[doc_id] = cluster_id
    # a doc_id given twice in one batch gets one answer: the last assignment
    return {doc_id: out[doc_id] for doc_id, _, _ in batch}
