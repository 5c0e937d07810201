"""Being a good client per host: a minimum gap between requests and a concurrency limit.

A *host* is the URL's host name plus its port when one is given (``example.org``,
``127.0.0.1:8765``): the unit of pacing, robots.txt delays and host backoff.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


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
    """Keeps at least ``delay`` seconds (or a host's own, larger delay) between two requests to a host."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._next: dict[str, float] = {}
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

    def wait(self, url: str) -> None:
        host = host_of(url)
        with self._lock:
            delay = self._delays.get(host, self.delay)
            if delay <= 0:
                return
            now = time.monotonic()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + delay
        if at > now:
            time.sleep(at - now)


class HostGate:
    """At most ``concurrency`` requests in flight per host, each after the pacer's gap."""

    def __init__(self, pacer: HostPacer, concurrency: int) -> None:
        self.pacer = pacer
        self.concurrency = max(1, concurrency)
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        host = host_of(url)
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.concurrency))
        with semaphore:
            self.pacer.wait(url)
            yield


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
