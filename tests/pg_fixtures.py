"""Session fixtures giving tests a real PostgreSQL, and the state store on each backend.

``pg_server`` starts one throw-away server per session (:mod:`pg_server`, Debian's
``postgresql`` binaries on loopback) and stops it at the end; ``pg_url`` is a fresh empty
database on it for one test. ``state_target`` is parametrised over ``sqlite`` (a file in the
test's temporary directory) and ``postgres`` (a fresh database): a test taking it runs on
both. When no server can be started the PostgreSQL tests skip with the reason, except in CI
(``CI=true``), where they fail.

Import in ``conftest.py``: ``from pg_fixtures import pg_server, pg_url, state_target``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pg_server as launcher
import pytest
from ci import unavailable

log = logging.getLogger(__name__)


class _Shared:
    """One server per process, however many modules import these fixtures."""

    server: launcher.PgServer | None = None
    error: str | None = None
    users = 0

    @classmethod
    def acquire(cls) -> launcher.PgServer:
        if cls.server is None and cls.error is None:
            try:
                import psycopg  # noqa: F401 - the postgres extra
            except ImportError:
                cls.error = "psycopg is not installed (pip install -e '.[postgres]')"
            else:
                started = time.monotonic()
                try:
                    cls.server = launcher.start()
                except launcher.PgUnavailable as exc:
                    cls.error = str(exc)
                else:
                    log.info("PostgreSQL for this session on port %d (started in %.1fs)",
                             cls.server.port, time.monotonic() - started)
        if cls.server is None:
            unavailable(f"no PostgreSQL: {cls.error}")
        cls.users += 1
        return cls.server

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users <= 0 and cls.server is not None:
            server, cls.server = cls.server, None
            server.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[launcher.PgServer]:
    server = _Shared.acquire()
    try:
        yield server
    finally:
        _Shared.release()


@pytest.fixture
def pg_url(pg_server: launcher.PgServer) -> Iterator[str]:
    """A URL (with the superuser's password) of a new empty database, dropped after the test."""
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def state_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh state store lives: a SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "state.db")
    return str(request.getfixturevalue("pg_url"))
