"""Airflow on the CeleryExecutor with 1 and then 2 Celery workers: articles/s of the processing DAG.

The deployment is the Celery end-to-end test's (``tests/airflow_env.py``: PostgreSQL metadata
DB, newsflow's state store in a database of its own on the same PostgreSQL, Redis broker,
api-server, scheduler, dag-processor, triggerer, workers of one task slot each), started afresh for each worker count on the same generated corpus (:mod:`benchmarks.sitegen`,
served on loopback). The polling DAG runs once; the figure is the processing run's wall time
(its start to its end in Airflow's metadata), so Airflow's start and the polling are not in it.
Politeness is off (no per-host delay, 8 requests at once): all pages come from one loopback host,
and the question is how the workers scale, not how fast one host may be asked. The DAG files
are parsed once at start and not again (``min_file_process_interval`` and ``refresh_interval``
of an hour, as a deployment whose DAGs change only on deploy would set them): with Airflow's
defaults the dag-processor re-parses every DAG file every 30 s, on the same two cores as the
workers.

Run ``python -m benchmarks --only celery [--celery-articles N]`` (about 10 minutes at N = 300 on 2 cores).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from benchmarks import sitegen
from newsflow.demo_server import DemoServer
from newsflow.index.embedded import EmbeddedBackend

REPO = Path(__file__).resolve().parents[1]
ARTICLES = 300
WORKER_COUNTS = (1, 2)
RUN_TIMEOUT = 1800.0
DAG_REPARSE_S = 3600
"""Seconds before the dag-processor reads an unchanged DAG file or the DAG folder again."""


def _seconds(run: dict[str, Any]) -> float:
    start = datetime.fromisoformat(run["start_date"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(run["end_date"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def run(n: int = ARTICLES) -> list[dict[str, Any]]:
    """One row per worker count: articles indexed, mapped tasks, the processing run's seconds,
    articles/s, speed-up over one worker, and the 1-minute load average before and after."""
    sys.path.insert(0, str(REPO / "tests"))  # the launchers the tests use: one copy of each
    import pg_server
    from airflow_env import celery_stack
    from redis_server import running_redis

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="newsflow-celery-bench-") as tmp:
        work = Path(tmp)
        site = sitegen.generate(work / "site", n)
        server = DemoServer(site.root).start()
        try:
            feeds = work / "feeds.yaml"
            feeds.write_text(yaml.safe_dump({"feeds": [
                {"name": f"bench-{i}", "url": f"{server.base_url}/{path}"} for i, path in enumerate(site.feeds)]}))
            postgres = pg_server.start()
            try:
                for count in WORKER_COUNTS:
                    names = tuple(f"worker{i + 1}" for i in range(count))
                    with running_redis(work / f"redis-{count}") as redis_url, celery_stack(
                        work / f"home-{count}", work / f"data-{count}", feeds, postgres_url=postgres.url(),
                        redis_url=redis_url, workers=names,
                        NEWSFLOW_PER_HOST_DELAY="0", NEWSFLOW_PER_HOST_CONCURRENCY="8",
                        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL=str(DAG_REPARSE_S),
                        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=str(DAG_REPARSE_S),
                        NEWSFLOW_STATE_URL=postgres.url(postgres.create_database("newsflow_state")),
                    ) as stack:
                        stack.wait_ready()
                        time.sleep(5)  # let the start's CPU burst pass before the load is read
                        load_before = os.getloadavg()[0]
                        _, process = stack.poll_then_process(timeout=RUN_TIMEOUT)
                        load_after = os.getloadavg()[0]
                        tis = [ti for ti in stack.task_instances("newsflow_process_articles", process["dag_run_id"])
                               if ti["task_id"] == "process_batch"]
                        with EmbeddedBackend(stack.data / "index.db") as index:
                            articles = index.count()
                    seconds = _seconds(process)
                    rows.append({
                        "celery_workers": count, "articles": articles, "mapped_tasks": len(tis),
                        "tasks_per_worker": "/".join(str(sum(ti["hostname"] == w for ti in tis)) for w in names),
                        "process_run_s": round(seconds, 1), "articles_per_s": round(articles / seconds, 2),
                        "load_1m_before_after": f"{load_before:.2f} / {load_after:.2f}",
                    })
                    print(f"  celery workers={count}: {rows[-1]}", flush=True)
            finally:
                postgres.stop()
        finally:
            server.stop()
    first = rows[0]["articles_per_s"]
    for row in rows:
        row["speedup"] = f"{row['articles_per_s'] / first:.2f}×"
    return rows
