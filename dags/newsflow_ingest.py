"""
### newsflow: manual ingest

Trigger by hand (UI, REST API or `airflow dags trigger -c '{...}'`) with:

| param | type | meaning |
|---|---|---|
| `article_urls` | list of URLs | article pages to fetch and index now |
| `feed_urls` | list of URLs | feeds to poll now; their new entries are processed too |
| `backend` | `embedded` \\| `elasticsearch` \\| null | index to write to (null: the configured one) |
| `since` | date or null | with `reprocess`: only documents published since then |
| `reprocess` | bool | re-run the extractors over already indexed documents |

Invalid parameters fail the run at once with a message saying what to fix (no retries), and
so does an ingest in which every URL failed (the message lists each URL and its reason).
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Asset, Param, dag, task

from newsflow.airflow_support import DEFAULT_ARGS, INDEX_ASSET

INDEX = Asset(INDEX_ASSET)


@dag(
    dag_id="newsflow_ingest",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=DEFAULT_ARGS,
    tags=["newsflow", "manual"],
    doc_md=__doc__,
    params={
        "article_urls": Param([], type="array", items={"type": "string"}, description="Article URLs to ingest."),
        "feed_urls": Param([], type="array", items={"type": "string"}, description="Feed URLs to poll now."),
        "backend": Param(None, type=["null", "string"], enum=[None, "embedded", "elasticsearch"],
                         description="Index to write to; empty: the configured backend."),
        "since": Param(None, type=["null", "string"], format="date", description="YYYY-MM-DD"),
        "reprocess": Param(False, type="boolean", description="Re-run extractors on indexed documents."),
    },
)
def newsflow_ingest() -> None:
    @task(outlets=[INDEX], multiple_outputs=False)
    def ingest(params: dict[str, Any] | None = None) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException

        from newsflow.airflow_support import NothingIngested, ingest, validate_ingest

        try:
            request = validate_ingest(params or {})
        except ValueError as exc:
            raise AirflowFailException(str(exc)) from exc
        try:
            return ingest(request)
        except NothingIngested as exc:  # retrying now would fail the same way
            raise AirflowFailException(str(exc)) from exc

    ingest()


newsflow_ingest()
