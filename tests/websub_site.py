"""A publisher for the WebSub tests and benchmark: an Atom feed that declares a hub, and its
article pages, served on 127.0.0.1; a helper to wait for something to happen."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fault_server import article

from newsflow.demo_server import DemoServer, serving

WORDS = ("zephyrquay", "quillmarsh", "brackenfold", "tidewicket", "larkspindle", "gorsemantle")
"""One made-up word per article (article ``n`` has ``WORDS[n]``): a search finds exactly it."""


def feed_xml(base: str, hub: str, numbers: Iterator[int] | list[int] | range) -> bytes:
    """The Atom feed of articles ``numbers``, declaring ``hub`` and its own URL."""
    entries = "".join(
        f"<entry><title>Harbour story {n}</title><link href=\"{base}/a{n}.html\"/><id>{base}/a{n}.html</id>"
        f"<updated>2025-12-0{n % 9 + 1}T08:00:00Z</updated><summary>Report {n}</summary></entry>"
        for n in numbers
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>Harbour Gazette</title><link rel="hub" href="{hub}"/><link rel="self" href="{base}/feed.xml"/>'
        f"<id>{base}/feed.xml</id><updated>2025-12-01T08:00:00Z</updated>{entries}</feed>"
    ).encode()


@contextmanager
def publisher(root: Path, hub: str, first: list[int]) -> Iterator[DemoServer]:
    """Serve article pages for every word and ``feed.xml`` listing articles ``first``."""
    root.mkdir(parents=True, exist_ok=True)
    for n, word in enumerate(WORDS):
        (root / f"a{n}.html").write_text(article(f"Harbour story {n}", extra=f"near the {word} moorings"))
    with serving(root) as server:
        (root / "feed.xml").write_bytes(feed_xml(server.base_url, hub, first))
        yield server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``condition`` until true; AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.02)
