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
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


AIRFLOW = str(Path(sys.executable).with_name("airflow"))


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
    spread over the workers instead of queueing behind one."""
    env = server_env(base, api_port)
    env.update(
        {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": metadata_url,
            "AIRFLOW__CELERY__BROKER_URL": f"{redis_url}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"{redis_url}/1",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
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
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [AIRFLOW, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    return ProcessTree(proc)


def stop_all(trees: list[ProcessTree], grace: float = 60) -> dict[str, dict[str, object]]:
    """Stop several trees at once (each as :meth:`ProcessTree.stop`), keyed by leader command."""
    from concurrent.futures import ThreadPoolExecutor

    if not trees:
        return {}
    with ThreadPoolExecutor(len(trees)) as pool:
        reports = list(pool.map(lambda tree: tree.stop(grace), trees))
    return {f"{tree.sid} {' '.join(str(a) for a in tree.proc.args[1:])}": report  # type: ignore[index]
            for tree, report in zip(trees, reports, strict=True)}


def start_standalone(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """``airflow standalone`` in its own session (so its whole tree can be found and stopped)
    with SIGINT at its default action: standalone shuts down cleanly only on SIGINT."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [AIRFLOW, "standalone"],
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
