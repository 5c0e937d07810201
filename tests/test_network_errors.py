"""Every network error is classified once (DNS, connect, TLS, timeout, HTTP status), and the
transient ones are retried: real unresolvable names (RFC 2606 ``.invalid``), real loopback servers."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from conftest import make_settings
from fault_server import article

from newsflow import pipeline
from newsflow.demo_server import DemoServer, serving
from newsflow.errors import (
    ConnectFailed,
    DNSError,
    FetchTimeout,
    StageError,
    TLSError,
    TransientError,
)
from newsflow.fetching import build_client, fetch
from newsflow.models import FeedSource
from newsflow.state import StateStore

UNRESOLVABLE = "http://news.example.invalid/story.html"


def _rss(*links: str) -> str:
    items = "".join(f"<item><title>Story {i}</title><link>{link}</link></item>" for i, link in enumerate(links))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>{{{{BASE}}}}/</link>{items}</channel></rss>'


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = tmp_path / "site"
    root.mkdir()
    (root / "feed.xml").write_text(_rss(UNRESOLVABLE, "{{BASE}}/good.html"))
    (root / "good.html").write_text(article("Harbour reopens after storm"))
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    with serving(root) as server:
        yield server


@pytest.mark.parametrize("obey_robots", [True, False])
def test_an_unresolvable_article_host_is_a_transient_dns_failure(
    site: DemoServer, tmp_path: Path, obey_robots: bool, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path / "data", obey_robots=obey_robots, workers=1)
    feeds = [FeedSource(url=f"{site.base_url}/feed.xml", name="f")]
    with caplog.at_level(logging.WARNING):
        summary = pipeline.run(settings, feeds=feeds)
    assert summary.articles_new == 1 and summary.articles_failed == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], "no traceback logged"
    pipeline.run(settings, feeds=feeds)  # retry_base_delay is 0 in tests: due again at once
    state = StateStore(settings.state_file)
    [failure] = state.failures()
    state.close()
    assert failure.url == UNRESOLVABLE and failure.stage == "fetch"
    assert failure.error_class == "DNSError" and failure.retryable
    assert "cannot resolve host news.example.invalid" in failure.message
    assert failure.attempts == 2, "a DNS failure is retried"


def _fetch(url: str, tmp_path: Path, **changes: object) -> None:
    settings = make_settings(tmp_path, **changes)
    with build_client(settings) as client:
        fetch(client, url, kind="page", max_bytes=1_000_000, total_timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_each_network_error_has_one_transient_class(site: DemoServer, tmp_path: Path) -> None:
    cases: list[tuple[str, type[StageError], str]] = [
        (UNRESOLVABLE, DNSError, "cannot resolve host"),
        (f"http://127.0.0.1:{_free_port()}/a", ConnectFailed, "could not connect to 127.0.0.1"),
        # an HTTPS client talking to a plain-HTTP server: a real failed TLS handshake
        (site.base_url.replace("http://", "https://") + "/good.html", TLSError, "TLS handshake with 127.0.0.1"),
    ]
    for url, kind, reason in cases:
        with pytest.raises(kind, match=reason) as raised:
            _fetch(url, tmp_path)
        assert isinstance(raised.value, TransientError) and type(raised.value) is kind, url


def test_a_timeout_is_a_fetch_timeout(tmp_path: Path) -> None:
    with socket.socket() as sock:  # accepts the connection (backlog), never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        with pytest.raises(FetchTimeout, match="timed out"):
            _fetch(f"http://127.0.0.1:{sock.getsockname()[1]}/a", tmp_path, read_timeout=0.3)
