"""``register_per_article``: the one way a one-article extractor joins the registry."""

from __future__ import annotations

import uuid

import pytest

from extractors import available, registry
from extractors.registry import register_per_article
from newsflow.models import Article


def _article(title: str) -> Article:
    return Article(id=title, url=f"https://example.test/{title}", feed_url="https://example.test/rss",
                   source="test", domain="example.test", title=title, text="Some words.",
                   fetched_at="2025-12-06T12:00:00Z")


def test_register_per_article_runs_the_function_on_each_article() -> None:
    name = f"test-per-article-{uuid.uuid4().hex[:8]}"

    def title_length(article: Article) -> dict[str, int]:
        """Characters in the title."""
        return {"title_length": len(article.title or "")}

    extractor = register_per_article(
        title_length, name=name, version="7", fields=("title_length",), requires=("language",),
        description="title length (test only)")
    try:
        assert available()[name] is extractor
        assert (extractor.version, extractor.fields, extractor.requires) == ("7", ("title_length",), ("language",))
        assert extractor.run([_article("ab"), _article("abcd")]) == [{"title_length": 2}, {"title_length": 4}]
        with pytest.raises(ValueError, match="already registered"):
            register_per_article(title_length, name=name, version="8", fields=("title_length",))
    finally:
        registry._REGISTRY.pop(name, None)
