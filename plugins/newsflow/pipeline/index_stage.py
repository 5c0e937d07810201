"""The last stages of a batch: give each article its document identity, assign near-duplicate
clusters, write the documents to the index and settle their entries in the state store."""

from __future__ import annotations

from collections.abc import Sequence

from newsflow.clustering import assign_clusters
from newsflow.errors import DocumentRejected, IndexUnavailable
from newsflow.index import IndexReport
from newsflow.models import Article
from newsflow.pipeline.context import RunContext


def identify(
    ctx: RunContext, articles: Sequence[Article], keys: Sequence[str]
) -> tuple[list[Article], dict[str, list[str]]]:
    """Give each article the id of the document it already is under any of its aliases
    (:meth:`~newsflow.state.StateStore.claim_identity`) and all its recorded aliases.

    ``keys`` are the articles' entry URLs in the state store (in the same order). Two articles
    of one batch that turn out to be one (a proxy's entry and the publisher's) become one
    document: the later one is kept. Returns the articles to index and, per document id, the
    entry URLs it settles.
    """
    kept: dict[str, Article] = {}
    entry_urls: dict[str, list[str]] = {}
    for article, key in zip(articles, keys, strict=True):
        article.id, article.aliases = ctx.state.claim_identity(article.id, article.aliases)
        kept.pop(article.id, None)
        kept[article.id] = article
        entry_urls.setdefault(article.id, []).append(key)
    return list(kept.values()), entry_urls


def cluster(ctx: RunContext, articles: Sequence[Article]) -> None:
    """Give near-identical articles (syndication) the first-seen member's ``cluster_id``.

    Runs after the extractors because it needs every article's ``simhash`` and the
    signatures of earlier runs; assignment is idempotent, so reprocessing is safe. Its wall
    time counts as stage ``cluster``.
    """
    with ctx.summary.timed("cluster"):
        _cluster(ctx, articles)


def _cluster(ctx: RunContext, articles: Sequence[Article]) -> None:
    items = [
        (a.id, a.enrichments["simhash"], a.published_at or a.feed_published_at or a.fetched_at)
        for a in articles
        if a.enrichments.get("simhash")
    ]
    if not items:
        return
    by_id = {a.id: a for a in articles}
    for member, cluster_id in assign_clusters(ctx.res.clusters, items).items():
        by_id[member].enrichments["cluster_id"] = cluster_id


def index_articles(ctx: RunContext, articles: Sequence[Article], entry_urls: dict[str, list[str]] | None = None) -> None:
    """Upsert ``articles``; mark their entries (``entry_urls``: doc id → entry URLs in the state
    store, default each article's own URL) done or failed. Its wall time counts as stage
    ``index``; an unavailable index fails every article of the call (retried later)."""
    keys = entry_urls or {a.id: [a.url] for a in articles}
    with ctx.summary.timed("index"):
        try:
            report = ctx.res.backend.upsert([a.to_document() for a in articles])
        except IndexUnavailable as exc:
            for article in articles:
                for url in keys[article.id]:
                    ctx.fail_article("index", url, exc)
            return
        settle(ctx, report, keys)


def settle(ctx: RunContext, report: IndexReport, keys: dict[str, list[str]]) -> None:
    """After the documents are written to the index: count them and mark their entries
    (``keys``: doc id → entry URLs) done, or failed for the documents the index rejected."""
    summary = ctx.summary
    summary.articles_new += len(report.new)
    summary.articles_updated += len(report.updated)
    summary.articles_unchanged += len(report.unchanged)
    for failed_id, reason in report.failed:
        for url in keys[failed_id]:
            ctx.fail_article("index", url, DocumentRejected(reason, url=url))
    ctx.state.mark_done([url for i in (*report.new, *report.updated, *report.unchanged) for url in keys[i]])
