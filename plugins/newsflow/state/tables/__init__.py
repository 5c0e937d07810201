"""The table stores both state dialects share: one class per table, its methods written once.

A table's methods live in this package with their SQL written in SQLite's ``?`` placeholders;
:meth:`TableStore.run` turns them into the dialect's (``%s`` for psycopg). The few statements
that really differ between SQLite and PostgreSQL (upserts, locks) are class attributes or
methods the dialect's subclass (:mod:`newsflow.state.sqlite`, :mod:`newsflow.state.postgres`)
gives.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class TableStore:
    """A table's statements, run on a connection the caller holds the lock of (and wraps in a
    transaction where several statements must hold together)."""

    PARAM: ClassVar[str] = "?"
    """The dialect's positional placeholder (``?`` SQLite, ``%s`` psycopg)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def run(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        """Execute ``sql`` (``?`` placeholders, or the dialect's named ones) with ``params``;
        returns the cursor."""
        return self.conn.execute(sql if self.PARAM == "?" else sql.replace("?", self.PARAM), params)
