"""Celery settings for Airflow's CeleryExecutor under which every newsflow task starts warm.

Point Airflow at :data:`CELERY_CONFIG`::

    AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=newsflow.airflow_celery.CELERY_CONFIG

It is Airflow's default Celery configuration unchanged; importing it also connects two
signal handlers:

- :func:`preload_models` (``worker_init``, in each ``airflow celery worker``'s main process
  before it forks its pool) loads newsflow's entity models and lexicons once
  (:func:`newsflow.preload.preload`; Airflow's own ``celery_import_modules`` handler
  preloads its operator modules the same way);
- :func:`batch_scheduling` (``worker_process_init``, in each pool process, which is where
  Airflow's task supervisor runs) puts the pool process under Linux's ``SCHED_BATCH``
  policy and the task processes it forks back under the normal one.

The scheduler and api-server read this module for the configuration only: both signals
are sent in workers alone. A handler that fails is logged and leaves the worker as it would
be without it (each task loads what it needs; normal scheduling).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init, worker_process_init

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


@worker_process_init.connect
def batch_scheduling(**_: Any) -> None:
    """Celery's ``worker_process_init``, in a pool process (Airflow's task supervisor): this
    process as ``SCHED_BATCH`` (``sched(7)``), the task processes it forks as ``SCHED_OTHER``
    again, where the platform has both.

    Why: when a task process exits, its supervisor is woken by the task's sockets closing
    and then reaps it; if the supervisor runs before the exiting process has become
    reapable, it finds no exit code and sleeps until its next heartbeat
    (``[workers] min_heartbeat_interval``) while the worker takes no new task. It happened on
    about half the tasks with two workers on 2 cores, as far as we can tell because with
    every core busy the woken supervisor preempts the exiting process inside that window. A
    ``SCHED_BATCH`` process never preempts on wake-up (its turn comes at the scheduler tick),
    so the exit completes first (``benchmarks/README.md``, Celery). The task itself keeps
    normal scheduling: its many short waits (state store, fetches) end without waiting for a
    tick. Switching between the two needs no privilege; where it fails (not Linux, a seccomp
    profile) the process keeps normal scheduling and says so in the worker's log.
    """
    policy = getattr(os, "SCHED_BATCH", None)
    if policy is None:
        log.info("newsflow: SCHED_BATCH is not available on this platform; task supervisors keep normal scheduling")
        return
    try:
        os.sched_setscheduler(0, policy, os.sched_param(0))
    except OSError as exc:
        log.warning("newsflow: task supervisors keep normal scheduling (SCHED_BATCH refused: %s)", exc)
        return
    os.register_at_fork(after_in_child=_normal_scheduling)
    log.info("newsflow: task supervisor scheduled as SCHED_BATCH, its tasks as SCHED_OTHER")


def _normal_scheduling() -> None:
    """In a process forked by a ``SCHED_BATCH`` supervisor (a task): back to ``SCHED_OTHER``."""
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except OSError as exc:
        log.warning("newsflow: the task keeps SCHED_BATCH (SCHED_OTHER refused: %s)", exc)
