"""Who holds a lease: an owner name that identifies the process, so that a process on the
same machine can tell a dead holder from a live one without waiting for the lease to expire.

An owner is ``machine/pid/start/tag``:

* ``machine``: the host name, then a short hash of the kernel's boot id and the process's
  PID namespace (two containers with one host name, or one machine before and after a
  reboot, are different machines: a pid means something only within one);
* ``pid`` and ``start``: the process id and its start time in clock ticks since boot
  (``/proc/<pid>/stat``), so a pid reused by a later process is not taken for the holder;
* ``tag``: anything the caller adds (a run's random id).

Where ``/proc`` is missing (not Linux), ``start`` is ``?`` and no owner is ever judged dead:
its slots wait for their lease, as every other machine's do.
"""

from __future__ import annotations

import hashlib
import os
import socket
from functools import cache

UNKNOWN = "?"


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def start_ticks(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (field 22 of
    ``/proc/<pid>/stat``, read after the command name, which may hold spaces and
    parentheses); ``None`` when no such process runs, :data:`UNKNOWN` without ``/proc``."""
    if not os.path.isdir("/proc/self"):
        return UNKNOWN
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


@cache
def machine() -> str:
    """This machine's name in owners: ``hostname+hash`` (see the module docstring)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    boot = _read("/proc/sys/kernel/random/boot_id")
    digest = hashlib.sha256(f"{boot}|{namespace}".encode()).hexdigest()[:8]
    return f"{socket.gethostname().replace('/', '_')}+{digest}"


def owner(tag: str) -> str:
    """This process's owner name, ending with ``tag`` (``machine/pid/start/tag``)."""
    pid = os.getpid()
    return f"{machine()}/{pid}/{start_ticks(pid) or UNKNOWN}/{tag}"


def is_dead_here(name: str) -> bool:
    """Whether ``name`` is an owner on this machine whose process has ended (its pid runs no
    process, or a process started at another time). ``False`` for another machine's owner,
    for a name not in the owner format, and where start times are unknown."""
    parts = name.split("/", 3)
    if len(parts) != 4 or parts[0] != machine() or parts[2] == UNKNOWN or not parts[1].isdigit():
        return False
    started = start_ticks(int(parts[1]))
    return started != UNKNOWN and started != parts[2]
