"""One run's context and the one way into a run.

:class:`Resources` holds what a run uses (settings, state store, cluster store, index backend,
HTTP client, host politeness), each opened on first use and closed at the end; several runs
may share one (an Airflow ingest task polls, ingests and reprocesses with one).
:class:`RunContext` is one run over them: its :class:`~newsflow.pipeline.summary.RunSummary`,
its progress display, and how its failures are recorded. :func:`open_run` is the way in that
every entry point uses.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from newsflow.archive import WarcArchive, open_archive
from newsflow.clustering import ClusterStore
from newsflow.config import Settings
from newsflow.errors import StageError, StateUnavailable
from newsflow.fetching import build_client
from newsflow.index import IndexBackend, open_backend
from newsflow.pipeline.summary import NO_PROGRESS, Progress, RunSummary
from newsflow.politeness import HostGate, HostPacer, RunStrikes
from newsflow.robots import RobotsPolicy
from newsflow.state import StateStore, owners
from newsflow.stories import StoryStore

log = logging.getLogger(__name__)

SLOT_LEASE_MARGIN = 30.0
"""Seconds a host slot's lease outlasts the longest request (``total_timeout``): the slot of a
process killed mid-request comes back after that."""


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
        self.strikes = RunStrikes()
        """Hosts that failed in this run (all their failures count as one) or answered (reset at the end)."""
        self.owner = owners.owner(uuid.uuid4().hex[:8])
        """This run's name on the articles and host slots it claims: its process
        (:mod:`newsflow.state.owners`: a dead one's host slots are freed without waiting)."""
        self.pacer = HostPacer(settings.per_host_delay)
        self.gate = HostGate(
            self.pacer, settings.per_host_concurrency, lambda: self.state, owner=self.owner,
            lease_seconds=settings.total_timeout + SLOT_LEASE_MARGIN,
        )
        """Per-host slots and pacing, shared with every process on the same state store."""
        self._robots: RobotsPolicy | None = None
        self._clusters: ClusterStore | None = None
        self._stories: StoryStore | None = None
        self._archive: WarcArchive | None = None
        self._archive_lock = threading.Lock()

    @property
    def state(self) -> StateStore:
        if self._state is None:
            s = self.settings
            self._state = self._own(
                StateStore(s.state_location, retry_base_delay=s.retry_base_delay, max_attempts=s.max_attempts,
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
            self._clusters = self._own(ClusterStore(self.settings.state_location))
        return self._clusters

    @property
    def stories(self) -> StoryStore:
        """Story threads, kept in the state store's database."""
        if self._stories is None:
            self._stories = self._own(StoryStore(self.settings.state_location))
        return self._stories

    @property
    def archive(self) -> WarcArchive | None:
        """The raw archive (WARC files), None when setting ``archive`` is off. Raises
        :class:`~newsflow.errors.ArchiveError` when its directory or index cannot be opened."""
        with self._archive_lock:
            if self._archive is None and self.settings.archive:
                self._archive = self._own(open_archive(self.settings))
            return self._archive

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


@dataclass(slots=True)
class RunContext:
    """One run: the resources it uses, the summary it fills and where its progress goes."""

    res: Resources
    summary: RunSummary = field(default_factory=RunSummary)
    progress: Progress = NO_PROGRESS

    @property
    def settings(self) -> Settings:
        return self.res.settings

    @property
    def state(self) -> StateStore:
        return self.res.state

    @property
    def budget(self) -> float | None:
        """Seconds one article may spend in each CPU stage (setting ``stage_time_budget``;
        None: no limit)."""
        return self.settings.stage_time_budget or None

    def with_summary(self, summary: RunSummary) -> RunContext:
        """The same run counting into ``summary`` (a download thread's own tally)."""
        return RunContext(self.res, summary, self.progress)

    def record(self, stage: str, url: str, error: BaseException, *, retryable: bool | None = None) -> None:
        """Record ``url``'s failure in ``stage`` in the state store and the summary, and log it.

        ``retryable`` defaults to the error's own ``retryable``; an error that is not a
        :class:`~newsflow.errors.StageError` is a bug and is logged with its traceback, save
        :class:`~newsflow.errors.StateUnavailable`, which is raised again: with no state store
        nothing can be recorded, and the run stops with that one message."""
        if isinstance(error, StateUnavailable):
            raise error
        if not isinstance(error, StageError):
            log.error("unexpected error in stage %s for %s", stage, url, exc_info=error)
        can_retry = retryable if retryable is not None else bool(getattr(error, "retryable", False))
        self.state.record_failure(stage, url, error, retryable=can_retry,
                                  retry_after=getattr(error, "retry_after", None))
        self.summary.add_failure(stage, url, error)
        log.warning("%s failed for %s: %s: %s", stage, url, type(error).__name__, error)

    def fail_article(self, stage: str, url: str, error: BaseException) -> None:
        """``url``'s article failed ``stage``: counted, recorded, and marked failed (retried
        later when the error is retryable)."""
        self.summary.articles_failed += 1
        self.record(stage, url, error)
        self.state.mark_failed(url)

    def fail_extractor(self, name: str, url: str, message: str) -> None:
        """Extractor ``name`` failed on ``url``'s article (its other fields are kept): counted
        and recorded as a permanent failure of stage ``extract:<name>``."""
        self.summary.extractor_errors += 1
        self.record(f"extract:{name}", url, StageError(f"extractor {name} failed: {message}", url=url),
                    retryable=False)


@contextmanager
def open_run(settings: Settings, resources: Resources | None = None,
             progress: Progress | None = None) -> Iterator[RunContext]:
    """The way into a run: yields a :class:`RunContext` over ``resources`` (else over new
    :class:`Resources` for ``settings``, closed when the block ends) with a new summary;
    when the block ends normally, the summary gets the run's wall and CPU time."""
    started, cpu_started = time.monotonic(), time.process_time()
    with ExitStack() as stack:
        res = resources or stack.enter_context(Resources(settings))
        ctx = RunContext(res, RunSummary(), progress or NO_PROGRESS)
        yield ctx
    ctx.summary.finish(started, cpu_started)
