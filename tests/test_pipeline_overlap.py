"""The next batch downloads while the current one is cleaned and enriched (one CPU worker)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from conftest import DEMO_ARTICLES, DEMO_SITE, make_settings

from extractors.base import Extractor, Fields
from newsflow import pipeline
from newsflow.config import SEEDS_DIR
from newsflow.demo_server import DemoServer, serving
from newsflow.feeds import load_feed_list
from newsflow.models import Article

BATCH = 5
WAIT = 5.0


def _requested(server: DemoServer) -> set[str]:
    with server._lock:
        return {path for _, path, _ in server.requests}


def test_downloads_of_the_next_batch_overlap_the_cpu_work_of_this_one(tmp_path: Path) -> None:
    with serving(DEMO_SITE) as server:
        feeds = load_feed_list(SEEDS_DIR / "demo" / "feeds.yaml", base_url=server.base_url)
        settings = make_settings(tmp_path, batch_size=BATCH, workers=1)
        seen: set[str] = set()
        overlapped: list[bool] = []

        def probe(articles: Sequence[Article]) -> list[Fields]:
            """Holds the CPU stage until an article of a later batch is requested."""
            seen.update(urlsplit(a.url).path for a in articles)
            later = due - seen
            deadline = time.monotonic() + (WAIT if later and all(overlapped) else 0)
            while not (_requested(server) & later) and time.monotonic() < deadline:
                time.sleep(0.01)
            overlapped.append(bool(_requested(server) & later))
            return [{} for _ in articles]

        chain = [Extractor("probe", "1", (), probe)]
        with pipeline.Resources(settings) as res:
            summary = pipeline.RunSummary()
            pipeline.poll(res, feeds, summary, pipeline.NO_PROGRESS)
            due = {urlsplit(entry.url).path for entry in res.state.due_articles()}
            pipeline.process(res, summary, pipeline.NO_PROGRESS, extractors=chain)

    batches = -(-summary.entries_new // BATCH)
    assert summary.articles_new == summary.entries_new == DEMO_ARTICLES
    assert len(overlapped) == batches
    assert overlapped[:-1] == [True] * (batches - 1), "a batch's CPU stage ran with no download of the next batch"
    assert overlapped[-1] is False  # no later batch
    assert "wait_fetch" in summary.stage_seconds
