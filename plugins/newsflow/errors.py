"""Every error newsflow raises on purpose.

::

    NewsflowError
    ├── ConfigError                 bad settings or feed list: stop before any work (exit 2)
    ├── QueryError                  a search the backend cannot run (unknown field, bad date)
    └── StageError                  one item failed in one pipeline stage; recorded, run goes on
        ├── TransientError          worth retrying later (timeouts, 5xx, 429, index unavailable)
        │   ├── FetchTimeout
        │   ├── ServerError
        │   └── IndexUnavailable
        └── PermanentError          retrying will not help (404/410, not a feed, no article text)
            ├── NotFound
            ├── BadContent          wrong content type, empty body, undecodable
            ├── FeedParseError      not a feed / no entries
            ├── ExtractionError     trafilatura found no main text
            └── DocumentRejected    the index refused the document (mapping conflict, too large)

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


class ServerError(TransientError):
    """The server answered 5xx or 429, or the connection broke."""


class IndexUnavailable(TransientError):
    """The index backend cannot be reached or refuses writes for now."""


class NotFound(PermanentError):
    """404 or 410: the resource is gone."""


class BadContent(PermanentError):
    """The response is not what the stage needs (type, size, encoding, empty)."""


class FeedParseError(PermanentError):
    """The body is not an RSS/Atom/JSON feed, or holds no entries."""


class ExtractionError(PermanentError):
    """No main text could be extracted from the page."""


class DocumentRejected(PermanentError):
    """The index refused one document; the reason is the server's."""
