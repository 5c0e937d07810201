"""
### newsflow: maintenance

Daily: on Elasticsearch, set up the index template, first index and alias (idempotent: what
`newsflow es setup` does; the ingest DAGs never create indices); retry recorded failures that
are due, prune old state (done articles and permanent failures older than
`NEWSFLOW_PRUNE_DAYS`, default 90), and on Elasticsearch rebuild the index behind the alias
with an atomic alias swap (no downtime).
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import dag, task

from newsflow.airflow_support import DEFAULT_ARGS


@dag(
    dag_id="newsflow_maintenance",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsflow", "maintenance"],
    doc_md=__doc__,
)
def newsflow_maintenance() -> None:
    @task(multiple_outputs=False)
    def setup_index() -> dict[str, Any]:
        from newsflow.airflow_support import setup_index

        return setup_index()

    @task(multiple_outputs=False)
    def retry_failures() -> dict[str, Any]:
        from newsflow.airflow_support import retry_failures

        return retry_failures()

    @task(multiple_outputs=False)
    def prune_state() -> dict[str, int]:
        from newsflow.airflow_support import prune_state

        return prune_state(int(os.environ.get("NEWSFLOW_PRUNE_DAYS", "90")))

    @task(multiple_outputs=False)
    def reindex() -> dict[str, Any]:
        from newsflow.airflow_support import reindex

        return reindex()

    setup_index() >> retry_failures() >> prune_state() >> reindex()


newsflow_maintenance()
