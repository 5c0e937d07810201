"""What a run reports: :class:`RunSummary` (counts, failures, times) and the :class:`Progress`
protocol through which it shows progress per stage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol


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
    """What one run did; ``as_dict()`` is the CLI's ``--json`` output and a DAG task's result."""

    feeds_polled: int = 0
    """Feeds polled in this run, each then ``changed``, ``unchanged`` or ``failed``."""
    feeds_changed: int = 0
    """Feeds whose content changed: their new entries were queued."""
    feeds_unchanged: int = 0
    """Feeds that answered 304 Not Modified or the same content as last time."""
    feeds_failed: int = 0
    """Feeds whose poll failed or could not be stored: each recorded with its reason (stage
    ``poll``), polled again by ``retry`` or the next run."""
    feeds_skipped: int = 0
    """Feeds not polled: their adaptive interval had not elapsed, their host is backed off, or
    they are pushed to us (WebSub) and were polled less than ``websub_poll_interval`` ago."""
    entries_new: int = 0
    """Entries seen for the first time (queued as pending work)."""
    entries_refreshed: int = 0
    """Sitemap URLs already indexed whose ``<lastmod>`` moved forward: queued again, so their
    one document is updated."""
    entries_skipped: int = 0
    """Entries of changed feeds that name no fetchable article (no http(s) link, an invalid URL,
    an unreadable entry): each recorded as a failure of stage ``entry``."""
    entries_excluded: int = 0
    """Entries a feed-list rule excluded (before fetching, or after cleaning for a rule on the
    detected language): not failures; remembered, so a later poll neither fetches nor counts
    them again."""
    articles_new: int = 0
    """Documents written to the index for the first time."""
    articles_updated: int = 0
    """Documents that were in the index and changed (rewritten)."""
    articles_unchanged: int = 0
    """Documents that were in the index with the same content (not rewritten)."""
    articles_failed: int = 0
    """Articles that failed a stage (``fetch``, ``clean``, ``index``): each recorded with its
    reason, and processed again later when the failure is transient."""
    articles_deferred: int = 0
    """Due articles left for a later run because their host is backed off."""
    extractor_errors: int = 0
    """Extractor failures (stage ``extract:<name>``): the article is indexed without that
    extractor's fields."""
    pages_archived: int = 0
    """Fetched pages written to the raw archive (a page whose payload is already archived under
    its URL is not written again)."""
    archive_errors: int = 0
    """Fetched pages that could not be written to the raw archive (stage ``archive``, e.g. a full
    disk): the article goes on through the pipeline; a later successful write clears it."""
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
        return 1 if (self.feeds_failed or self.articles_failed or self.extractor_errors or self.archive_errors) else 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def add_failure(self, stage: str, url: str, error: BaseException) -> None:
        self.failures.append({"stage": stage, "url": url, "error": type(error).__name__, "message": str(error)})

    def add_time(self, stage: str, seconds: float) -> None:
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + seconds

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """``with summary.timed("stage"):`` adds the block's wall time to ``stage``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add_time(stage, time.perf_counter() - started)

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
