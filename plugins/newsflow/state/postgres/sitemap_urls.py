"""Each article URL a sitemap listed, with its newest ``<lastmod>``: the ``sitemap_urls`` table (PostgreSQL)."""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import sitemap_urls as shared

DDL = (
    """
    CREATE TABLE sitemap_urls (
        url text PRIMARY KEY,
        sitemap text NOT NULL,
        lastmod double precision,
        first_seen_at double precision NOT NULL,
        last_seen_at double precision NOT NULL
    )""",
)


class SitemapURLs(shared.SitemapURLs, TableStore):
    """The ``sitemap_urls`` table."""
