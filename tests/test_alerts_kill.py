"""SIGKILL a real ``newsflow alerts run`` between sending a match and recording it, rerun it:
each match reaches the webhook receiver (a real server on 127.0.0.1) under one delivery id,
the one in flight at the kill at most twice with that same id, and a JSONL file gets each
match exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from alert_receiver import receiver
from test_alerts import doc

from newsflow.alerts import SavedSearch
from newsflow.index.embedded import EmbeddedBackend
from newsflow.state import StateStore

HARNESS = Path(__file__).with_name("kill_harness.py")
LEASE = 1.0
PAUSE_TIMEOUT = 120.0


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update({"NEWSFLOW_ALLOW_HOSTS": "127.0.0.1", "NEWSFLOW_LEASE_SECONDS": str(LEASE),
                "NEWSFLOW_ALERT_RETRY_DELAY": "0.01"})
    return env


def _prepare(data_dir: Path, target: str, docs: int) -> None:
    data_dir.mkdir()
    state = StateStore(data_dir / "state.db")
    state.add_alert("floods", SavedSearch(text="flood").to_json(), target)
    state.close()
    index = EmbeddedBackend(data_dir / "index.db")
    index.upsert([doc(f"d{n}", "flood") for n in range(docs)] + [doc("b1", "bank")])
    index.close()


def _killed_at(stage: str, data_dir: Path) -> None:
    marker = data_dir.parent / f"paused-{stage}"
    proc = subprocess.Popen(
        [sys.executable, str(HARNESS), stage, str(marker), "--", "--data-dir", str(data_dir), "alerts", "run"],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + PAUSE_TIMEOUT
    while not marker.exists():
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"alerts run ended (code {proc.returncode}) before reaching {stage}: {err[-2000:]}")
        assert time.monotonic() < deadline, f"alerts run did not reach {stage} in {PAUSE_TIMEOUT}s"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    time.sleep(LEASE + 0.5)  # the killed run's hold on the alert lapses


def _rerun(data_dir: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "newsflow.cli", "--data-dir", str(data_dir), "alerts", "run",
                           "--json"], env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


def test_a_run_killed_after_a_post_resends_only_that_match_with_the_same_id(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with receiver() as hook:
        _prepare(data_dir, hook.url, docs=3)
        _killed_at("alert-sent", data_dir)
        assert len(hook.received) == 1  # answered 200, then the run died before recording it
        (first_key, first), = hook.received
        report = _rerun(data_dir)
        assert (report["found"], report["delivered"], report["failed"]) == (0, 3, [])
        assert _rerun(data_dir)["delivered"] == 0
    by_doc = hook.by_doc()
    assert sorted(by_doc) == ["d0", "d1", "d2"] and all(len(keys) == 1 for keys in by_doc.values())
    assert len(hook.received) == 4  # the one in flight at the kill came again …
    assert [k for k, _ in hook.received].count(first_key) == 2  # … under its one delivery id
    assert hook.received[1][1] == first  # and the same payload


def test_a_run_killed_after_appending_never_writes_a_line_twice(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    target = tmp_path / "floods.jsonl"
    _prepare(data_dir, str(target), docs=3)
    _killed_at("alert-appended", data_dir)
    assert len(target.read_text().splitlines()) == 3  # written, not recorded
    state = StateStore(data_dir / "state.db")
    assert {d.status for d in state.waiting_deliveries("floods")} == {"sending"}
    state.close()
    report = _rerun(data_dir)
    assert (report["delivered"], report["failed"]) == (3, [])
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert sorted(line["document"]["id"] for line in lines) == ["d0", "d1", "d2"]
