"""The state store on PostgreSQL: one database, one connection per process, one class per table.

:func:`open_state` connects (``state_url``), applies the schema migrations the database lacks
(:mod:`.schema`) and returns the :class:`~newsflow.postgres_db.Database` with the table
stores built on its connection: the same classes, method names and records as
:mod:`newsflow.state.sqlite`, in PostgreSQL SQL. Needs the ``postgres`` extra (psycopg 3).
"""

from __future__ import annotations

from newsflow.errors import ConfigError
from newsflow.postgres_db import Database, redact_url, scrub
from newsflow.state.postgres import (
    alerts,
    aliases,
    articles,
    clusters,
    failures,
    feeds,
    host_slots,
    hosts,
    robots_cache,
    sitemap_urls,
    stories,
    websub,
)
from newsflow.state.postgres.schema import SCHEMA_VERSION, migrations, open_schema
from newsflow.state.tables.bundle import Tables

TABLES = (
    "feeds", "articles", "failures", "hosts", "robots", "aliases", "simhash_clusters", "websub", "sitemap_urls",
    "alerts", "alert_deliveries", "story_articles", "stories", "story_decisions",
)
"""Every state table (the order they are created and copied in)."""

MIGRATIONS = migrations(
    [feeds.DDL, articles.DDL, failures.DDL, hosts.DDL, robots_cache.DDL, aliases.DDL, clusters.DDL],
    {2: host_slots.DDL, 3: websub.DDL, 4: sitemap_urls.DDL, 5: alerts.DDL, 6: stories.DDL, 7: stories.ADD_MENTIONS},
)

SETTING = "state_url (NEWSFLOW_STATE_URL)"


def open_database(url: str) -> Database:
    """Connect to ``url`` and bring its schema up to date (errors as :func:`open_state`)."""
    try:
        db = Database(url)
    except ImportError as exc:
        raise ConfigError(f"{exc} (setting {SETTING})") from None
    except Exception as exc:  # psycopg.Error, already scrubbed of the password
        raise unopenable(url, exc) from None
    try:
        open_schema(db.conn, MIGRATIONS, db.path)
    except ConfigError:
        db.close()
        raise
    except db.Error as exc:
        db.close()
        raise unopenable(url, exc) from None
    return db


def open_state(url: str) -> tuple[Database, Tables]:
    """Connect to the PostgreSQL database at ``url`` and bring its schema up to date.

    Raises :class:`ConfigError` naming the ``state_url`` setting (never the password) when
    psycopg is missing, the server cannot be reached, rejects the credentials, or the
    database's schema is newer than this newsflow.
    """
    db = open_database(url)
    conn = db.conn
    return db, Tables(
        feeds.Feeds(conn), articles.Articles(conn), aliases.Aliases(conn),
        failures.Failures(conn), hosts.Hosts(conn), robots_cache.Robots(conn), host_slots.HostSlots(conn),
        websub.Subscriptions(conn),
        sitemap_urls.SitemapURLs(conn),
        alerts.Alerts(conn),
    )


def unopenable(url: str, exc: BaseException) -> ConfigError:
    """The error for a database that cannot be used: what the server said, the URL without
    its password, and the setting to check."""
    reason = scrub(str(exc).strip(), url) or type(exc).__name__
    return ConfigError(
        f"cannot open the state store {redact_url(url)}: {reason}; check the setting {SETTING} "
        "(host, port, database, user and password)"
    )


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "TABLES", "Tables", "open_database", "open_state"]
