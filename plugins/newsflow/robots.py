"""robots.txt: fetched once per origin and run, kept in the state store until it expires.

Rules (RFC 9309, with `protego <https://github.com/scrapy/protego>`_ doing the matching: the
longest matching rule wins, ``Allow`` over ``Disallow`` on a tie, ``*`` and ``$`` wildcards):

- 2xx: the file's rules for our User-Agent's product token (``newsflow``), its ``Crawl-delay``
  (fractions too) raises the host's pacing gap (capped by ``max_crawl_delay``); only the first
  :data:`MAX_ROBOTS_BYTES` are read and parsed (RFC 9309 §2.5), a longer file is cut there;
- 4xx (including 404): no restrictions;
- 5xx, timeout, refused or broken connection, TLS failure: the site is treated as disallowed *for now*; the article
  fails with the transient :class:`~newsflow.errors.RobotsUnavailable` and is retried later.
  Such an answer is remembered for the rest of the run only. A host that does not resolve fails
  the article with the transient :class:`~newsflow.errors.DNSError` itself.

Applies to article pages. Feeds and sitemaps are not checked: the feed list is a subscription
a person made, like a feed reader's. :meth:`RobotsPolicy.sitemaps` reads the file's
``Sitemap:`` lines (a ``type: site`` source of the feed list).
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import httpx
from protego import Protego

from newsflow.config import Settings
from newsflow.errors import (
    DisallowedByRobots,
    DNSError,
    PermanentError,
    RobotsUnavailable,
    TransientError,
    UnsafeURL,
)
from newsflow.fetching import fetch
from newsflow.politeness import HostGate
from newsflow.safety import check_url, parse_allow_hosts
from newsflow.state import StateStore

MAX_ROBOTS_BYTES = 500 * 1024
"""RFC 9309 asks crawlers to parse at least 500 KiB; what follows is not read."""


def product_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against: ``newsflow`` for ``newsflow/0.1 (+…)``."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


def parse_robots(body: str) -> Protego:
    """RFC 9309 rules of a robots.txt body."""
    return Protego.parse(body)


class RobotsPolicy:
    """Answers "may we fetch this URL?" for one run (thread-safe, one fetch per origin)."""

    def __init__(self, settings: Settings, client: httpx.Client, state: StateStore, gate: HostGate) -> None:
        self.settings = settings
        self.client = client
        self.state = state
        self.gate = gate
        self._parsers: dict[str, Protego | RobotsUnavailable] = {}
        self._agent = product_token(settings.user_agent)
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._allow = parse_allow_hosts(settings.allow_hosts)

    def check(self, url: str) -> None:
        """Return when ``url`` may be fetched; raise DisallowedByRobots or RobotsUnavailable otherwise
        (or UnsafeURL: the SSRF guard is asked first, so its refusal names the page, not robots.txt)."""
        check_url(url, self._allow)
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        parser = self._parser(origin)
        if isinstance(parser, RobotsUnavailable):
            raise RobotsUnavailable(f"{parser} (needed before fetching {url})", url=url)
        if not parser.can_fetch(url, self._agent):
            raise DisallowedByRobots(f"disallowed by robots.txt: {origin}/robots.txt forbids {url}", url=url)

    def sitemaps(self, origin: str) -> list[str]:
        """The ``Sitemap:`` URLs of ``origin``'s robots.txt (``https://host[:port]``), in file
        order; none when it has none or answers 4xx. Raises RobotsUnavailable like :meth:`check`."""
        parser = self._parser(origin)
        if isinstance(parser, RobotsUnavailable):
            raise RobotsUnavailable(f"{parser} (needed to find its sitemaps)", url=f"{origin}/robots.txt")
        return list(dict.fromkeys(parser.sitemaps))

    def _parser(self, origin: str) -> Protego | RobotsUnavailable:
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._parsers:
                self._parsers[origin] = self._load(origin)
            return self._parsers[origin]

    def _load(self, origin: str) -> Protego | RobotsUnavailable:
        stored = self.state.robots(origin)
        if stored is None:
            try:
                stored = self._robots_txt(origin)
            except RobotsUnavailable as exc:
                return exc
            self.state.store_robots(origin, *stored, ttl=self.settings.robots_ttl)
        status, body = stored
        parser = parse_robots("" if status >= 400 else body)  # no rules: everything allowed
        if status < 400:
            delay = parser.crawl_delay(self._agent)
            if delay:
                self.gate.pacer.set_delay(origin, min(float(delay), self.settings.max_crawl_delay))
        return parser

    def _robots_txt(self, origin: str) -> tuple[int, str]:
        """``(status, text)`` of ``origin``'s robots.txt as fetched now (404 and no text when it
        sets no rules); RobotsUnavailable when a transient error hides it."""
        url = f"{origin}/robots.txt"
        s = self.settings
        try:
            with self.gate.slot(url):
                response = fetch(self.client, url, kind="robots", max_bytes=MAX_ROBOTS_BYTES, truncate=True,
                                 total_timeout=s.total_timeout, max_redirects=s.max_redirects)
        except DNSError:
            raise  # the page's host does not resolve: say so, not "robots.txt unavailable"
        except TransientError as exc:
            raise RobotsUnavailable(f"robots.txt of {origin} is unavailable ({exc}); treated as disallowed for now",
                                    url=url) from exc
        except PermanentError as exc:
            if isinstance(exc, UnsafeURL):
                raise
            return 404, ""  # 4xx, a redirect loop: no restrictions
        body = response.body
        if len(body) >= MAX_ROBOTS_BYTES:  # cut at the limit: drop the partial last line
            body = body[: body.rfind(b"\n") + 1]
        return response.status, body.decode("utf-8", errors="replace")
