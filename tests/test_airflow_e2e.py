"""End to end on a real Airflow 3: `airflow standalone` (api-server, scheduler with the
LocalExecutor, dag-processor, triggerer) in a temporary AIRFLOW_HOME on SQLite.

Over the REST API the test unpauses the DAGs, triggers the manual DAG with Params, sees the
asset-scheduled statistics DAG follow, then drops a URL list into the inbox and sees the
AssetWatcher start the inbox DAG; finally it stops Airflow with SIGINT and checks that no
process it started is left (a fixture stops it, escalating to SIGTERM/SIGKILL, on failure). Each phase's duration is printed (run with ``-s`` to see it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import pytest
from airflow_env import (
    ProcessTree,
    Rest,
    airflow_env,
    free_port,
    server_env,
    start_standalone,
    tail,
)
from conftest import require

from newsflow.config import SEEDS_DIR
from newsflow.demo_server import DemoServer
from newsflow.index.embedded import EmbeddedBackend
from newsflow.urls import doc_id

pytestmark = pytest.mark.airflow

SEED_PATH = "/meridian-post/world/2025/12/06/russia-strikes-fastiv.html"
FEED_PATH = "/northern-ledger/atom.xml"  # 8 entries
INBOX_PATH = "/harbour-city-chronicle/2025/12/port-container-volumes-record.html"
DAG_IDS = {"newsflow_poll_feeds", "newsflow_process_articles", "newsflow_ingest", "newsflow_inbox",
           "newsflow_maintenance", "newsflow_index_stats"}
UNPAUSE = ("newsflow_ingest", "newsflow_index_stats", "newsflow_inbox")
PHASE_TIMEOUT = 180.0
FINISHED = {"success", "failed"}
T = TypeVar("T")


class Airflow:
    """One running `airflow standalone` and what the test needs to talk to and about it."""

    def __init__(self, home: Path, data: Path, env: dict[str, str], port: int) -> None:
        self.home, self.data, self.env = home, data, env
        self.inbox = Path(env["NEWSFLOW_DROP_DIR"])
        self.log = home / "standalone.log"
        self.rest = Rest(f"http://127.0.0.1:{port}")
        self.tree: ProcessTree | None = None
        self.phases: dict[str, float] = {}
        self.phase_deadline: float | None = None

    def start(self) -> None:
        self.tree = ProcessTree(start_standalone(self.env, self.log))

    def stop(self) -> dict[str, object]:
        assert self.tree is not None
        return self.tree.stop()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        self.phase_deadline = started + PHASE_TIMEOUT  # all waits of a phase share one bound
        try:
            yield
        finally:
            self.phase_deadline = None
            self.phases[name] = round(time.monotonic() - started, 1)
            print(f"[airflow e2e] {name}: {self.phases[name]:.1f} s", flush=True)
            if self.tree is not None:
                self.tree.snapshot()

    def diagnostics(self, dag_id: str | None = None) -> str:
        """The standalone output's tail and the newest task logs (of ``dag_id`` if given)."""
        parts = [f"--- {self.log} (tail) ---", tail(self.log, 80)]
        pattern = f"dag_id={dag_id}/**/*.log" if dag_id else "dag_id=*/**/*.log"
        logs = sorted((self.home / "logs").glob(pattern), key=lambda p: p.stat().st_mtime)[-3:]
        for path in logs:
            parts += [f"--- {path.relative_to(self.home)} (tail) ---", tail(path, 40)]
        return "\n".join(parts)

    def wait_for(self, what: str, probe: Callable[[], T | None], *, dag_id: str | None = None,
                 timeout: float = PHASE_TIMEOUT, interval: float = 1.0) -> T:
        """Poll ``probe`` until it returns something other than None; fail with the logs."""
        deadline = min(time.monotonic() + timeout, self.phase_deadline or float("inf"))
        while True:
            assert self.tree is not None
            if self.tree.proc.poll() is not None:
                pytest.fail(f"airflow standalone exited ({self.tree.proc.returncode}) while waiting for "
                            f"{what}\n{self.diagnostics(dag_id)}", pytrace=False)
            value = probe()
            if value is not None:
                return value
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what} (at most {PHASE_TIMEOUT:.0f} s per phase)\n"
                            f"{self.diagnostics(dag_id)}", pytrace=False)
            time.sleep(interval)

    # --- REST helpers ---------------------------------------------------------------------
    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.rest.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"])

    def wait_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        """Wait for a run to finish; fail at once (with its logs) if a task fails or retries."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}"

        def probe() -> dict[str, Any] | None:
            run = self.rest.get(path)
            tis = self.rest.get(f"{path}/taskInstances")["task_instances"]
            bad = [f"{ti['task_id']}: {ti['state']}" for ti in tis if ti["state"] in ("failed", "up_for_retry")]
            if bad or run["state"] == "failed":
                pytest.fail(f"{dag_id} run {run_id} is {run['state']} ({bad})\n{self.diagnostics(dag_id)}",
                            pytrace=False)
            return run if run["state"] in FINISHED else None

        return self.wait_for(f"{dag_id} run {run_id} to finish", probe, dag_id=dag_id)

    def xcom(self, dag_id: str, run_id: str, task_id: str) -> Any:
        value = self.rest.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/"
                              f"{task_id}/xcomEntries/return_value?deserialize=true")["value"]
        return json.loads(value) if isinstance(value, str) else value

    def upstream_events(self, run: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The asset events that triggered ``run``, or None while they cannot be read yet.

        Airflow 3.3.2 answers 500 while a run the events created has no start_date (a queued
        run; apache/airflow#71360, fixed by #71379), so only started runs are asked, and a
        500 counts as "not yet"."""
        if not run.get("start_date"):
            return None
        path = f"/api/v2/dags/{run['dag_id']}/dagRuns/{quote(run['dag_run_id'], safe='')}/upstreamAssetEvents"
        status, payload = self.rest.call("GET", path)
        if status == 500:
            return None
        assert status == 200 and isinstance(payload, dict), f"GET {path} -> HTTP {status}: {payload}"
        return list(payload["asset_events"])


@pytest.fixture
def airflow_server(tmp_path: Path, demo_server: DemoServer) -> Iterator[Airflow]:
    """A started `airflow standalone`, stopped (SIGINT, then SIGTERM/SIGKILL) whatever happens."""
    require("airflow", "the end-to-end Airflow test")
    home, data = tmp_path / "airflow-home", tmp_path / "data"
    home.mkdir()
    (data / "inbox").mkdir(parents=True)
    feeds = home / "feeds.yaml"
    feeds.write_text((SEEDS_DIR / "demo" / "feeds.yaml").read_text().replace("{{BASE}}", demo_server.base_url))
    port = free_port()
    env = server_env(airflow_env(home, data, feeds, NEWSFLOW_DROP_DIR=str(data / "inbox"),
                                 AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="10",
                                 AIRFLOW__LOGGING__LOGGING_LEVEL="INFO"), port)
    server = Airflow(home, data, env, port)
    try:
        server.start()
        yield server
    finally:
        if server.tree is not None and server.tree.report is None:
            print(f"[airflow e2e] stopping after an error: {server.stop()}", flush=True)


def index_count(data: Path, *urls: str) -> tuple[int, list[bool]]:
    index = EmbeddedBackend(data / "index.db")
    try:
        return index.count(), [index.get(doc_id(u)) is not None for u in urls]
    finally:
        index.close()


@pytest.mark.timeout(1500)  # a backstop: 7 phases of at most 180 s, then the stop
def test_standalone_airflow_runs_manual_asset_and_event_driven_dags(
    airflow_server: Airflow, demo_server: DemoServer
) -> None:
    af, base = airflow_server, demo_server.base_url
    started = time.monotonic()

    # 1. healthy
    def healthy() -> dict[str, Any] | None:
        try:
            status, health = af.rest.call("GET", "/api/v2/monitor/health", timeout=5)
        except OSError:
            return None
        parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
        if status == 200 and all((health.get(p) or {}).get("status") == "healthy" for p in parts):
            return health
        return None

    with af.phase("start until healthy"):
        af.wait_for("/api/v2/monitor/health to report every component healthy", healthy)

    # 2. a JWT for the generated admin password
    with af.phase("login"):
        passwords = af.home / "simple_auth_manager_passwords.json.generated"
        af.wait_for(f"{passwords.name}", lambda: passwords.exists() or None)
        af.rest.login("admin", json.loads(passwords.read_text())["admin"])

    # 3. DAGs parsed, pool, unpause (polling and maintenance stay paused: no schedule interferes)
    def all_dags() -> set[str] | None:
        errors = af.rest.get("/api/v2/importErrors")
        if errors["total_entries"]:
            pytest.fail(f"DAG import errors: {json.dumps(errors['import_errors'], indent=1)[:4000]}", pytrace=False)
        ids = {d["dag_id"] for d in af.rest.get("/api/v2/dags?limit=100")["dags"]}
        return ids if ids >= DAG_IDS else None

    with af.phase("DAGs parsed, pool, unpause"):
        af.wait_for("the dag-processor to register our 6 DAGs", all_dags)
        af.rest.request("POST", "/api/v2/pools",
                        {"name": "newsflow_http", "slots": 4, "description": "newsflow: concurrent HTTP tasks"})
        for dag_id in UNPAUSE:
            assert af.rest.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})["is_paused"] is False
        dags = {d["dag_id"]: d["is_paused"] for d in af.rest.get("/api/v2/dags?limit=100")["dags"]}
        assert dags["newsflow_poll_feeds"] and dags["newsflow_maintenance"] and dags["newsflow_process_articles"]

    # 4. manual ingest over REST with Params
    seed, feed = base + SEED_PATH, base + FEED_PATH
    with af.phase("manual ingest run (REST, Params)"):
        run = af.rest.request("POST", "/api/v2/dags/newsflow_ingest/dagRuns",
                              {"logical_date": None, "conf": {"article_urls": [seed], "feed_urls": [feed]}})
        assert run["triggered_by"] == "rest_api"
        ingest_run = af.wait_run("newsflow_ingest", run["dag_run_id"])
        assert ingest_run["state"] == "success"
    assert index_count(af.data, seed) == (1 + 8, [True])
    ingest_result = af.xcom("newsflow_ingest", run["dag_run_id"], "ingest")
    assert ingest_result["poll"]["entries_new"] == 8

    # 5. the asset-scheduled statistics DAG follows the index update
    def stats_run_from(source_dag: str) -> dict[str, Any] | None:
        for candidate in af.runs("newsflow_index_stats"):
            if candidate["run_type"] != "asset_triggered":
                continue
            events = af.upstream_events(candidate)
            if events and any(e["source_dag_id"] == source_dag for e in events):
                return {"run": candidate, "events": events}
        return None

    with af.phase("asset-triggered index_stats run"):
        found = af.wait_for("a newsflow_index_stats run triggered by newsflow_ingest's asset event",
                            lambda: stats_run_from("newsflow_ingest"), dag_id="newsflow_index_stats")
        stats_run = af.wait_run("newsflow_index_stats", found["run"]["dag_run_id"])
    assert stats_run["state"] == "success" and stats_run["triggered_by"] == "asset"
    event = next(e for e in found["events"] if e["source_dag_id"] == "newsflow_ingest")
    assert event["uri"] == "newsflow://index/articles" and event["source_run_id"] == run["dag_run_id"]
    stats = af.xcom("newsflow_index_stats", stats_run["dag_run_id"], "index_stats")
    assert stats["backend"] == "embedded" and stats["documents"] == 9

    # 6. an external event: a URL list and READY in the inbox start the watcher's DAG
    other = base + INBOX_PATH
    with af.phase("inbox event -> newsflow_inbox run"):
        (af.inbox / "urls.txt").write_text(f"# from the e2e test\n{other}\n")
        (af.inbox / "READY").touch()

        def inbox_run() -> dict[str, Any] | None:
            runs = [r for r in af.runs("newsflow_inbox") if r["run_type"] == "asset_triggered"]
            return runs[0] if runs else None

        first = af.wait_for("the AssetWatcher (FileDeleteTrigger on READY) to start a newsflow_inbox run",
                            inbox_run, dag_id="newsflow_inbox")
        inbox_done = af.wait_run("newsflow_inbox", first["dag_run_id"])
    assert inbox_done["state"] == "success" and inbox_done["triggered_by"] == "asset"
    assert not (af.inbox / "READY").exists(), "the trigger removes READY"
    assert (af.inbox / "processed" / "urls.txt").exists() and not (af.inbox / "urls.txt").exists()
    assert index_count(af.data, other, seed) == (1 + 8 + 1, [True, True])

    with af.phase("index_stats run after the inbox update"):
        found = af.wait_for("a newsflow_index_stats run triggered by newsflow_inbox's asset event",
                            lambda: stats_run_from("newsflow_inbox"), dag_id="newsflow_index_stats")
        af.wait_run("newsflow_index_stats", found["run"]["dag_run_id"])
    assert af.xcom("newsflow_index_stats", found["run"]["dag_run_id"], "index_stats")["documents"] == 10

    # 7. stop with SIGINT (to standalone, which stops its components; see ProcessTree);
    #    nothing of ours may remain and nothing may need SIGKILL. SIGINT alone must stop the
    #    scheduler, triggerer, api-server and task processes; Airflow's dag-processor now and
    #    then ignores standalone's SIGTERM (1 of 3 clean CI runs on 2026-11-25: it and
    #    standalone were still up after 60 s, and a second SIGTERM stopped both at once), so
    #    for those two the SIGTERM escalation is allowed and reported
    with af.phase("stop (SIGINT)"):
        report = af.stop()
    total = round(time.monotonic() - started, 1)
    print(f"[airflow e2e] stop report: {report}", flush=True)
    print(f"[airflow e2e] phases: {af.phases}; total {total:.1f} s", flush=True)
    assert report["remaining"] == {}, f"processes left behind: {report['remaining']}"
    assert report["after_sigterm"] == {}, f"SIGTERM did not stop everything: {report['after_sigterm']}"
    after_sigint: dict[int, str] = report["after_sigint"]  # type: ignore[assignment]
    stuck = {pid: cmd for pid, cmd in after_sigint.items()
             if not cmd.endswith(("airflow standalone", "airflow dag-processor"))}
    assert stuck == {}, f"SIGINT did not stop: {stuck}"
    if after_sigint:
        print(f"[airflow e2e] needed SIGTERM after SIGINT (Airflow's dag-processor): {after_sigint}", flush=True)
