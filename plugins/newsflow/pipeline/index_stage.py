"""The last stages of a batch: give each article its document identity, assign near-duplicate
clusters, write the documents to the index and settle their entries in the state store."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from newsflow.clustering import assign_clusters
from newsflow.errors import DocumentRejected, IndexUnavailable
from newsflow.index import IndexReport
from newsflow.models import Article
from newsflow.pipeline.context import RunContext
from newsflow.stories.step import assign_story_ids

log = logging.getLogger(__name__)
SYNC_ROUNDS = 5
"""How often :func:`sync_ids` re-reads the state store after its own writes."""


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
    """Give near-identical articles (syndication) their cluster's ``cluster_id`` (its smallest
    member id, :mod:`newsflow.clustering`), then each article its story thread's ``story_id``
    (:mod:`newsflow.stories`).

    Runs after the extractors because it needs every article's ``simhash`` and the
    signatures of earlier runs; assignment is idempotent, so reprocessing is safe. Indexed
    documents of other batches that this batch merged into another cluster are rewritten
    with their new id (:func:`sync_cluster_ids`). Its wall time counts as stage ``cluster``.
    """
    with ctx.summary.timed("cluster"):
        _cluster(ctx, articles)
    moved = assign_story_ids(ctx, articles)
    if moved:
        try:
            sync_story_ids(ctx, {}, list(moved))
        except IndexUnavailable as exc:
            log.warning("could not rewrite the story_id of %d indexed documents whose thread merged or split: %s",
                        len(moved), exc)


def _cluster(ctx: RunContext, articles: Sequence[Article]) -> None:
    items = [
        (a.id, a.enrichments["simhash"], a.published_at or a.feed_published_at or a.fetched_at)
        for a in articles
        if a.enrichments.get("simhash")
    ]
    if not items:
        return
    by_id = {a.id: a for a in articles}
    moved: dict[str, str] = {}
    for member, cluster_id in assign_clusters(ctx.res.clusters, items).items():
        if member in by_id:
            by_id[member].enrichments["cluster_id"] = cluster_id
        else:
            moved[member] = cluster_id
    if moved:
        try:
            sync_cluster_ids(ctx, {}, list(moved))
        except IndexUnavailable as exc:
            log.warning("could not rewrite the cluster_id of %d indexed documents merged into another "
                        "cluster: %s", len(moved), exc)


def sync_cluster_ids(ctx: RunContext, written: dict[str, str], others: Sequence[str] = ()) -> None:
    """Make the ``cluster_id`` of indexed documents the state store's (see :func:`sync_ids`)."""
    sync_ids(ctx, "cluster_id", ctx.res.clusters.cluster_ids, written, others)


def sync_story_ids(ctx: RunContext, written: dict[str, str], others: Sequence[str] = ()) -> None:
    """Make the ``story_id`` of indexed documents the state store's (see :func:`sync_ids`)."""
    sync_ids(ctx, "story_id", ctx.res.stories.story_ids, written, others)


def sync_ids(ctx: RunContext, field: str, stored: Callable[[list[str]], dict[str, str]],
             written: dict[str, str], others: Sequence[str] = ()) -> None:
    """Make ``field`` (``cluster_id``, ``story_id``) of indexed documents what the state store
    says (``stored``: doc ids → their stored value).

    ``written``: doc id → the value this process just wrote to the index;
    ``others``: ids of indexed documents (of other batches) whose stored value changed.
    Documents whose index value differs from the state store's are upserted again with it,
    then the state is read again, up to :data:`SYNC_ROUNDS` times: a concurrent batch may
    merge clusters (threads) between this process's assignment and its write, and each writer
    checks its own writes after making them, so the last write of every document carries its
    final id (ids only ever change in a committed transaction, before the writer that changed
    them rewrites). Raises :class:`~newsflow.errors.IndexUnavailable` from the index.
    """
    backend = ctx.res.backend
    pending = dict(written)
    unknown = list(others)
    for _ in range(SYNC_ROUNDS):
        state = stored([*pending, *unknown])
        stale = []
        for doc_id in unknown:
            doc = backend.get(doc_id)
            if doc is not None and doc_id in state and doc.get(field) != state[doc_id]:
                stale.append({**doc, field: state[doc_id]})
        stale_ids = {d["id"] for d in stale}
        for doc_id, value in pending.items():
            if doc_id in state and state[doc_id] != value and doc_id not in stale_ids:
                doc = backend.get(doc_id)
                if doc is not None:
                    stale.append({**doc, field: state[doc_id]})
        if not stale:
            return
        backend.upsert(stale)
        pending = {d["id"]: d[field] for d in stale}
        unknown = []
    log.warning("%s of %d documents still moving after %d rounds", field, len(pending), SYNC_ROUNDS)


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
        for field, sync in (("cluster_id", sync_cluster_ids), ("story_id", sync_story_ids)):
            written = {a.id: str(a.enrichments[field]) for a in articles if a.enrichments.get(field)}
            if written:
                try:
                    sync(ctx, written)
                except IndexUnavailable as exc:
                    log.warning("could not check the %s of %d documents just indexed: %s", field, len(written), exc)


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
