"""Kill/resume and concurrent runs with the state on a real PostgreSQL (``NEWSFLOW_STATE_URL``):
the same promises as ``test_kill_resume.py`` makes for the SQLite file, across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_kill_resume import (  # helpers only: the tests themselves stay in their module
    HARNESS,
    LEASE,
    PAUSE_TIMEOUT,
    _args,
    _cmd,
    _env,
    _feed_file,
    _feeds,
    _kill,
    _snapshot,
    _two_runs_split_the_work,
    reference,  # noqa: F401 - the module fixture: the SQLite run's index
)

from newsflow.demo_server import DemoServer
from newsflow.models import FeedSource


def _run(data_dir: Path, feed_file: Path, pg_url: str, **extra: str) -> dict[str, object]:
    done = subprocess.run(_cmd(data_dir, feed_file), env=_env(NEWSFLOW_STATE_URL=pg_url, **extra),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


def test_two_processes_split_the_work_through_postgresql(
    tmp_path: Path, pg_url: str, demo_server: DemoServer, demo_feeds: list[FeedSource],
    reference: dict[str, tuple[str, str]],  # noqa: F811
) -> None:
    data_dir = tmp_path / "data"
    _two_runs_split_the_work(data_dir, _feed_file(tmp_path, _feeds(demo_feeds)),
                             _env(NEWSFLOW_STATE_URL=pg_url, NEWSFLOW_LEASE_SECONDS="30"), demo_server, reference)
    assert not (data_dir / "state.db").exists()


def test_a_killed_run_resumes_from_postgresql(
    tmp_path: Path, pg_url: str, demo_feeds: list[FeedSource],
    reference: dict[str, tuple[str, str]],  # noqa: F811
) -> None:
    data_dir = tmp_path / "data"
    feed_file = _feed_file(tmp_path, _feeds(demo_feeds))
    marker = tmp_path / "paused"
    proc = subprocess.Popen([sys.executable, str(HARNESS), "mid-fetch", str(marker), "--", *_args(data_dir, feed_file)],
                            env=_env(NEWSFLOW_STATE_URL=pg_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + PAUSE_TIMEOUT
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"run ended (code {proc.returncode}) before mid-fetch: {proc.communicate()[1][-2000:]}")
        assert time.monotonic() < deadline
        time.sleep(0.05)
    _kill(proc)
    time.sleep(LEASE + 0.5)  # the killed run's claims expire
    summary = _run(data_dir, feed_file, pg_url)
    assert summary["articles_failed"] == 0 and summary["feeds_unchanged"] == 2
    assert _snapshot(data_dir / "index.db") == reference
    again = _run(data_dir, feed_file, pg_url)
    assert again["articles_new"] == again["entries_new"] == 0
