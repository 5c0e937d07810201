"""One retry of a whole state-store operation when the database connection is lost.

A PostgreSQL server that restarts, or terminates the backend, or a network that drops the
connection, fails the statement running then with an ``OperationalError`` and leaves the
connection broken. The operation (one public method of the store: one transaction, or a
few statements that are each safe to run again) is then run once more, from its start, on
a new connection (:meth:`~newsflow.state.protocols.Database.reconnect`); it is never
resumed halfway. A transaction cut before its ``COMMIT`` reached the server was rolled back
by it, so the retry applies it once. If the connection dropped during the ``COMMIT`` itself,
the client cannot know whether it was applied: the operations are written to be safe to
apply twice (upserts, marks, a slot taken under a token already held is kept; a second
claim of due articles leases more of them to the same owner, and the run gives them back
when it ends).

A server that stays unreachable raises :class:`~newsflow.errors.StateUnavailable`: one clear
message for the run, never a driver traceback. A SQLite file's connection is never lost, so
nothing changes there.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from newsflow.errors import StateUnavailable
from newsflow.state.protocols import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def retrying(db: Database, what: str, operation: Callable[[], T]) -> T:
    """``operation()``; if it fails because ``db``'s connection was lost, reconnect and run it
    once more. Raises :class:`~newsflow.errors.StateUnavailable` when the server cannot be
    reached again or the connection is lost a second time; any other error unchanged."""
    reason = ""
    for attempt in (1, 2):
        if attempt == 2:
            db.reconnect()
            log.warning("the state store's connection was lost during %s (%s); reconnected, running it again",
                        what, reason)
        try:
            return operation()
        except Exception as exc:
            if not db.lost(exc):
                raise
            reason = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    raise StateUnavailable(f"the state store's connection was lost twice during {what}: {reason}")


def reconnecting(method: F) -> F:
    """``method`` of an object with a ``_db`` (:class:`~newsflow.state.protocols.Database`)
    run through :func:`retrying`."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        return retrying(self._db, method.__name__, lambda: method(self, *args, **kwargs))

    return run  # type: ignore[return-value]


def reconnecting_methods(*skip: str) -> Callable[[type[T]], type[T]]:
    """A class decorator: every public method the class itself defines, except ``skip``,
    becomes :func:`reconnecting`."""

    def decorate(cls: type[T]) -> type[T]:
        for name, value in list(vars(cls).items()):
            if not name.startswith("_") and name not in skip and callable(value):
                setattr(cls, name, reconnecting(value))
        return cls

    return decorate
