"""robots.txt (rules, Crawl-delay, caching), per-host concurrency and pacing, our User-Agent."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_settings
from fault_server import FaultSite, article, rss

from newsflow import pipeline
from newsflow.config import Settings
from newsflow.demo_server import DemoServer, send
from newsflow.errors import DisallowedByRobots
from newsflow.models import FeedSource
from newsflow.state import StateStore

PAGES = [f"/p{i}.html" for i in range(6)]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[DemoServer, FaultSite]]:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    faults = FaultSite(bomb_size=1 << 20)
    routes = faults.routes()
    for i, path in enumerate(PAGES):
        routes[path] = faults._counted(path, _slow_page(faults, f"Harbour story number {i}"))
    server = DemoServer(site_dir, routes=routes).start()
    (site_dir / "feed.xml").write_bytes(rss(server.base_url, *PAGES, "/private/x.html"))
    try:
        yield server, faults
    finally:
        faults.stop()
        server.stop()


def _slow_page(faults: FaultSite, title: str) -> Any:
    def run(h: Any) -> None:
        faults.stopping.wait(0.3)
        send(h, 200, article(title).encode(), "text/html; charset=utf-8")

    return run


def _settings(tmp_path: Path, **changes: Any) -> Settings:
    return make_settings(tmp_path / "data", fetch_workers=8, **changes)


def test_per_host_concurrency_is_limited(site: tuple[DemoServer, FaultSite], tmp_path: Path) -> None:
    server, faults = site
    settings = _settings(tmp_path, per_host_concurrency=2)
    summary = pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="f")])
    assert summary.articles_new == len(PAGES)
    assert faults.max_in_flight == 2, "8 workers, but at most 2 requests at once to one host"


def test_robots_disallow_crawl_delay_and_cache(site: tuple[DemoServer, FaultSite], tmp_path: Path) -> None:
    server, faults = site
    faults.robots = b"User-agent: other-bot\nDisallow: /\n\nUser-agent: newsflow\nDisallow: /private/\nCrawl-delay: 1\n"
    settings = _settings(tmp_path, per_host_concurrency=4)
    feeds = [FeedSource(url=f"{server.base_url}/feed.xml", name="f")]
    summary = pipeline.run(settings, feeds=feeds)
    assert summary.articles_new == len(PAGES) and summary.articles_failed == 1
    state = StateStore(settings.state_file)
    [failure] = state.failures()
    state.close()
    assert failure.error_class == "DisallowedByRobots" and not failure.retryable
    assert "disallowed by robots.txt" in failure.message
    assert server.count("/private/") == 0
    starts = sorted(t for path, t in faults.request_times if path in PAGES)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 0.9, f"Crawl-delay 1 s between page requests: {gaps}"
    # robots.txt comes from the state store next time; the disallowed page is not retried
    pipeline.run(settings, feeds=feeds)
    assert faults.count("/robots.txt") == 1
    assert server.count("/private/") == 0


def test_crawl_delay_is_capped(site: tuple[DemoServer, FaultSite], tmp_path: Path) -> None:
    server, faults = site
    faults.robots = b"User-agent: *\nCrawl-delay: 3600\n"
    settings = _settings(tmp_path, max_crawl_delay=0.05)
    summary = pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="f")])
    assert summary.articles_new == len(PAGES)


def test_robots_unavailable_is_a_transient_failure(site: tuple[DemoServer, FaultSite], tmp_path: Path) -> None:
    server, faults = site
    faults.robots = b""
    server.routes["/robots.txt"] = lambda h: send(h, 503, b"down", "text/plain")
    settings = _settings(tmp_path, host_failure_threshold=0)
    summary = pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="f")])
    assert summary.articles_new == 0
    state = StateStore(settings.state_file)
    kinds = {(f.error_class, f.retryable) for f in state.failures()}
    state.close()
    assert kinds == {("RobotsUnavailable", True)}
    assert all(server.count(p) == 0 for p in PAGES), "no page fetched while robots.txt is unknown"
    server.routes["/robots.txt"] = lambda h: send(h, 404, b"", "text/plain")
    assert pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="f")]).articles_new == 6


def test_user_agent_names_us_with_a_contact_url(site: tuple[DemoServer, FaultSite], tmp_path: Path) -> None:
    server, _ = site
    pipeline.run(_settings(tmp_path), feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="f")])
    agents = {headers.get("user-agent") for _, _, headers in server.requests}
    [agent] = agents
    assert agent is not None and agent.startswith("newsflow/") and "+https://" in agent
    custom = "examplebot/2 (+https://example.org/bot)"
    pipeline.run(_settings(tmp_path / "b", user_agent=custom), feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="f")])
    assert server.requests[-1][2]["user-agent"] == custom


def _verdicts(server: DemoServer, settings: Settings, paths: list[str]) -> dict[str, str]:
    out = {}
    with pipeline.Resources(settings) as res:
        assert res.robots is not None
        for path in paths:
            try:
                res.robots.check(f"{server.base_url}{path}")
                out[path] = "allowed"
            except DisallowedByRobots:
                out[path] = "disallowed"
    return out


def test_robots_follows_rfc_9309_longest_match_and_wildcards(
    site: tuple[DemoServer, FaultSite], tmp_path: Path
) -> None:
    server, faults = site
    faults.robots = (b"User-agent: *\nDisallow: /\n\nUser-agent: newsflow\nAllow: /news/\nDisallow: /news/private\n"
                     b"Disallow: /*?\nDisallow: /*.pdf$\nDisallow: /archive/\nAllow: /archive/2025/\n")
    verdicts = _verdicts(server, _settings(tmp_path), [
        "/news/a.html", "/news/private/b.html", "/search?q=x", "/paper.pdf", "/paper.pdf.html",
        "/archive/old.html", "/archive/2025/new.html", "/other.html",
    ])
    assert verdicts == {
        "/news/a.html": "allowed",
        "/news/private/b.html": "disallowed",  # the longer rule wins, whatever the order
        "/search?q=x": "disallowed",  # wildcard
        "/paper.pdf": "disallowed",  # end anchor
        "/paper.pdf.html": "allowed",
        "/archive/old.html": "disallowed",
        "/archive/2025/new.html": "allowed",
        "/other.html": "allowed",  # our group, not the catch-all's Disallow: /
    }


def test_a_huge_robots_txt_is_read_up_to_500_kib(site: tuple[DemoServer, FaultSite], tmp_path: Path) -> None:
    server, faults = site
    padding = b"".join(b"# filler line %d of a very long robots.txt\n" % i for i in range(16_000))
    assert len(padding) > 600 * 1024
    faults.robots = b"User-agent: *\nDisallow: /private/\n" + padding + b"Disallow: /late/\n"
    verdicts = _verdicts(server, _settings(tmp_path), ["/private/x.html", "/late/y.html", "/ok.html"])
    assert verdicts == {"/private/x.html": "disallowed", "/late/y.html": "allowed", "/ok.html": "allowed"}

def test_one_outage_is_one_strike_for_the_host(tmp_path: Path) -> None:
    """Eleven feeds of one host down in one run count once: the host is not backed off for
    hours after a single outage, and `retry` polls them again; only runs in a row add up."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()

    def down(h: Any) -> None:
        send(h, 503, b"down for maintenance", "text/plain")

    server = DemoServer(site_dir, routes={f"/feed{i}.xml": down for i in range(11)}).start()
    try:
        feeds = [FeedSource(url=f"{server.base_url}/feed{i}.xml", name=f"feed {i}") for i in range(11)]
        settings = _settings(tmp_path, host_failure_threshold=5, host_backoff=600)
        assert pipeline.run(settings, feeds=feeds).feeds_failed == 11
        state = StateStore(settings.state_file)
        [host] = state.hosts()
        assert host.consecutive_failures == 1 and state.hosts(backed_off_only=True) == []
        state.close()
        again = pipeline.retry(settings)
        assert (again.feeds_polled, again.feeds_skipped, again.feeds_failed) == (11, 0, 11)
        for _ in range(3):  # runs 3 to 5 in a row with the host down reach the threshold
            pipeline.run(settings, feeds=feeds)
        state = StateStore(settings.state_file)
        [backed] = state.hosts(backed_off_only=True)
        state.close()
        assert backed.consecutive_failures == 5
        assert pipeline.run(settings, feeds=feeds).feeds_skipped == 11
    finally:
        server.stop()
