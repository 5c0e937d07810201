"""``python -m benchmarks --only politeness``: what one host sees from several newsflow processes.

A publisher on 127.0.0.1 records, for every request it gets (robots.txt, the feed, each
article), when it started and ended, and the most requests it had in flight at once. Its
feed is polled, then two worker processes, each fetching with four threads, process half of
its articles each at the same time (as two Airflow workers run mapped tasks), sharing one
state store (a SQLite file, or a PostgreSQL database when one is given). Politeness is kept in the state store for every process (per-host slots and next
allowed start), so the host should never see more than ``per_host_concurrency`` requests at
once, nor two request starts closer than ``per_host_delay``.

:func:`scenario` runs it once and returns the measurement (``tests/test_shared_politeness.py``
asserts on it); :func:`run` is the benchmark section (one row per state store backend).
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from newsflow.demo_server import DemoServer, send

Handler = Callable[[BaseHTTPRequestHandler], None]

PAGE = """<!doctype html><html lang="en"><head><title>{title}</title>
<meta property="article:published_time" content="2025-12-0{day}T08:00:00Z"></head><body>
<article><h1>{title}</h1>
<p>Lantern makers in the valley town of Brisk number {n} met on a wet Thursday to compare the new
glass they had been sent, which cracks less in frost but costs a third more than the old kind.</p>
<p>Most said they would keep both for a season; the guild's treasurer, reading figures from lot {n},
warned that the supplier had already raised its price twice since spring.</p>
<p>The meeting ended with a vote to share one kiln over winter, a first for the town's workshops.</p>
</article></body></html>"""


@dataclass
class Recorder:
    """Every request's (path, start, end) on ``time.monotonic()`` and the most in flight at once."""

    requests: list[tuple[str, float, float]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wrap(self, path: str, handler: Handler) -> Handler:
        def run(h: BaseHTTPRequestHandler) -> None:
            start = time.monotonic()
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                handler(h)
            finally:
                with self._lock:
                    self.in_flight -= 1
                    self.requests.append((path, start, time.monotonic()))

        return run

    def gaps(self) -> list[float]:
        """Seconds between consecutive request starts (all paths), in start order."""
        with self._lock:
            starts = sorted(start for _, start, _ in self.requests)
        return [b - a for a, b in itertools.pairwise(starts)]


@dataclass(frozen=True)
class Measurement:
    """One run of the scenario, as the host saw it and as the processes reported it."""

    requests: list[tuple[str, float, float]]
    max_in_flight: int
    gaps: list[float]
    summaries: list[dict[str, Any]]
    seconds: float


def _page(path: str, title: str, n: int, serve_seconds: float) -> Handler:
    body = PAGE.format(title=title, n=n, day=1 + n % 9).encode()

    def run(h: BaseHTTPRequestHandler) -> None:
        time.sleep(serve_seconds)  # a slow publisher: requests overlap when they may
        send(h, 200, body, "text/html; charset=utf-8")

    return run


@contextmanager
def publisher(root: Path, articles: int, serve_seconds: float) -> Iterator[tuple[DemoServer, Recorder]]:
    """A host serving ``/robots.txt`` (everything allowed), ``/feed.xml`` and ``articles``
    pages, each answered after ``serve_seconds``; every request recorded."""
    recorder = Recorder()
    paths = [f"/lanterns/{i}.html" for i in range(articles)]
    routes: dict[str, Handler] = {
        path: recorder.wrap(path, _page(path, f"Lantern makers meet, report {i}", i, serve_seconds))
        for i, path in enumerate(paths)
    }
    routes["/robots.txt"] = recorder.wrap("/robots.txt", lambda h: send(h, 200, b"User-agent: *\nAllow: /\n",
                                                                        "text/plain"))
    root.mkdir(parents=True, exist_ok=True)
    server = DemoServer(root, routes=routes)
    items = "".join(
        f"<item><title>Report {i}</title><link>{server.base_url}{path}</link>"
        f"<pubDate>Mon, 01 Dec 2025 08:{i % 60:02d}:00 GMT</pubDate></item>"
        for i, path in enumerate(paths)
    )
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Lanterns</title>'
            f"<link>{server.base_url}/</link>{items}</channel></rss>").encode()
    routes["/feed.xml"] = recorder.wrap("/feed.xml", lambda h: send(h, 200, feed, "application/rss+xml"))
    server.routes.update(routes)
    server.start()
    try:
        yield server, recorder
    finally:
        server.stop()


def scenario(
    work: Path, *, state_url: str | None = None, processes: int = 2, threads: int = 4, articles: int = 24,
    concurrency: int = 2, delay: float = 0.2, serve_seconds: float = 0.3, timeout: float = 300.0,
) -> Measurement:
    """As an Airflow run does it: poll the feed here (the poll task), then split the pending
    articles into ``processes`` batches, each processed by its own worker process
    (:func:`newsflow.pipeline.process_urls`, a mapped task) with ``threads`` fetch workers, all at
    once on one data directory under ``work`` (state in its SQLite file, or at ``state_url``),
    against one recorded host. Raises ``RuntimeError`` when a worker fails."""
    from newsflow import pipeline
    from newsflow.config import load_settings
    from newsflow.models import FeedSource

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update({
        "NEWSFLOW_DATA_DIR": str(work / "data"),
        "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
        "NEWSFLOW_FETCH_WORKERS": str(threads),
        "NEWSFLOW_PER_HOST_CONCURRENCY": str(concurrency),
        "NEWSFLOW_PER_HOST_DELAY": str(delay),
        "NEWSFLOW_BATCH_SIZE": str(2 * threads),
        "NEWSFLOW_RETRY_BASE_DELAY": "0",
        "NEWSFLOW_WORKERS": "1",
    })
    if state_url:
        env["NEWSFLOW_STATE_URL"] = state_url
    settings = load_settings(environ=env)
    with publisher(work / "site", articles, serve_seconds) as (server, recorder):
        with pipeline.open_run(settings) as ctx:
            pipeline.poll(ctx.res, [FeedSource(url=f"{server.base_url}/feed.xml", name="Lanterns")],
                          ctx.summary, ctx.progress)
            pending = [e.url for e in ctx.state.due_articles()]
        if len(pending) != articles:
            raise RuntimeError(f"the poll queued {len(pending)} articles, not {articles}")
        started = time.monotonic()
        runs = [
            subprocess.Popen([sys.executable, "-m", "benchmarks.politeness", *pending[i::processes]], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(processes)
        ]
        summaries = []
        for proc in runs:
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                for other in runs:
                    other.kill()
                raise
            if proc.returncode != 0:
                raise RuntimeError(f"worker exited {proc.returncode}: {err[-3000:]}")
            summaries.append(json.loads(out))
        seconds = time.monotonic() - started
    return Measurement(list(recorder.requests), recorder.max_in_flight, recorder.gaps(), summaries, seconds)


def worker(urls: list[str]) -> None:
    """One mapped task: process ``urls`` with the settings of ``NEWSFLOW_*``; print its summary (JSON)."""
    from newsflow import pipeline
    from newsflow.config import load_settings

    print(json.dumps(pipeline.process_urls(load_settings(), urls).as_dict()))


def row(backend: str, m: Measurement, *, concurrency: int, delay: float) -> dict[str, Any]:
    """One benchmark table row of a measurement."""
    return {
        "state store": backend,
        "processes × threads": "2 × 4",
        "per_host_concurrency / delay": f"{concurrency} / {delay} s",
        "requests": len(m.requests),
        "max concurrent seen": m.max_in_flight,
        "min gap (s)": round(min(m.gaps), 3),
        "median gap (s)": round(statistics.median(m.gaps), 3),
        "wall (s)": round(m.seconds, 1),
    }


def run(_sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """The benchmark section: the scenario on SQLite, then on a throw-away PostgreSQL
    (Debian's ``postgresql`` on loopback, as the tests start it) when one can be started."""
    concurrency, delay = 2, 0.2
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-polite-") as tmp:
        m = scenario(Path(tmp) / "sqlite", concurrency=concurrency, delay=delay)
        rows.append(row("SQLite file", m, concurrency=concurrency, delay=delay))
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        import pg_server

        try:
            server = pg_server.start()
        except pg_server.PgUnavailable as exc:
            print(f"politeness: no PostgreSQL ({exc}); SQLite only", file=sys.stderr)
            return rows
        try:
            name = server.create_database("bench")
            m = scenario(Path(tmp) / "postgres", state_url=server.url(name), concurrency=concurrency, delay=delay)
            rows.append(row("PostgreSQL", m, concurrency=concurrency, delay=delay))
        finally:
            server.stop()
    return rows


if __name__ == "__main__":
    worker(sys.argv[1:])
