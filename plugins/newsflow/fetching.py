"""Our HTTP client: one ``httpx.Client`` per run, bounded responses, errors mapped to stages.

feedparser only ever sees bytes we fetched here; trafilatura only sees text decoded here.
The client's transport is the SSRF guard (:mod:`newsflow.safety`); bodies are read within
limits by :mod:`newsflow.bodies`; redirects are followed hop by hop here.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from newsflow.bodies import ACCEPT_ENCODING, read_limited, sniff_binary
from newsflow.config import Settings
from newsflow.encoding import Decoded
from newsflow.encoding import decode_html as decode_body
from newsflow.errors import (
    BadContent,
    ConnectFailed,
    FetchTimeout,
    InvalidURL,
    NotFound,
    PermanentError,
    RedirectError,
    ServerError,
    StageError,
    TLSError,
    UnsafeURL,
)
from newsflow.politeness import HostPacer
from newsflow.safety import GuardedTransport, parse_allow_hosts

log = logging.getLogger(__name__)

Kind = Literal["feed", "page", "robots", "sitemap"]
__all__ = ["HostPacer", "Response", "build_client", "decode_html", "decode_page", "fetch"]

FEED_TYPES = ("xml", "rss", "atom", "rdf", "json", "text/plain", "octet-stream")
PAGE_TYPES = ("text/html", "application/xhtml+xml")
SITEMAP_TYPES = ("xml", "gzip", "text/plain", "octet-stream")


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    """The response's HTTP headers as sent (name, value), in order (kept in the raw archive)."""
    request_headers: tuple[tuple[str, str], ...] = ()
    """The headers of the request that got this response (the last hop)."""
    http_version: str = "HTTP/1.1"
    reason: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def build_client(settings: Settings) -> httpx.Client:
    """The one client of a run: SSRF-guarded transport, our User-Agent, no automatic redirects
    (:func:`fetch` follows them hop by hop so each hop is checked)."""
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,  # waiting for a free connection is bounded like making one
    )
    limits = httpx.Limits(max_connections=max(4, settings.fetch_workers * 2))
    transport = GuardedTransport(httpx.HTTPTransport(limits=limits), parse_allow_hosts(settings.allow_hosts))
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        transport=transport,
        trust_env=False,
    )


def fetch(
    client: httpx.Client,
    url: str,
    *,
    kind: Kind,
    max_bytes: int,
    total_timeout: float,
    etag: str | None = None,
    last_modified: str | None = None,
    max_redirects: int = 5,
    before_hop: Callable[[str], None] | None = None,
    truncate: bool = False,
) -> Response:
    """GET ``url`` and return its body, or raise a :class:`~newsflow.errors.StageError`.

    Conditional when validators are given (a 304 returns an empty body). Redirects are
    followed here, at most ``max_redirects``, refusing loops and non-http(s) targets; every
    hop goes through the client's SSRF guard and ``before_hop`` (e.g. a robots.txt check).
    The body is streamed and refused past ``max_bytes`` (decoded size and wire size); with
    ``truncate`` a longer body is cut at ``max_bytes`` instead (robots.txt).

    ``total_timeout`` (seconds) is the deadline of the whole exchange, every hop included:
    no wait of a hop (for a free connection, to connect, for one read or write) lasts longer
    than the time left when it starts, and the body is read until the deadline at most. A
    missed deadline raises :class:`~newsflow.errors.FetchTimeout`.
    """
    headers = {"Accept": _accept(kind)}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    _check_scheme(url, url)
    deadline = time.monotonic() + total_timeout
    chain = [url]
    current = url
    try:
        for _hop in range(max_redirects + 1):
            with client.stream("GET", current, headers=headers, timeout=_within(client.timeout, deadline)) as resp:
                if resp.status_code in _REDIRECTS:
                    current = _next_hop(resp, current, chain, url)
                    if before_hop is not None:
                        before_hop(current)
                    continue
                return _complete(resp, url, current, kind, max_bytes, deadline, truncate)
        raise RedirectError(f"more than {max_redirects} redirects: {' -> '.join(chain)}", url=url)
    except httpx.HTTPError as exc:
        raise network_error(exc, url, current) from exc


def _within(timeout: httpx.Timeout, deadline: float) -> httpx.Timeout:
    """``timeout`` with no wait longer than the time left before ``deadline`` (``time.monotonic``)."""
    left = max(deadline - time.monotonic(), 0.001)

    def capped(seconds: float | None) -> float:
        return left if seconds is None else min(seconds, left)

    return httpx.Timeout(connect=capped(timeout.connect), read=capped(timeout.read),
                         write=capped(timeout.write), pool=capped(timeout.pool))


def network_error(exc: httpx.HTTPError, url: str, current: str | None = None) -> StageError:
    """The one classification of an httpx error into a stage error (``url``: the item's URL,
    ``current``: the hop that failed).

    Timeout → :class:`FetchTimeout`; TLS handshake or certificate → :class:`TLSError`;
    refused, unreachable or dropped connection → :class:`ConnectFailed` (all transient);
    a broken HTTP exchange (truncated body, bad framing) → :class:`ServerError` (transient);
    an undecodable body → :class:`BadContent`, an unusable URL → :class:`InvalidURL` (permanent).
    DNS failures never reach httpx: the SSRF guard resolves first and raises :class:`DNSError`.
    HTTP statuses are classified by :func:`fetch` itself (404/410, 429/5xx, other 4xx).
    """
    where = current or url
    if isinstance(exc, httpx.TimeoutException):
        return FetchTimeout(f"timed out ({type(exc).__name__}) fetching {where}", url=url)
    if isinstance(exc, httpx.DecodingError):
        return BadContent(f"response body could not be decompressed: {exc}", url=url)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return InvalidURL(f"invalid URL {where!r}: {exc}", url=url)
    if _is_tls(exc):
        return TLSError(f"TLS handshake with {_host(where)} failed: {_reason(exc)}", url=url)
    if isinstance(exc, httpx.RemoteProtocolError):
        return ServerError(
            f"the server broke the HTTP exchange ({exc}; truncated body or wrong Content-Length?) for {where}",
            url=url,
        )
    if isinstance(exc, httpx.ConnectError):
        return ConnectFailed(f"could not connect to {_host(where)}: {_reason(exc)}", url=url)
    if isinstance(exc, httpx.TransportError):
        return ConnectFailed(f"the connection to {_host(where)} failed ({type(exc).__name__}: {_reason(exc)})",
                             url=url)
    return ServerError(f"HTTP error ({type(exc).__name__}: {exc}) for {where}", url=url)


def _is_tls(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError) or "[SSL" in str(seen) or "CERTIFICATE_VERIFY" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def _complete(resp: httpx.Response, url: str, final: str, kind: Kind, max_bytes: int, deadline: float,
              truncate: bool = False) -> Response:
    status = resp.status_code
    _raise_for_status(resp, url)
    content_type = resp.headers.get("content-type", "")
    if status != 304:
        _check_type(content_type, kind, url)
    body = b"" if status == 304 else read_limited(resp, max_bytes=max_bytes, deadline=deadline, url=url,
                                                       truncate=truncate)
    binary = sniff_binary(body) if kind not in ("robots", "sitemap") else None  # sitemaps may be gzip files
    if binary:
        mime = content_type.split(";")[0].strip().lower() or "no content type"
        raise BadContent(f"body is {binary} although served as {mime} ({url})", url=url)
    return Response(
        url=url,
        final_url=final,
        status=status,
        content_type=content_type.split(";")[0].strip().lower(),
        charset=resp.charset_encoding,
        body=body,
        etag=resp.headers.get("etag"),
        last_modified=resp.headers.get("last-modified"),
        headers=_as_sent(resp.headers),
        request_headers=_as_sent(resp.request.headers),
        http_version=resp.http_version or "HTTP/1.1",
        reason=resp.reason_phrase,
    )


def _as_sent(headers: httpx.Headers) -> tuple[tuple[str, str], ...]:
    """Header names and values as on the wire (names in their original case)."""
    return tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in headers.raw)


def _next_hop(resp: httpx.Response, current: str, chain: list[str], url: str) -> str:
    location = resp.headers.get("location", "").strip()
    if not location:
        raise RedirectError(f"HTTP {resp.status_code} without a Location header from {current}", url=url)
    try:
        target = urljoin(current, location)
    except ValueError as exc:
        raise RedirectError(f"HTTP {resp.status_code} with an unusable Location {location[:200]!r} from {current}",
                            url=url) from exc
    _check_scheme(target, url)
    if target in chain:
        raise RedirectError(f"redirect loop: {' -> '.join([*chain, target])}", url=url)
    chain.append(target)
    return target


def _check_scheme(target: str, url: str) -> None:
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURL(f"refusing {scheme or 'schemeless'} URL {target!r}: only http and https are fetched", url=url)


def _accept(kind: Kind) -> str:
    if kind == "feed":
        return "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
    if kind == "robots":
        return "text/plain, */*;q=0.5"
    if kind == "sitemap":
        return "application/xml, text/xml;q=0.9, application/gzip;q=0.8, */*;q=0.5"
    return "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


def _raise_for_status(resp: httpx.Response, url: str) -> None:
    status = resp.status_code
    if status < 400 or status == 304:
        return
    if status in (404, 410):
        raise NotFound(f"HTTP {status}: {url} is gone", url=url)
    if status == 429 or status >= 500:
        raw = resp.headers.get("retry-after")
        hint = f" (Retry-After: {raw})" if raw else ""
        raise ServerError(f"HTTP {status} from server{hint} for {url}", url=url, status=status,
                          retry_after=parse_retry_after(raw))
    raise PermanentError(f"HTTP {status} for {url}", url=url)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _check_type(content_type: str, kind: Kind, url: str) -> None:
    mime = content_type.split(";")[0].strip().lower()
    if not mime or kind == "robots":
        return  # many servers omit it; the parser decides
    allowed = FEED_TYPES if kind == "feed" else SITEMAP_TYPES if kind == "sitemap" else PAGE_TYPES
    if not any(token in mime for token in allowed):
        raise BadContent(f"content type {mime!r} is not a {kind} ({url})", url=url)


def decode_html(response: Response) -> str:
    """Text of an HTML body (see :func:`newsflow.encoding.decode_html`: declared charsets, then detection)."""
    return decode_page(response).text


def decode_page(response: Response) -> Decoded:
    """Text of an HTML body with the encoding used, where it came from, and a warning when unsure."""
    return decode_body(response.body, response.charset)


@contextmanager
def client_for(settings: Settings) -> Iterator[httpx.Client]:
    client = build_client(settings)
    try:
        yield client
    finally:
        client.close()
