"""Operating-system plumbing of the development Elasticsearch node: ports, users, process
groups, directories and log tails.

Elasticsearch refuses to run as root: then the node runs as the unprivileged user
``$NEWSFLOW_ES_USER`` (default ``nobody``) from a hard-linked copy of the distribution.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from newsflow_dev.es_distribution import EsDevError

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail_text(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def tail_file(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64_000))
            return tail_text(fh.read().decode("utf-8", "replace"), lines)
    except OSError:
        return ""


def run_as_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the node as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("NEWSFLOW_ES_USER", "nobody")
    try:
        return pwd.getpwnam(name)
    except KeyError as exc:
        raise EsDevError(
            f"running as root, and Elasticsearch refuses root, but user {name!r} does not "
            "exist: set NEWSFLOW_ES_USER to an unprivileged user"
        ) from exc


def link_tree(src: Path, dst: Path) -> None:
    """Copy a directory tree with hard links (plain copies across file systems)."""

    def link_or_copy(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, copy_function=link_or_copy, symlinks=True)


def chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                continue
            st = os.stat(path)
            if os.path.isfile(path) and st.st_nlink > 1:
                continue  # a hard link into the cache: leave the cache's owner alone
            os.chown(path, uid, gid)


def _reachable(kill: Callable[[int, int], None], target: int) -> bool:
    """Whether signal 0 reaches ``target`` (``os.kill``: a pid, ``os.killpg``: a group);
    a process of another user counts."""
    try:
        kill(target, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stat(pid: int | str) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first), or ``[]``."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    if not _reachable(os.kill, pid):
        return False
    fields = _stat(pid)
    return not fields or fields[0] != "Z"


def _group_alive(pgid: int) -> bool:
    if not _reachable(os.killpg, pgid):
        return False
    # killpg(0) also succeeds while only zombies are left; look for a live member
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for entry in proc.iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else []
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def stop_process_group(
    pgid: int, *, timeout: float = 30, process: subprocess.Popen[bytes] | None = None
) -> None:
    """SIGTERM the node's process group, wait up to ``timeout``, then SIGKILL it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
        else:
            time.sleep(0.2)
        if (process is None or process.poll() is not None) and not _group_alive(pgid):
            return
    log.warning("Elasticsearch (pgid %d) did not stop within %.0fs; killing it", pgid, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)


def remove_workdir(workdir: Path) -> None:
    if workdir.name.startswith("newsflow-es-"):
        shutil.rmtree(workdir, ignore_errors=True)


def looks_like_our_node(pid: int, workdir: Path) -> bool:
    try:
        if os.getpgid(pid) != pid:
            return False
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except (OSError, ProcessLookupError):
        return True  # cannot tell (no /proc): trust the state file
    return f"ES_PATH_CONF={workdir / 'config'}".encode() in environ
