"""Requests to many hosts in one run: calls made concurrently, and each host's outcome
counted towards its backoff (:mod:`newsflow.politeness`, the state store's host table)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Any, TypeVar

from newsflow.errors import ServerError, TransientError
from newsflow.pipeline.context import Resources
from newsflow.politeness import host_of

log = logging.getLogger(__name__)

T = TypeVar("T")


def concurrently(func: Callable[[T], Any], items: Sequence[T], workers: int) -> Iterator[tuple[T, Any]]:
    """Call ``func`` on each item with up to ``workers`` threads; yield ``(item, result or the
    exception it raised)`` as each call completes."""
    if not items:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items)))) as pool:
        futures: dict[Future[Any], T] = {pool.submit(func, item): item for item in items}
        for future in as_completed(futures):
            item = futures[future]
            error = future.exception()
            yield item, (error if error is not None else future.result())


def host_outcome(res: Resources, url: str, error: BaseException | None) -> None:
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
