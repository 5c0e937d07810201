"""``python -m benchmarks --only websub``: from a hub's push to a searchable document.

A publisher on 127.0.0.1 declares a hub (:mod:`benchmarks.websub_hub`, spec-following, on
loopback too); ``newsflow run`` polls it once, discovers the hub and subscribes, and the
callback endpoint (``newsflow serve-websub``'s :func:`~newsflow.websub.server.running`)
answers the verification. Then, one at a time, the publisher adds an article and the hub
pushes the new feed: the latency is the time from the hub's distribution request to the
moment a search of the embedded index finds the article (the endpoint verifies the
signature, queues the entry, then fetches, cleans, enriches and indexes it in-process). The
first push (warm-up: the extractor chain loads) is not counted.
"""

from __future__ import annotations

import contextlib
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.websub_hub import WebSubHub
from newsflow import pipeline
from newsflow.config import Settings
from newsflow.demo_server import serving
from newsflow.feeds import dump_feed_list
from newsflow.index import SearchQuery, open_backend
from newsflow.models import FeedSource
from newsflow.websub.server import running

PAGE = """<!doctype html><html lang="en"><head><title>Ferry notice {n}</title>
<meta property="article:published_time" content="2025-12-01T08:00:00Z"></head><body>
<article><h1>Ferry notice {n}</h1>
<p>The island ferry will leave from berth {n} on Saturday, the harbour office said, while divers
inspect the old landing stage after a week of heavy swell. Word {word} marks this notice.</p>
<p>Passengers with bicycles should arrive early, as the temporary ramp takes fewer vehicles and the
crossing may be delayed by the tide.</p>
<p>The office expects the usual berth to reopen before the spring timetable begins.</p>
</article></body></html>"""


def word(n: int) -> str:
    """A made-up word only article ``n`` contains."""
    return "qx" + "".join("bcdfghjklmnpqrstvwz"[int(d)] for d in f"{n:04d}")


def feed_xml(base: str, hub: str, numbers: list[int] | range, page: str = "p{n}.html") -> bytes:
    """An Atom feed of articles ``numbers`` (links ``base/`` + ``page``) declaring ``hub`` and itself."""
    entries = "".join(
        f'<entry><title>Story {n}</title><link href="{base}/{page.format(n=n)}"/><id>{base}/{page.format(n=n)}</id>'
        f"<updated>2025-12-0{n % 9 + 1}T08:00:00Z</updated><summary>Report {n}</summary></entry>"
        for n in numbers
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>Island Post</title><link rel="hub" href="{hub}"/><link rel="self" href="{base}/feed.xml"/>'
        f"<id>{base}/feed.xml</id><updated>2025-12-01T08:00:00Z</updated>{entries}</feed>"
    ).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(pushes: int, extractors: tuple[str, ...] | None, timeout: float = 60.0) -> dict[str, Any]:
    """Push ``pushes`` + 1 articles one at a time; latency figures of all but the first."""
    with tempfile.TemporaryDirectory(prefix="newsflow-websub-") as tmp, WebSubHub() as hub:
        root = Path(tmp) / "site"
        root.mkdir()
        for n in range(pushes + 2):
            (root / f"p{n}.html").write_text(PAGE.format(n=n, word=word(n)), encoding="utf-8")
        with serving(root) as site:
            feed = f"{site.base_url}/feed.xml"
            (root / "feed.xml").write_bytes(feed_xml(site.base_url, hub.url, [0]))
            feeds_file = Path(tmp) / "feeds.yaml"
            dump_feed_list([FeedSource(url=feed, name="Island Post")], feeds_file)
            port = _free_port()
            settings = Settings(data_dir=Path(tmp) / "data", allow_hosts=("127.0.0.1",), feeds_file=feeds_file,
                                extractors=extractors, websub_callback_url=f"http://127.0.0.1:{port}/websub")
            with running(settings, port=port) as _endpoint, contextlib.closing(open_backend(settings)) as backend:
                pipeline.run(settings)
                _until(lambda: hub.subscribers(feed), timeout)
                latencies = []
                for n in range(1, pushes + 2):
                    body = feed_xml(site.base_url, hub.url, range(n + 1))
                    started = time.perf_counter()
                    hub.publish(feed, body)
                    _until(lambda n=n: backend.search(SearchQuery(text=word(n))).total == 1, timeout)
                    latencies.append(time.perf_counter() - started)
    counted = sorted(latencies[1:])
    return {
        "extractors": ",".join(extractors) if extractors else "all (default chain)",
        "pushes": len(counted),
        "median_ms": round(statistics.median(counted) * 1000),
        "p90_ms": round(counted[max(0, int(len(counted) * 0.9) - 1)] * 1000),
        "max_ms": round(counted[-1] * 1000),
        "first_push_ms": round(latencies[0] * 1000),
        "under_5s": "yes" if counted[-1] < 5 else "NO",
    }


def _until(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout} s")
        time.sleep(0.005)


def run(_sizes: tuple[int, ...] = (), pushes: int = 20) -> list[dict[str, Any]]:
    """The section: one row with a light extractor chain, one with the default chain."""
    return [measure(pushes, ("language",)), measure(pushes, None)]
