"""The extractor protocol.

An extractor is a named, versioned pure function over a batch of articles: it reads an
:class:`~newsflow.models.Article` and returns, for each article, a dict of the fields it
declared. It never mutates the article; :func:`extractors.registry.run_extractors` merges
the fields into ``article.enrichments`` and records provenance (name, version, fields, or
the error) in ``article.extractors``.

Batching lets heavy extractors (spaCy's ``nlp.pipe``) amortise their cost; the simple ones
use :func:`per_article` to lift a one-article function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from newsflow.models import Article

Fields = dict[str, Any]
BatchFunction = Callable[[Sequence[Article]], list[Fields]]

MAX_TEXT_CHARS = 100_000
"""Most characters of an article's text an extractor reads (≈ 15,000 words: longer than any
news article). The rest of a giant page is ignored, so every extractor's input is bounded;
offsets into the text stay valid (it is a prefix)."""
MAX_TITLE_CHARS = 1_000
"""Most characters of a title an extractor reads."""


def bounded_text(article: Article) -> str:
    """The article's text, cut at :data:`MAX_TEXT_CHARS` characters."""
    return (article.text or "")[:MAX_TEXT_CHARS]


def bounded_title(article: Article) -> str:
    """The article's title, cut at :data:`MAX_TITLE_CHARS` characters."""
    return (article.title or "")[:MAX_TITLE_CHARS]


@dataclass(frozen=True, slots=True)
class Extractor:
    name: str
    version: str
    fields: tuple[str, ...]
    """Every key its function may return; anything else is a bug and is refused."""
    run: BatchFunction
    description: str = ""
    requires: tuple[str, ...] = ()
    """Names of extractors whose fields this one reads (they run first)."""


def per_article(func: Callable[[Article], Fields]) -> BatchFunction:
    """Lift a function of one article to a batch function."""

    def run(articles: Sequence[Article]) -> list[Fields]:
        return [func(article) for article in articles]

    run.__name__ = getattr(func, "__name__", "run")
    run.__doc__ = func.__doc__
    return run
