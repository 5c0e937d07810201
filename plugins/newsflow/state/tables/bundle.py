"""The table stores of one state database, as both dialects' ``open_state`` returns them."""

from __future__ import annotations

from dataclasses import dataclass

from newsflow.state.protocols import (
    AlertsTable,
    AliasesTable,
    ArticlesTable,
    FailuresTable,
    FeedsTable,
    HostSlotsTable,
    HostsTable,
    RobotsTable,
    SitemapURLsTable,
    WebSubTable,
)


@dataclass(frozen=True, slots=True)
class Tables:
    """The table stores of one state database, all on its one connection (a
    :class:`newsflow.state.protocols.Tables`)."""

    feeds: FeedsTable
    articles: ArticlesTable
    aliases: AliasesTable
    failures: FailuresTable
    hosts: HostsTable
    robots: RobotsTable
    host_slots: HostSlotsTable
    websub: WebSubTable
    sitemap_urls: SitemapURLsTable
    alerts: AlertsTable
