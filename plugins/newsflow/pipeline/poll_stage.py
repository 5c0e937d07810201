"""The poll stage: poll feeds concurrently, record their validators and adaptive interval,
and queue their new entries as durable pending work (the fetch stage's input)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from newsflow.errors import StageError
from newsflow.feed_rules import screen_entries
from newsflow.models import FeedEntry, FeedSource
from newsflow.pipeline.context import Resources, RunContext
from newsflow.pipeline.hosts import concurrently, host_outcome
from newsflow.pipeline.sitemap_stage import poll_sitemap_sources
from newsflow.pipeline.summary import Progress, RunSummary
from newsflow.politeness import host_of
from newsflow.polling import PollResult, next_poll_interval, poll_feed
from newsflow.state import StateStore
from newsflow.urls import doc_id
from newsflow.websub.subscriber import fallback_due

log = logging.getLogger(__name__)


def admit_entries(state: StateStore, feed: FeedSource, entries: list[FeedEntry]) -> tuple[list[FeedEntry], int]:
    """Queue a feed's entries (polled or pushed) as pending, after its feed-list rules:
    ``(the entries new to the state store, how many were newly excluded)``. Excluded entries
    are remembered as seen (done, without a document), so they are not decided again."""
    entries, excluded = screen_entries(feed, entries)
    skipped: list[FeedEntry] = []
    if excluded:
        reasons = {e.url: reason for e, reason in excluded}
        skipped = state.add_seen([e for e, _ in excluded], [doc_id(e.url) for e, _ in excluded])
        for entry in skipped:
            log.info("entry %s of %s skipped: %s", entry.url, feed.url, reasons[entry.url])
    return state.add_entries(entries, [doc_id(e.url) for e in entries]), len(skipped)


def poll(
    res: Resources,
    feeds: Sequence[FeedSource],
    summary: RunSummary,
    progress: Progress,
    *,
    respect_intervals: bool | None = None,
) -> None:
    """Poll ``feeds`` concurrently; record validators, queue new entries, record failures.

    With ``respect_intervals`` (default: ``settings.respect_poll_intervals``) a feed whose
    adaptive poll interval has not elapsed is skipped; a feed whose host is backed off is
    always skipped; with ``respect_intervals`` so is a feed pushed to us (an active WebSub
    subscription) polled less than ``websub_poll_interval`` ago (:func:`~newsflow.pipeline.run`
    applies that to every run). Skipped feeds count in ``summary.feeds_skipped``.
    """
    poll_feeds(RunContext(res, summary, progress), feeds, respect_intervals)


def poll_feeds(ctx: RunContext, feeds: Sequence[FeedSource], respect_intervals: bool | None = None) -> None:
    """:func:`poll` within a run (its wall time counted as stage ``poll``)."""
    with ctx.summary.timed("poll"):
        _poll(ctx, [f for f in feeds if f.type == "feed"], respect_intervals)
        sitemap_sources = [f for f in feeds if f.type != "feed"]  # sitemaps and sites
        if sitemap_sources:
            respect = ctx.settings.respect_poll_intervals if respect_intervals is None else respect_intervals
            poll_sitemap_sources(ctx, sitemap_sources, respect)


def _poll(ctx: RunContext, feeds: Sequence[FeedSource], respect_intervals: bool | None) -> None:
    res, settings, summary = ctx.res, ctx.settings, ctx.summary
    if respect_intervals is None:
        respect_intervals = settings.respect_poll_intervals
    known = {f.url: f for f in res.state.feeds()} if respect_intervals else {}
    due = [f for f in feeds if f.url not in known or known[f.url].due()]
    due = [f for f in due if not res.state.host_backoff(host_of(f.url))]
    if respect_intervals:  # scheduled polling: a feed pushed to us (WebSub) is polled rarely
        due = fallback_due(res.state, settings, due)
    summary.feeds_skipped += len(feeds) - len(due)
    ctx.progress.start("poll", len(due))

    def one(feed: FeedSource) -> tuple[PollResult, float | None]:
        previous = res.state.feed(feed.url)
        client = res.client  # built (first use) before the slot: the gap is kept at the request
        try:
            with res.gate.slot(feed.url):
                result = poll_feed(
                    client, feed, previous,
                    max_bytes=settings.max_feed_bytes, total_timeout=settings.total_timeout,
                    max_redirects=settings.max_redirects, verify_every=settings.feed_verify_every,
                )
        except StageError as exc:
            host_outcome(res, feed.url, exc)
            raise
        host_outcome(res, feed.url, None)
        return result, previous.poll_interval if previous else None

    for feed, outcome in concurrently(one, due, settings.fetch_workers):
        summary.feeds_polled += 1
        ctx.progress.advance("poll")
        if isinstance(outcome, BaseException):
            summary.feeds_failed += 1
            ctx.record("poll", feed.url, outcome)
            res.state.record_feed(feed.url, feed.name, status=f"failed: {type(outcome).__name__}")
            continue
        try:
            _store_poll(ctx, feed, outcome)
        except Exception as exc:  # storing one feed's result failed: that feed's failure, not the run's
            summary.feeds_failed += 1
            error = exc if isinstance(exc, StageError) else StageError(
                f"{type(exc).__name__} while storing the poll of {feed.url}: {exc}", url=feed.url)
            ctx.record("poll", feed.url, error)


def _store_poll(ctx: RunContext, feed: FeedSource, outcome: tuple[PollResult, float | None]) -> None:
    """Record one successful poll: validators, interval, new entries and rejected entries."""
    settings, state, summary = ctx.settings, ctx.state, ctx.summary
    result, interval = outcome
    for link, error in result.rejected:  # an entry that names no fetchable article
        summary.entries_skipped += 1
        ctx.record("entry", link, error)
    state.clear_failure("poll", feed.url)
    changed = result.status == "changed"
    interval = next_poll_interval(interval, changed=changed, minimum=settings.min_poll_interval,
                                  maximum=settings.max_poll_interval)
    if not changed:
        summary.feeds_unchanged += 1
        state.record_feed(
            feed.url, feed.name, status="unchanged", http_status=result.http_status,
            validators_trusted=result.validators_trusted, conditional=result.conditional,
            poll_interval=interval,
        )
        return
    summary.feeds_changed += 1
    if result.hub is not None:  # WebSub: the hub the feed declares (subscribed when push is on)
        state.record_hub(feed.url, result.hub.hub, result.hub.topic)
    new, excluded = admit_entries(state, feed, result.entries)
    summary.entries_excluded += excluded
    summary.entries_new += len(new)
    state.record_feed(
        feed.url, feed.name, status="changed" if not result.warning else f"changed ({result.warning})",
        http_status=result.http_status, etag=result.etag, last_modified=result.last_modified,
        body_hash=result.body_hash, changed=True, entries=len(new),
        validators_trusted=result.validators_trusted, conditional=result.conditional, poll_interval=interval,
    )
