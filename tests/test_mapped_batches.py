"""Airflow's mapped tasks: batched by host and capped below max_map_length, whatever the backlog."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from conftest import make_settings

from newsflow import pipeline
from newsflow.airflow_support import MAX_MAPPED_TASKS, mapped_batches
from newsflow.demo_server import DemoServer
from newsflow.models import FeedSource
from newsflow.politeness import host_of

AIRFLOW_MAX_MAP_LENGTH = 1024  # Airflow's default [core] max_map_length


def _feed(n: int, first: int, hosts: int) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>http://site{i % hosts}.test/news/{i}</link></item>"
        for i in range(first, first + n)
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>Big</title>{items}</channel></rss>".encode()


def test_a_backlog_of_100000_articles_fits_the_mapped_task_cap(tmp_path: Path) -> None:
    """Four generated feeds on loopback give 100,000 pending articles on 37 hosts; the batches
    cover each exactly once, stay under Airflow's limit and keep a host's articles together."""
    site = tmp_path / "site"
    site.mkdir()
    for k in range(4):
        (site / f"feed{k}.xml").write_bytes(_feed(25_000, k * 25_000, hosts=37))
    settings = make_settings(tmp_path / "data")
    server = DemoServer(site).start()
    try:
        with pipeline.Resources(settings) as res:
            summary = pipeline.RunSummary()
            feeds = [FeedSource(url=f"{server.base_url}/feed{k}.xml", name=f"big {k}") for k in range(4)]
            pipeline.poll(res, feeds, summary, pipeline.NO_PROGRESS)
            assert summary.feeds_failed == 0, summary.failures
            assert summary.entries_new == 100_000
            urls = [entry.url for entry in res.state.due_articles()]
    finally:
        server.stop()
    assert len(urls) == 100_000

    batches = mapped_batches(urls, host_of, batch_size=25)
    assert len(batches) <= MAX_MAPPED_TASKS < AIRFLOW_MAX_MAP_LENGTH
    flat = list(itertools.chain.from_iterable(batches))
    assert sorted(flat) == sorted(urls)  # every article once, none lost
    size = -(-100_000 // MAX_MAPPED_TASKS)
    assert max(len(b) for b in batches) <= 2 * size
    split_hosts = sum(len({host_of(u) for u in b}) for b in batches)
    assert split_hosts <= 37 + len(batches)  # a host spans batches only where it fills them


def test_small_backlogs_keep_small_batches_by_host() -> None:
    urls = [f"http://a.test/{i}" for i in range(30)] + [f"http://b.test/{i}" for i in range(5)]
    batches = mapped_batches(urls, host_of, batch_size=25)
    assert [len(b) for b in batches] == [25, 10]  # a's first 25, then a's last 5 with b's 5
    assert {host_of(u) for u in batches[0]} == {"a.test"}
    assert batches[1] == urls[25:]


def test_the_cap_holds_when_packing_fragments() -> None:
    """Alternating one-article and many-article hosts would leave twice the batches; the
    smallest are merged until the cap holds."""
    urls = list(itertools.chain.from_iterable(
        [f"http://small{h}.test/1"] + [f"http://big{h}.test/{i}" for i in range(10)] for h in range(100)))
    batches = mapped_batches(urls, host_of, batch_size=10, max_tasks=50)
    assert len(batches) <= 50
    assert sorted(itertools.chain.from_iterable(batches)) == sorted(urls)


def test_the_processing_dag_batches_by_the_task_batch_size_setting(tmp_path: Path, monkeypatch: Any) -> None:
    """``pending_batches`` (the processing DAG's first task) cuts the due articles by
    ``task_batch_size``: 25 by default, what ``NEWSFLOW_TASK_BATCH_SIZE`` says otherwise."""
    from newsflow import airflow_support

    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_bytes(_feed(30, 0, hosts=1))
    server = DemoServer(site).start()
    try:
        for name, value in {"AIRFLOW_HOME": str(tmp_path / "airflow"), "NEWSFLOW_DATA_DIR": str(tmp_path / "data"),
                            "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1"}.items():
            monkeypatch.setenv(name, value)
        with pipeline.Resources(airflow_support.settings()) as res:
            pipeline.poll(res, [FeedSource(url=f"{server.base_url}/feed.xml", name="thirty")], pipeline.RunSummary(),
                          pipeline.NO_PROGRESS)
    finally:
        server.stop()
    assert [len(b) for b in airflow_support.pending_batches()] == [25, 5]
    monkeypatch.setenv("NEWSFLOW_TASK_BATCH_SIZE", "10")
    batches = airflow_support.pending_batches()
    assert [len(b) for b in batches] == [10, 10, 10]
    assert len(set(itertools.chain.from_iterable(batches))) == 30
