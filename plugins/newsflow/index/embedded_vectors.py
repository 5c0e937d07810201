"""The embedded index's vectors as one float32 matrix held in memory, re-read only when the
index has changed.

Reading every ``vectors`` BLOB for each semantic or hybrid search cost ≈ 1.8 ms per thousand
documents (180 ms at 10k); the matrix turns that into one numpy product over the candidates'
rows. It holds :data:`~newsflow.index.embedded_documents.DIMS` float32 per document with a
vector (1.5 KB: 150 MB at 100k documents) for as long as the backend is open.

When it is stale: a write through the same backend (:meth:`SnapshotCache.invalidate`, called by
``upsert`` and ``delete``) or a commit by any other connection or process, which SQLite's
``PRAGMA data_version`` reports. The version is read inside the search's read transaction,
after the snapshot has started, so the matrix always matches what the rest of the search sees.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from newsflow.index.embedded_documents import DIMS
from newsflow.index.embedded_storage import generation

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Matrix:
    """Every stored vector, in the order of the documents' row ids."""

    rids: np.ndarray
    """``(n,)`` int64: the ``documents.rid`` of each row, ascending."""
    ids: list[str]
    """The document id of each row."""
    vectors: np.ndarray
    """``(n, DIMS)`` float32 unit vectors."""

    def rows(self, rids: np.ndarray) -> np.ndarray:
        """Positions of the rows of ``rids`` (documents without a vector are left out)."""
        if not len(self.rids):
            return np.zeros(0, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.rids, rids), len(self.rids) - 1)
        return pos[self.rids[pos] == rids]


def read_matrix(conn: sqlite3.Connection) -> Matrix:
    """Every vector of the index, read in one statement."""
    rows = conn.execute(
        "SELECT d.rid, d.id, v.vector FROM vectors AS v JOIN documents AS d ON d.id = v.doc_id "
        "ORDER BY d.rid").fetchall()
    vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f4").reshape(len(rows), DIMS)
    return Matrix(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                  [r[1] for r in rows], vectors.astype(np.float32))


_SHARED: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}
"""(index file, what) → (:func:`~newsflow.index.embedded_storage.generation`, value): what
the backends of this process opened on the same file share (a web app opens one backend per
request)."""


class SnapshotCache(Generic[T]):
    """What ``read`` makes of the index (the vector :class:`Matrix`, the columns of
    :mod:`~newsflow.index.embedded_columns`), kept while neither this backend nor another
    connection writes.

    ``share`` (index file, what): backends of this process on the same file share the value
    while the index's :func:`~newsflow.index.embedded_storage.generation` is unchanged, so a
    backend opened for one request does not read it again (``None``: not shared, e.g. an
    in-memory index, which is a database of its own per connection).
    """

    def __init__(self, read: Callable[[sqlite3.Connection], T], *,
                 share: tuple[str, str] | None = None) -> None:
        self._read = read
        self._share = share
        self._value: T | None = None
        self._key: tuple[int, int] | None = None
        self._writes = 0

    def invalidate(self) -> None:
        """Forget the value: this connection is writing (its own commits do not change
        ``data_version``)."""
        self._writes += 1
        self._value = None

    def get(self, conn: sqlite3.Connection) -> T:
        """The value for the snapshot ``conn``'s read transaction sees; call it inside one."""
        conn.execute("SELECT 1 FROM documents LIMIT 1").fetchall()  # start the snapshot first
        key = (int(conn.execute("PRAGMA data_version").fetchone()[0]), self._writes)
        if self._value is not None and key == self._key:
            return self._value
        if self._share is None:
            value = self._read(conn)
        else:
            stamp = generation(conn)
            known = _SHARED.get(self._share)
            if known is not None and known[0] == stamp:
                value = known[1]
            else:
                value = self._read(conn)
                _SHARED[self._share] = (stamp, value)
        self._value, self._key = value, key
        return value
