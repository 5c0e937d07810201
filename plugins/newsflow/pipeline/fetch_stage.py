"""The fetch stage: download a batch of due articles concurrently (politely: robots.txt,
per-host slots, backed-off hosts deferred), one batch ahead of the CPU stages; each page
downloaded is kept in the raw archive (:mod:`newsflow.archive`) as it arrives."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from newsflow.archive import WarcArchive
from newsflow.errors import ArchiveError, StageError
from newsflow.fetching import Response, decode_page, fetch
from newsflow.models import FeedEntry, FetchedPage, utcnow
from newsflow.pipeline.context import RunContext
from newsflow.pipeline.hosts import concurrently, host_outcome
from newsflow.pipeline.summary import RunSummary
from newsflow.politeness import host_of
from newsflow.workers import Item

log = logging.getLogger(__name__)


class Prefetcher:
    """Yields each batch's downloads while the next batch downloads in a background thread.

    The thread records fetch failures in the state store (thread-safe) and counts them in its
    own :class:`RunSummary` per batch, which the caller merges (``summary.absorb``), so the
    run's summary is only ever changed by one thread.
    """

    def __init__(self, ctx: RunContext, batches: Sequence[Sequence[FeedEntry]]) -> None:
        self._ctx = ctx
        self._batches = batches
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsflow-prefetch")
        self.waited = 0.0
        """Seconds the caller waited for a download to finish."""

    def _download(self, batch: Sequence[FeedEntry]) -> tuple[list[Item], RunSummary]:
        tally = self._ctx.with_summary(RunSummary())
        return fetch_batch(tally, batch), tally.summary

    def __iter__(self) -> Iterator[tuple[list[Item], RunSummary]]:
        upcoming = iter(self._batches)
        first = next(upcoming, None)
        pending = self._pool.submit(self._download, first) if first is not None else None
        while pending is not None:
            started = time.perf_counter()
            done = pending.result()
            self.waited += time.perf_counter() - started
            following = next(upcoming, None)
            pending = self._pool.submit(self._download, following) if following is not None else None
            yield done

    def __enter__(self) -> Prefetcher:
        return self

    def __exit__(self, *_: object) -> None:
        # on an error or Ctrl-C: let the batch being downloaded finish (bounded by the fetch
        # timeouts) rather than close the HTTP client under it; start no other
        self._pool.shutdown(wait=True, cancel_futures=True)


def fetch_batch(ctx: RunContext, batch: Sequence[FeedEntry]) -> list[Item]:
    """Download ``batch`` concurrently: returns the (entry, page) pairs that downloaded;
    failures and deferrals are recorded in ``ctx``. Its wall time counts as stage ``fetch``."""
    with ctx.summary.timed("fetch"):
        return _download_batch(ctx, batch)


def _download_batch(ctx: RunContext, batch: Sequence[FeedEntry]) -> list[Item]:
    res, settings = ctx.res, ctx.settings
    robots = res.robots
    backed_off = {h for h in {host_of(e.url) for e in batch} if res.state.host_backoff(h)}
    deferred = [e for e in batch if host_of(e.url) in backed_off]
    if deferred:
        res.state.release_leases(res.owner, [e.url for e in deferred])
        ctx.summary.articles_deferred += len(deferred)
        ctx.progress.advance("fetch", len(deferred))
        batch = [e for e in batch if host_of(e.url) not in backed_off]

    archive = _archive(ctx)
    archived: dict[str, bool | ArchiveError] = {}
    """Per URL downloaded, how archiving its page went (see :func:`keep_page`; filled by the threads)."""

    def download(entry: FeedEntry) -> FetchedPage:
        if res.state.host_backoff(host_of(entry.url)):
            raise _Deferred(entry.url)
        if robots is not None:
            robots.check(entry.url)
        client = res.client  # built (first use) before the slot: the gap is kept at the request
        try:
            with res.gate.slot(entry.url):
                response = fetch(
                    client, entry.url, kind="page",
                    max_bytes=settings.max_page_bytes, total_timeout=settings.total_timeout,
                    max_redirects=settings.max_redirects, before_hop=robots.check if robots is not None else None,
                )
        except StageError as exc:
            host_outcome(res, entry.url, exc)  # at once, so the next download sees a backoff
            raise
        host_outcome(res, entry.url, None)
        fetched_at = utcnow()
        if archive is not None:
            archived[entry.url] = keep_page(archive, entry.url, response, fetched_at)
        decoded = decode_page(response)
        if decoded.warning:
            log.warning("fetch %s: %s", entry.url, decoded.warning)
        return FetchedPage(
            url=entry.url, final_url=response.final_url, status=response.status,
            content_type=response.content_type, text=decoded.text, fetched_at=fetched_at,
            encoding=decoded.provenance,
        )

    items: list[Item] = []
    for entry, page in concurrently(download, batch, settings.fetch_workers):
        ctx.progress.advance("fetch")
        if entry.url in archived:
            note_archived(ctx, entry.url, archived.pop(entry.url))
        downloaded = take_download(ctx, entry, page)
        if downloaded is not None:
            items.append(downloaded)
    return items


def _archive(ctx: RunContext) -> WarcArchive | ArchiveError | None:
    """The run's raw archive, None when off, or why it cannot be opened (each page's failure)."""
    try:
        return ctx.res.archive
    except ArchiveError as exc:
        return exc


def keep_page(archive: WarcArchive | ArchiveError, url: str, response: Response,
              fetched_at: datetime) -> bool | ArchiveError:
    """Write one downloaded page to the archive (from any thread): True when written, False
    when its payload was already archived under ``url``, else the error (the caller records
    it; the page goes on through the pipeline either way)."""
    if isinstance(archive, ArchiveError):
        return ArchiveError(str(archive), url=url)
    try:
        return archive.keep(url, response, fetched_at) is not None
    except ArchiveError as exc:
        return exc


def note_archived(ctx: RunContext, url: str, outcome: bool | ArchiveError) -> None:
    """Count and record the archiving of ``url``'s page: a failure is recorded as stage
    ``archive`` (permanent, counted in ``archive_errors``); success clears an earlier one."""
    if isinstance(outcome, ArchiveError):
        ctx.summary.archive_errors += 1
        ctx.record("archive", url, outcome, retryable=False)
        return
    ctx.summary.pages_archived += outcome
    ctx.state.clear_failure("archive", url)


def take_download(ctx: RunContext, entry: FeedEntry, page: FetchedPage | BaseException) -> Item | None:
    """One finished download of the batch: the (entry, page) pair, or None when it failed
    (recorded) or its host was backed off meanwhile (its claim released for a later run)."""
    if isinstance(page, _Deferred):
        ctx.state.release_leases(ctx.res.owner, [entry.url])
        ctx.summary.articles_deferred += 1
        return None
    if isinstance(page, BaseException):
        ctx.fail_article("fetch", entry.url, page)
        return None
    return entry, page


class _Deferred(Exception):
    """The article's host was backed off while its batch was being fetched."""
