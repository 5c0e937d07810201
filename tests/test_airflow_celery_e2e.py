"""End to end on Airflow 3's CeleryExecutor, every part real and on loopback.

PostgreSQL (Airflow's metadata DB and, in a database of its own, newsflow's state store
shared by the workers: ``NEWSFLOW_STATE_URL``), Redis (Celery's broker and result backend), the
api-server, scheduler, dag-processor, triggerer and two ``airflow celery worker`` processes
(one task at a time each, told apart by their hostnames) are started by the fixtures. The
polling DAG runs once; its asset event starts the processing DAG, whose mapped batches must
run on both workers. The index it builds must equal, document for document, the index of a
single-process ``newsflow run`` of the same demo corpus: the same ids, the same content
hashes, and the same near-duplicate clusters with the same ``cluster_id`` (the smallest
member id, whatever order the workers stored the copies in: :mod:`newsflow.clustering`).
Every process started is stopped at the end (and on failure), and the test checks none is
left.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pg_server as pg_launcher
import psycopg
import pytest
from airflow_env import CeleryStack, airflow_env, celery_stack, session_pids
from conftest import DEMO_ARTICLES, require
from redis_server import running_redis

from newsflow.config import SEEDS_DIR
from newsflow.demo_server import DemoServer
from newsflow.index.elastic_writer import canonical_content
from newsflow.index.embedded import EmbeddedBackend

pytestmark = pytest.mark.airflow

WORKERS = ("worker1", "worker2")
RUN_VOLATILE = ("fetched_at",)
"""Document fields that record when a run happened, not what it extracted (``indexed_at``
and the internal hash are already outside :func:`canonical_content`)."""


def state_store_env(server: pg_launcher.PgServer) -> dict[str, str]:
    """Where the workers keep newsflow's state (the one place that says so): a new database
    on the test's PostgreSQL, shared by both workers as it would be across hosts."""
    return {"NEWSFLOW_STATE_URL": server.url(server.create_database("newsflow_state"))}


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with running_redis(tmp_path / "redis") as url:
        yield url


@pytest.fixture
def demo_feeds_file(tmp_path: Path, demo_server: DemoServer) -> Path:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text((SEEDS_DIR / "demo" / "feeds.yaml").read_text().replace("{{BASE}}", demo_server.base_url))
    return feeds


@pytest.fixture
def stack(tmp_path: Path, demo_feeds_file: Path, pg_server: pg_launcher.PgServer,
          redis_url: str) -> Iterator[CeleryStack]:
    """Metadata DB created and migrated, pool set, every component started; stopped whatever happens."""
    require("airflow.providers.celery", "the Celery end-to-end test")
    with celery_stack(tmp_path / "airflow-home", tmp_path / "data", demo_feeds_file, postgres_url=pg_server.url(),
                      redis_url=redis_url, workers=WORKERS, **state_store_env(pg_server)) as running:
        yield running


def field_differences(left: Path, right: Path, ids: list[str]) -> dict[str, dict[str, tuple[Any, Any]]]:
    """For each id, the fields whose values differ between the two indexes (for a failure message)."""
    with EmbeddedBackend(left) as a, EmbeddedBackend(right) as b:
        found: dict[str, dict[str, tuple[Any, Any]]] = {}
        for doc_id in ids:
            x, y = a.get(doc_id) or {}, b.get(doc_id) or {}
            found[doc_id] = {k: (str(x.get(k))[:120], str(y.get(k))[:120]) for k in sorted(set(x) | set(y))
                             if k not in (*RUN_VOLATILE, "indexed_at") and x.get(k) != y.get(k)}
        return found


def index_hashes(db: Path) -> dict[str, str]:
    """doc id -> SHA-256 of its canonical content without the :data:`RUN_VOLATILE` fields
    (``cluster_id`` included)."""
    with EmbeddedBackend(db) as index:
        return {doc["id"]: canonical_content({k: v for k, v in doc.items() if k not in RUN_VOLATILE})[1]
                for doc in index.iter_documents()}


def clusters(db: Path) -> set[frozenset[str]]:
    """The near-duplicate clusters of an index as sets of doc ids (singletons included)."""
    groups: dict[str, set[str]] = {}
    with EmbeddedBackend(db) as index:
        for doc in index.iter_documents():
            groups.setdefault(str(doc.get("cluster_id") or doc["id"]), set()).add(doc["id"])
    return {frozenset(members) for members in groups.values()}


def reference_run(tmp_path: Path, feeds: Path) -> subprocess.Popen[str]:
    """A single-process ``newsflow run`` of the same feeds into its own data directory."""
    env = {k: v for k, v in airflow_env(tmp_path, tmp_path / "reference", feeds).items()
           if not k.startswith("AIRFLOW")}
    return subprocess.Popen([sys.executable, "-c", "from newsflow.cli import main; main()", "run", "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.timeout(900)  # a backstop; each wait is bounded (airflow_env.PHASE_TIMEOUT)
def test_celery_workers_share_the_mapped_batches_and_build_the_single_process_index(
    stack: CeleryStack, tmp_path: Path, demo_feeds_file: Path
) -> None:
    started = mark = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        phases[name] = round(now - mark, 1)
        mark = now
        print(f"[celery e2e] {name}: {phases[name]:.1f} s", flush=True)

    reference = reference_run(tmp_path, demo_feeds_file)  # in parallel with Airflow's start

    # 1. every component healthy, both workers connected to the broker
    stack.wait_ready()
    phase("start until healthy, workers ready")

    # 2. the @once polling run, then the processing run its asset event starts
    poll, done = stack.poll_then_process()
    phase("poll run, then process run (mapped batches)")
    for run in (poll, done):
        print(f"[celery e2e] {run['dag_id']}: queued {run['queued_at']}, started {run['start_date']}, "
              f"ended {run['end_date']}", flush=True)
    assert done["triggered_by"] == "asset"

    # 3. the mapped batches ran on both workers, every task on one of them
    tis = stack.task_instances("newsflow_process_articles", done["dag_run_id"])
    batches = [ti for ti in tis if ti["task_id"] == "process_batch"]
    where = sorted((ti["map_index"], ti["hostname"], ti["pid"]) for ti in batches)
    print(f"[celery e2e] process_batch (map index, worker, pid): {where}", flush=True)
    assert len(batches) >= 2 and all(ti["state"] == "success" for ti in batches)
    assert {ti["hostname"] for ti in batches} == set(WORKERS), f"mapped batches ran on {where}"
    assert len({ti["pid"] for ti in batches}) == len(batches), "each batch runs in its own task process"
    # each worker loaded the models once at its start (its forked tasks find them loaded:
    # tests/test_preload.py); the index comparison below covers their output
    for worker in WORKERS:
        assert "newsflow models preloaded: en" in stack.log(worker).read_text(errors="replace"), worker
    # each worker's pool process, named "airflow supervisor: <ti>" once it has supervised a
    # task, runs as SCHED_BATCH (newsflow.airflow_celery.batch_scheduling; the task processes
    # it forks run as SCHED_OTHER again: tests/test_airflow_celery.py)
    for worker in WORKERS:
        pool = {pid: cmd for pid, cmd in session_pids(stack.trees[worker].sid).items()
                if cmd.startswith("airflow supervisor:") or "ForkPoolWorker" in cmd}
        assert pool, (worker, session_pids(stack.trees[worker].sid))
        policies = {cmd: os.sched_getscheduler(pid) for pid, cmd in pool.items()}
        assert set(policies.values()) == {os.SCHED_BATCH}, policies
    every_host = {ti["hostname"] for ti in tis} | {
        ti["hostname"] for ti in stack.task_instances("newsflow_poll_feeds", poll["dag_run_id"])}
    assert every_host <= set(WORKERS), f"a task ran outside the two Celery workers: {every_host}"

    # the workers kept their state in PostgreSQL, not in a file of the data directory
    assert not (stack.data / "state.db").exists()
    with psycopg.connect(stack.env["NEWSFLOW_STATE_URL"]) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()
        founders = conn.execute("SELECT count(DISTINCT cluster_id) FROM simhash_clusters").fetchone()
    assert articles is not None and articles[0] >= DEMO_ARTICLES
    assert founders is not None and founders[0] > 0

    # 4. the index equals a single-process run's, id for id and hash for hash
    out, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, f"newsflow run exited {reference.returncode}:\n{out[-2000:]}\n{err[-3000:]}"
    expected = index_hashes(tmp_path / "reference" / "index.db")
    got = index_hashes(stack.data / "index.db")
    assert len(expected) == DEMO_ARTICLES
    assert got.keys() == expected.keys(), (got.keys() ^ expected.keys())
    differ = sorted(k for k in got if got[k] != expected[k])
    assert differ == [], (f"{len(differ)} documents differ from the single-process run (field: (celery, single)): "
                          f"{field_differences(stack.data / 'index.db', tmp_path / 'reference' / 'index.db', differ[:5])}")
    expected_clusters = clusters(tmp_path / "reference" / "index.db")
    assert any(len(c) > 1 for c in expected_clusters), "the demo corpus has near-duplicates: clustering is compared"
    assert clusters(stack.data / "index.db") == expected_clusters
    phase("compare with newsflow run")

    # 5. stop everything: SIGINT to each component (SIGTERM, SIGKILL after a grace); nothing may be left
    report = stack.stop()
    phase("stop")
    print(f"[celery e2e] stop report: {report}", flush=True)
    print(f"[celery e2e] phases: {phases}; total {time.monotonic() - started:.1f} s", flush=True)
    left = {name: r["remaining"] for name, r in report.items() if r["remaining"]}
    assert left == {}, f"processes left behind: {left}"
    assert set(report) == {"api-server", "scheduler", "dag-processor", "triggerer", *WORKERS}
