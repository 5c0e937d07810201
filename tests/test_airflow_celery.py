"""``newsflow.airflow_celery.batch_scheduling`` in a process of its own, as a Celery pool
process runs it (``tests/test_airflow_celery_e2e.py`` checks a real worker's pool processes,
where Celery sends ``worker_process_init``)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="SCHED_BATCH is Linux's")

POOL_PROCESS = """
import os
from newsflow.airflow_celery import batch_scheduling
before = os.sched_getscheduler(0)
batch_scheduling()
pid = os.fork()  # as Airflow's supervisor forks its task process
if pid == 0:
    os._exit(10 + os.sched_getscheduler(0))
_, status = os.waitpid(pid, 0)
print(before, os.sched_getscheduler(0), os.waitstatus_to_exitcode(status) - 10)
"""


def test_a_pool_process_runs_as_batch_and_the_tasks_it_forks_as_normal() -> None:
    done = subprocess.run([sys.executable, "-c", POOL_PROCESS], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    before, supervisor, task = (int(x) for x in done.stdout.split()[-3:])
    assert before == os.SCHED_OTHER  # the test's own policy: the change is the handler's
    assert supervisor == os.SCHED_BATCH
    assert task == os.SCHED_OTHER
