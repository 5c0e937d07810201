"""Every error newsflow raises on purpose.

::

    NewsflowError
    ├── ConfigError                 bad settings or feed list: stop before any work (exit 2)
    ├── QueryError                  a search the backend cannot run (unknown field, bad date)
    └── StageError                  one item failed in one pipeline stage; recorded, run goes on
        ├── TransientError          worth retrying later (timeouts, 5xx, 429, index unavailable)
        │   ├── FetchTimeout        connect, read or total time limit passed
        │   ├── DNSError            the host name did not resolve
        │   ├── ConnectFailed       no connection (refused, reset, unreachable) or it dropped
        │   ├── TLSError            the TLS handshake failed (certificate, protocol)
        │   ├── ServerError         5xx, 429, a broken HTTP exchange (``retry_after`` from the server)
        │   ├── RobotsUnavailable   robots.txt could not be fetched: assume disallow for now
        │   ├── HubError            a WebSub hub refused or failed a (un)subscription request
        │   └── IndexUnavailable
        └── PermanentError          retrying will not help (404/410, not a feed, no article text)
            ├── NotFound
            ├── BadContent          wrong content type, empty body, undecodable, too large
            ├── UnsafeURL           not http(s), or resolves to a private/loopback/… address
            ├── InvalidURL          a URL no client can fetch (no host, bad port or IPv6 literal, …)
            ├── RedirectError       redirect loop, too many redirects, bad Location
            ├── DisallowedByRobots  robots.txt disallows the URL for our User-Agent
            ├── FeedParseError      not a feed / no entries
            │   ├── UnsafeFeed      the feed declares XML entities or an external DTD
            │   └── SitemapError    a sitemap that is broken, too large, too deep or not a sitemap
            ├── ExtractionError     trafilatura found no main text
            ├── OverBudget          a CPU stage took longer than its per-article time budget
            ├── DocumentRejected    the index refused the document (mapping conflict, too large)
            ├── ArchiveError        the raw archive (WARC files, their index) could not be written or read
            ├── BadRecord           a WARC record that cannot become an article (truncated, not HTML, …)
            └── BadSignature        pushed WebSub content without a valid X-Hub-Signature: ignored

A stage catches :class:`StageError` subclasses only; anything else is a bug and is
recorded as such (``error_class`` says which) rather than silently swallowed.
"""

from __future__ import annotations


class NewsflowError(Exception):
    """Base class of newsflow's own errors."""


class ConfigError(NewsflowError):
    """Settings, a config file or a feed list are wrong; the message says what to fix."""


class QueryError(NewsflowError):
    """A search request cannot be run as given."""


class StateUnavailable(NewsflowError):
    """The state store's database server cannot be reached, even after reconnecting: the run
    stops with this message (its work so far is kept; the next run resumes)."""


class StageError(NewsflowError):
    """One item (feed, page, document) failed in one stage of the pipeline."""

    retryable: bool = True

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class TransientError(StageError):
    retryable = True


class PermanentError(StageError):
    retryable = False


class FetchTimeout(TransientError):
    """The server did not answer in time."""


class DNSError(TransientError):
    """The host name did not resolve (no such name, or the resolver failed): the site may be
    gone or this machine offline; retried later like any transient failure."""


class ConnectFailed(TransientError):
    """No connection could be made (refused, reset, unreachable), or it dropped before an answer."""


class TLSError(TransientError):
    """The TLS handshake failed: a certificate not valid for the host, expired or untrusted, or
    no common protocol. Sites fix these, so it is retried."""


class ServerError(TransientError):
    """The server answered 5xx or 429, or the connection broke.

    ``status`` is the HTTP status (None when the connection broke); ``retry_after`` is the
    server's ``Retry-After`` in seconds (None when absent): the state store never schedules
    the next attempt earlier than that.
    """

    def __init__(
        self, message: str, *, url: str | None = None, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


class RobotsUnavailable(TransientError):
    """robots.txt could not be fetched (5xx, timeout): the host is treated as disallowed for now."""


class IndexUnavailable(TransientError):
    """The index backend cannot be reached or refuses writes for now."""


class NotFound(PermanentError):
    """404 or 410: the resource is gone."""


class BadContent(PermanentError):
    """The response is not what the stage needs (type, size, encoding, empty)."""


class UnsafeURL(PermanentError):
    """Not http(s), or the host resolves to an address we refuse (loopback, private, …)."""


class InvalidURL(PermanentError, ValueError):
    """A URL that cannot be normalised or fetched: no host, a bad port, a malformed IPv6
    literal or host name, unpaired surrogates, too long. Also a ``ValueError``."""


class RedirectError(PermanentError):
    """A redirect loop, too many redirects, or a redirect without a usable Location."""


class DisallowedByRobots(PermanentError):
    """The site's robots.txt disallows the URL for our User-Agent."""


class FeedParseError(PermanentError):
    """The body is not an RSS/Atom/JSON feed, or holds no entries."""


class EntrySkipped(FeedParseError):
    """A feed entry names no http(s) article (no link, ``mailto:``, a relative link without base)."""


class UnsafeFeed(FeedParseError):
    """The feed declares XML entities or references an external DTD (refused before parsing)."""


class SitemapError(FeedParseError):
    """A sitemap that cannot be read: broken XML or gzip, a DTD, too large once decompressed,
    not a ``<urlset>``/``<sitemapindex>``, an index nested deeper than ``sitemap_max_depth``."""


class ExtractionError(PermanentError):
    """No main text could be extracted from the page."""


class OverBudget(PermanentError):
    """Cleaning or an extractor took longer than ``stage_time_budget`` on this article (the
    same input would again): the article fails that stage, the rest of its batch goes on."""


class DocumentRejected(PermanentError):
    """The index refused one document; the reason is the server's."""


class ArchiveError(PermanentError):
    """The raw archive could not be written (full disk, no permission) or an archived page
    could not be read back (WARC file moved or damaged)."""


class BadRecord(PermanentError):
    """A WARC record that cannot become an article: truncated, not an HTML page, larger than
    ``max_page_bytes``, an HTTP status that is not 2xx, or an undecodable gzip member."""


class HubError(TransientError):
    """A WebSub hub refused or failed a subscription or unsubscription request (or denied
    the subscription); the feed is still polled."""


class BadSignature(PermanentError):
    """Content pushed to a WebSub callback without a valid ``X-Hub-Signature`` for its
    subscription's secret: acknowledged (as the spec allows), ignored and recorded."""
