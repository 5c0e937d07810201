"""Being a good client per host: a minimum gap between requests and a concurrency limit,
shared by every process and worker through the state store (:class:`HostGate`).

A *host* is the URL's host name plus its port when one is given (``example.org``,
``127.0.0.1:8765``): the unit of pacing, robots.txt delays and host backoff.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol
from urllib.parse import urlsplit

log = logging.getLogger(__name__)


def host_of(url: str) -> str:
    """``host[:port]`` of ``url``, lower-cased (no user info); ``""`` when it has none or cannot be parsed."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. "http://[::1/a": a failure about such a URL is still recorded
        return ""
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


class HostPacer:
    """Each host's gap between two request starts: ``delay`` seconds, or the host's own, larger
    delay (robots.txt ``Crawl-delay``). The gap itself is kept by :class:`HostGate`."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._delays: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_delay(self, url_or_host: str, seconds: float) -> None:
        """Raise one host's gap (robots.txt ``Crawl-delay``); never below the global delay."""
        host = host_of(url_or_host) if "://" in url_or_host else url_or_host
        with self._lock:
            self._delays[host] = max(seconds, self.delay)

    def delay_for(self, host: str) -> float:
        with self._lock:
            return self._delays.get(host, self.delay)


class SlotStore(Protocol):
    """Where hosts' slots and next allowed starts are kept for every process
    (:class:`newsflow.state.StateStore`)."""

    def acquire_host_slot(
        self, host: str, owner: str, token: str, *, limit: int, delay: float, lease_seconds: float
    ) -> float: ...

    def release_host_slot(self, token: str) -> None: ...


class HostGate:
    """At most ``concurrency`` requests in flight per host and starts at least the host's
    delay apart (:class:`HostPacer`), counted across every process and thread that shares the
    state store: each request leases a slot there (:meth:`SlotStore.acquire_host_slot`).

    ``store``: returns the store (opened on first use). ``owner``: the run's name on its
    slots. ``lease_seconds``: how long a slot outlives a process killed while holding it.
    ``poll``: seconds between tries while every slot of a host is held. Within a process, a
    semaphore per host keeps more than ``concurrency`` threads from asking at once (fewer
    transactions; it can only hold back, never let more through).
    """

    def __init__(
        self, pacer: HostPacer, concurrency: int, store: Callable[[], SlotStore], *, owner: str,
        lease_seconds: float, poll: float = 0.05,
    ) -> None:
        self.pacer = pacer
        self.concurrency = max(1, concurrency)
        self.store = store
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.poll = poll
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold one of ``url``'s host's slots for the block, waiting (sleeping) for it."""
        host = host_of(url)
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.concurrency))
        with semaphore:
            store = self.store()
            token = uuid.uuid4().hex
            while True:
                wait = store.acquire_host_slot(
                    host, self.owner, token, limit=self.concurrency, delay=self.pacer.delay_for(host),
                    lease_seconds=self.lease_seconds,
                )
                if wait == 0:
                    break
                time.sleep(wait if wait > 0 else self.poll)
            try:
                yield
            finally:
                try:
                    store.release_host_slot(token)
                except Exception as exc:  # a busy or lost database: the lease expires by itself
                    log.warning("could not release a slot of %s (it expires in %.0f s): %s",
                                host, self.lease_seconds, exc)


class RunStrikes:
    """A run's verdict per host: one outage is one strike.

    Host backoff counts *runs* in a row in which a host had transient failures, not failed
    requests: eleven feeds of one host that is down in one run are one strike, not eleven
    (which backed the host off for hours after a single outage). A host that answered and
    never failed in the run is healthy again at the run's end (:meth:`healthy`).
    """

    def __init__(self) -> None:
        self._failed: set[str] = set()
        self._answered: set[str] = set()
        self._lock = threading.Lock()

    def first_failure(self, host: str) -> bool:
        """True the first time ``host`` fails in this run (count a strike), False afterwards."""
        with self._lock:
            if host in self._failed:
                return False
            self._failed.add(host)
            return True

    def success(self, host: str) -> None:
        with self._lock:
            self._answered.add(host)

    def healthy(self) -> list[str]:
        """Hosts that answered in this run and never failed: their strikes are reset."""
        with self._lock:
            return sorted(self._answered - self._failed)
