"""A real Airflow 3 installation for tests: a temporary AIRFLOW_HOME with a SQLite metadata DB.

Airflow reads its configuration from the environment at import time, so every Airflow call
runs in a subprocess with :func:`airflow_env`'s variables.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from urllib.parse import quote

REPO_ROOT = Path(__file__).resolve().parents[1]


AIRFLOW = str(Path(sys.executable).with_name("airflow"))
T = TypeVar("T")


def airflow_env(home: Path, data_dir: Path, feeds_file: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "NEWSFLOW_"))}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "PYTHONWARNINGS": "ignore",
            "NEWSFLOW_DATA_DIR": str(data_dir),
            "NEWSFLOW_FEEDS_FILE": str(feeds_file),
            "NEWSFLOW_ALLOW_HOSTS": "127.0.0.1",
            "NEWSFLOW_DROP_DIR": str(data_dir / "inbox"),
        }
    )
    env.update(extra)
    return env


def airflow(env: dict[str, str], *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"airflow {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def prepare(env: dict[str, str]) -> None:
    """Create the metadata DB and the politeness pool the DAGs use."""
    airflow(env, "db", "migrate")
    airflow(env, "pools", "set", "newsflow_http", "4", "newsflow: concurrent HTTP tasks")


# --- a running Airflow (standalone) for end-to-end tests -----------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(base: dict[str, str], api_port: int) -> dict[str, str]:
    """``base`` plus what a multi-process Airflow on loopback needs: its own ports, one JWT
    secret shared by every component, the executor and the venv's ``airflow`` on PATH."""
    env = dict(base)
    env.update(
        {
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{api_port}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "PATH": f"{Path(AIRFLOW).parent}{os.pathsep}{base.get('PATH', os.defpath)}",
        }
    )
    return env


# --- a multi-process Airflow on the CeleryExecutor ------------------------------------------
WORKER_NAME_VAR = "TEST_WORKER_NAME"
"""The variable naming one Celery worker, read by :func:`worker_hostname`."""


def celery_env(base: dict[str, str], api_port: int, *, metadata_url: str, redis_url: str) -> dict[str, str]:
    """:func:`server_env` for the CeleryExecutor: the metadata DB at ``metadata_url`` (a
    ``postgresql+psycopg://`` URL; Celery cannot share SQLite between processes), Celery's
    broker (database 0) and result backend (database 1) on the Redis at ``redis_url``, and
    one task at a time per worker with one message prefetched, so that queued mapped tasks
    spread over the workers instead of queueing behind one, newsflow's Celery settings
    (:mod:`newsflow.airflow_celery`: models loaded once per worker, task supervisors
    scheduled as ``SCHED_BATCH``; ``docker-compose.yml`` sets the same)."""
    env = server_env(base, api_port)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
            # small connection pools: every component on one test server (max_connections 50)
            "AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE": "2",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW": "4",
            "AIRFLOW__CELERY__BROKER_URL": f"{redis_url}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"{redis_url}/1",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            # each worker loads newsflow's models once; its tasks are forked warm (README)
            "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "newsflow.airflow_celery.CELERY_CONFIG",
        }
    )
    return env


def celery_worker_env(env: dict[str, str], name: str) -> dict[str, str]:
    """``env`` for the Celery worker ``name``: its own log-server port, and task instances
    it runs record ``name`` as their hostname (both workers share this machine's name)."""
    worker = dict(env)
    worker.update(
        {
            WORKER_NAME_VAR: name,
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "airflow_env.worker_hostname",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).parent), env.get("PYTHONPATH")) if p),
        }
    )
    return worker


def worker_hostname() -> str:
    """Airflow's ``[core] hostname_callable`` in a test's Celery worker: the worker's name."""
    return os.environ.get(WORKER_NAME_VAR) or socket.getfqdn()


def start_component(env: dict[str, str], args: list[str], log_path: Path) -> ProcessTree:
    """``airflow *args`` (one component: scheduler, api-server, ``celery worker``…) in its own
    session, output to ``log_path``; stop it with the returned tree's ``stop()``."""
    return ProcessTree(_spawn_airflow(env, log_path, *args))


def stop_all(trees: dict[str, ProcessTree], grace: float = 60) -> dict[str, dict[str, object]]:
    """Stop several named trees at once (each as :meth:`ProcessTree.stop`): name -> report."""
    from concurrent.futures import ThreadPoolExecutor

    if not trees:
        return {}
    with ThreadPoolExecutor(len(trees)) as pool:
        reports = list(pool.map(lambda tree: tree.stop(grace), trees.values()))
    return dict(zip(trees, reports, strict=True))


def start_standalone(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``airflow standalone`` in its own session (so its whole tree can be found and stopped)
    with SIGINT at its default action: standalone shuts down cleanly only on SIGINT."""
    return _spawn_airflow(env, log_path, "standalone")


def _spawn_airflow(env: dict[str, str], log_path: Path, *args: str) -> subprocess.Popen[bytes]:
    """``airflow *args`` in its own session (so its whole tree can be found and stopped),
    output appended to ``log_path``, SIGINT at its default action (Airflow's components shut
    down cleanly on SIGINT)."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [AIRFLOW, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )


def session_pids(sid: int) -> dict[int, str]:
    """Live (non-zombie) processes of session ``sid``: pid -> command line (from /proc)."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rfind(")") + 2 :].split()
            if fields[0] == "Z" or int(fields[3]) != sid:
                continue
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except (OSError, IndexError, ValueError):
            continue
        found[int(entry.name)] = cmd[:200]
    return found


class ProcessTree:
    """The processes started under one session leader, stopped with SIGINT, then SIGTERM,
    then SIGKILL. Descendants seen while running are remembered (by pid and start time), so
    one that left the session is still found at the end.

    SIGINT goes to the leader (``airflow standalone``) only, like a Ctrl-C it then passes on
    as SIGTERM to each component. Sent to the whole process group instead, it reaches the
    scheduler twice (our SIGINT, then standalone's SIGTERM); the second signal interrupts the
    LocalExecutor's shutdown before every worker got its stop message, and the scheduler then
    hangs at exit joining workers that ignore SIGINT and SIGTERM (measured: 3 of 3 stops hung
    for over 60 s and needed SIGKILL; the leader-only SIGINT stopped everything in 6-13 s)."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.sid = proc.pid
        self.seen: dict[int, float] = {}
        self.report: dict[str, object] | None = None

    def snapshot(self) -> None:
        try:
            import psutil
        except ImportError:
            return
        try:
            for child in psutil.Process(self.sid).children(recursive=True):
                self.seen.setdefault(child.pid, child.create_time())
        except psutil.Error:
            pass

    def alive(self) -> dict[int, str]:
        """Our processes still running: the session's members and remembered descendants."""
        found = session_pids(self.sid)
        try:
            import psutil
        except ImportError:
            return found
        for pid, created in self.seen.items():
            if pid in found:
                continue
            try:
                p = psutil.Process(pid)
                if p.create_time() == created and p.status() != psutil.STATUS_ZOMBIE:
                    found[pid] = " ".join(p.cmdline())[:200]
            except psutil.Error:
                continue
        return found

    def _signal_all(self, sig: int) -> None:
        with contextlib.suppress(OSError):
            os.killpg(self.sid, sig)
        for pid in self.alive():
            with contextlib.suppress(OSError):
                os.kill(pid, sig)

    def _wait_gone(self, timeout: float) -> dict[int, str]:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=0.5)
            left = self.alive()
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.5)

    def stop(self, grace: float = 60) -> dict[str, object]:
        """SIGINT to the leader; after ``grace`` s SIGTERM, then SIGKILL every leftover.
        Returns what was left after each step (idempotent: a second call returns the first report)."""
        if self.report is not None:
            return self.report
        self.snapshot()
        started = time.monotonic()
        if self.proc.poll() is None:
            os.kill(self.sid, signal.SIGINT)
        after_int = self._wait_gone(grace)
        report: dict[str, object] = {"after_sigint": after_int, "sigint_seconds": round(time.monotonic() - started, 1)}
        after_term: dict[int, str] = {}
        if after_int:
            self._signal_all(signal.SIGTERM)
            after_term = self._wait_gone(10)
        report["after_sigterm"] = after_term
        remaining: dict[int, str] = {}
        if after_term:
            self._signal_all(signal.SIGKILL)
            remaining = self._wait_gone(10)
        report["remaining"] = remaining
        report["returncode"] = self.proc.poll()
        report["tracked_descendants"] = len(self.seen)
        self.report = report
        return report


class Rest:
    """A minimal JSON client for Airflow's REST API (stdlib only)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None

    def call(self, method: str, path: str, body: object = None, *, timeout: float = 30) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def request(self, method: str, path: str, body: object = None, *, ok: tuple[int, ...] = (200, 201)) -> Any:
        status, payload = self.call(method, path, body)
        if status not in ok:
            raise AssertionError(f"{method} {path} -> HTTP {status}: {str(payload)[:2000]}")
        return payload

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def login(self, username: str, password: str) -> None:
        payload = self.request("POST", "/auth/token", {"username": username, "password": password})
        self.token = payload["access_token"]


def tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"({path}: {exc})"
    return "\n".join(text.splitlines()[-lines:])


# --- a whole Celery deployment on loopback (used by the Celery e2e test and benchmarks/) ----
COMPONENTS = (("api-server",), ("scheduler",), ("dag-processor",), ("triggerer",))
"""Airflow's components besides the workers, one process (tree) each."""
PHASE_TIMEOUT = 150.0
"""Seconds one wait of :meth:`CeleryStack.wait_for` may take at most."""


def _fail(message: str) -> NoReturn:
    import pytest

    pytest.fail(message, pytrace=False)


class CeleryStack:
    """Airflow on the CeleryExecutor: the components, ``workers`` Celery workers (named by
    their hostnames) and what a caller needs to talk to them over the REST API."""

    def __init__(self, home: Path, data: Path, env: dict[str, str], port: int, workers: tuple[str, ...]) -> None:
        self.home, self.data, self.env, self.workers = home, data, env, workers
        self.rest = Rest(f"http://127.0.0.1:{port}")
        self.trees: dict[str, ProcessTree] = {}
        self.deadline = float("inf")
        self.poll_every = 1.0
        """Seconds between two probes of :meth:`wait_for` (each a REST call or two the api-server answers)."""

    def log(self, name: str) -> Path:
        return self.home / f"{name}.log"

    def start(self) -> None:
        for args in COMPONENTS:
            self.trees[args[0]] = start_component(self.env, list(args), self.log(args[0]))
        for name in self.workers:
            self.trees[name] = start_component(
                celery_worker_env(self.env, name),
                ["celery", "worker", "--celery-hostname", f"{name}@%h", "--concurrency", "1"],
                self.log(name))

    def stop(self) -> dict[str, dict[str, object]]:
        return stop_all({name: t for name, t in self.trees.items() if t.report is None})

    def diagnostics(self, dag_id: str | None = None) -> str:
        parts: list[str] = []
        for name in self.trees:
            parts += [f"--- {name}.log (tail) ---", tail(self.log(name), 25)]
        pattern = f"dag_id={dag_id}/**/*.log" if dag_id else "dag_id=*/**/*.log"
        for path in sorted((self.home / "logs").glob(pattern), key=lambda p: p.stat().st_mtime)[-3:]:
            parts += [f"--- {path.relative_to(self.home)} (tail) ---", tail(path, 40)]
        return "\n".join(parts)

    def wait_for(self, what: str, probe: Callable[[], T | None], *, dag_id: str | None = None,
                 timeout: float = PHASE_TIMEOUT) -> T:
        """Poll ``probe`` until it returns something other than None; fail (pytest) with the
        logs when a component exits or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            dead = {name: t.proc.returncode for name, t in self.trees.items() if t.proc.poll() is not None}
            if dead:
                _fail(f"{dead} exited while waiting for {what}\n{self.diagnostics(dag_id)}")
            value = probe()
            if value is not None:
                return value
            if time.monotonic() > deadline:
                _fail(f"timed out waiting for {what}\n{self.diagnostics(dag_id)}")
            time.sleep(self.poll_every)

    def runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.rest.get(f"/api/v2/dags/{dag_id}/dagRuns?limit=100")["dag_runs"])

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances?limit=1000"
        return list(self.rest.get(path)["task_instances"])

    def wait_run(self, dag_id: str, run_id: str, timeout: float = PHASE_TIMEOUT) -> dict[str, Any]:
        """Wait for a run to succeed; fail at once (with the logs) when a task fails or retries."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}"

        def probe() -> dict[str, Any] | None:
            run = self.rest.get(path)
            bad = [f"{ti['task_id']}[{ti['map_index']}]: {ti['state']}" for ti in self.task_instances(dag_id, run_id)
                   if ti["state"] in ("failed", "up_for_retry", "upstream_failed")]
            if bad or run["state"] == "failed":
                _fail(f"{dag_id} run {run_id} is {run['state']} ({bad})\n{self.diagnostics(dag_id)}")
            return run if run["state"] == "success" else None

        return self.wait_for(f"{dag_id} run {run_id} to succeed", probe, dag_id=dag_id, timeout=timeout)

    def wait_ready(self) -> None:
        """Every component healthy, every worker connected to the broker, a JWT for admin."""

        def healthy() -> bool | None:
            try:
                status, health = self.rest.call("GET", "/api/v2/monitor/health", timeout=5)
            except OSError:
                return None
            parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
            found: dict[str, Any] = health if status == 200 and isinstance(health, dict) else {}
            return True if all((found.get(p) or {}).get("status") == "healthy" for p in parts) else None

        def ready(name: str) -> Callable[[], bool | None]:
            return lambda: " ready." in tail(self.log(name), 200) or None

        self.wait_for("every component to report healthy", healthy)
        for name in self.workers:
            self.wait_for(f"celery {name} to be ready", ready(name))
        passwords = self.home / "simple_auth_manager_passwords.json.generated"
        self.wait_for(passwords.name, lambda: passwords.exists() or None)
        self.rest.login("admin", json.loads(passwords.read_text())["admin"])

    def poll_then_process(self, timeout: float = PHASE_TIMEOUT) -> tuple[dict[str, Any], dict[str, Any]]:
        """Unpause the processing DAG and the polling DAG (``@once``: its one run starts),
        wait for that run and for the processing run its asset event starts (each within
        ``timeout`` s). Returns both finished runs."""

        def parsed() -> bool | None:
            errors = self.rest.get("/api/v2/importErrors")
            if errors["total_entries"]:
                _fail(f"DAG import errors: {json.dumps(errors['import_errors'])[:4000]}")
            ids = {d["dag_id"] for d in self.rest.get("/api/v2/dags?limit=100")["dags"]}
            return True if {"newsflow_poll_feeds", "newsflow_process_articles"} <= ids else None

        def first_run(dag_id: str, run_type: str) -> Callable[[], dict[str, Any] | None]:
            def probe() -> dict[str, Any] | None:
                runs = [r for r in self.runs(dag_id) if r["run_type"] == run_type]
                return runs[0] if runs else None
            return probe

        self.wait_for("the dag-processor to register the DAGs", parsed)
        for dag_id in ("newsflow_process_articles", "newsflow_poll_feeds"):
            assert self.rest.request("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})["is_paused"] is False
        poll = self.wait_for("the @once polling run", first_run("newsflow_poll_feeds", "scheduled"),
                             dag_id="newsflow_poll_feeds")
        poll = self.wait_run("newsflow_poll_feeds", poll["dag_run_id"], timeout)
        process = self.wait_for("an asset-triggered newsflow_process_articles run",
                                first_run("newsflow_process_articles", "asset_triggered"),
                                dag_id="newsflow_process_articles")
        return poll, self.wait_run("newsflow_process_articles", process["dag_run_id"], timeout)


@contextlib.contextmanager
def celery_stack(home: Path, data: Path, feeds: Path, *, postgres_url: str, redis_url: str,
                 workers: tuple[str, ...], **extra: str) -> Iterator[CeleryStack]:
    """A started :class:`CeleryStack` in ``home`` (its metadata DB a new database on the
    PostgreSQL at ``postgres_url``, a superuser URL; its broker the Redis at ``redis_url``),
    newsflow's data in ``data``, ``extra`` added to every component's environment. The
    polling DAG's schedule is ``@once``. Every process is stopped on exit, whatever happened."""
    import psycopg

    home.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    database = f"airflow_{secrets.token_hex(4)}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    metadata_url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + f"/{database}"
    port = free_port()
    base = airflow_env(home, data, feeds, NEWSFLOW_POLL_SCHEDULE="@once", AIRFLOW__API__WORKERS="1",
                       AIRFLOW__LOGGING__LOGGING_LEVEL="INFO", **extra)
    stack = CeleryStack(home, data, celery_env(base, port, metadata_url=metadata_url, redis_url=redis_url), port,
                        workers)
    try:
        prepare(stack.env)  # metadata tables on PostgreSQL, the newsflow_http pool
        stack.start()
        yield stack
    finally:
        report = stack.stop()
        left = {name: r["remaining"] for name, r in report.items() if r.get("remaining")}
        if left:
            print(f"[celery stack] left running after the stop: {left}", flush=True)
