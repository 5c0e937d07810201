"""The list of story threads as ``newsflow stories --json`` prints it and ``/api/stories``
returns it: one place for which threads are listed and the shape of each."""

from __future__ import annotations

from typing import Any

from newsflow.state.clock import to_iso
from newsflow.state.tables.stories import Stories, Thread

DEFAULT_MIN_SIZE = 2
"""Threads of fewer articles are not listed unless asked."""
DEFAULT_LIMIT = 50
"""At most this many threads are listed unless asked."""


def active_threads(table: Stories, window_hours: float, min_size: int = 1, limit: int = 1000) -> list[Thread]:
    """Threads of at least ``min_size`` articles whose last article is within ``window_hours``
    of the newest article stored (not of the clock: an archive ingested late still has active
    threads), latest first; the caller holds the connection."""
    newest = table.newest_seen()
    if newest is None:
        return []
    return table.threads(newest - window_hours * 3600.0, min_size, limit)


def listed_threads(table: Stories, *, window_hours: float, all_: bool = False,
                   min_size: int = DEFAULT_MIN_SIZE, limit: int = DEFAULT_LIMIT) -> list[Thread]:
    """The threads listed: the active ones (see :func:`active_threads`), or every one when ``all_``."""
    if all_:
        return table.threads(None, min_size, limit)
    return active_threads(table, window_hours, min_size, limit)


def thread_dict(t: Thread) -> dict[str, Any]:
    """A thread as listed: ``story_id``, ``title``, ``first_seen``/``last_seen`` (ISO 8601 UTC),
    ``size`` (articles), ``outlets`` (domains), ``languages``, ``entities`` (top names)."""
    return {"story_id": t.story_id, "title": t.title, "first_seen": to_iso(t.first_seen),
            "last_seen": to_iso(t.last_seen), "size": t.size, "outlets": list(t.outlets),
            "languages": list(t.languages), "entities": list(t.entities)}


def listing(threads: list[Thread]) -> dict[str, Any]:
    """``{"threads": [thread_dict, …]}``: what ``newsflow stories --json`` prints."""
    return {"threads": [thread_dict(t) for t in threads]}
