"""
### newsflow: ingest on external events (inbox watcher)

Other systems ask newsflow to ingest URLs without waiting for a schedule: they write one
or more `*.txt` files (one article URL per line, or `feed <url>` for a feed) into the inbox
directory (`NEWSFLOW_DROP_DIR`, default `<data dir>/inbox`), then create an empty file
named `READY` there. An `AssetWatcher` (a `FileDeleteTrigger` in the triggerer) sees
`READY`, removes it and emits an event on `newsflow://events/inbox`, which starts this DAG;
it ingests the listed URLs and moves the files to `processed/`.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.providers.standard.triggers.file import FileDeleteTrigger
from airflow.sdk import Asset, AssetWatcher, dag, task

from newsflow.airflow_support import DEFAULT_ARGS, DROP_ASSET, INDEX_ASSET, drop_dir

INBOX = Asset(
    DROP_ASSET,
    watchers=[AssetWatcher(name="newsflow_inbox_ready", trigger=FileDeleteTrigger(filepath=str(drop_dir() / "READY"), poke_interval=2.0))],
)
INDEX = Asset(INDEX_ASSET)


@dag(
    dag_id="newsflow_inbox",
    schedule=[INBOX],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["newsflow", "events"],
    doc_md=__doc__,
)
def newsflow_inbox() -> None:
    @task(outlets=[INDEX], multiple_outputs=False)
    def ingest_inbox() -> dict[str, Any]:
        from newsflow.airflow_support import ingest_inbox

        return ingest_inbox()

    ingest_inbox()


newsflow_inbox()
