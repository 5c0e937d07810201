"""The embedded index's short per-document columns held in memory as numpy arrays: row id,
id, time, indexing time and every facet value, so that a search's filters are boolean masks,
its facet counts a ``bincount`` over the matches and its histogram a ``bincount`` over days.

Asking SQLite for the same costs a B-tree look-up per match and per facet row: at 100k
documents a word held by 10k of them took tens of milliseconds of filter look-ups, facet
joins and date reads per search. The columns are read once (like the vectors,
:mod:`newsflow.index.embedded_vectors`) and again only after a write of this backend or of
any other connection (:class:`~newsflow.index.embedded_vectors.SnapshotCache`).

Orders are SQLite's: values are compared as SQLite's ``BINARY`` collation compares text
(UTF-8 bytes, i.e. code points, which is how Python and numpy compare ``str``), so facet ties,
date sorting and cursors give what the same ``ORDER BY`` in SQL would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from newsflow.index.embedded_storage import TIME_COLUMN


@dataclass(frozen=True, slots=True)
class FacetColumn:
    """One facet field's values: by value (for filters) and by document (for counts)."""

    values: list[str]
    """The field's distinct values, ascending; a value's id is its position here."""
    index: dict[str, int]
    """Value → value id."""
    value_starts: np.ndarray
    """``(len(values) + 1,)`` int64: where each value's documents start in :attr:`value_rows`."""
    value_rows: np.ndarray
    """int32 document rows, grouped by value id."""
    doc_starts: np.ndarray
    """``(n + 1,)`` int64: where each document's value ids start in :attr:`doc_values`."""
    doc_values: np.ndarray
    """int32 value ids, grouped by document row."""

    def mask(self, values: Iterable[str], n: int) -> np.ndarray:
        """``(n,)`` bool: the documents holding any of ``values`` (unknown values match none)."""
        out = np.zeros(n, dtype=bool)
        for value in values:
            i = self.index.get(value)
            if i is not None:
                out[self.value_rows[self.value_starts[i]:self.value_starts[i + 1]]] = True
        return out

    def top(self, rows: np.ndarray, size: int) -> list[tuple[str, int]]:
        """The ``size`` values held most often by the documents ``rows``: most frequent
        first, ties by value (ascending)."""
        if size <= 0 or not len(rows):
            return []
        starts = self.doc_starts[rows]
        lengths = self.doc_starts[rows + 1] - starts
        total = int(lengths.sum())
        if not total:
            return []
        # positions of every value id of these rows: each row's start, then 0, 1, 2 …
        ends = np.cumsum(lengths)
        positions = np.repeat(starts - ends + lengths, lengths) + np.arange(total)
        counts = np.bincount(self.doc_values[positions], minlength=len(self.values))
        held = np.flatnonzero(counts)
        best = held[np.lexsort((held, -counts[held]))][:size]
        return [(self.values[i], int(counts[i])) for i in best]


@dataclass(frozen=True, slots=True)
class Columns:
    """Every document's short columns, in the order of the documents' row ids."""

    rids: np.ndarray
    """``(n,)`` int64: ``documents.rid``, ascending; a document's *row* is its position here."""
    ids: np.ndarray
    """``(n,)`` object: the document ids."""
    pub: np.ndarray
    """``(n,)`` str: the time column (ISO 8601 UTC), ``''`` when undated."""
    indexed_at: np.ndarray
    """``(n,)`` str: when each document was indexed (ISO 8601 UTC)."""
    order: np.ndarray
    """``(n,)`` int64: each row's position when sorted newest first, ties by id (ascending):
    the date sort, and the tie-break of the relevance sort."""
    days: list[str]
    """The distinct days (``YYYY-MM-DD``) of the time column, ascending."""
    day: np.ndarray
    """``(n,)`` int32: each row's day in :attr:`days`, -1 when undated."""
    row_of: dict[str, int]
    """Document id → row."""
    facets: dict[str, FacetColumn] = field(default_factory=dict)
    """Facet field → its values, for the fields read so far (:func:`facet`)."""
    buckets: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)
    """Histogram interval → (bucket starts ascending, bucket of each day), filled when used."""

    def locate(self, rids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(rows, known)`` of the row ids ``rids``: where each is, and whether a document
        has it (``rows`` is meaningless where it does not)."""
        if not len(self.rids):
            return np.zeros(len(rids), dtype=np.int64), np.zeros(len(rids), dtype=bool)
        pos = np.minimum(np.searchsorted(self.rids, rids), len(self.rids) - 1)
        return pos, self.rids[pos] == rids

    def rows(self, rids: np.ndarray) -> np.ndarray:
        """Rows of the row ids ``rids`` (row ids no document has are left out)."""
        pos, known = self.locate(rids)
        return pos[known]

    def nbytes(self) -> int:
        """Bytes held by the arrays (not the Python strings of ids and values)."""
        arrays = [self.rids, self.ids, self.pub, self.indexed_at, self.order, self.day]
        arrays += [a for f in self.facets.values()
                   for a in (f.value_starts, f.value_rows, f.doc_starts, f.doc_values)]
        return sum(a.nbytes for a in arrays)


def _strings(values: list[str]) -> np.ndarray:
    """A fixed-width numpy string array (``<U1`` when empty, so comparisons still work)."""
    return np.array(values, dtype=str) if values else np.zeros(0, dtype="<U1")


def _integers(text: str) -> np.ndarray:
    """int64 array of comma-separated decimal integers (``''``: none)."""
    return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, dtype=np.int64)


def _facet(values: list[str], value_of: np.ndarray, row_of: np.ndarray, n: int) -> FacetColumn:
    """A :class:`FacetColumn` from its entries (``value_of`` ids ascending, then rows)."""
    value_starts = np.searchsorted(value_of, np.arange(len(values) + 1)).astype(np.int64)
    by_doc = np.lexsort((value_of, row_of))
    doc_starts = np.searchsorted(row_of[by_doc], np.arange(n + 1)).astype(np.int64)
    return FacetColumn(values, {v: i for i, v in enumerate(values)}, value_starts,
                       row_of.astype(np.int32), doc_starts, value_of[by_doc].astype(np.int32))


def read_columns(conn: sqlite3.Connection) -> Columns:
    """Every document's short columns (the facet fields are read when first used,
    :func:`facet`): one statement, ≈ 0.5 s at 100k documents."""
    docs = conn.execute(
        f"SELECT rid, id, coalesce({TIME_COLUMN}, ''), indexed_at "
        "FROM documents INDEXED BY documents_keys ORDER BY rid").fetchall()
    n = len(docs)
    rids = np.fromiter((r[0] for r in docs), dtype=np.int64, count=n)
    ids = [r[1] for r in docs]
    pubs = [r[2] for r in docs]
    newest = sorted(range(n), key=ids.__getitem__)
    newest.sort(key=pubs.__getitem__, reverse=True)  # stable: equal dates keep id order
    order = np.empty(n, dtype=np.int64)
    order[np.asarray(newest, dtype=np.int64)] = np.arange(n)
    days = sorted({p[:10] for p in pubs if p})
    day_of = {d: i for i, d in enumerate(days)}
    day = np.fromiter((day_of[p[:10]] if p else -1 for p in pubs), dtype=np.int32, count=n)
    id_array = np.empty(n, dtype=object)
    id_array[:] = ids
    row_of = {doc_id: i for i, doc_id in enumerate(ids)}
    return Columns(rids, id_array, _strings(pubs), _strings([r[3] for r in docs]), order,
                   days, day, row_of)


def facet(conn: sqlite3.Connection, columns: Columns, name: str) -> FacetColumn:
    """The facet field ``name`` of ``columns``, read on first use (one statement; a field no
    document holds has no values). Call it in a read transaction in which ``columns`` is
    current (:meth:`~newsflow.index.embedded_vectors.SnapshotCache.get` first)."""
    known = columns.facets.get(name)
    if known is not None:
        return known
    # One row per value, its documents' row ids joined by commas: reading (value, id) rows
    # one by one into Python objects took about twice as long.
    groups = conn.execute(
        "SELECT f.value, count(*), group_concat(d.rid) FROM facets AS f "
        "JOIN documents AS d ON d.id = f.doc_id WHERE f.field = ? "
        "GROUP BY f.value ORDER BY f.value", (name,)).fetchall()
    sizes = np.fromiter((g[1] for g in groups), dtype=np.int64, count=len(groups))
    value_of = np.repeat(np.arange(len(groups), dtype=np.int64), sizes)
    rows = np.searchsorted(columns.rids, _integers(",".join(g[2] for g in groups)))
    out = columns.facets[name] = _facet([g[0] for g in groups], value_of, rows,
                                        len(columns.rids))
    return out


def buckets(conn: sqlite3.Connection, columns: Columns, interval: str, expression: str
            ) -> tuple[list[str], np.ndarray]:
    """(bucket starts ascending, the bucket of each of ``columns.days``) for ``interval``,
    computed once per columns by SQLite itself from ``expression`` (SQL over ``m.pub``)."""
    known = columns.buckets.get(interval)
    if known is not None:
        return known
    labels = [conn.execute(f"SELECT {expression} FROM (SELECT ? AS pub) AS m", (day,)
                           ).fetchone()[0] for day in columns.days]
    starts = sorted(set(labels))
    position = {b: i for i, b in enumerate(starts)}
    out = (starts, np.fromiter((position[b] for b in labels), dtype=np.int64, count=len(labels)))
    columns.buckets[interval] = out
    return out
