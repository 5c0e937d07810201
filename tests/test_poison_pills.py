"""One input, one failure: an entry or a page that breaks a stage is recorded as its own
failure with its reason, and the rest of the feed, batch and run goes on."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import make_settings
from fault_server import article

from extractors import Extractor
from newsflow import pipeline
from newsflow.budget import time_budget
from newsflow.demo_server import serving
from newsflow.errors import OverBudget
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import Article, FeedSource
from newsflow.state import StateStore
from newsflow.workers import cpu_batch


def _rss(*links: str) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>{link}</link><pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate></item>"
        for i, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>{{{{BASE}}}}/</link>{items}</channel></rss>'


def test_odd_entry_links_fail_alone_and_the_feed_goes_on(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_text(_rss(
        "http://[2001:db8::1]/a",          # valid IPv6 literal: queued, refused later by the SSRF guard
        "http://example.com:99999/b",      # no such port: this entry's failure
        "{{BASE}}/good.html",
    ))
    (site / "good.html").write_text(article("Harbour reopens after storm"))
    settings = make_settings(tmp_path / "data", obey_robots=False, workers=1)
    with serving(site) as server:
        summary = pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="odd")])

    assert summary.feeds_failed == 0
    assert summary.articles_new == 1
    state = StateStore(settings.state_file)
    failures = {(f.stage, f.url): f for f in state.failures()}
    state.close()
    assert failures[("entry", "http://example.com:99999/b")].error_class == "InvalidURL"
    assert "Port out of range" in failures[("entry", "http://example.com:99999/b")].message
    ipv6 = failures[("fetch", "http://[2001:db8::1]/a")]
    assert ipv6.error_class == "UnsafeURL"  # reached the fetch stage with its brackets intact
    backend = EmbeddedBackend(settings.index_file)
    assert backend.count() == 1
    backend.close()


def _stuck_on_poison(articles: Sequence[Article]) -> list[dict[str, object]]:
    """A batch extractor that never returns on one article (like a quadratic one on a huge page)."""
    out: list[dict[str, object]] = []
    for item in articles:
        while "Poison" in item.title:
            pass
        out.append({"probe": len(item.text)})
    return out


def _raises_on_poison(articles: Sequence[Article]) -> list[dict[str, object]]:
    if any("Poison" in a.title for a in articles):
        raise ValueError("cannot digest this page")
    return [{"probe2": 1} for _ in articles]


STUCK = Extractor(name="stuck", version="1", fields=("probe",), run=_stuck_on_poison)
RAISES = Extractor(name="raises", version="1", fields=("probe2",), run=_raises_on_poison)


def test_a_stage_over_its_budget_fails_that_article_only_in_process(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    titles = ["Harbour reopens", "Poison pill page", "Ferry resumes", "Pier closed"]
    (site / "feed.xml").write_text(_rss(*(f"{{{{BASE}}}}/{i}.html" for i in range(len(titles)))))
    for i, title in enumerate(titles):
        (site / f"{i}.html").write_text(article(title))
    settings = make_settings(tmp_path / "data", obey_robots=False, workers=1, stage_time_budget=0.5)
    with serving(site) as server, pipeline.Resources(settings) as res:
        summary = pipeline.RunSummary()
        pipeline.poll(res, [FeedSource(url=f"{server.base_url}/feed.xml", name="f")], summary, pipeline.NO_PROGRESS)
        pipeline.process(res, summary, pipeline.NO_PROGRESS, extractors=[STUCK, RAISES])

    assert summary.articles_new == 4 and summary.extractor_errors == 2
    state = StateStore(settings.state_file)
    failures = {f.stage: f for f in state.failures()}
    state.close()
    assert set(failures) == {"extract:stuck", "extract:raises"}
    assert failures["extract:stuck"].url.endswith("/1.html")
    assert "OverBudget" in failures["extract:stuck"].message and "time budget of 0.5 s" in failures["extract:stuck"].message
    assert failures["extract:raises"].url.endswith("/1.html")
    assert "cannot digest this page" in failures["extract:raises"].message
    backend = EmbeddedBackend(settings.index_file)
    docs = {d["title"]: d for d in backend.iter_documents()}
    backend.close()
    assert [t for t in titles if docs[t].get("probe") and docs[t].get("probe2")] == ["Harbour reopens", "Ferry resumes", "Pier closed"]


def test_cleaning_over_its_budget_is_that_pages_failure() -> None:
    from datetime import UTC, datetime

    from newsflow import cleaning
    from newsflow.models import FeedEntry, FetchedPage

    def page(i: int, html: str) -> tuple[FeedEntry, FetchedPage]:
        url = f"http://example.org/{i}"
        return FeedEntry(url=url, feed_url="", source="s"), FetchedPage(url, url, 200, "text/html", html, datetime.now(UTC))

    real = cleaning.clean_page

    def slow_on_poison(fetched: FetchedPage, entry: FeedEntry) -> Article:
        while "Poison" in fetched.text:
            pass
        return real(fetched, entry)

    cleaning.clean_page = slow_on_poison  # type: ignore[assignment]
    try:
        result = cpu_batch([page(0, article("Harbour reopens")), page(1, article("Poison pill")),
                            page(2, article("Ferry resumes"))], [], budget=0.3)
    finally:
        cleaning.clean_page = real  # type: ignore[assignment]
    assert [a.title for a in result.articles] == ["Harbour reopens", "Ferry resumes"]
    [(url, error)] = result.clean_failures
    assert url == "http://example.org/1" and isinstance(error, OverBudget)
    assert "cleaning (trafilatura) took longer than its time budget of 0.3 s" in str(error)


def test_a_budget_keeps_an_outer_alarm_timer() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    signal.setitimer(signal.ITIMER_REAL, 5.0)
    try:
        with pytest.raises(OverBudget), time_budget(0.05, "a loop"):
            while True:
                pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 3.0 < left <= 5.0, "the outer timer is re-armed with what was left of it"
        assert not fired
        with time_budget(1.0, "quick"):
            pass
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 3.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_an_invalid_url_given_by_hand_is_a_clear_problem(tmp_path: Path) -> None:
    from newsflow.airflow_support import validate_ingest

    with pytest.raises(ValueError, match=r"article_urls: invalid URL .*Port out of range"):
        validate_ingest({"article_urls": ["http://example.com:99999/a"]})
    summary = pipeline.ingest_urls(make_settings(tmp_path / "data", workers=1), ["http://[::1/a"])
    assert summary.articles_failed == 1 and summary.failures[0]["error"] == "InvalidURL"


def test_the_budget_holds_in_worker_processes_too() -> None:
    from datetime import UTC, datetime

    from newsflow.models import FeedEntry, FetchedPage
    from newsflow.workers import CpuStage

    items = []
    for i in range(2):
        url = f"http://example.org/{i}"
        page = FetchedPage(url, url, 200, "text/html", article(f"Harbour story {i}"), datetime.now(UTC))
        items.append((FeedEntry(url=url, feed_url="", source="s"), page))
    stage = CpuStage([], workers=2, budget=0.001)  # no page can be cleaned in a millisecond
    assert stage.workers == 2
    result = stage.submit(items).result()
    assert not result.articles
    assert sorted(url for url, _ in result.clean_failures) == ["http://example.org/0", "http://example.org/1"]
    assert all(isinstance(error, OverBudget) and "time budget of 0.001 s" in str(error)
               for _, error in result.clean_failures)
    assert CpuStage([], workers=2, budget=None).submit(items).result().articles, "the same pages clean without one"
