"""
### newsflow: saved-search alerts after every index update

Scheduled on `newsflow://index/articles`: each time a processing, manual or inbox run
updates the index, this run searches every saved search (`newsflow alerts add`) over the
documents indexed since its last run and delivers each new match once — a webhook POST
(with retries) or a line in a JSONL file. A failing alert is recorded with its reason
(`newsflow alerts list`) and caught up with on the next update; it never fails the task,
so the others are delivered. Its return value (XCom) is what each alert found and delivered.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

from newsflow.airflow_support import DEFAULT_ARGS, INDEX_ASSET

INDEX = Asset(INDEX_ASSET)


@dag(
    dag_id="newsflow_alerts",
    schedule=[INDEX],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsflow"],
    doc_md=__doc__,
)
def newsflow_alerts() -> None:
    @task(multiple_outputs=False)
    def run_alerts() -> dict[str, Any]:
        import logging

        from newsflow.airflow_support import settings
        from newsflow.alerts import run_alerts

        report = run_alerts(settings()).as_dict()
        logging.getLogger(__name__).info("alerts: %s", report)
        return report

    run_alerts()


newsflow_alerts()
