"""Story threads: the ``story_articles``, ``stories`` and ``story_decisions`` tables' methods.

The rules (which thread an article joins) are :mod:`newsflow.stories`'; this is the tables'
SQL, the same in both dialects save :meth:`Stories.lock` and the DDL's column types.

* ``story_articles``: one row per article with the evidence it is compared by
  (``seen_at`` UTC epoch seconds, ``domain``, ``language``, ``title``, ``entities`` and
  ``words`` as JSON lists, ``vector`` 384 float32 bytes or NULL, ``mentions`` the capitalised
  word runs of its title and lead as a JSON list, ``fingerprint`` of them all) and its ``story_id``;
* ``stories``: one row per thread, its summary (title, first/last seen, size, outlets,
  languages, top entities as JSON);
* ``story_decisions``: every join/new/merge/split with its evidence (JSON), in order.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from newsflow.state.tables import TableStore

TIMES = ("seen_at", "first_seen", "last_seen", "updated_at", "decided_at")

_ARTICLE_COLUMNS = ("doc_id, story_id, cluster_id, seen_at, domain, language, title, entities, words, vector, "
                    "fingerprint, mentions")


@dataclass(frozen=True, slots=True)
class StoryItem:
    """An article as the story rules compare it (the evidence :mod:`newsflow.stories` places
    it by): ``seen_at`` UTC epoch seconds, ``entities`` its canonical names, ``words`` its
    title words, ``vector`` float32 bytes or None, ``fingerprint`` a digest of them all,
    ``mentions`` the capitalised word runs of its title and lead."""

    doc_id: str
    cluster_id: str
    seen_at: float
    domain: str
    language: str | None
    title: str
    entities: tuple[str, ...]
    words: tuple[str, ...]
    vector: bytes | None
    fingerprint: str
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredArticle(StoryItem):
    """One row of ``story_articles``: an article's evidence and the thread it is in."""

    story_id: str = field(kw_only=True)


def stored(item: StoryItem, story_id: str) -> StoredArticle:
    """``item`` as stored in thread ``story_id``."""
    return StoredArticle(*(getattr(item, f.name) for f in fields(StoryItem)), story_id=story_id)


@dataclass(frozen=True, slots=True)
class Member:
    """What a thread's summary is made of, per article (a :class:`StoredArticle` has it too)."""

    doc_id: str
    seen_at: float
    domain: str
    language: str | None
    title: str
    entities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Thread:
    """One row of ``stories``: a thread's summary."""

    story_id: str
    title: str
    first_seen: float
    last_seen: float
    size: int
    outlets: tuple[str, ...]
    languages: tuple[str, ...]
    entities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """One row of ``story_decisions``: ``action`` is ``new``, ``join``, ``merge`` or ``split``."""

    doc_id: str
    story_id: str
    action: str
    evidence: dict[str, Any]
    decided_at: float


def _article(row: Mapping[str, Any]) -> StoredArticle:
    vector = row["vector"]
    return StoredArticle(
        str(row["doc_id"]), str(row["cluster_id"]), float(row["seen_at"]),
        str(row["domain"]), row["language"], str(row["title"]), tuple(json.loads(row["entities"])),
        tuple(json.loads(row["words"])), bytes(vector) if vector is not None else None, str(row["fingerprint"]),
        tuple(json.loads(row["mentions"])), story_id=str(row["story_id"]),
    )


def _thread(row: Mapping[str, Any]) -> Thread:
    return Thread(
        str(row["story_id"]), str(row["title"]), float(row["first_seen"]), float(row["last_seen"]),
        int(row["size"]), tuple(json.loads(row["outlets"])), tuple(json.loads(row["languages"])),
        tuple(json.loads(row["entities"])),
    )


def _in(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values))


class Stories(TableStore):
    """The three story tables; a dialect gives :meth:`lock`."""

    def lock(self) -> None:
        """Serialise the caller's transaction with every other batch of story assignments."""
        raise NotImplementedError

    # -- articles ----------------------------------------------------------------------
    def get(self, doc_id: str) -> StoredArticle | None:
        row = self.run(f"SELECT {_ARTICLE_COLUMNS} FROM story_articles WHERE doc_id = ?", (doc_id,)).fetchone()
        return _article(row) if row else None

    def stamps(self, start: float, end: float) -> list[tuple[str, str, str]]:
        """(doc_id, story_id, fingerprint) of the articles seen from ``start`` to ``end`` (epoch
        seconds, inclusive): what tells a cached copy of a row (:meth:`rows`) still holds."""
        rows = self.run("SELECT doc_id, story_id, fingerprint FROM story_articles WHERE seen_at >= ? AND seen_at <= ?",
                        (start, end))
        return [(str(r["doc_id"]), str(r["story_id"]), str(r["fingerprint"])) for r in rows]

    def _where_in(self, columns: str, key: str, values: Sequence[str]) -> Iterator[Any]:
        """The rows of ``story_articles`` whose ``key`` is one of ``values`` (``columns`` of
        each), asked 500 values at a time."""
        for start in range(0, len(values), 500):
            chunk = list(values[start:start + 500])
            yield from self.run(f"SELECT {columns} FROM story_articles WHERE {key} IN ({_in(chunk)})", chunk)

    def rows(self, doc_ids: Sequence[str]) -> list[StoredArticle]:
        """The stored rows among ``doc_ids`` (any order)."""
        return [_article(r) for r in self._where_in(_ARTICLE_COLUMNS, "doc_id", doc_ids)]

    def in_clusters(self, cluster_ids: Sequence[str]) -> list[tuple[str, str, str]]:
        """(doc_id, story_id, fingerprint) of the articles of any of ``cluster_ids``."""
        return [(str(r["doc_id"]), str(r["story_id"]), str(r["fingerprint"]))
                for r in self._where_in("doc_id, story_id, fingerprint", "cluster_id", cluster_ids)]

    def member_ids(self, story_id: str) -> list[str]:
        """The doc ids of a thread's articles (any order)."""
        return [str(r["doc_id"]) for r in self.run("SELECT doc_id FROM story_articles WHERE story_id = ?",
                                                   (story_id,))]

    def members(self, story_id: str) -> list[StoredArticle]:
        """The articles of a thread, first seen first."""
        rows = self.run(
            f"SELECT {_ARTICLE_COLUMNS} FROM story_articles WHERE story_id = ? ORDER BY seen_at, doc_id", (story_id,))
        return [_article(r) for r in rows]

    def summary_members(self, story_id: str) -> list[Member]:
        """What the summary of a thread is made of, per article (any order): not the evidence
        columns (words, vector, mentions), which a long thread would parse for nothing."""
        rows = self.run("SELECT doc_id, seen_at, domain, language, title, entities FROM story_articles"
                        " WHERE story_id = ?", (story_id,))
        return [Member(str(r["doc_id"]), float(r["seen_at"]), str(r["domain"]), r["language"], str(r["title"]),
                       tuple(json.loads(r["entities"]))) for r in rows]

    def story_ids(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """``doc_id → story_id`` of the stored articles among ``doc_ids``."""
        return {str(r["doc_id"]): str(r["story_id"]) for r in self._where_in("doc_id, story_id", "doc_id", doc_ids)}

    def put(self, a: StoredArticle) -> None:
        """Insert or replace an article's row."""
        self.run("DELETE FROM story_articles WHERE doc_id = ?", (a.doc_id,))
        self.run(
            f"INSERT INTO story_articles ({_ARTICLE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (a.doc_id, a.story_id, a.cluster_id, a.seen_at, a.domain, a.language, a.title,
             json.dumps(list(a.entities), ensure_ascii=False), json.dumps(list(a.words), ensure_ascii=False),
             a.vector, a.fingerprint, json.dumps(list(a.mentions), ensure_ascii=False)),
        )

    def remove(self, doc_id: str) -> None:
        self.run("DELETE FROM story_articles WHERE doc_id = ?", (doc_id,))

    def rename(self, story_id: str, new_id: str) -> None:
        """Re-point every member of thread ``story_id`` to ``new_id`` (a merge)."""
        self.run("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (new_id, story_id))

    def set_story(self, doc_ids: Sequence[str], story_id: str) -> None:
        """Point the rows ``doc_ids`` at ``story_id`` (a split)."""
        for doc_id in doc_ids:
            self.run("UPDATE story_articles SET story_id = ? WHERE doc_id = ?", (story_id, doc_id))

    def count(self) -> int:
        return int(self.run("SELECT count(*) AS n FROM story_articles").fetchone()["n"])

    # -- threads -----------------------------------------------------------------------
    def put_thread(self, t: Thread, now: float) -> None:
        self.run("DELETE FROM stories WHERE story_id = ?", (t.story_id,))
        self.run(
            "INSERT INTO stories (story_id, title, first_seen, last_seen, size, outlets, languages, entities,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (t.story_id, t.title, t.first_seen, t.last_seen, t.size, json.dumps(list(t.outlets)),
             json.dumps(list(t.languages)), json.dumps(list(t.entities), ensure_ascii=False), now),
        )

    def drop_thread(self, story_id: str) -> None:
        self.run("DELETE FROM stories WHERE story_id = ?", (story_id,))

    def thread(self, story_id: str) -> Thread | None:
        row = self.run("SELECT * FROM stories WHERE story_id = ?", (story_id,)).fetchone()
        return _thread(row) if row else None

    def threads(self, since: float | None = None, min_size: int = 1, limit: int = 1000) -> list[Thread]:
        """Threads last seen at or after ``since`` with at least ``min_size`` articles, latest first."""
        rows = self.run(
            "SELECT * FROM stories WHERE last_seen >= ? AND size >= ? ORDER BY last_seen DESC, story_id LIMIT ?",
            (since if since is not None else float("-inf"), min_size, limit),
        )
        return [_thread(r) for r in rows]

    def newest_seen(self) -> float | None:
        row = self.run("SELECT max(last_seen) AS t FROM stories").fetchone()
        return None if row["t"] is None else float(row["t"])

    # -- decisions ---------------------------------------------------------------------
    def record(self, d: Decision) -> None:
        self.run(
            "INSERT INTO story_decisions (doc_id, story_id, action, evidence, decided_at) VALUES (?, ?, ?, ?, ?)",
            (d.doc_id, d.story_id, d.action, json.dumps(d.evidence, ensure_ascii=False, sort_keys=True),
             d.decided_at),
        )

    def decisions(self, doc_id: str | None = None) -> list[Decision]:
        """The decisions recorded (about ``doc_id``, when given), oldest first."""
        where, params = ("WHERE doc_id = ?", (doc_id,)) if doc_id else ("", ())
        rows = self.run(
            f"SELECT doc_id, story_id, action, evidence, decided_at FROM story_decisions {where} ORDER BY id", params)
        return [Decision(str(r["doc_id"]), str(r["story_id"]), str(r["action"]), json.loads(r["evidence"]),
                         float(r["decided_at"])) for r in rows]
