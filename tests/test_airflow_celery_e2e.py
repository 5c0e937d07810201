"""End to end on Airflow 3's CeleryExecutor, every part real and on loopback.

PostgreSQL (Airflow's metadata DB), Redis (Celery's broker and result backend), the
api-server, scheduler, dag-processor, triggerer and two ``airflow celery worker`` processes
(one task at a time each, told apart by their hostnames) are started by the fixtures. The
polling DAG runs once; its asset event starts the processing DAG, whose mapped batches must
run on both workers. The index it builds must equal, document for document, the index of a
single-process ``newsflow run`` of the same demo corpus (ids and content hashes). Every
process started is stopped at the end (and on failure), and the test checks none is left.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import psycopg
import pytest
from airflow_env import (
    ProcessTree,
    Rest,
    airflow_env,
    celery_env,
    celery_worker_env,
    free_port,
    prepare,
    start_component,
    stop_all,
    tail,
)
from conftest import DEMO_ARTICLES, require
from pg_server import running_postgres
from redis_server import running_redis

from newsflow.config import SEEDS_DIR
from newsflow.demo_server import DemoServer
from newsflow.index.elastic import canonical_content
from newsflow.index.embedded import EmbeddedBackend

pytestmark = pytest.mark.airflow

WORKERS = ("worker1", "worker2")
COMPONENTS = (("api-server",), ("scheduler",), ("dag-processor",), ("triggerer",))
PHASE_TIMEOUT = 150.0
RUN_VOLATILE = ("fetched_at",)
"""Document fields that record when a run happened, not what it extracted (``indexed_at``
and the internal hash are already outside :func:`canonical_content`)."""
T = TypeVar("T")


def state_store_env(postgres_url: str) -> dict[str, str]:
    """Where the workers keep newsflow's state (the ONE place to change when it moves).

    Today both workers share the SQLite state file in ``NEWSFLOW_DATA_DIR``: safe on one
    host. Once the PostgreSQL state store is merged, return
    ``{"NEWSFLOW_STATE_URL": <a database on postgres_url>}`` here."""
    del postgres_url
    return {}


class CeleryAirflow:
    """The running components and what the test needs to talk to them."""

    def __init__(self, home: Path, data: Path, env: dict[str, str], port: int) -> None:
        self.home, self.data, self.env = home, data, env
        self.rest = Rest(f"http://127.0.0.1:{port}")
        self.trees: dict[str, ProcessTree] = {}
        self.deadline = float("inf")

    def log(self, name: str) -> Path:
        return self.home / f"{name}.log"

    def start(self) -> None:
        for args in COMPONENTS:
            self.trees[args[0]] = start_component(self.env, list(args), self.log(args[0]))
        for name in WORKERS:
            self.trees[name] = start_component(
                celery_worker_env(self.env, name),
                ["celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", "1"],
                self.log(name))

    def stop(self) -> dict[str, dict[str, object]]:
        return stop_all([t for t in self.trees.values() if t.report is None])

    def diagnostics(self, dag_id: str | None = None) -> str:
        parts: list[str] = []
        for name in self.trees:
            parts += [f"--- {name}.log (tail) ---", tail(self.log(name), 25)]
        pattern = f"dag_id={dag_id}/**/*.log" if dag_id else "dag_id=*/**/*.log"
        for path in sorted((self.home / "logs").glob(pattern), key=lambda p: p.stat().st_mtime)[-3:]:
            parts += [f"--- {path.relative_to(self.home)} (tail) ---", tail(path, 40)]
        return "\n".join(parts)

    def wait_for(self, what: str, probe: Callable[[], T | None], *, dag_id: str | None = None) -> T:
        """Poll ``probe`` until it returns something other than None; fail with the logs
        when a component exits or the phase's time is up."""
        deadline = min(self.deadline, time.monotonic() + PHASE_TIMEOUT)
        while True:
            dead = {name: t.proc.returncode for name, t in self.trees.items() if t.proc.poll() is not None}
            if dead:
                pytest.fail(f"{dead} exited while waiting for {what}\n{self.diagnostics(dag_id)}", pytrace=False)
            value = probe()
            if value is not None:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.diagnostics(dag_id)}", pytrace=False)
            time.sleep(1.0)

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.rest.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"])

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances?limit=1000"
        return list(self.rest.get(path)["task_instances"])

    def wait_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """Wait for a run to finish; fail at once (with the logs) when a task fails or retries."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}"

        def probe() -> dict[str, Any] | None:
            run = self.rest.get(path)
            bad = [f"{ti['task_id']}[{ti['map_index']}]: {ti['state']}" for ti in self.task_instances(dag_id, run_id)
                   if ti["state"] in ("failed", "up_for_retry", "upstream_failed")]
            if bad or run["state"] == "failed":
                pytest.fail(f"{dag_id} run {run_id} is {run['state']} ({bad})\n{self.diagnostics(dag_id)}",
                            pytrace=False)
            return run if run["state"] == "success" else None

        return self.wait_for(f"{dag_id} run {run_id} to succeed", probe, dag_id=dag_id)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with running_postgres() as url:
        yield url


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with running_redis(tmp_path / "redis") as url:
        yield url


@pytest.fixture
def celery_airflow(tmp_path: Path, demo_server: DemoServer, postgres_url: str, redis_url: str) -> Iterator[CeleryAirflow]:
    """Metadata DB created and migrated, pool set, every component started; stopped whatever happens."""
    require("airflow.providers.celery", "the Celery end-to-end test")
    home, data = tmp_path / "airflow-home", tmp_path / "data"
    home.mkdir()
    data.mkdir()
    feeds = home / "feeds.yaml"
    feeds.write_text((SEEDS_DIR / "demo" / "feeds.yaml").read_text().replace("{{BASE}}", demo_server.base_url))
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE airflow_meta")
    metadata_url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + "/airflow_meta"
    port = free_port()
    base = airflow_env(home, data, feeds, NEWSFLOW_POLL_SCHEDULE="@once",  # one poll run on unpause
                       AIRFLOW__API__WORKERS="1", AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
                       **state_store_env(postgres_url))
    env = celery_env(base, port, metadata_url=metadata_url, redis_url=redis_url)
    af = CeleryAirflow(home, data, env, port)
    try:
        prepare(env)  # metadata tables on PostgreSQL, the newsflow_http pool
        af.start()
        yield af
    finally:
        report = af.stop()
        if any(r.get("remaining") for r in report.values()):
            print(f"[celery e2e] left running after teardown: {report}", flush=True)


def index_hashes(db: Path) -> dict[str, str]:
    """doc id -> SHA-256 of its canonical content without :data:`RUN_VOLATILE` fields."""
    with EmbeddedBackend(db) as index:
        return {doc["id"]: canonical_content({k: v for k, v in doc.items() if k not in RUN_VOLATILE})[1]
                for doc in index.iter_documents()}


def reference_run(tmp_path: Path, feeds: Path) -> subprocess.Popen[str]:
    """A single-process ``newsflow run`` of the same feeds into its own data directory."""
    env = {k: v for k, v in airflow_env(tmp_path, tmp_path / "reference", feeds).items()
           if not k.startswith("AIRFLOW")}
    env["NEWSFLOW_DATA_DIR"] = str(tmp_path / "reference")
    return subprocess.Popen([sys.executable, "-c", "from newsflow.cli import main; main()", "run", "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.timeout(900)  # a backstop; the phases are bounded by PHASE_TIMEOUT each
def test_celery_workers_share_the_mapped_batches_and_build_the_single_process_index(
    celery_airflow: CeleryAirflow, tmp_path: Path
) -> None:
    af = celery_airflow
    started = time.monotonic()
    phases: dict[str, float] = {}

    def phase(name: str, since: float) -> float:
        now = time.monotonic()
        phases[name] = round(now - since, 1)
        print(f"[celery e2e] {name}: {phases[name]:.1f} s", flush=True)
        return now

    reference = reference_run(tmp_path, af.home / "feeds.yaml")  # in parallel with Airflow's start
    mark = started

    # 1. every component healthy, both workers connected to the broker
    def healthy() -> bool | None:
        try:
            status, health = af.rest.call("GET", "/api/v2/monitor/health", timeout=5)
        except OSError:
            return None
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        found: dict[str, Any] = health if status == 200 and isinstance(health, dict) else {}
        return True if all((found.get(p) or {}).get("status") == "healthy" for p in parts) else None

    af.wait_for("every component to report healthy", healthy)
    def ready(name: str) -> Callable[[], bool | None]:
        return lambda: " ready." in tail(af.log(name), 200) or None

    for name in WORKERS:
        af.wait_for(f"celery {name} to be ready", ready(name))
    passwords = af.home / "simple_auth_manager_passwords.json.generated"
    af.wait_for(passwords.name, lambda: passwords.exists() or None)
    af.rest.login("admin", json.loads(passwords.read_text())["admin"])
    mark = phase("start until healthy, workers ready", mark)

    # 2. DAGs parsed; unpausing the polling DAG (@once) starts its one run
    def parsed() -> bool | None:
        errors = af.rest.get("/api/v2/importErrors")
        if errors["total_entries"]:
            pytest.fail(f"DAG import errors: {json.dumps(errors['import_errors'])[:4000]}", pytrace=False)
        ids = {d["dag_id"] for d in af.rest.get("/api/v2/dags?limit=100")["dags"]}
        return True if {"newsflow_poll_feeds", "newsflow_process_articles"} <= ids else None

    af.wait_for("the dag-processor to register the DAGs", parsed)
    for dag_id in ("newsflow_process_articles", "newsflow_poll_feeds"):
        assert af.rest.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})["is_paused"] is False
    def poll_run() -> dict[str, Any] | None:
        runs = af.runs("newsflow_poll_feeds")
        return runs[0] if runs else None

    poll = af.wait_for("the @once polling run", poll_run, dag_id="newsflow_poll_feeds")
    af.wait_run("newsflow_poll_feeds", poll["dag_run_id"])
    mark = phase("poll run", mark)

    # 3. the pending-articles asset event starts processing; its batches run on both workers
    def process_run() -> dict[str, Any] | None:
        runs = [r for r in af.runs("newsflow_process_articles") if r["run_type"] == "asset_triggered"]
        return runs[0] if runs else None

    run = af.wait_for("an asset-triggered newsflow_process_articles run", process_run,
                      dag_id="newsflow_process_articles")
    done = af.wait_run("newsflow_process_articles", run["dag_run_id"])
    mark = phase("process run (mapped batches)", mark)
    assert done["triggered_by"] == "asset"
    tis = af.task_instances("newsflow_process_articles", run["dag_run_id"])
    batches = [ti for ti in tis if ti["task_id"] == "process_batch"]
    where = {(ti["map_index"], ti["hostname"], ti["pid"]) for ti in batches}
    print(f"[celery e2e] process_batch (map index, worker, pid): {sorted(where)}", flush=True)
    assert len(batches) >= 2 and all(ti["state"] == "success" for ti in batches)
    assert {ti["hostname"] for ti in batches} == set(WORKERS), f"mapped batches ran on {where}"
    assert len({ti["pid"] for ti in batches}) == len(batches), "each batch runs in its own task process"
    every_host = {ti["hostname"] for ti in tis} | {
        ti["hostname"] for ti in af.task_instances("newsflow_poll_feeds", poll["dag_run_id"])}
    assert every_host <= set(WORKERS), f"a task ran outside the two Celery workers: {every_host}"

    # 4. the index equals a single-process run's, id for id and hash for hash
    out, err = reference.communicate(timeout=PHASE_TIMEOUT)
    assert reference.returncode == 0, f"newsflow run exited {reference.returncode}:\n{out[-2000:]}\n{err[-3000:]}"
    expected = index_hashes(tmp_path / "reference" / "index.db")
    got = index_hashes(af.data / "index.db")
    assert len(expected) == DEMO_ARTICLES
    assert got.keys() == expected.keys(), (got.keys() ^ expected.keys())
    differ = sorted(k for k in got if got[k] != expected[k])
    assert differ == [], f"{len(differ)} documents differ from the single-process run: {differ[:5]}"
    mark = phase("compare with newsflow run", mark)

    # 5. stop everything: SIGINT to each component; nothing may be left
    report = af.stop()
    phase("stop", mark)
    print(f"[celery e2e] stop report: {report}", flush=True)
    print(f"[celery e2e] phases: {phases}; total {time.monotonic() - started:.1f} s", flush=True)
    left = {name: r["remaining"] for name, r in report.items() if r["remaining"]}
    assert left == {}, f"processes left behind: {left}"
