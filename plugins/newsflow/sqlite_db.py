"""One SQLite connection shared by a process's threads, and the one way to run a transaction on it.

:func:`connect` opens a file the way every newsflow store wants it (autocommit mode, so
transactions are explicit; WAL, so readers do not block the writer; rows as
:class:`sqlite3.Row`). :func:`transaction` runs a block as one transaction. :class:`Database`
pairs a connection with the lock that serialises its use by threads (``sqlite3`` connections
are not safe to share without one) and is what a store built on one file holds.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from newsflow.shared_connection import SharedConnection

MEMORY = ":memory:"


def connect(path: str | Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """Open (creating it and its directory) the SQLite file at ``path`` (or ``":memory:"``).

    ``timeout``: seconds a statement waits for another process's write lock before
    ``sqlite3.OperationalError`` ("database is locked"). Raises ``OSError`` when the directory
    cannot be created, ``sqlite3.Error`` when the file cannot be opened.
    """
    if str(path) != MEMORY:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=timeout)
    try:
        conn.row_factory = sqlite3.Row
        _switch_to_wal(conn, timeout)
        conn.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def _switch_to_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """``PRAGMA journal_mode=WAL``, retried for up to ``timeout`` seconds while another
    process opening the same rollback-journal file holds it: that switch can fail with
    "database is locked" at once, without waiting like other statements do (seen with three
    processes opening an old state file together)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


@contextmanager
def transaction(conn: sqlite3.Connection, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
    """Run the block as one transaction on ``conn`` (opened in autocommit mode by :func:`connect`).

    ``immediate`` takes the write lock up front (``BEGIN IMMEDIATE``): a busy file fails at
    once (after the connection's timeout) instead of half-way through, and two processes
    reading then writing the same rows serialise instead of racing. Otherwise a deferred
    ``BEGIN``: one consistent snapshot for several reads. Any exception (in the block or at
    ``COMMIT``) rolls back and propagates unchanged.
    """
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class Database(SharedConnection[sqlite3.Connection], AbstractContextManager["Database"]):
    """One connection to a SQLite file and the lock its threads share; closed on ``with`` exit."""

    Error = sqlite3.Error
    """The exception a statement on this database raises (a busy file, a full disk…)."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = str(path)
        self.conn = connect(path, timeout=timeout)
        self.lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one ``BEGIN IMMEDIATE`` transaction (see :func:`transaction`)."""
        with self.lock, transaction(self.conn):
            yield self.conn
