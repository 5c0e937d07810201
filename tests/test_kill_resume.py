"""SIGKILL a real `newsflow run` at several points, restart it, and compare the index with an
uninterrupted run's: same document ids, same content, no duplicates, nothing missing. And two
runs at once never process the same article (leases on pending work)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import make_settings

from newsflow import pipeline
from newsflow.demo_server import DemoServer
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource

LEASE = 1.0
PAUSE_TIMEOUT = 180.0


def _feeds(demo_feeds: list[FeedSource]) -> list[FeedSource]:
    return demo_feeds[:2]


def _feed_file(tmp_path: Path, feeds: list[FeedSource]) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump({"feeds": [{"name": f.name, "url": f.url, "language": f.language}
                                              for f in feeds]}), encoding="utf-8")
    return path


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update({
        "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
        "NEWSFLOW_LEASE_SECONDS": str(LEASE),
        "NEWSFLOW_BATCH_SIZE": "4",
        "NEWSFLOW_FETCH_WORKERS": "2",
        "NEWSFLOW_RETRY_BASE_DELAY": "0",
    })
    env.update(extra)
    return env


HARNESS = Path(__file__).with_name("kill_harness.py")


def _args(data_dir: Path, feed_file: Path) -> list[str]:
    return ["--data-dir", str(data_dir), "run", "--feeds", str(feed_file), "--json"]


def _cmd(data_dir: Path, feed_file: Path) -> list[str]:
    return [sys.executable, "-m", "newsflow.cli", *_args(data_dir, feed_file)]


def _snapshot(index_file: Path) -> dict[str, tuple[str, str]]:
    """id → (title, hash of text); fails on duplicate ids."""
    backend = EmbeddedBackend(index_file)
    try:
        docs = list(backend.iter_documents())
        assert backend.count() == len(docs)
    finally:
        backend.close()
    ids = [d["id"] for d in docs]
    assert len(ids) == len(set(ids)), "duplicate documents"
    return {d["id"]: (d["title"], hashlib.sha256(d["text"].encode()).hexdigest()) for d in docs}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, demo_server: DemoServer,
              demo_feeds: list[FeedSource]) -> dict[str, tuple[str, str]]:
    settings = make_settings(tmp_path_factory.mktemp("reference"))
    summary = pipeline.run(settings, feeds=_feeds(demo_feeds))
    assert summary.articles_failed == 0 and summary.articles_new > 8
    return _snapshot(settings.index_file)


def _run_until_paused(data_dir: Path, feed_file: Path, stage: str) -> subprocess.Popen[str]:
    marker = data_dir.parent / f"paused-{stage}"
    proc = subprocess.Popen(
        [sys.executable, str(HARNESS), stage, str(marker), "--", *_args(data_dir, feed_file)], env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + PAUSE_TIMEOUT
    while not marker.exists():
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"run ended (code {proc.returncode}) before reaching {stage}: {err[-2000:]}")
        assert time.monotonic() < deadline, f"run did not reach {stage} in {PAUSE_TIMEOUT}s"
        time.sleep(0.05)
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _finish(data_dir: Path, feed_file: Path) -> dict[str, Any]:
    done = subprocess.run(_cmd(data_dir, feed_file), env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


@pytest.mark.parametrize("stage", ["after-poll", "mid-fetch", "before-index", "mid-index"])
def test_killed_run_resumes_to_the_same_index(
    stage: str, tmp_path: Path, demo_feeds: list[FeedSource], reference: dict[str, tuple[str, str]]
) -> None:
    data_dir = tmp_path / "data"
    feed_file = _feed_file(tmp_path, _feeds(demo_feeds))
    proc = _run_until_paused(data_dir, feed_file, stage)
    _kill(proc)
    partial = _snapshot(data_dir / "index.db") if (data_dir / "index.db").exists() else {}
    if stage == "mid-index":
        assert 0 < len(partial) < len(reference), "killed with the index half written"
    else:
        assert len(partial) < len(reference)
    time.sleep(LEASE + 0.5)  # the killed run's claims expire
    summary = _finish(data_dir, feed_file)
    assert summary["articles_failed"] == 0
    assert summary["feeds_unchanged"] == 2, "the killed run had stored the validators"
    assert _snapshot(data_dir / "index.db") == reference
    again = _finish(data_dir, feed_file)
    assert again["articles_new"] == again["articles_updated"] == again["entries_new"] == 0


def test_a_concurrent_run_does_not_touch_claimed_articles(
    tmp_path: Path, demo_server: DemoServer, demo_feeds: list[FeedSource], reference: dict[str, tuple[str, str]]
) -> None:
    data_dir = tmp_path / "data"
    feed_file = _feed_file(tmp_path, _feeds(demo_feeds))
    before = _per_page(demo_server)
    holder = _run_until_paused(data_dir, feed_file, "mid-fetch")  # alive, holding (renewing) its claims
    try:
        time.sleep(LEASE * 2)  # longer than the lease: only the heartbeat keeps the claims
        other = _finish(data_dir, feed_file)
        assert other["articles_new"] == other["articles_failed"] == 0
        assert other["feeds_unchanged"] == 2
        after = _per_page(demo_server)
        # the holder's pool threads may still finish their batch, but nothing is fetched twice
        assert all(n - before.get(p, 0) <= 1 for p, n in after.items()), "an article was fetched twice"
    finally:
        _kill(holder)
    time.sleep(LEASE + 0.5)
    _finish(data_dir, feed_file)
    assert _snapshot(data_dir / "index.db") == reference


def test_two_simultaneous_runs_split_the_work(
    tmp_path: Path, demo_server: DemoServer, demo_feeds: list[FeedSource], reference: dict[str, tuple[str, str]]
) -> None:
    data_dir = tmp_path / "data"
    _two_runs_split_the_work(data_dir, _feed_file(tmp_path, _feeds(demo_feeds)), _env(NEWSFLOW_LEASE_SECONDS="30"),
                             demo_server, reference)


def _two_runs_split_the_work(data_dir: Path, feed_file: Path, env: dict[str, str], demo_server: DemoServer,
                             reference: dict[str, tuple[str, str]]) -> None:
    """Start two runs at once with ``env``: together they index ``reference`` exactly, and
    each article is fetched once (shared by the SQLite and PostgreSQL state tests)."""
    before = dict(_per_page(demo_server))
    runs = [subprocess.Popen(_cmd(data_dir, feed_file), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    results = []
    for proc in runs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out))
    assert sum(r["articles_new"] for r in results) == len(reference)
    assert _snapshot(data_dir / "index.db") == reference
    after = _per_page(demo_server)
    fetched = {p: n - before.get(p, 0) for p, n in after.items() if n - before.get(p, 0)}
    assert len(fetched) == len(reference) and set(fetched.values()) == {1}, "each article fetched once"


def _per_page(server: DemoServer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, path, _ in list(server.requests):
        if path.endswith(".html"):
            counts[path] = counts.get(path, 0) + 1
    return counts

