"""The state store on SQLite: one file, one connection, one class per table.

:func:`open_state` opens (creating or migrating, :mod:`.schema`) the file and returns the
:class:`~newsflow.sqlite_db.Database` (connection, lock, transactions) with the table stores
built on its connection. Each table's DDL and SQLite-only statements live in its own module;
the methods both dialects share in :mod:`newsflow.state.tables`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from newsflow.errors import ConfigError
from newsflow.sqlite_db import Database
from newsflow.state.sqlite import (
    alerts,
    aliases,
    articles,
    failures,
    feeds,
    host_slots,
    hosts,
    robots_cache,
    sitemap_urls,
    stories,
    websub,
)
from newsflow.state.sqlite.schema import SCHEMA_VERSION, open_schema
from newsflow.state.tables.bundle import Tables

TABLES = (
    feeds.TABLE, articles.TABLE, failures.TABLE, hosts.TABLE, robots_cache.TABLE, aliases.TABLE,
    host_slots.SLOTS, host_slots.PACE, websub.TABLE, sitemap_urls.TABLE,
    alerts.ALERTS, alerts.DELIVERIES,
    *stories.TABLES,
)
"""Every table of the state file (the order they are created in)."""


def open_state(path: str | Path) -> tuple[Database, Tables]:
    """Open the state file at ``path`` (``":memory:"`` for a throw-away one).

    Raises :class:`ConfigError` when its directory cannot be created, the file cannot be
    opened or migrated, or it was written by a newer newsflow.
    """
    try:
        db = Database(path)
    except OSError as exc:
        raise ConfigError(f"cannot create the state directory {Path(path).parent}: {exc}") from exc
    except sqlite3.Error as exc:
        raise _unopenable(path, exc) from exc
    try:
        open_schema(db.conn, TABLES, db.path)
    except sqlite3.Error as exc:
        db.close()
        raise _unopenable(path, exc) from exc
    except ConfigError:
        db.close()
        raise
    conn = db.conn
    return db, Tables(
        feeds.Feeds(conn), articles.Articles(conn), aliases.Aliases(conn),
        failures.Failures(conn), hosts.Hosts(conn), robots_cache.Robots(conn), host_slots.HostSlots(conn),
        websub.Subscriptions(conn),
        sitemap_urls.SitemapURLs(conn),
        alerts.Alerts(conn),
    )


def _unopenable(path: str | Path, exc: sqlite3.Error) -> ConfigError:
    return ConfigError(f"cannot open the state store {path}: {exc}; check the path and its permissions")


__all__ = ["SCHEMA_VERSION", "TABLES", "Tables", "open_state"]
