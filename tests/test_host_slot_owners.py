"""A dead process's host slots: freed at once on its own machine, after the lease elsewhere.

A real child process takes a slot through the state store (either backend) and is killed
with SIGKILL while holding it; the next taker on this machine gets the slot at once, even
with a lease of ten minutes. Owners of other machines, owners not in the owner format and
pids now running another process are each checked too (:mod:`newsflow.state.owners`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from newsflow.state import StateStore, owners

LEASE = 600.0
CHILD = """
import sys, time
from newsflow.state import StateStore, owners
store = StateStore(sys.argv[1])
assert store.acquire_host_slot("kill.test", owners.owner("child"), "child-slot", limit=1, delay=0.0,
                               lease_seconds=float(sys.argv[2])) == 0
print(owners.owner("child"), flush=True)
time.sleep(3600)
"""


def _take(store: StateStore, token: str, owner: str | None = None, host: str = "kill.test") -> float:
    return store.acquire_host_slot(host, owner or owners.owner("test"), token, limit=1, delay=0.0,
                                   lease_seconds=LEASE)


def _child_holding_a_slot(target: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, target, str(LEASE)], stdout=subprocess.PIPE,
                             env=env, text=True)
    assert child.stdout is not None
    name = child.stdout.readline().strip()
    assert name, f"the child exited {child.poll()} before taking its slot"
    return child, name


def test_a_killed_processes_slot_is_freed_at_once_on_its_machine(state_target: str) -> None:
    store = StateStore(state_target)
    child, name = _child_holding_a_slot(state_target)
    try:
        assert name.split("/")[1] == str(child.pid)
        assert not owners.is_dead_here(name)
        assert _take(store, "mine") < 0, "the live child holds the only slot"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        assert owners.is_dead_here(name)
        started = time.monotonic()
        assert _take(store, "mine") == 0, "the dead child's slot is freed, its lease not waited for"
        assert time.monotonic() - started < LEASE / 10
        assert store.host_slots_held("kill.test") == 1
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        store.close()


def test_other_machines_and_unknown_owners_wait_for_the_lease(state_target: str) -> None:
    store = StateStore(state_target)
    child, name = _child_holding_a_slot(state_target)
    child.kill()
    child.wait()
    try:
        machine, pid, start, _ = name.split("/")
        others = {
            "elsewhere": f"another-host+0badcafe/{pid}/{start}/run",  # the same pid means nothing there
            "no-format": "run-a",
            "unknown-start": f"{machine}/{pid}/{owners.UNKNOWN}/run",
        }
        for host, owner in others.items():
            assert _take(store, f"{host}-1", owner, host=host) == 0
            assert _take(store, f"{host}-2", host=host) < 0, f"{owner!r} is not judged dead"
        # a pid that runs again, but another process (started at another time): freed
        reused = f"{machine}/{os.getpid()}/{int(start) + 1 if start.isdigit() else 1}/run"
        assert owners.is_dead_here(reused)
        assert _take(store, "reused-1", reused, host="reused.test") == 0
        assert _take(store, "reused-2", host="reused.test") == 0
        # this process itself is alive
        assert _take(store, "me-1", host="me.test") == 0 and _take(store, "me-2", host="me.test") < 0
    finally:
        store.close()
