"""Each article URL a sitemap listed, with its newest ``<lastmod>``: the ``sitemap_urls`` table (SQLite)."""

from __future__ import annotations

from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import sitemap_urls as shared

TABLE = Table(
    "sitemap_urls",
    """
    CREATE TABLE IF NOT EXISTS sitemap_urls (
        url TEXT PRIMARY KEY,
        sitemap TEXT NOT NULL,
        lastmod REAL,
        first_seen_at REAL NOT NULL,
        last_seen_at REAL NOT NULL
    )""",
    times=("lastmod", "first_seen_at", "last_seen_at"),
)


class SitemapURLs(shared.SitemapURLs, TableStore):
    """The ``sitemap_urls`` table."""
