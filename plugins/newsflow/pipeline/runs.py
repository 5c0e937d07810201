"""The entry points: each is one run, opened with :func:`~newsflow.pipeline.context.open_run`,
that returns its :class:`~newsflow.pipeline.summary.RunSummary`.

``resources`` lets several runs share one set of open stores (an Airflow ingest task); without
it a run opens its own and closes them at its end. ``progress`` receives progress per stage.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from newsflow.config import Settings
from newsflow.errors import ConfigError, InvalidURL
from newsflow.feed_rules import Rules
from newsflow.feeds import load_feed_list
from newsflow.models import Article, FeedEntry, FeedSource
from newsflow.pipeline.backfill import import_files, reclean_documents
from newsflow.pipeline.context import Resources, open_run
from newsflow.pipeline.poll_stage import poll_feeds
from newsflow.pipeline.process_stage import extractor_chain, process_due, reextract
from newsflow.pipeline.summary import Progress, RunSummary
from newsflow.urls import doc_id, domain_of, normalize_url, unwrap_redirect
from newsflow.websub.subscriber import fallback_due
from newsflow.websub.subscriber import maintain as maintain_subscriptions

log = logging.getLogger(__name__)


def run(
    settings: Settings,
    *,
    feeds: Sequence[FeedSource] | None = None,
    resources: Resources | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Poll every feed (``feeds``, else the feed list of the settings; a feed pushed to us by
    WebSub only every ``websub_poll_interval``), bring WebSub subscriptions in line with that
    list (when push is on), then process every pending article. Raises :class:`~newsflow.errors.ConfigError` for an unreadable feed list
    or an unknown extractor, before anything is polled."""
    with open_run(settings, resources, progress) as ctx:
        feed_list = list(feeds) if feeds is not None else load_feed_list(settings.feeds_path)
        chain = extractor_chain(settings)
        polled = fallback_due(ctx.state, settings, feed_list)  # a feed pushed to us is polled rarely
        ctx.summary.feeds_skipped += len(feed_list) - len(polled)
        poll_feeds(ctx, polled)
        maintain_subscriptions(ctx, feed_list)  # WebSub, when push is on: (un)subscribe, renew
        process_due(ctx, extractors=chain)
    return ctx.summary


def retry(settings: Settings, *, include_permanent: bool = False,
          resources: Resources | None = None, progress: Progress | None = None) -> RunSummary:
    """Re-poll feeds whose last poll failed and re-process failed articles now (only the
    retryable failures unless ``include_permanent``)."""
    with open_run(settings, resources, progress) as ctx:
        state = ctx.state
        failed_feeds = {f.url for f in state.failures("poll") if f.retryable or include_permanent}
        known = {s.url: s.name for s in state.feeds()}
        rules = _configured_rules(settings)
        poll_feeds(ctx, [FeedSource(url=u, name=known.get(u, u), rules=rules.get(u)) for u in sorted(failed_feeds)])
        state.requeue_failed_articles(include_permanent=include_permanent)
        process_due(ctx)
    return ctx.summary


def _configured_rules(settings: Settings) -> dict[str, Rules | None]:
    """Feed URL → its rules in the configured feed list (none when the list cannot be read:
    retrying does not need it, and its errors are reported by the commands that do)."""
    try:
        return {f.url: f.rules for f in load_feed_list(settings.feeds_path)}
    except ConfigError as exc:
        log.warning("retry polls without feed-list rules: %s", exc)
        return {}


def ingest_urls(settings: Settings, urls: Sequence[str], *, source: str | None = None,
                resources: Resources | None = None, progress: Progress | None = None) -> RunSummary:
    """Queue article URLs given by hand and process them (Airflow's manual ingest).

    Their documents' ``source`` is the page's site name (``og:site_name``…) when it has one,
    else ``source``, else the URL's domain. A URL that is not valid is that URL's failure
    (stage ``fetch``)."""
    with open_run(settings, resources, progress) as ctx:
        for raw in urls:
            try:
                url = normalize_url(unwrap_redirect(raw))
            except InvalidURL as exc:  # one bad URL is that URL's failure
                ctx.fail_article("fetch", raw, exc)
                continue
            ctx.state.add_manual(FeedEntry(url=url, feed_url="", source=source or domain_of(url)), doc_id(url))
        process_due(ctx)
    return ctx.summary


def process_urls(settings: Settings, urls: Sequence[str], *, resources: Resources | None = None) -> RunSummary:
    """Process just these pending articles (one mapped batch of an Airflow run)."""
    with open_run(settings, resources) as ctx:
        process_due(ctx, urls=urls)
    return ctx.summary


def reprocess(
    settings: Settings,
    *,
    extractor_names: Sequence[str] | None = None,
    since: datetime | None = None,
    reclean: bool = False,
    resources: Resources | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Re-run extractors (``extractor_names``, else the configured chain) over the indexed
    documents (those indexed ``since``, else all), without fetching: e.g. after an extractor
    changed. With ``reclean``, each document is first cleaned again from its page in the raw
    archive (a new trafilatura, a fixed cleaning bug; see
    :func:`~newsflow.pipeline.backfill.reclean_documents`)."""
    with open_run(settings, resources, progress) as ctx:
        chain = extractor_chain(settings.replace(extractors=tuple(extractor_names) if extractor_names else None))
        if reclean:
            reclean_documents(ctx, chain, since)
            return ctx.summary
        backend = ctx.res.backend
        ctx.progress.start("extract", backend.count())
        batch: list[Article] = []
        for doc in backend.iter_documents(since):
            batch.append(Article.from_document(doc))
            if len(batch) >= settings.batch_size:
                reextract(ctx, batch, chain)
                ctx.progress.advance("extract", len(batch))
                batch = []
        if batch:
            reextract(ctx, batch, chain)
            ctx.progress.advance("extract", len(batch))
    return ctx.summary


def import_warc(settings: Settings, paths: Sequence[Path], *, resources: Resources | None = None,
                progress: Progress | None = None) -> RunSummary:
    """Ingest WARC files (e.g. CC-NEWS): each HTML response becomes an article through the
    same pipeline, with its ``WARC-Date`` as fetch time; importing a file again changes
    nothing. Bad records are failures of stage ``import`` (see
    :func:`~newsflow.pipeline.backfill.import_files`). Raises
    :class:`~newsflow.errors.ConfigError` for an unknown extractor."""
    with open_run(settings, resources, progress) as ctx:
        import_files(ctx, extractor_chain(settings), paths)
    return ctx.summary
