"""The pipeline as library functions: poll → fetch → clean → extract → index.

Nothing here knows about Airflow or the CLI: a DAG task or a command calls :func:`run`,
:func:`poll` or :func:`process` with :class:`~newsflow.config.Settings` and reads the
returned :class:`RunSummary`. Every item that fails is recorded in the state store with its
reason and the run goes on.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, Protocol

import httpx

from extractors import Extractor, resolve
from newsflow.budget import run_extractor
from newsflow.clustering import ClusterStore, assign_clusters
from newsflow.config import Settings
from newsflow.errors import (
    ConfigError,
    DocumentRejected,
    IndexUnavailable,
    InvalidURL,
    ServerError,
    StageError,
    TransientError,
)
from newsflow.feeds import load_feed_list
from newsflow.fetching import build_client, decode_page, fetch
from newsflow.index import IndexBackend, open_backend
from newsflow.models import Article, FeedEntry, FeedSource, FetchedPage, utcnow
from newsflow.politeness import HostGate, HostPacer, RunStrikes, host_of
from newsflow.polling import PollResult, next_poll_interval, poll_feed
from newsflow.robots import RobotsPolicy
from newsflow.state import StateStore
from newsflow.urls import doc_id, domain_of, normalize_url, unwrap_redirect
from newsflow.workers import BatchResult, CpuStage, Item, Pending, resolve_workers

log = logging.getLogger(__name__)


class Progress(Protocol):
    """Receives progress per stage (the CLI draws bars; DAG tasks pass nothing)."""

    def start(self, stage: str, total: int) -> None: ...

    def advance(self, stage: str, amount: int = 1) -> None: ...


class _NoProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, stage: str, amount: int = 1) -> None:
        pass


NO_PROGRESS: Progress = _NoProgress()


@dataclass(slots=True)
class RunSummary:
    feeds_polled: int = 0
    feeds_changed: int = 0
    feeds_unchanged: int = 0
    feeds_failed: int = 0
    feeds_skipped: int = 0
    """Feeds not polled: their adaptive interval had not elapsed, or their host is backed off."""
    entries_new: int = 0
    """Entries seen for the first time (queued as pending work)."""
    entries_skipped: int = 0
    """Entries of changed feeds that name no fetchable article (no http(s) link, an invalid URL,
    an unreadable entry): each recorded as a failure of stage ``entry``."""
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_failed: int = 0
    articles_deferred: int = 0
    """Due articles left for a later run because their host is backed off."""
    extractor_errors: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    """Wall time of the whole run."""
    stage_seconds: dict[str, float] = field(default_factory=dict)
    """Time per stage: ``poll``, ``fetch``, ``cluster``, ``index`` (wall time in this process);
    ``clean`` and ``extract:<name>`` (busy time summed over the CPU workers, ≈ their CPU time);
    ``wait_cpu`` (this process waiting for the workers); ``wait_fetch`` (waiting for the
    download thread: the part of ``fetch`` that CPU work did not hide)."""
    cpu_seconds: float = 0.0
    """CPU time of the run: this process plus its CPU workers."""
    workers: int = 1
    """CPU worker processes used (1: in-process)."""

    @property
    def exit_code(self) -> int:
        """0 when everything went through, 1 when failures were recorded."""
        return 1 if (self.feeds_failed or self.articles_failed or self.extractor_errors) else 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add_failure(self, stage: str, url: str, error: BaseException) -> None:
        self.failures.append({"stage": stage, "url": url, "error": type(error).__name__, "message": str(error)})

    def add_time(self, stage: str, seconds: float) -> None:
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds

    def absorb(self, part: RunSummary) -> None:
        """Add the counts, failures and stage times of ``part`` (one batch's download tally)."""
        for item in fields(self):
            if item.name not in ("seconds", "workers") and item.type in ("int", "float"):
                setattr(self, item.name, getattr(self, item.name) + getattr(part, item.name))
        self.failures.extend(part.failures)
        for stage, seconds in part.stage_seconds.items():
            self.add_time(stage, seconds)

    def finish(self, started: float, cpu_started: float) -> None:
        """Set the run's wall and CPU time (called once, at the end of a run)."""
        self.seconds = round(time.monotonic() - started, 3)
        self.cpu_seconds = round(self.cpu_seconds + time.process_time() - cpu_started, 3)
        self.stage_seconds = {k: round(v, 3) for k, v in self.stage_seconds.items()}


class _Timer:
    """``with _Timer(summary, "stage"):`` adds the block's wall time to ``stage``."""

    __slots__ = ("_stage", "_started", "_summary")

    def __init__(self, summary: RunSummary, stage: str) -> None:
        self._summary = summary
        self._stage = stage
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, *_: object) -> None:
        self._summary.add_time(self._stage, time.perf_counter() - self._started)


class Resources:
    """What one run uses (state store, index backend, HTTP client), opened on first use and
    closed at its end. Polling alone never opens the index."""

    def __init__(
        self,
        settings: Settings,
        *,
        state: StateStore | None = None,
        backend: IndexBackend | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.settings = settings
        self._stack = ExitStack()
        self._state = state
        self._backend = backend
        self._client = client
        self.pacer = HostPacer(settings.per_host_delay)
        self.gate = HostGate(self.pacer, settings.per_host_concurrency)
        self.strikes = RunStrikes()
        """Hosts that failed in this run (all their failures count as one) or answered (reset at the end)."""
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """This run's name on the articles it claims."""
        self._robots: RobotsPolicy | None = None
        self._clusters: ClusterStore | None = None

    @property
    def state(self) -> StateStore:
        if self._state is None:
            s = self.settings
            self._state = self._own(
                StateStore(s.state_file, retry_base_delay=s.retry_base_delay, max_attempts=s.max_attempts,
                           max_retry_delay=s.max_retry_delay)
            )
        return self._state

    @property
    def robots(self) -> RobotsPolicy | None:
        if self._robots is None and self.settings.obey_robots:
            self._robots = RobotsPolicy(self.settings, self.client, self.state, self.gate)
        return self._robots

    @property
    def clusters(self) -> ClusterStore:
        """Near-duplicate signatures, kept beside the state store (same file)."""
        if self._clusters is None:
            self._clusters = self._own(ClusterStore(self.settings.state_file))
        return self._clusters

    @property
    def backend(self) -> IndexBackend:
        if self._backend is None:
            self._backend = self._own(open_backend(self.settings))
        return self._backend

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = self._own(build_client(self.settings))
        return self._client

    def _own(self, resource: Any) -> Any:
        self._stack.callback(resource.close)
        return resource

    def __enter__(self) -> Resources:
        return self

    def __exit__(self, *_: object) -> None:
        with self._stack:
            if self._state is not None:
                for host in self.strikes.healthy():
                    self._state.record_host_success(host)


def run(
    settings: Settings,
    *,
    feeds: Sequence[FeedSource] | None = None,
    resources: Resources | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Poll every feed, then process every pending article. Returns what happened."""
    started, cpu_started = time.monotonic(), time.process_time()
    feed_list = list(feeds) if feeds is not None else load_feed_list(settings.feeds_path)
    extractors = _extractors(settings)
    with ExitStack() as stack:
        res = resources or stack.enter_context(Resources(settings))
        summary = RunSummary()
        poll(res, feed_list, summary, progress or NO_PROGRESS)
        process(res, summary, progress or NO_PROGRESS, extractors=extractors)
    summary.finish(started, cpu_started)
    return summary


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
    always skipped. Skipped feeds count in ``summary.feeds_skipped``.
    """
    with _Timer(summary, "poll"):
        _poll(res, feeds, summary, progress, respect_intervals)
    _checkpoint("after-poll")


def _poll(
    res: Resources,
    feeds: Sequence[FeedSource],
    summary: RunSummary,
    progress: Progress,
    respect_intervals: bool | None,
) -> None:
    settings = res.settings
    if respect_intervals is None:
        respect_intervals = settings.respect_poll_intervals
    known = {f.url: f for f in res.state.feeds()} if respect_intervals else {}
    due = [f for f in feeds if f.url not in known or known[f.url].due()]
    due = [f for f in due if not res.state.host_backoff(host_of(f.url))]
    summary.feeds_skipped += len(feeds) - len(due)
    progress.start("poll", len(due))

    def one(feed: FeedSource) -> tuple[PollResult, float | None]:
        previous = res.state.feed(feed.url)
        try:
            with res.gate.slot(feed.url):
                result = poll_feed(
                    res.client, feed, previous,
                    max_bytes=settings.max_feed_bytes, total_timeout=settings.total_timeout,
                    max_redirects=settings.max_redirects, verify_every=settings.feed_verify_every,
                )
        except StageError as exc:
            _host_outcome(res, feed.url, exc)
            raise
        _host_outcome(res, feed.url, None)
        return result, previous.poll_interval if previous else None

    for feed, outcome in _concurrently(one, due, settings.fetch_workers):
        summary.feeds_polled += 1
        progress.advance("poll")
        if isinstance(outcome, BaseException):
            summary.feeds_failed += 1
            _record(res.state, summary, "poll", feed.url, outcome)
            res.state.record_feed(feed.url, feed.name, status=f"failed: {type(outcome).__name__}")
            continue
        try:
            _store_poll(res, feed, outcome, summary)
        except Exception as exc:  # storing one feed's result failed: that feed's failure, not the run's
            summary.feeds_failed += 1
            error = exc if isinstance(exc, StageError) else StageError(
                f"{type(exc).__name__} while storing the poll of {feed.url}: {exc}", url=feed.url)
            _record(res.state, summary, "poll", feed.url, error)


def _store_poll(res: Resources, feed: FeedSource, outcome: tuple[PollResult, float | None],
                summary: RunSummary) -> None:
    """Record one successful poll: validators, interval, new entries and rejected entries."""
    settings = res.settings
    result, interval = outcome
    for link, error in result.rejected:  # an entry that names no fetchable article
        summary.entries_skipped += 1
        _record(res.state, summary, "entry", link, error)
    res.state.clear_failure("poll", feed.url)
    changed = result.status == "changed"
    interval = next_poll_interval(interval, changed=changed, minimum=settings.min_poll_interval,
                                  maximum=settings.max_poll_interval)
    if not changed:
        summary.feeds_unchanged += 1
        res.state.record_feed(
            feed.url, feed.name, status="unchanged", http_status=result.http_status,
            validators_trusted=result.validators_trusted, conditional=result.conditional,
            poll_interval=interval,
        )
        return
    summary.feeds_changed += 1
    new = res.state.add_entries(result.entries, [doc_id(e.url) for e in result.entries])
    summary.entries_new += len(new)
    res.state.record_feed(
        feed.url, feed.name, status="changed" if not result.warning else f"changed ({result.warning})",
        http_status=result.http_status, etag=result.etag, last_modified=result.last_modified,
        body_hash=result.body_hash, changed=True, entries=len(new),
        validators_trusted=result.validators_trusted, conditional=result.conditional, poll_interval=interval,
    )


def _host_outcome(res: Resources, url: str, error: BaseException | None) -> None:
    """Count a host's runs in a row with transient failures (one strike per run; a 429 backs
    it off at once); a run in which the host only answered resets the count."""
    host = host_of(url)
    if error is None:
        res.strikes.success(host)  # the count is reset at the run's end if the host never failed in it
        return
    if not isinstance(error, TransientError):
        return
    at_least = None
    if isinstance(error, ServerError) and error.status == 429:
        at_least = error.retry_after if error.retry_after is not None else res.settings.host_backoff
    if not res.strikes.first_failure(host) and at_least is None:
        return
    until = res.state.record_host_failure(
        host, error, threshold=res.settings.host_failure_threshold, backoff=res.settings.host_backoff,
        at_least=at_least,
    )
    if until:
        log.warning("host %s backed off until %s after %s", host, until, type(error).__name__)


def _checkpoint(stage: str) -> None:
    """Test-only: with ``NEWSFLOW_TEST_PAUSE_AT=stage`` the run stops here for a kill test.

    It announces itself (a line on stderr and, when ``NEWSFLOW_TEST_PAUSE_FILE`` is set, that
    file) and sleeps until killed. One dictionary lookup when unset.
    """
    if os.environ.get("NEWSFLOW_TEST_PAUSE_AT") != stage:
        return
    marker = os.environ.get("NEWSFLOW_TEST_PAUSE_FILE")
    if marker:
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(stage)
    print(f"newsflow: paused at {stage}", file=sys.stderr, flush=True)
    while True:
        time.sleep(3600)


def process(
    res: Resources,
    summary: RunSummary,
    progress: Progress,
    *,
    extractors: Sequence[Extractor] | None = None,
    limit: int | None = None,
    urls: Sequence[str] | None = None,
) -> None:
    """Fetch, clean, enrich and index every due article (or just ``urls``), in batches.

    The due articles are claimed for this run (a lease renewed while it runs, released at the
    end), so a concurrent run does not process them too.

    The stages overlap. A download thread fetches batch *k+1* while batch *k* is cleaned
    and enriched, so waiting on servers hides behind CPU work even with one worker. With more
    than one CPU worker (setting ``workers``) batch *k* is cleaned and enriched in the worker
    processes, and this process collects it, assigns clusters and indexes it while the
    workers go on with *k+1*; at most two batches are handed to the workers at a time. With
    one worker cleaning, extraction, clustering and indexing run in this process.
    """
    chain = list(extractors) if extractors is not None else _extractors(res.settings)
    lease = res.settings.lease_seconds
    with res.state.leased(res.owner, lease):
        due = res.state.claim_due(res.owner, lease, limit, urls=urls)
        batches = list(_chunks(due, res.settings.batch_size))
        workers = resolve_workers(res.settings.workers) if len(batches) > 1 else 1
        cpu = CpuStage(chain, workers, res.settings.stage_time_budget or None)
        summary.workers = max(summary.workers, cpu.workers)
        progress.start("fetch", len(due))
        progress.start("extract", len(due))
        progress.start("index", len(due))
        in_flight: deque[Pending] = deque()
        with _Prefetcher(res, batches, progress) as downloads:
            for items, tally in downloads:
                summary.absorb(tally)
                if items:
                    in_flight.append(cpu.submit(items))
                while len(in_flight) >= (2 if cpu.workers > 1 else 1):
                    _finish_batch(res, in_flight.popleft(), summary, progress)
            summary.add_time("wait_fetch", downloads.waited)
        while in_flight:
            _finish_batch(res, in_flight.popleft(), summary, progress)


class _Prefetcher:
    """Yields each batch's downloads while the next batch downloads in a background thread.

    The thread records fetch failures in the state store (thread-safe) and counts them in its
    own :class:`RunSummary` per batch, which the caller merges (``summary.absorb``), so the
    run's summary is only ever changed by one thread.
    """

    def __init__(self, res: Resources, batches: Sequence[Sequence[FeedEntry]], progress: Progress) -> None:
        self._res = res
        self._batches = batches
        self._progress = progress
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsflow-prefetch")
        self.waited = 0.0
        """Seconds the caller waited for a download to finish."""

    def _download(self, batch: Sequence[FeedEntry]) -> tuple[list[Item], RunSummary]:
        tally = RunSummary()
        return _fetch(self._res, batch, tally, self._progress), tally

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

    def __enter__(self) -> _Prefetcher:
        return self

    def __exit__(self, *_: object) -> None:
        # on an error or Ctrl-C: let the batch being downloaded finish (bounded by the fetch
        # timeouts) rather than close the HTTP client under it; start no other
        self._pool.shutdown(wait=True, cancel_futures=True)


def _finish_batch(res: Resources, pending: Pending, summary: RunSummary, progress: Progress) -> None:
    """Record what the CPU stages made of a batch, assign clusters, index it."""
    waited = time.perf_counter()
    result: BatchResult = pending.result()
    summary.add_time("wait_cpu", time.perf_counter() - waited)
    for stage, seconds in result.seconds.items():
        summary.add_time(stage, seconds)
    summary.cpu_seconds += result.cpu_seconds
    failed = {url for url, _ in result.clean_failures}
    for url, error in result.clean_failures:
        _fail_article(res, summary, "clean", url, error)
    for entry, _ in pending.items:
        if entry.url not in failed:
            res.state.clear_failure("fetch", entry.url)
    articles = result.articles
    if not articles:
        return
    keys = [entry.url for entry, _ in pending.items if entry.url not in failed]
    for index, name, message in result.extractor_errors:
        _extractor_failed(res, summary, articles[index], name, message, keys[index])
    cleaned = len(articles)
    articles, entry_urls = _identify(res, articles, keys)
    with _Timer(summary, "cluster"):
        _cluster(res, articles)
    progress.advance("extract", cleaned)
    _checkpoint("before-index")
    with _Timer(summary, "index"):
        _index(res, articles, summary, entry_urls)
    progress.advance("index", cleaned)


def _identify(
    res: Resources, articles: Sequence[Article], keys: Sequence[str]
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
        article.id, article.aliases = res.state.claim_identity(article.id, article.aliases)
        kept.pop(article.id, None)
        kept[article.id] = article
        entry_urls.setdefault(article.id, []).append(key)
    return list(kept.values()), entry_urls


def _fetch(res: Resources, batch: Sequence[FeedEntry], summary: RunSummary, progress: Progress) -> list[Item]:
    """Download a batch concurrently; failures and deferrals are recorded here."""
    with _Timer(summary, "fetch"):
        return _download_batch(res, batch, summary, progress)


def _download_batch(
    res: Resources, batch: Sequence[FeedEntry], summary: RunSummary, progress: Progress
) -> list[Item]:
    settings = res.settings
    robots = res.robots
    backed_off = {h for h in {host_of(e.url) for e in batch} if res.state.host_backoff(h)}
    deferred = [e for e in batch if host_of(e.url) in backed_off]
    if deferred:
        res.state.release_leases(res.owner, [e.url for e in deferred])
        summary.articles_deferred += len(deferred)
        progress.advance("fetch", len(deferred))
        batch = [e for e in batch if host_of(e.url) not in backed_off]

    def download(entry: FeedEntry) -> FetchedPage:
        if res.state.host_backoff(host_of(entry.url)):
            raise _Deferred(entry.url)
        if robots is not None:
            robots.check(entry.url)
        try:
            with res.gate.slot(entry.url):
                response = fetch(
                    res.client, entry.url, kind="page",
                    max_bytes=settings.max_page_bytes, total_timeout=settings.total_timeout,
                    max_redirects=settings.max_redirects, before_hop=robots.check if robots is not None else None,
                )
        except StageError as exc:
            _host_outcome(res, entry.url, exc)  # at once, so the next download sees a backoff
            raise
        _host_outcome(res, entry.url, None)
        decoded = decode_page(response)
        if decoded.warning:
            log.warning("fetch %s: %s", entry.url, decoded.warning)
        return FetchedPage(
            url=entry.url, final_url=response.final_url, status=response.status,
            content_type=response.content_type, text=decoded.text, fetched_at=utcnow(),
            encoding=decoded.provenance,
        )

    items: list[Item] = []
    for entry, page in _concurrently(download, batch, settings.fetch_workers):
        progress.advance("fetch")
        _checkpoint("mid-fetch")
        if isinstance(page, _Deferred):
            res.state.release_leases(res.owner, [entry.url])
            summary.articles_deferred += 1
            continue
        if isinstance(page, BaseException):
            _fail_article(res, summary, "fetch", entry.url, page)
            continue
        items.append((entry, page))
    return items


class _Deferred(Exception):
    """The article's host was backed off while its batch was being fetched."""


def _index(
    res: Resources, articles: Sequence[Article], summary: RunSummary, entry_urls: dict[str, list[str]] | None = None
) -> None:
    """Upsert ``articles``; mark their entries (``entry_urls``: doc id → entry URLs in the state
    store, default each article's own URL) done or failed."""
    keys = entry_urls or {a.id: [a.url] for a in articles}
    try:
        report = res.backend.upsert([a.to_document() for a in articles])
    except IndexUnavailable as exc:
        for article in articles:
            for url in keys[article.id]:
                _fail_article(res, summary, "index", url, exc)
        return
    _checkpoint("mid-index")  # written to the index, not yet marked done in the state store
    summary.articles_new += len(report.new)
    summary.articles_updated += len(report.updated)
    summary.articles_unchanged += len(report.unchanged)
    for failed_id, reason in report.failed:
        for url in keys[failed_id]:
            _fail_article(res, summary, "index", url, DocumentRejected(reason, url=url))
    res.state.mark_done([url for i in (*report.new, *report.updated, *report.unchanged) for url in keys[i]])


def _fail_article(res: Resources, summary: RunSummary, stage: str, url: str, error: BaseException) -> None:
    summary.articles_failed += 1
    _record(res.state, summary, stage, url, error)
    res.state.mark_failed(url)


def _record(
    state: StateStore,
    summary: RunSummary,
    stage: str,
    url: str,
    error: BaseException,
    *,
    retryable: bool | None = None,
) -> None:
    if not isinstance(error, StageError):
        log.error("unexpected error in stage %s for %s", stage, url, exc_info=error)
    can_retry = retryable if retryable is not None else bool(getattr(error, "retryable", False))
    state.record_failure(stage, url, error, retryable=can_retry, retry_after=getattr(error, "retry_after", None))
    summary.add_failure(stage, url, error)
    log.warning("%s failed for %s: %s: %s", stage, url, type(error).__name__, error)


def _extractors(settings: Settings) -> list[Extractor]:
    """The extractor chain the settings ask for, with the spaCy model they name."""
    from extractors import nlp

    if settings.spacy_model != nlp.configured_model():
        nlp.configure(settings.spacy_model)
    try:
        return resolve(settings.extractors)
    except KeyError as exc:
        raise ConfigError(f"setting extractors: {exc.args[0]}") from exc


def _concurrently(func: Any, items: Sequence[Any], workers: int) -> Iterator[tuple[Any, Any]]:
    """Yield ``(item, result or exception)`` as each call completes."""
    if not items:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        futures: dict[Future[Any], Any] = {pool.submit(func, item): item for item in items}
        for future in as_completed(futures):
            item = futures[future]
            error = future.exception()
            yield item, (error if error is not None else future.result())


def _chunks(items: Sequence[FeedEntry], size: int) -> Iterator[Sequence[FeedEntry]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def ingest_urls(settings: Settings, urls: Sequence[str], *, source: str | None = None,
                resources: Resources | None = None, progress: Progress | None = None) -> RunSummary:
    """Queue article URLs given by hand and process them (Airflow's manual ingest).

    Their documents' ``source`` is the page's site name (``og:site_name``…) when it has one,
    else ``source``, else the URL's domain."""
    started, cpu_started = time.monotonic(), time.process_time()
    summary = RunSummary()
    with ExitStack() as stack:
        res = resources or stack.enter_context(Resources(settings))
        for raw in urls:
            try:
                url = normalize_url(unwrap_redirect(raw))
            except InvalidURL as exc:  # one bad URL is that URL's failure
                _fail_article(res, summary, "fetch", raw, exc)
                continue
            res.state.add_manual(FeedEntry(url=url, feed_url="", source=source or domain_of(url)), doc_id(url))
        process(res, summary, progress or NO_PROGRESS)
    summary.finish(started, cpu_started)
    return summary


def retry(settings: Settings, *, include_permanent: bool = False,
          resources: Resources | None = None, progress: Progress | None = None) -> RunSummary:
    """Re-poll feeds whose last poll failed and re-process failed articles now."""
    started, cpu_started = time.monotonic(), time.process_time()
    summary = RunSummary()
    with ExitStack() as stack:
        res = resources or stack.enter_context(Resources(settings))
        failed_feeds = {f.url for f in res.state.failures("poll") if f.retryable or include_permanent}
        known = {s.url: s.name for s in res.state.feeds()}
        feeds = [FeedSource(url=u, name=known.get(u, u)) for u in sorted(failed_feeds)]
        poll(res, feeds, summary, progress or NO_PROGRESS)
        res.state.requeue_failed_articles(include_permanent=include_permanent)
        process(res, summary, progress or NO_PROGRESS)
    summary.finish(started, cpu_started)
    return summary


def process_urls(settings: Settings, urls: Sequence[str], *, resources: Resources | None = None) -> RunSummary:
    """Process just these pending articles (one mapped batch of an Airflow run)."""
    started, cpu_started = time.monotonic(), time.process_time()
    summary = RunSummary()
    with ExitStack() as stack:
        res = resources or stack.enter_context(Resources(settings))
        process(res, summary, NO_PROGRESS, urls=urls)
    summary.finish(started, cpu_started)
    return summary


def reprocess(
    settings: Settings,
    *,
    extractor_names: Sequence[str] | None = None,
    since: datetime | None = None,
    resources: Resources | None = None,
    progress: Progress | None = None,
) -> RunSummary:
    """Re-run extractors over indexed documents (no fetching), e.g. after an extractor changed."""
    started, cpu_started = time.monotonic(), time.process_time()
    summary = RunSummary()
    chain = _extractors(settings.replace(extractors=tuple(extractor_names) if extractor_names else None))
    bar = progress or NO_PROGRESS
    with ExitStack() as stack:
        res = resources or stack.enter_context(Resources(settings))
        bar.start("extract", res.backend.count())
        batch: list[Article] = []
        for doc in res.backend.iter_documents(since):
            batch.append(Article.from_document(doc))
            if len(batch) >= settings.batch_size:
                _reextract(res, batch, chain, summary)
                bar.advance("extract", len(batch))
                batch = []
        if batch:
            _reextract(res, batch, chain, summary)
            bar.advance("extract", len(batch))
    summary.finish(started, cpu_started)
    return summary


def _reextract(res: Resources, batch: list[Article], chain: Sequence[Extractor], summary: RunSummary) -> None:
    _extract(res, batch, chain, summary)
    with _Timer(summary, "index"):
        _index(res, batch, summary)


def _extract(res: Resources, articles: Sequence[Article], chain: Sequence[Extractor], summary: RunSummary) -> None:
    """Run the extractor chain in this process; an extractor's failure is recorded, the
    others' fields kept. Then assign clusters."""
    for extractor in chain:
        with _Timer(summary, f"extract:{extractor.name}"):
            errors = run_extractor(articles, extractor, res.settings.stage_time_budget or None)
        for article, name, message in errors:
            _extractor_failed(res, summary, article, name, message)
    with _Timer(summary, "cluster"):
        _cluster(res, articles)


def _extractor_failed(
    res: Resources, summary: RunSummary, article: Article, name: str, message: str, url: str | None = None
) -> None:
    summary.extractor_errors += 1
    url = url or article.url
    error = StageError(f"extractor {name} failed: {message}", url=url)
    _record(res.state, summary, f"extract:{name}", url, error, retryable=False)


def _cluster(res: Resources, articles: Sequence[Article]) -> None:
    """Give near-identical articles (syndication) the first-seen member's ``cluster_id``.

    Runs after the extractors because it needs every article's ``simhash`` and the
    signatures of earlier runs; assignment is idempotent, so reprocessing is safe.
    """
    items = [
        (a.id, a.enrichments["simhash"], a.published_at or a.feed_published_at or a.fetched_at)
        for a in articles
        if a.enrichments.get("simhash")
    ]
    if not items:
        return
    by_id = {a.id: a for a in articles}
    for member, cluster_id in assign_clusters(res.clusters, items).items():
        by_id[member].enrichments["cluster_id"] = cluster_id
