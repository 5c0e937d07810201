"""
### newsflow: poll feeds

Polls every feed of the feed list (`NEWSFLOW_FEEDS_FILE`) on a schedule
(`NEWSFLOW_POLL_SCHEDULE`, default every 15 minutes) with conditional GETs, in mapped
batches that share the `newsflow_http` pool (politeness: at most that many polls at once).
New entries become durable pending work in the state store; when there are any, the
`newsflow://articles/pending` asset gets an event whose extra says how many arrived, and
`newsflow_process_articles` runs.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, dag, task

from newsflow.airflow_support import DEFAULT_ARGS, HTTP_POOL, PENDING_ASSET, poll_schedule

PENDING = Asset(PENDING_ASSET)


@dag(
    dag_id="newsflow_poll_feeds",
    schedule=poll_schedule(),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsflow"],
    doc_md=__doc__,
)
def newsflow_poll_feeds() -> None:
    @task
    def feed_batches() -> list[list[dict[str, Any]]]:
        from newsflow.airflow_support import feed_batches

        return feed_batches()

    @task(pool=HTTP_POOL, multiple_outputs=False)
    def poll_batch(batch: list[dict[str, Any]]) -> dict[str, Any]:
        from newsflow.airflow_support import poll_batch

        return poll_batch(batch)

    @task(outlets=[PENDING], multiple_outputs=False)
    def announce(summaries: list[dict[str, Any]], outlet_events: Any = None) -> dict[str, int]:
        from airflow.sdk.exceptions import AirflowSkipException

        from newsflow.airflow_support import totals

        total = totals(summaries[:])  # one slice request; iterating probes past the end
        if total["entries_new"] == 0:
            raise AirflowSkipException(f"no new articles: {total}")
        outlet_events[PENDING].extra = {"new_articles": total["entries_new"], **total}
        return total

    announce(poll_batch.expand(batch=feed_batches()))


newsflow_poll_feeds()
