"""One database connection shared by a process's threads behind one lock: what
:class:`newsflow.sqlite_db.Database` and :class:`newsflow.postgres_db.Database` have in common."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, Protocol, TypeVar


class Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closable)


class SharedConnection(Generic[C]):
    """``conn`` and the lock its threads share; ``close()`` (and ``with`` exit) closes it.
    A dialect's ``Database`` sets both in its ``__init__`` and adds ``transaction()``."""

    conn: C
    lock: threading.RLock

    @contextmanager
    def locked(self) -> Iterator[C]:
        """The connection, for statements that need no transaction (each one commits by itself)."""
        with self.lock:
            yield self.conn

    def lost(self, exc: BaseException) -> bool:
        """Whether ``exc`` means the connection is gone and :meth:`reconnect` may bring it back
        (a server database's; a file's connection is never lost)."""
        return False

    def reconnect(self) -> None:
        """Replace a lost connection (nothing to do for a file)."""

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def __exit__(self, *exc: object) -> None:
        self.close()
