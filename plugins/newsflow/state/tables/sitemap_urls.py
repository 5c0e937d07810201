"""Each article URL a sitemap listed, with the newest ``<lastmod>`` seen: the ``sitemap_urls``
table's methods, for both dialects (the upsert is standard SQL both accept)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.tables import TableStore


class SitemapURLs(TableStore):
    """The ``sitemap_urls`` table."""

    def get(self, url: str) -> tuple[bool, Stamp | None]:
        """(whether a sitemap listed ``url`` before, the newest lastmod recorded for it or None)."""
        row = self.run("SELECT lastmod FROM sitemap_urls WHERE url = ?", (url,)).fetchone()
        return (False, None) if row is None else (True, row["lastmod"])

    def put(self, url: str, sitemap: str, lastmod: Stamp | None, now: Stamp) -> None:
        """Record that ``sitemap`` lists ``url``; its lastmod only ever moves forward (a missing
        one keeps what was recorded)."""
        self.run(
            "INSERT INTO sitemap_urls (url, sitemap, lastmod, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET sitemap = excluded.sitemap, last_seen_at = excluded.last_seen_at,"
            " lastmod = CASE WHEN excluded.lastmod IS NULL THEN sitemap_urls.lastmod"
            " WHEN sitemap_urls.lastmod IS NULL OR excluded.lastmod > sitemap_urls.lastmod THEN excluded.lastmod"
            " ELSE sitemap_urls.lastmod END",
            (url, sitemap, lastmod, now, now),
        )

    def count(self) -> int:
        return int(self.run("SELECT count(*) AS n FROM sitemap_urls").fetchone()["n"])
