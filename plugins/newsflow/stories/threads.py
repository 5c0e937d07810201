"""Story threads grown batch by batch: which thread each article joins, and when two merge.

A thread is a connected component of the graph whose edges are :func:`~newsflow.stories.evidence.link`
(copies, or close in meaning/names within the time window), and its ``story_id`` is the
smallest ``doc_id`` among its members: the same idea as the near-duplicate clusters
(:mod:`newsflow.clustering`). Both depend only on the set of articles stored, never on the
order they came in, so any order of batches or workers ends with the same ids.

* A new article is compared with every stored article within the window of it that it could
  link to (and every stored copy of it, whatever their time gap): close enough in meaning, or,
  without a vector on one side, sharing a name (:mod:`newsflow.stories.candidates` says which
  without comparing it with all); it joins the one thread it links to
  (``join``), founds one (``new``), or merges every thread it links to into one (``merge``),
  named by the smallest ``doc_id`` of them all; members of the others are re-pointed and
  returned as *moved* so the caller rewrites their ``story_id`` in the index.
* Assigning is idempotent: an article stored with the same features gets its thread back; one
  whose features changed (edited, re-extracted) leaves its thread, which is split into the
  components its other members form (``split``), and then joins again.
* Every decision is a row of ``story_decisions`` with its evidence (per linked thread: the
  closest article, the similarity, the shared names, the time gap).
* After a batch, the summary of every thread it touched (title, first/last seen, size,
  outlets, languages, top entities) is written to ``stories``; a thread merged away is deleted.

A batch is one transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL the tables' advisory lock),
so concurrent batches serialise.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsflow.postgres_db import is_postgres_url
from newsflow.state.protocols import Database as StateDatabase
from newsflow.state.reconnect import reconnecting, retrying
from newsflow.state.tables.stories import Decision, Member, StoredArticle, StoryItem, Thread, stored
from newsflow.state.tables.stories import Stories as StoriesTable
from newsflow.stories.candidates import NameIndex
from newsflow.stories.evidence import Features, Rule, as_vector, link
from newsflow.stories.listing import DEFAULT_LIMIT, DEFAULT_MIN_SIZE, active_threads, listed_threads

TOP_ENTITIES = 5
"""Names kept in a thread's summary."""


@dataclass(slots=True)
class Assignment:
    """What a batch decided: ``story_ids`` (each article of the batch → its thread),
    ``moved`` (stored articles of other batches whose thread changed → the new id) and the
    ``decisions`` made, in order."""

    story_ids: dict[str, str] = field(default_factory=dict)
    moved: dict[str, str] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)


class StoryStore(AbstractContextManager["StoryStore"]):
    """The story tables of the state database at ``target`` (a SQLite file path or a
    ``postgresql://`` URL), opened (and migrated) like the state store; ``db`` the
    connection, ``table`` the tables' SQL. Raises :class:`~newsflow.errors.ConfigError`
    when the database cannot be opened."""

    def __init__(self, target: str | Path) -> None:
        self.db: StateDatabase
        self.table: StoriesTable
        if is_postgres_url(target):
            from newsflow.state.postgres import open_database
            from newsflow.state.postgres import stories as pg_stories

            self.db = open_database(str(target))
            self.table = pg_stories.Stories(self.db.conn)
        else:
            from newsflow.state.sqlite import open_state
            from newsflow.state.sqlite import stories as sqlite_stories

            sqlite_db, _ = open_state(target)
            self.db, self.table = sqlite_db, sqlite_stories.Stories(sqlite_db.conn)
        self.names = NameIndex()
        """The stored articles' features and names of the last batch's window (see :mod:`.candidates`)."""

    @property
    def _db(self) -> StateDatabase:  # what :func:`~newsflow.state.reconnect.reconnecting` retries on
        return self.db

    def close(self) -> None:
        self.db.close()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @reconnecting
    def story_ids(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """The stored ``story_id`` of each of ``doc_ids`` that is stored."""
        with self.db.locked():
            return self.table.story_ids(list(doc_ids))

    @reconnecting
    def members(self, story_id: str) -> list[StoredArticle]:
        """A thread's articles, first seen first."""
        with self.db.locked():
            return self.table.members(story_id)

    @reconnecting
    def thread(self, story_id: str) -> Thread | None:
        with self.db.locked():
            return self.table.thread(story_id)

    @reconnecting
    def active(self, window_hours: float, min_size: int = 2, limit: int = 1000) -> list[Thread]:
        """Threads of at least ``min_size`` articles whose last article is within
        ``window_hours`` of the newest article stored (not of the clock: an archive
        ingested late still has active threads), latest first."""
        with self.db.locked():
            return active_threads(self.table, window_hours, min_size, limit)

    @reconnecting
    def listed(self, window_hours: float, *, all_: bool = False, min_size: int = DEFAULT_MIN_SIZE,
               limit: int = DEFAULT_LIMIT) -> list[Thread]:
        """The threads ``newsflow stories`` lists (see :func:`~newsflow.stories.listing.listed_threads`)."""
        with self.db.locked():
            return listed_threads(self.table, window_hours=window_hours, all_=all_, min_size=min_size, limit=limit)

    @reconnecting
    def threads(self, min_size: int = 1, limit: int = 1000) -> list[Thread]:
        """Every thread of at least ``min_size`` articles, latest first."""
        with self.db.locked():
            return self.table.threads(None, min_size, limit)

    @reconnecting
    def decisions(self, doc_id: str | None = None) -> list[Decision]:
        with self.db.locked():
            return self.table.decisions(doc_id)

    @reconnecting
    def count(self) -> int:
        with self.db.locked():
            return self.table.count()


def features(a: StoryItem) -> Features:
    return Features(a.doc_id, a.cluster_id, a.seen_at, a.language, frozenset(a.entities), frozenset(a.words),
                    as_vector(a.vector), a.mentions)


class _Window:
    """The stored articles a batch is compared with: those seen over its time span plus the
    window either side, and the copies of its articles, kept in step with the batch's own
    writes. Their features come from the store's :class:`NameIndex` (rows not seen before, or
    changed, are parsed); the vectors of those loaded are one matrix, so that an article is
    compared with all of them at once, and a pair without a vector is compared only when the
    index says the two may share a name: :func:`link` runs only on the pairs that could pass it."""

    def __init__(self, table: StoriesTable, index: NameIndex, items: Sequence[StoryItem], rule: Rule) -> None:
        self.table, self.index, self.rule = table, index, rule
        self.story: dict[str, str] = {}
        """doc id → thread of every stored article the window knows (removed ones are not)."""
        self.feats: dict[str, Features] = {}
        self.clusters: dict[str, set[str]] = {}
        self.fresh: set[str] = set()
        """Articles this batch stored: compared one by one (the matrix holds those loaded)."""
        self.floor = min(rule.similarity, rule.min_similarity, rule.same_language_similarity) - 1e-4
        """No pair of vectors less similar than this can be linked (less a rounding margin)."""
        self.by_names = rule.fallback_shared >= 1
        """Whether a pair without a vector needs a shared name to link (so the index can tell)."""
        stamps: list[tuple[str, str, str]] = []
        if items:
            low = min(i.seen_at for i in items) - rule.window_seconds
            high = max(i.seen_at for i in items) + rule.window_seconds
            stamps = table.stamps(low, high)
        loaded = [doc_id for doc_id, _, _ in stamps]
        stamps += table.in_clusters(sorted({i.cluster_id for i in items}))
        index.keep_only(doc_id for doc_id, _, _ in stamps)
        missing = [doc_id for doc_id, _, key in stamps if index.get(doc_id, key) is None]
        for row in table.rows(sorted(set(missing))):
            index.add(row.fingerprint, features(row))
        for doc_id, story_id, key in stamps:
            feats = index.get(doc_id, key)
            if feats is not None:  # else changed since the first query: not in this transaction
                self._keep(feats, story_id)
        self._matrix = self._arrays([d for d in dict.fromkeys(loaded) if d in self.feats])

    def _keep(self, feats: Features, story_id: str) -> None:
        self.story[feats.doc_id] = story_id
        self.feats[feats.doc_id] = feats
        self.clusters.setdefault(feats.cluster_id, set()).add(feats.doc_id)

    def _arrays(self, ids: list[str]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """(doc ids, their times, whether each has a vector, the vectors as rows; zeros for none)."""
        vectors = [self.feats[d].vector for d in ids]
        matrix = np.zeros((len(ids), len(next((v for v in vectors if v is not None), ()))), dtype=np.float32)
        for n, vector in enumerate(vectors):
            if vector is not None and len(vector) == matrix.shape[1]:
                matrix[n] = vector
        return (ids, np.array([self.feats[d].seen_at for d in ids], dtype=np.float64),
                np.array([v is not None for v in vectors], dtype=bool), matrix)

    def candidates(self, item: StoryItem, mine: Features) -> list[str]:
        """The doc ids ``item`` could be linked to, sorted: its copies; those within the window
        with a vector close enough in meaning to its own; and, when either side has no vector,
        those within the window that may share a name with it (all of them when the rule needs
        no name) and are close in time or share a title word (:func:`link`'s fallback)."""
        found = set(self.clusters.get(item.cluster_id, ()))
        ids, times, has_vector, matrix = self._matrix
        span = self.rule.window_seconds
        in_time = np.abs(times - item.seen_at) <= span
        fresh = [f for d in self.fresh if (f := self.feats.get(d)) is not None and abs(f.seen_at - item.seen_at) <= span]
        if mine.vector is not None:
            close = in_time & has_vector
            if matrix.shape[1] == len(mine.vector):
                close &= matrix @ mine.vector >= self.floor
            found.update(ids[n] for n in np.flatnonzero(close))
            found.update(f.doc_id for f in fresh if f.vector is not None)
        sharing = self.index.sharing(mine) if self.by_names else None
        if sharing is None:  # every stored article of the window is a candidate
            sharing = {ids[n] for n in np.flatnonzero(in_time)} | {f.doc_id for f in fresh}
        near = self.rule.fallback_hours * 3600.0 if self.rule.title_overlap > 0 else span
        for doc_id in sharing:  # further apart than fallback_hours, no title word in common: no link
            f = self.feats.get(doc_id)
            if (f is not None and (mine.vector is None or f.vector is None)
                    and ((gap := abs(f.seen_at - item.seen_at)) <= near
                         or (gap <= span and not mine.words.isdisjoint(f.words)))):
                found.add(doc_id)
        found.discard(item.doc_id)
        return sorted(d for d in found if d in self.story)

    def put(self, row: StoredArticle) -> None:
        self.table.put(row)
        feats = features(row)
        self.index.add(row.fingerprint, feats)
        self._keep(feats, row.story_id)
        self.fresh.add(row.doc_id)

    def remove(self, doc_id: str) -> None:
        self.table.remove(doc_id)
        self.story.pop(doc_id, None)
        self.feats.pop(doc_id, None)

    def repoint(self, doc_ids: Iterable[str], story_id: str) -> None:
        for doc_id in doc_ids:
            if doc_id in self.story:
                self.story[doc_id] = story_id


def assign_stories(store: StoryStore, items: Iterable[StoryItem], rule: Rule | None = None) -> Assignment:
    """Place a batch of articles in threads (see the module docstring); an article given
    twice in one batch gets one answer, its last. Raises ``psycopg``/``sqlite3`` errors
    from the database (a lost PostgreSQL connection is retried once, the whole batch)."""
    batch = list({i.doc_id: i for i in items}.values())  # an article given twice: its last version
    return retrying(store.db, "assign_stories", lambda: _assign(store, batch, rule or Rule()))


def _assign(store: StoryStore, batch: list[StoryItem], rule: Rule) -> Assignment:
    out = Assignment()
    touched: set[str] = set()
    now = time.time()
    with store.db.transaction():
        table = store.table
        table.lock()
        window = _Window(table, store.names, batch, rule)
        for item in sorted(batch, key=lambda i: (i.seen_at, i.doc_id)):
            stored = table.get(item.doc_id)
            if stored is not None and stored.fingerprint == item.fingerprint:
                out.story_ids[item.doc_id] = out.moved.pop(item.doc_id, stored.story_id)
                continue
            if stored is not None:  # changed: it leaves its thread, which may fall apart
                window.remove(item.doc_id)
                touched.add(stored.story_id)
                _split(window, stored.story_id, item.doc_id, out, touched, now)
            story_id = _join(window, item, out, touched, now)
            out.story_ids[item.doc_id] = story_id
            out.moved.pop(item.doc_id, None)
        for doc_id in list(out.story_ids):  # a merge later in the batch may re-point an earlier member
            if doc_id in out.moved:
                out.story_ids[doc_id] = out.moved.pop(doc_id)
        for story_id in sorted(touched):
            members = table.summary_members(story_id)
            if members:
                table.put_thread(summarise(members), now)
            else:
                table.drop_thread(story_id)
    return out


def _join(window: _Window, item: StoryItem, out: Assignment, touched: set[str], now: float) -> str:
    """Store ``item`` in the thread it belongs to (merging the threads it links), record the
    decision; returns its ``story_id``."""
    mine = features(item)
    best: dict[str, dict[str, Any]] = {}
    for doc_id in window.candidates(item, mine):
        evidence = link(mine, window.feats[doc_id], window.rule)
        if evidence is None:
            continue
        linked = window.story[doc_id]
        known = best.get(linked)
        if known is None or _strength(evidence) > _strength(known):
            best[linked] = {"doc_id": doc_id, **evidence}
    story_id = min([item.doc_id, *best])  # a thread's id is its smallest member's: the smallest of them all
    changed: list[str] = []
    for old in sorted(best):
        if old != story_id:
            changed += [m for m in window.table.member_ids(old) if m != item.doc_id]
            window.table.rename(old, story_id)
            touched.add(old)
    window.repoint(changed, story_id)
    out.moved.update(dict.fromkeys(changed, story_id))
    window.put(stored(item, story_id))
    touched.add(story_id)
    action = "new" if not best else "join" if len(best) == 1 else "merge"
    decision = Decision(item.doc_id, story_id, action,
                        {"links": [{"story_id": s, **best[s]} for s in sorted(best)]}, now)
    window.table.record(decision)
    out.decisions.append(decision)
    return story_id


def _strength(evidence: dict[str, Any]) -> tuple[int, float, int]:
    return (evidence["via"] == "copy", float(evidence.get("similarity", evidence.get("title_overlap", 0.0))),
            len(evidence.get("shared", ())))


def _split(window: _Window, story_id: str, leaving: str, out: Assignment, touched: set[str], now: float) -> None:
    """Renumber what is left of thread ``story_id`` once ``leaving`` left it: each connected
    component of the other members gets its smallest ``doc_id`` (recorded as ``split``)."""
    members = [m for m in window.table.members(story_id) if m.doc_id != leaving]
    feats = [features(m) for m in members]
    parent = {m.doc_id: m.doc_id for m in members}

    def root(doc_id: str) -> str:
        while parent[doc_id] != doc_id:
            parent[doc_id] = parent[parent[doc_id]]
            doc_id = parent[doc_id]
        return doc_id

    for i, a in enumerate(feats):
        for b in feats[i + 1:]:
            ra, rb = root(a.doc_id), root(b.doc_id)
            if ra != rb and link(a, b, window.rule) is not None:
                parent[max(ra, rb)] = min(ra, rb)
    components: dict[str, list[str]] = {}
    for m in members:
        components.setdefault(root(m.doc_id), []).append(m.doc_id)
    for smallest, doc_ids in sorted(components.items()):
        touched.add(smallest)
        if smallest != story_id:
            window.table.set_story(doc_ids, smallest)
            window.repoint(doc_ids, smallest)
            out.moved.update(dict.fromkeys(doc_ids, smallest))
        if len(components) > 1:
            decision = Decision(leaving, smallest, "split", {"from": story_id, "members": len(doc_ids)}, now)
            window.table.record(decision)
            out.decisions.append(decision)


def summarise(members: Sequence[Member | StoredArticle]) -> Thread:
    """A thread's summary from its articles (first seen first): the title of its first
    article, first and last seen, size, outlets (domains) and languages sorted, and the
    :data:`TOP_ENTITIES` names most of its articles share (ties by name)."""
    first = min(members, key=lambda m: (m.seen_at, m.doc_id))
    counts = Counter(name for m in members for name in set(m.entities))
    top = sorted(counts, key=lambda n: (-counts[n], n))[:TOP_ENTITIES]
    return Thread(
        story_id=min(m.doc_id for m in members), title=first.title,
        first_seen=min(m.seen_at for m in members), last_seen=max(m.seen_at for m in members),
        size=len(members), outlets=tuple(sorted({m.domain for m in members})),
        languages=tuple(sorted({m.language for m in members if m.language})), entities=tuple(top),
    )
