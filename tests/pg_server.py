"""A throw-away PostgreSQL server for tests: Debian's ``postgresql`` binaries, loopback only.

:func:`start` runs ``initdb`` and ``postgres`` in a new temporary directory (its unix socket
there too, TCP on 127.0.0.1 at a free port) and returns a :class:`PgServer`; ``stop()``
shuts it down and removes the directory. ``initdb`` refuses to run as root, so as root both
run as the ``postgres`` user (``runuser``), which owns the directory. The superuser
``postgres`` has :data:`SUPERUSER_PASSWORD`; TCP connections must give it (scram-sha-256),
so a wrong password is refused as it would be in production.

Run ``python tests/pg_server.py`` to start one by hand (Ctrl-C stops it).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER_PASSWORD = "pg-test-superuser-pw"
SERVICE_USER = "postgres"


class PgUnavailable(RuntimeError):
    """No PostgreSQL server can be started here (binaries or the ``postgres`` user missing)."""


def bindir() -> Path:
    """The directory of ``initdb``/``postgres``: ``$NEWSFLOW_PG_BINDIR``, else the newest
    ``/usr/lib/postgresql/*/bin``, else ``PATH``. Raises :class:`PgUnavailable`."""
    given = os.environ.get("NEWSFLOW_PG_BINDIR")
    candidates = [Path(given)] if given else []
    candidates += sorted((Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    raise PgUnavailable("no PostgreSQL server binaries (initdb, postgres): install Debian's postgresql package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_service_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser") is None:
        raise PgUnavailable("running as root without runuser: cannot start postgres as an unprivileged user")
    try:
        import pwd

        pwd.getpwnam(SERVICE_USER)
    except KeyError as exc:
        raise PgUnavailable(f"running as root and there is no {SERVICE_USER!r} user to run postgres") from exc
    return ["runuser", "-u", SERVICE_USER, "--", *cmd]


def _parent_dir() -> str | None:
    """Where the server's directory goes: the usual temporary directory, unless we are root
    and the ``postgres`` user could not reach into it (a ``TMPDIR`` under ``/root``): then ``/tmp``."""
    if os.geteuid() != 0:
        return None
    here = Path(tempfile.gettempdir()).resolve()
    reachable = all(os.stat(p).st_mode & 0o001 for p in (here, *here.parents))
    return None if reachable else "/tmp"


@dataclass
class PgServer:
    """A running server: its directory, port and process."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    bindir: Path
    databases: list[str] = field(default_factory=list)

    def url(self, database: str = "postgres", *, user: str = "postgres", password: str = SUPERUSER_PASSWORD) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database (its name); the server's superuser owns it."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until the server accepts connections; :class:`PgUnavailable` (and the server
        stopped) if it exits or does not within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                text = (self.root / "server.log").read_text(errors="replace")[-2000:]
                shutil.rmtree(self.root, ignore_errors=True)
                raise PgUnavailable(f"postgres exited with {self.process.returncode}: {text}")
            ready = subprocess.run([str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                                   check=False)
            if ready.returncode == 0:
                return
            if time.monotonic() > deadline:
                self.stop()
                raise PgUnavailable(f"postgres did not accept connections within {timeout:.0f}s")
            time.sleep(0.1)

    def halt(self) -> None:
        """Shut the server down (fast: open connections are cut) and keep its directory."""
        if self.process.poll() is None:
            subprocess.run(
                _as_service_user([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w",
                                  "-t", "30", "stop"]),
                capture_output=True, check=False,
            )
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def restart(self, *, down_for: float = 0.0) -> None:
        """Stop the server (every connection is cut), wait ``down_for`` seconds, start it again
        on the same data and port and wait until it accepts connections."""
        self.halt()
        time.sleep(down_for)
        self.process = _spawn(self.bindir, self.root, self.port)
        self.wait_ready()

    def stop(self) -> None:
        """Shut the server down (``pg_ctl stop -m fast``, which waits until it has exited; a
        signal to ``runuser`` would not wait for postgres) and remove its directory."""
        self.halt()
        shutil.rmtree(self.root, ignore_errors=True)


def start(*, timeout: float = 60.0) -> PgServer:
    """Start a server (see the module docstring). Raises :class:`PgUnavailable` when it
    cannot, with initdb's or the server's own output."""
    binaries = bindir()
    root = Path(tempfile.mkdtemp(prefix="newsflow-pg-", dir=_parent_dir()))
    data, pwfile = root / "data", root / "pwfile"
    pwfile.write_text(SUPERUSER_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, SERVICE_USER, SERVICE_USER)
        shutil.chown(pwfile, SERVICE_USER, SERVICE_USER)
    os.chmod(root, 0o700)
    init = subprocess.run(
        _as_service_user([str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
                          "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]),
        capture_output=True, text=True, check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise PgUnavailable(f"initdb failed ({init.returncode}): {init.stderr.strip()[-2000:]}")
    port = _free_port()
    server = PgServer(root, port, _spawn(binaries, root, port), binaries)
    server.wait_ready(timeout)
    return server


def _spawn(binaries: Path, root: Path, port: int) -> subprocess.Popen[bytes]:
    """The postgres process on ``root``'s data directory, its output appended to server.log."""
    log = root / "server.log"
    with open(log, "ab") as out:
        if os.geteuid() == 0:
            shutil.chown(log, SERVICE_USER, SERVICE_USER)
        return subprocess.Popen(
            _as_service_user([
                str(binaries / "postgres"), "-D", str(root / "data"), "-k", str(root), "-h", "127.0.0.1",
                "-p", str(port), "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=50", "-c", "shared_buffers=32MB",
            ]),
            stdout=out, stderr=subprocess.STDOUT,
        )


if __name__ == "__main__":
    running = start()
    print(running.url(), flush=True)
    try:
        running.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
