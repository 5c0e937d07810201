"""``newsflow.airflow_celery.batch_scheduling`` in a process of its own, as a worker's main
process runs it (``tests/test_airflow_celery_e2e.py`` checks a real worker's processes,
where Celery sends ``worker_init``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="SCHED_BATCH is Linux's")

CHILD = """
import os, sys
from newsflow.airflow_celery import batch_scheduling
before = os.sched_getscheduler(0)
batch_scheduling()
pid = os.fork()
if pid == 0:
    os._exit(0 if os.sched_getscheduler(0) == os.SCHED_BATCH else 3)
_, status = os.waitpid(pid, 0)
print(before, os.sched_getscheduler(0), os.waitstatus_to_exitcode(status))
"""


def test_worker_init_schedules_the_worker_and_what_it_forks_as_batch() -> None:
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after, child = (int(x) for x in done.stdout.split()[-3:])
    assert before == os.SCHED_OTHER  # the test process's own policy: the change is the handler's
    assert after == os.SCHED_BATCH
    assert child == 0, "a process forked by the worker (a task's supervisor, a task) is not SCHED_BATCH"
