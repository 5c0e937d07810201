"""The sitemap part of the poll stage: poll the feed list's sitemap sources (``type: sitemap``
and ``type: site``) concurrently and queue their new and updated URLs as pending work.

Each sitemap file is stored like a feed (a row of the feeds table: validators, body hash,
status) and counted like one in the run summary (``feeds_polled``/``changed``/``unchanged``/
``failed``); a file that fails is recorded as a failure of stage ``sitemap`` with its reason,
and the source's other files and the run go on. New URLs go through the same door as feed
entries (:meth:`~newsflow.state.StateStore.add_sitemap_entries`): a URL already known is
never queued twice, and one whose ``<lastmod>`` moved forward is queued again
(``entries_refreshed``) so its one document is updated; the feed list's rules screen them as
they screen a feed's entries. At most ``sitemap_max_urls_per_run``
URLs are taken per run; a file cut short keeps no validators, so the next run reads it again
and takes the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsflow.errors import StageError
from newsflow.feed_rules import screen_entries
from newsflow.fetching import Response, fetch
from newsflow.models import FeedSource
from newsflow.pipeline.context import RunContext
from newsflow.pipeline.hosts import concurrently, host_outcome
from newsflow.politeness import host_of
from newsflow.polling import next_poll_interval
from newsflow.robots import RobotsPolicy
from newsflow.sitemap_poll import SitemapPoll, entry_of, poll_source
from newsflow.sitemaps import SitemapURL
from newsflow.urls import doc_id

STAGE = "sitemap"


def poll_sitemap_sources(ctx: RunContext, sources: Sequence[FeedSource], respect_intervals: bool) -> None:
    """Poll ``sources`` (sitemap and site entries of the feed list) within the poll stage."""
    res, settings, summary = ctx.res, ctx.settings, ctx.summary
    known = {f.url: f for f in res.state.feeds()} if respect_intervals else {}
    due = [s for s in sources if s.url not in known or known[s.url].due()]
    due = [s for s in due if not res.state.host_backoff(host_of(s.url))]
    summary.feeds_skipped += len(sources) - len(due)
    robots = res.robots or RobotsPolicy(settings, res.client, res.state, res.gate)

    def get(url: str, etag: str | None, last_modified: str | None) -> Response:
        client = res.client
        try:
            with res.gate.slot(url):
                response = fetch(client, url, kind="sitemap", max_bytes=settings.sitemap_max_bytes,
                                 total_timeout=settings.total_timeout, etag=etag, last_modified=last_modified,
                                 max_redirects=settings.max_redirects)
        except StageError as exc:
            host_outcome(res, url, exc)
            raise
        host_outcome(res, url, None)
        return response

    def one(source: FeedSource) -> SitemapPoll:
        return poll_source(source, settings, get=get, previous=res.state.feed, declared=robots.sitemaps)

    budget = [settings.sitemap_max_urls_per_run]
    for source, outcome in concurrently(one, due, settings.fetch_workers):
        if isinstance(outcome, BaseException):
            summary.feeds_polled += 1
            summary.feeds_failed += 1
            ctx.record(STAGE, source.url, outcome)
            res.state.record_feed(source.url, source.name, status=f"failed: {type(outcome).__name__}")
            continue
        try:
            _store(ctx, outcome, budget)
        except Exception as exc:  # storing one source failed: that source's failure, not the run's
            summary.feeds_failed += 1
            error = exc if isinstance(exc, StageError) else StageError(
                f"{type(exc).__name__} while storing the sitemaps of {source.url}: {exc}", url=source.url)
            ctx.record(STAGE, source.url, error)


def _store(ctx: RunContext, poll: SitemapPoll, budget: list[int]) -> None:
    """Record one source's files, queue its URLs within the run's budget, set its interval
    (on the source's own row: its sitemap's, or the site's)."""
    state, summary, source = ctx.state, ctx.summary, poll.source
    for loc, error in poll.rejected:
        summary.entries_skipped += 1
        ctx.record("entry", loc, error)
    listed: dict[str, list[SitemapURL]] = {}
    for where, item in poll.found:
        listed.setdefault(where, []).append(item)
    changed = any(f.status == "changed" for f in poll.files)
    failed = bool(poll.files) and all(f.error is not None for f in poll.files)
    previous = state.feed(source.url)
    interval = next_poll_interval(previous.poll_interval if previous else None, changed=changed,
                                  minimum=ctx.settings.min_poll_interval, maximum=ctx.settings.max_poll_interval)
    for file in poll.files:
        summary.feeds_polled += 1
        own = file.url == source.url
        name = source.name if own else f"{source.name}: {file.url}"
        schedule = interval if own else None
        if file.error is not None:
            summary.feeds_failed += 1
            ctx.record(STAGE, file.url, file.error)
            state.record_feed(file.url, name, status=f"failed: {type(file.error).__name__}", poll_interval=schedule)
            continue
        state.clear_failure(STAGE, file.url)
        if file.status == "unchanged":
            summary.feeds_unchanged += 1
            state.record_feed(file.url, name, status="unchanged", http_status=file.http_status,
                              conditional=file.conditional, poll_interval=schedule)
            continue
        summary.feeds_changed += 1
        taken, complete = _queue(ctx, poll.source, file.url, listed.get(file.url, []), budget)
        note = "; ".join(n for n in (file.note, None if complete else "cut at sitemap_max_urls_per_run") if n)
        state.record_feed(
            file.url, name, status=f"changed ({note})" if note else "changed", http_status=file.http_status,
            etag=file.etag if complete else None, last_modified=file.last_modified if complete else None,
            body_hash=file.body_hash if complete else None, changed=True, entries=taken,
            conditional=file.conditional, poll_interval=schedule,
        )
    if source.type == "site":  # the site's own row: its schedule and how its sitemaps went
        if not failed:
            state.clear_failure(STAGE, source.url)
        left = f", {poll.left_out} left for sitemap_max_files" if poll.left_out else ""
        outcome = "failed" if failed else "changed" if changed else "unchanged"
        state.record_feed(source.url, source.name, poll_interval=interval,
                          status=f"{outcome}: {len(poll.files)} sitemap file(s){left}")


def _queue(ctx: RunContext, source: FeedSource, file_url: str, items: list[SitemapURL],
           budget: list[int]) -> tuple[int, bool]:
    """Queue the URLs one sitemap file listed within what is left of the run's budget; (taken,
    whether every one was looked at). The feed list's rules apply as to a feed's entries: an
    excluded URL is remembered as seen (done, without a document) and counted in ``entries_excluded``."""
    found = [entry_of(source, item) for item in items]
    lastmods = {entry.url: lastmod for entry, lastmod in found}
    kept, excluded = screen_entries(source, [entry for entry, _ in found])
    if excluded:
        seen = ctx.state.add_seen([e for e, _ in excluded], [doc_id(e.url) for e, _ in excluded])
        ctx.summary.entries_excluded += len(seen)
    if not kept:
        return 0, True
    if budget[0] <= 0:
        return 0, False
    before = budget[0]
    new, refreshed = ctx.state.add_sitemap_entries(
        file_url, [(entry, doc_id(entry.url), lastmods[entry.url]) for entry in kept], limit=before)
    taken = len(new) + len(refreshed)
    budget[0] -= taken
    ctx.summary.entries_new += len(new)
    ctx.summary.entries_refreshed += len(refreshed)
    return taken, taken < before
