"""Every document of an index, in id order, through a point in time (PIT) and ``search_after``.

A point in time pins the view of the index when the scan starts: documents written, changed
or deleted meanwhile neither appear twice nor make the scan skip others, however long it
runs and however many pages it takes (``from``/``size`` stops at 10,000 and a plain
``search_after`` on a changing index can). Used to iterate over all documents and to copy an
index (reindex). The PIT is closed when the scan ends, also when the caller stops early.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError

from newsflow.index.elastic_client import Connection

PAGE = 500
"""Hits per request."""
KEEP_ALIVE = "2m"
"""How long the PIT lives between two pages (renewed by each)."""


def scan(
    conn: Connection,
    index: str,
    query: dict[str, Any] | None = None,
    *,
    source_excludes: Sequence[str] = (),
    version: bool = False,
    doing: str = "reading all documents",
) -> Iterator[dict[str, Any]]:
    """The raw hits (``_id``, ``_source``, ``_version`` when ``version``) of ``index`` (an
    index or the alias) matching ``query`` (default all), sorted by ``id``.

    Raises the :meth:`Connection.translate`d error (``doing`` names the task): e.g.
    :class:`~newsflow.errors.IndexUnavailable` for a missing alias."""
    client = conn.client
    pit = conn.call(doing, client.open_point_in_time, index=index, keep_alive=KEEP_ALIVE)["id"]
    try:
        after: list[Any] | None = None
        while True:
            extra: dict[str, Any] = {"search_after": after} if after is not None else {}
            if source_excludes:
                extra["source_excludes"] = list(source_excludes)
            resp = conn.call(
                doing, client.search, pit={"id": pit, "keep_alive": KEEP_ALIVE},
                query=query or {"match_all": {}}, sort=[{"id": "asc"}], size=PAGE,
                track_total_hits=False, version=version, **extra,
            )
            pit = resp.get("pit_id", pit)
            hits = resp["hits"]["hits"]
            yield from hits
            if len(hits) < PAGE:
                return
            after = hits[-1]["sort"]
    finally:
        with contextlib.suppress(ApiError, TransportError):  # it expires on its own anyway
            client.close_point_in_time(id=pit)
