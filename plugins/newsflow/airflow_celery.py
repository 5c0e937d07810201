"""Celery settings for Airflow's CeleryExecutor under which every newsflow task starts warm.

Point Airflow at :data:`CELERY_CONFIG`::

    AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=newsflow.airflow_celery.CELERY_CONFIG

It is Airflow's default Celery configuration unchanged; importing it also connects two
``worker_init`` handlers, run in each ``airflow celery worker``'s main process before it
forks its pool:

- :func:`preload_models` loads newsflow's entity models and lexicons once
  (:func:`newsflow.preload.preload`; Airflow's own ``celery_import_modules`` handler
  preloads its operator modules the same way);
- :func:`batch_scheduling` puts the worker under Linux's ``SCHED_BATCH`` policy, which its
  pool processes, their task supervisors and the task processes inherit.

The scheduler and api-server read this module for the configuration only: ``worker_init``
is sent in workers alone. A handler that fails is logged and leaves the worker as it would
be without it (each task loads what it needs; normal scheduling).
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

log = logging.getLogger(__name__)

CELERY_CONFIG: dict[str, Any] = dict(DEFAULT_CELERY_CONFIG)
"""Airflow's default Celery configuration (a copy): the preload is the signal handler below."""


@worker_init.connect
def preload_models(**_: Any) -> None:
    """Celery's ``worker_init``: :func:`newsflow.preload.preload` with the worker's settings
    (environment and config file; a task's Airflow Variable may still change the English model)."""
    try:
        from newsflow.config import load_settings
        from newsflow.preload import preload

        preload(load_settings())
    except Exception as exc:  # never stop a worker from starting: tasks load models themselves
        log.warning("newsflow models not preloaded (%s: %s): each task loads its own", type(exc).__name__, exc)


@worker_init.connect
def batch_scheduling(**_: Any) -> None:
    """Celery's ``worker_init``: schedule this worker and every process it forks as
    ``SCHED_BATCH`` (CPU-bound, non-interactive work; ``sched(7)``), where the platform has it.

    Why: when a task process exits, Airflow's task supervisor (the worker's pool process) is
    woken by the task's sockets closing and then reaps it; if the supervisor runs before the
    exiting process has become reapable, it finds no exit code and sleeps until its next
    heartbeat (``[workers] min_heartbeat_interval``) while the worker takes no new task.
    It happened on about half the tasks with two workers on 2 cores, as far as we can tell
    because with every core busy the woken supervisor preempts the exiting process inside
    that window. A ``SCHED_BATCH`` process never preempts on wake-up (its turn comes at the
    scheduler tick), and no such wait was seen since (``benchmarks/README.md``, Celery).
    Lowering one's own policy needs no privilege; where it fails (not Linux, a seccomp
    profile) the worker keeps normal scheduling and says so in its log.
    """
    import os

    policy = getattr(os, "SCHED_BATCH", None)
    if policy is None:
        log.info("newsflow: SCHED_BATCH is not available on this platform; the worker keeps normal scheduling")
        return
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))
    except OSError as exc:
        log.warning("newsflow: the worker keeps normal scheduling (SCHED_BATCH refused: %s)", exc)
        return
    log.info("newsflow: worker and its task processes scheduled as SCHED_BATCH")
