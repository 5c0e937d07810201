"""The state store's sitemap URLs, on both backends (``state_target``: SQLite and PostgreSQL):
new URLs are queued once, a ``<lastmod>`` that moves forward queues a done article again with
the sitemap's fields, anything else changes nothing, and the per-call limit leaves the rest
for later."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from newsflow.models import FeedEntry
from newsflow.state import StateStore

SITEMAP = "http://news.test/sitemap.xml"


@pytest.fixture
def store(state_target: str) -> Iterator[StateStore]:
    opened = StateStore(state_target)
    yield opened
    opened.close()


def entry(n: int, **changes: object) -> FeedEntry:
    values: dict[str, object] = {"url": f"http://news.test/a/{n}", "feed_url": SITEMAP, "source": "News Test",
                                 "title": f"Story {n}"}
    values.update(changes)
    return FeedEntry(**values)  # type: ignore[arg-type]


def listed(*items: tuple[int, str | None], **changes: object) -> list[tuple[FeedEntry, str, str | None]]:
    return [(entry(n, **changes), f"doc{n}", lastmod) for n, lastmod in items]


def test_new_urls_are_queued_once(store: StateStore) -> None:
    new, refreshed = store.add_sitemap_entries(SITEMAP, listed((1, "2025-01-01T00:00:00Z"), (2, None)), limit=10)
    assert [e.url for e in new] == ["http://news.test/a/1", "http://news.test/a/2"] and refreshed == []
    assert store.add_sitemap_entries(SITEMAP, listed((1, "2025-01-01T00:00:00Z"), (2, None)), limit=10) == ([], [])
    assert store.counts()["pending"] == 2 and store.sitemap_urls_known() == 2


def test_a_later_lastmod_queues_a_done_article_again_with_the_sitemaps_fields(store: StateStore) -> None:
    store.add_sitemap_entries(SITEMAP, listed((1, "2025-01-01T00:00:00Z")), limit=10)
    store.mark_done(["http://news.test/a/1"])
    for same_or_older in ("2025-01-01T00:00:00Z", "2024-12-31T00:00:00Z", None):
        assert store.add_sitemap_entries(SITEMAP, listed((1, same_or_older)), limit=10) == ([], [])
    assert store.counts()["done"] == 1
    bumped = listed((1, "2025-01-02T09:30:00Z"), title="Story 1, updated", published_at="2025-01-02T09:00:00Z",
                    published_day="2025-01-02")
    new, refreshed = store.add_sitemap_entries(SITEMAP, bumped, limit=10)
    assert new == [] and [e.url for e in refreshed] == ["http://news.test/a/1"]
    assert store.counts()["pending"] == 1
    stored = store.article_entry("http://news.test/a/1")
    assert stored is not None and (stored.title, stored.published_at) == ("Story 1, updated", "2025-01-02T09:00:00Z")
    # the missing lastmod above did not lower what was recorded: the same bump again is not newer
    store.mark_done(["http://news.test/a/1"])
    assert store.add_sitemap_entries(SITEMAP, bumped, limit=10) == ([], [])


def test_a_url_first_known_from_a_feed_starts_its_lastmod_record(store: StateStore) -> None:
    store.add_entries([entry(5)], ["doc5"])
    store.mark_done(["http://news.test/a/5"])
    assert store.add_sitemap_entries(SITEMAP, listed((5, "2025-03-01T00:00:00Z")), limit=10) == ([], [])
    _, refreshed = store.add_sitemap_entries(SITEMAP, listed((5, "2025-03-02T00:00:00Z")), limit=10)
    assert [e.url for e in refreshed] == ["http://news.test/a/5"]


def test_a_failed_article_is_left_to_its_retry_policy(store: StateStore) -> None:
    store.add_sitemap_entries(SITEMAP, listed((7, "2025-01-01T00:00:00Z")), limit=10)
    store.mark_failed("http://news.test/a/7")
    assert store.add_sitemap_entries(SITEMAP, listed((7, "2025-02-01T00:00:00Z")), limit=10) == ([], [])
    assert store.counts()["failed"] == 1


def test_the_limit_leaves_the_rest_unrecorded_for_a_later_call(store: StateStore) -> None:
    items = listed(*[(n, "2025-01-01T00:00:00Z") for n in range(1, 6)])
    new, _ = store.add_sitemap_entries(SITEMAP, items, limit=2)
    assert [e.url for e in new] == ["http://news.test/a/1", "http://news.test/a/2"]
    assert store.sitemap_urls_known() == 2
    new, _ = store.add_sitemap_entries(SITEMAP, items, limit=10)
    assert [e.url for e in new] == [f"http://news.test/a/{n}" for n in (3, 4, 5)]
