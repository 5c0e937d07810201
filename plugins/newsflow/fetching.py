"""Our HTTP client: one ``httpx.Client`` per run, bounded responses, errors mapped to stages.

feedparser only ever sees bytes we fetched here; trafilatura only sees text decoded here.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

from newsflow.config import Settings
from newsflow.errors import BadContent, FetchTimeout, NotFound, PermanentError, ServerError

log = logging.getLogger(__name__)

Kind = Literal["feed", "page"]

FEED_TYPES = ("xml", "rss", "atom", "rdf", "json", "text/plain", "octet-stream")
PAGE_TYPES = ("text/html", "application/xhtml+xml")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


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

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def build_client(settings: Settings) -> httpx.Client:
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.total_timeout,
    )
    return httpx.Client(
        timeout=timeout,
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        limits=httpx.Limits(max_connections=max(4, settings.fetch_workers * 2)),
        trust_env=False,
    )


class HostPacer:
    """Keeps at least ``delay`` seconds between two requests to the same host."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> None:
        if self.delay <= 0:
            return
        host = urlsplit(url).netloc
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, now))
            self._next[host] = at + self.delay
        if at > now:
            time.sleep(at - now)


def fetch(
    client: httpx.Client,
    url: str,
    *,
    kind: Kind,
    max_bytes: int,
    total_timeout: float,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Response:
    """GET ``url`` and return its body, or raise a :class:`~newsflow.errors.StageError`.

    Conditional when validators are given (a 304 returns an empty body). The body is
    streamed and refused past ``max_bytes``; the whole exchange is bounded by
    ``total_timeout`` seconds.
    """
    headers = {"Accept": _accept(kind)}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise BadContent(f"refusing {scheme or 'schemeless'} URL: only http and https are fetched", url=url)
    deadline = time.monotonic() + total_timeout
    try:
        with client.stream("GET", url, headers=headers) as resp:
            status = resp.status_code
            _raise_for_status(resp, url)
            content_type = resp.headers.get("content-type", "")
            if status != 304:
                _check_type(content_type, kind, url)
            body = b"" if status == 304 else _read_bounded(resp.iter_bytes(), max_bytes, deadline, url)
            return Response(
                url=url,
                final_url=str(resp.url),
                status=status,
                content_type=content_type.split(";")[0].strip().lower(),
                charset=resp.charset_encoding,
                body=body,
                etag=resp.headers.get("etag"),
                last_modified=resp.headers.get("last-modified"),
            )
    except httpx.TimeoutException as exc:
        raise FetchTimeout(f"timed out ({type(exc).__name__}) fetching {url}", url=url) from exc
    except httpx.TooManyRedirects as exc:
        raise PermanentError(f"too many redirects fetching {url}", url=url) from exc
    except httpx.DecodingError as exc:
        raise BadContent(f"response body could not be decompressed: {exc}", url=url) from exc
    except httpx.InvalidURL as exc:
        raise BadContent(f"invalid URL {url!r}: {exc}", url=url) from exc
    except httpx.TransportError as exc:
        raise ServerError(f"connection failed ({type(exc).__name__}: {exc}) for {url}", url=url) from exc


def _accept(kind: Kind) -> str:
    if kind == "feed":
        return "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
    return "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"


def _raise_for_status(resp: httpx.Response, url: str) -> None:
    status = resp.status_code
    if status < 400 or status == 304:
        return
    if status in (404, 410):
        raise NotFound(f"HTTP {status}: {url} is gone", url=url)
    if status == 429 or status >= 500:
        retry_after = resp.headers.get("retry-after")
        hint = f" (Retry-After: {retry_after})" if retry_after else ""
        raise ServerError(f"HTTP {status} from server{hint} for {url}", url=url)
    raise PermanentError(f"HTTP {status} for {url}", url=url)


def _check_type(content_type: str, kind: Kind, url: str) -> None:
    mime = content_type.split(";")[0].strip().lower()
    if not mime:
        return  # many servers omit it; the parser decides
    allowed = FEED_TYPES if kind == "feed" else PAGE_TYPES
    if not any(token in mime for token in allowed):
        raise BadContent(f"content type {mime!r} is not a {kind} ({url})", url=url)


def _read_bounded(chunks: Iterator[bytes], max_bytes: int, deadline: float, url: str) -> bytes:
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise BadContent(f"body larger than the {max_bytes} byte limit ({url})", url=url)
        if time.monotonic() > deadline:
            raise FetchTimeout(f"body took longer than the total timeout ({url})", url=url)
        parts.append(chunk)
    return b"".join(parts)


def decode_html(response: Response) -> str:
    """Text of an HTML body: HTTP charset, then BOM, then ``<meta charset>``, then UTF-8/cp1252."""
    body = response.body
    for candidate in _charsets(response.charset, body):
        try:
            return body.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def _charsets(header: str | None, body: bytes) -> Iterator[str]:
    if body.startswith(b"\xef\xbb\xbf"):
        yield "utf-8-sig"
    if header:
        yield header
    match = _META_CHARSET.search(body[:4096])
    if match:
        yield match.group(1).decode("ascii", "ignore")
    yield "utf-8"
    yield "cp1252"


@contextmanager
def client_for(settings: Settings) -> Iterator[httpx.Client]:
    client = build_client(settings)
    try:
        yield client
    finally:
        client.close()
