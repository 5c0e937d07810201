"""The story threads the pages and ``/api/stories`` show, read from the state store the
pipeline writes them to (:mod:`newsflow.stories`), never written.

A SQLite state file is opened read-only (``mode=ro``: neither created nor migrated here); a
PostgreSQL ``state_url`` through :class:`~newsflow.stories.StoryStore`. The search page's
facet only decorates thread ids with titles, so there an unavailable store means plain ids
(:func:`titles`); ``/stories`` and ``/api/stories`` answer 503 with the reason (:func:`listed`).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from newsflow.errors import NewsflowError, StateUnavailable
from newsflow.postgres_db import is_postgres_url
from newsflow.state.tables.stories import Stories, Thread
from newsflow.stories.listing import listed_threads

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StorySource:
    """Where the app reads threads: the state store's ``location`` (a SQLite file path or a
    ``postgresql://`` URL: the settings' ``state_location``) and ``window_hours`` (the
    ``story_window_hours`` setting: which threads are active)."""

    location: str
    window_hours: float


@contextmanager
def _tables(source: StorySource | None) -> Iterator[Stories]:
    """The story tables of ``source`` for the block. Raises :class:`StateUnavailable` when
    there is no state store, it cannot be opened or read, or it has no story tables."""
    if source is None:
        raise StateUnavailable("this app was started without a state store, so it has no story threads")
    location = source.location
    if is_postgres_url(location):
        with _postgres(location) as table:
            yield table
        return
    path = Path(location)
    if not path.is_file():
        raise StateUnavailable(f"no state store at {path}: no story threads yet (run the pipeline first)")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)) as conn:
            conn.row_factory = sqlite3.Row
            yield Stories(conn)  # the shared SQL; nothing here takes a lock or writes
    except sqlite3.Error as exc:
        raise StateUnavailable(f"cannot read the story threads from {path}: {exc}") from exc


@contextmanager
def _postgres(url: str) -> Iterator[Stories]:
    from newsflow.stories import StoryStore

    try:
        store = StoryStore(url)
    except NewsflowError as exc:  # a ConfigError naming the setting, never the password
        raise StateUnavailable(f"cannot read the story threads: {exc}") from exc
    try:
        with store.db.locked():
            yield store.table
    except store.db.Error as exc:
        raise StateUnavailable(f"cannot read the story threads: {type(exc).__name__}") from exc
    finally:
        store.close()


def listed(source: StorySource | None, *, all_: bool, min_size: int, limit: int) -> list[Thread]:
    """The threads ``newsflow stories`` lists with the same options. Raises
    :class:`StateUnavailable` with the reason when the store cannot be read."""
    with _tables(source) as table:
        return listed_threads(table, window_hours=source.window_hours if source else 0.0,
                              all_=all_, min_size=min_size, limit=limit)


def titles(source: StorySource | None, story_ids: Sequence[str]) -> dict[str, Thread]:
    """``story_id → thread`` for the stored threads among ``story_ids``; ``{}`` (logged, no
    error) when the store cannot be read: the page then shows the ids."""
    if not story_ids:
        return {}
    try:
        with _tables(source) as table:
            return {t.story_id: t for t in (table.thread(s) for s in dict.fromkeys(story_ids)) if t is not None}
    except StateUnavailable as exc:
        log.info("story titles not shown: %s", exc)
        return {}
