"""A throw-away Redis for tests: Debian's ``redis-server`` on 127.0.0.1, no persistence.

``running_redis(directory)`` starts one in its own session (so its process group can be
stopped whatever happens) and yields its URL, ``redis://127.0.0.1:PORT``. Without the
binary the test is skipped, or fails under CI (``CI=true``, see :mod:`ci`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from ci import unavailable

START_TIMEOUT = 20.0
"""Seconds to wait for the first PONG."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ping(port: int, timeout: float = 1.0) -> bool:
    """True when a Redis on 127.0.0.1:``port`` answers ``PING`` (RESP inline command)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def stop_group(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM to the process group led by ``proc``; SIGKILL after ``grace`` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
            return


@contextlib.contextmanager
def running_redis(directory: Path) -> Iterator[str]:
    """A Redis on a free loopback port with its log in ``directory``; stopped on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed (Debian package redis-server; scripts/install-test-deps)")
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = directory / "redis.log"
    args = [binary, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory),
            "--save", "", "--appendonly", "no", "--protected-mode", "yes", "--logfile", str(log)]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ping(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                text = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
                raise RuntimeError(f"redis-server did not answer on 127.0.0.1:{port} "
                                   f"(exit code {proc.poll()}):\n{text}")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        stop_group(proc)
