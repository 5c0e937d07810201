"""Celery settings for Airflow's CeleryExecutor under which every newsflow task starts warm.

Point Airflow at :data:`CELERY_CONFIG`::

    AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=newsflow.airflow_celery.CELERY_CONFIG

It is Airflow's default Celery configuration unchanged; importing it also connects a
``worker_init`` handler, so that each ``airflow celery worker`` loads newsflow's entity
models and lexicons once, in its main process, before it forks its pool
(:func:`newsflow.preload.preload`; Airflow's own ``celery_import_modules`` handler preloads
its operator modules the same way). The scheduler and api-server read this module for the
configuration only: ``worker_init`` is sent in workers alone. A preload that fails is
logged and leaves the worker as it would be without it (each task loads what it needs).
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
