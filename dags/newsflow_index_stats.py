"""
### newsflow: index statistics after every update

Scheduled on `newsflow://index/articles`: each time a processing, manual or inbox run
updates the index, this run records what the index now holds (documents, per source and
language, recorded failures) as its return value (XCom) and in the task log — the hook
for alerting or reporting on ingestion health.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

from newsflow.airflow_support import DEFAULT_ARGS, INDEX_ASSET

INDEX = Asset(INDEX_ASSET)


@dag(
    dag_id="newsflow_index_stats",
    schedule=[INDEX],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsflow"],
    doc_md=__doc__,
)
def newsflow_index_stats() -> None:
    @task(multiple_outputs=False)
    def index_stats(triggering_asset_events: Any = None) -> dict[str, Any]:
        from newsflow.airflow_support import index_stats

        events = triggering_asset_events or {}
        updates = [event.extra for evs in events.values() for event in evs]
        return index_stats(updates)

    index_stats()


newsflow_index_stats()
