"""One PostgreSQL connection shared by a process's threads, and the one way to run a transaction on it.

The PostgreSQL counterpart of :mod:`newsflow.sqlite_db`: :class:`Database` has the same
members (``locked()``, ``transaction()``, ``Error``, ``close()``, ``with`` support). The
connection is in autocommit mode (each statement of ``locked()`` commits by itself) and
returns rows as dicts. Needs the ``postgres`` extra (psycopg 3).

Secrets: the URL's password never appears in an error this module raises or logs
(:func:`redact_url`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsflow.errors import StateUnavailable
from newsflow.shared_connection import SharedConnection

SCHEMES = ("postgresql", "postgres")


def is_postgres_url(target: object) -> bool:
    """Whether ``target`` is a ``postgresql://`` (or ``postgres://``) URL."""
    return isinstance(target, str) and urlsplit(target).scheme in SCHEMES


def redact_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``; query ``password=`` too."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    query = "&".join(
        "password=***" if item.lower().startswith("password=") else item for item in parts.query.split("&")
    ) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub(text: str, url: str) -> str:
    """``text`` with ``url``'s password removed wherever it occurs (a driver may quote it)."""
    password = _password(url)
    return text.replace(password, "***") if password else text


def _password(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.password:
        return parts.password
    for item in parts.query.split("&"):
        if item.lower().startswith("password="):
            return item.split("=", 1)[1] or None
    return None


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # the optional extra is not installed
        raise ImportError(
            "a postgresql:// state store needs psycopg 3: pip install 'newsflow[postgres]'"
        ) from exc
    return psycopg


_SHUTDOWN = frozenset({"57P01", "57P02", "57P03"})
"""SQLSTATEs of a server going away: admin_shutdown, crash_shutdown, cannot_connect_now."""


class Live:
    """The current connection of a :class:`Database`: every attribute is the connection's, and
    :meth:`Database.reconnect` swaps the connection underneath, so the table stores built on
    this object use the new one."""

    def __init__(self, conn: Any) -> None:
        self.current = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current, name)


class Database(SharedConnection[Any], AbstractContextManager["Database"]):
    """One connection to a PostgreSQL database and the lock its threads share; closed on ``with`` exit.

    ``url``: ``postgresql://user:password@host:port/dbname`` (libpq's URI form).
    ``connect_timeout``: seconds to wait for the server. ``reconnect_for``: seconds
    :meth:`reconnect` keeps trying (a server restart takes a few). Raises ``psycopg.Error``
    (:attr:`Error`) when it cannot connect, with the password scrubbed from the message.
    """

    def __init__(self, url: str, *, connect_timeout: float = 10.0, reconnect_for: float = 15.0) -> None:
        psycopg = _psycopg()

        self.Error: type[Exception] = psycopg.Error
        self._operational: type[Exception] = psycopg.OperationalError
        self.url = url
        self.path = redact_url(url)
        self.connect_timeout = connect_timeout
        self.reconnect_for = reconnect_for
        self._gave_up = False
        self._closed = False
        self.conn = Live(self._connect())
        self.lock = threading.RLock()

    def _connect(self) -> Any:
        psycopg = _psycopg()
        from psycopg.rows import dict_row

        try:
            return psycopg.connect(
                self.url, autocommit=True, row_factory=dict_row, connect_timeout=max(1, round(self.connect_timeout))
            )
        except psycopg.Error as exc:
            raise psycopg.OperationalError(scrub(str(exc), self.url)) from None

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """The connection inside one transaction (READ COMMITTED; row locks and ``FOR UPDATE``
        do the serialising); any exception rolls back and propagates unchanged."""
        with self.lock, self.conn.transaction():
            yield self.conn

    def lost(self, exc: BaseException) -> bool:
        """Whether ``exc`` means the connection is gone (the server restarted, the backend was
        terminated, the network dropped): an ``OperationalError`` with the connection broken,
        or one that says so itself (no SQLSTATE: the socket closed; class 08, connection
        exception; 57P01–57P03, the server shutting down), since another thread may have
        reconnected already. Other operational errors (a lock timeout) are not."""
        if self._closed or not isinstance(exc, self._operational):
            return False  # closed by its owner: not to be reopened behind its back
        conn = self.conn.current
        state = getattr(exc, "sqlstate", None)
        return bool(conn.broken or conn.closed) or state is None or state.startswith("08") or state in _SHUTDOWN


    def reconnect(self) -> None:
        """Replace a lost connection with a new one, trying for ``reconnect_for`` seconds
        (nothing to do when another thread already did). Raises
        :class:`~newsflow.errors.StateUnavailable` (no password in it) when the server stays
        unreachable."""
        with self.lock:
            old = self.conn.current
            if not (old.broken or old.closed):
                return
            old.close()
            # once given up on, each later call tries once: a run stops, not waits per thread
            deadline = time.monotonic() + (0.0 if self._gave_up else self.reconnect_for)
            pause = 0.2
            while True:
                try:
                    self.conn.current = self._connect()
                    self._gave_up = False
                    return
                except self._operational as exc:
                    if time.monotonic() + pause > deadline:
                        self._gave_up = True
                        raise StateUnavailable(
                            f"the state store {self.path} cannot be reached (tried for "
                            f"{self.reconnect_for:.0f} s): {' '.join(scrub(str(exc), self.url).split())}") from None
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    def close(self) -> None:
        with self.lock:
            self._closed = True
            self.conn.current.close()
