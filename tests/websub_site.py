"""A publisher for the WebSub tests and benchmark: an Atom feed that declares a hub, and its
article pages, served on 127.0.0.1; a helper to wait for something to happen."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fault_server import article

from benchmarks import websub_latency
from newsflow.demo_server import DemoServer, serving

WORDS = ("zephyrquay", "quillmarsh", "brackenfold", "tidewicket", "larkspindle", "gorsemantle")
"""One made-up word per article (article ``n`` has ``WORDS[n]``): a search finds exactly it."""


def feed_xml(base: str, hub: str, numbers: list[int]) -> bytes:
    """The Atom feed of articles ``numbers`` (``a<n>.html``, titled ``Story <n>``), declaring ``hub`` and itself."""
    return websub_latency.feed_xml(base, hub, numbers, page="a{n}.html")


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
