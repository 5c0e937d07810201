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

Run ``python -m benchmarks --only celery [--celery-articles N] [--repeats R]`` (R rounds of
both worker counts, 2 by default; a round took about 4.5 minutes at N = 600 on 2 cores).
"""

from __future__ import annotations

import functools
import itertools
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
ARTICLES = 600
WORKER_COUNTS = (1, 2)
RUN_TIMEOUT = 1800.0
PROBE_EVERY = 10.0
"""Seconds between the benchmark's REST probes of the runs: the figure is from Airflow's own start
and end times, and each probe is api-server work on the measured cores (at 1 s, ≈ 2 calls/s)."""
DAG_REPARSE_S = 3600
"""Seconds before the dag-processor reads an unchanged DAG file or the DAG folder again."""


def _timeline(run: dict[str, Any], tis: list[dict[str, Any]], workers: tuple[str, ...]) -> dict[str, float]:
    """Where the processing run's wall time goes, from the mapped task instances' own times:
    seconds from the run's start to the first mapped task's start and from the last one's end
    to the run's end (the sequential ends), the seconds the workers sat idle between the first
    mapped task's start and the last one's end (between two of their tasks, or before their
    first and after their last: summed over workers), how many times a worker waited more
    than half a second between two of its tasks and the longest such wait, and the median
    task's seconds."""
    spans = sorted((_stamp(ti["start_date"]), _stamp(ti["end_date"]), ti["hostname"]) for ti in tis
                   if ti.get("start_date") and ti.get("end_date"))
    if not spans:
        return {}
    first, last = spans[0][0], max(b for _, b, _ in spans)
    gaps = 0.0
    between: list[float] = []
    for worker in workers:
        mine = [(a, b) for a, b, host in spans if host == worker]
        between += [max(0.0, nxt[0] - prev[1]) for prev, nxt in itertools.pairwise(mine)]
        gaps += (mine[0][0] - first) + (last - mine[-1][1]) if mine else last - first
    lengths = sorted(b - a for a, b, _ in spans)
    return {"before_mapped_s": round(first - _stamp(run["start_date"]), 1),
            "after_mapped_s": round(_stamp(run["end_date"]) - last, 1),
            "workers_idle_s": round(gaps + sum(between), 1),
            "gaps_over_half_s": sum(g > 0.5 for g in between),
            "longest_gap_s": round(max(between, default=0.0), 1),
            "median_task_s": round(lengths[len(lengths) // 2], 1)}


def _stamp(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _seconds(run: dict[str, Any]) -> float:
    return _stamp(run["end_date"]) - _stamp(run["start_date"])


def _children() -> dict[int, list[int]]:
    """Parent pid → child pids of every process, from one pass over ``/proc``."""
    import psutil

    tree: dict[int, list[int]] = {}
    for proc in psutil.process_iter(["ppid"]):
        tree.setdefault(proc.info["ppid"] or 0, []).append(proc.pid)
    return tree


def _tree_cpu(pid: int, children: dict[int, list[int]]) -> float:
    """CPU seconds (user + system) of process ``pid`` and its descendants (``children``:
    :func:`_children`), those alive and those already reaped by a parent of the tree (0 when
    it is gone)."""
    import psutil

    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            t = psutil.Process(current).cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def _redis_pid(url: str) -> int:
    import psutil

    port = url.rsplit(":", 1)[1].split("/")[0]
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "redis-server" and f":{port}" in " ".join(proc.info["cmdline"] or []):
            return proc.pid
    raise RuntimeError(f"no redis-server process listening on port {port}")


def _cpu(stack: Any, workers: tuple[str, ...], others: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far per part: every Celery worker together, each Airflow component,
    each process tree of ``others`` (name → pid), and the whole machine's busy time."""
    import psutil

    children = _children()  # one pass over /proc per sample: the sampler runs on the measured cores
    parts = {"workers": sum(_tree_cpu(stack.trees[w].sid, children) for w in workers)}
    parts |= {name: _tree_cpu(tree.sid, children) for name, tree in stack.trees.items() if name not in workers}
    parts |= {name: _tree_cpu(pid, children) for name, pid in others.items()}
    t = psutil.cpu_times()
    parts["machine"] = t.user + t.nice + t.system + t.irq + t.softirq + getattr(t, "steal", 0.0)
    return parts


def _requests(log: Path) -> str:
    """The api-server's most frequent requests from its log (Airflow's access log lines,
    ``request finished … method=… path=… duration_us=…``), ids and numbers blanked: the total,
    then count and summed handling time per method and path, longest first."""
    import collections
    import re

    counts: collections.Counter[str] = collections.Counter()
    micros: collections.Counter[str] = collections.Counter()
    for line in log.read_text(errors="replace").splitlines():
        if "request finished" not in line:
            continue
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)
        fields = dict(re.findall(r"(method|path|duration_us)=(\S+)", line))
        if "method" not in fields or "path" not in fields:
            continue
        key = f"{fields['method']} {re.sub(r'[0-9a-f-]{8,}|[0-9]+', '#', fields['path'])}"
        counts[key] += 1
        micros[key] += int(fields.get("duration_us", "0").strip("'\"") or 0)
    if not counts:
        return "(no access log lines)"
    top = sorted(counts, key=lambda k: -micros[k])[:12]
    return (f"{sum(counts.values())} requests, {sum(micros.values()) / 1e6:.1f} s; by time: "
            + "; ".join(f"{k} ×{counts[k]} {micros[k] / 1e6:.2f} s" for k in top))


class _Sampler:
    """:func:`_cpu` every ``every`` seconds in a thread, with the wall-clock time of each sample."""

    def __init__(self, read: Any, every: float = 1.0) -> None:
        import threading

        self.read, self.every, self.samples = read, every, []  # type: ignore[var-annotated]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), self.read()))
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds per part from the last sample at or before ``start`` to the first at or after ``end``."""
        first = max((s for s in self.samples if s[0] <= start), key=lambda s: s[0], default=self.samples[0])
        last = min((s for s in self.samples if s[0] >= end), key=lambda s: s[0], default=self.samples[-1])
        return {k: round(last[1][k] - first[1].get(k, 0.0), 1) for k in last[1]}


def run(n: int = ARTICLES, task_batch: int | None = None, rounds: int = 1) -> list[dict[str, Any]]:
    """One row per worker count: articles indexed, mapped tasks (``task_batch`` articles each,
    default the ``task_batch_size`` setting's), the processing run's seconds, articles/s,
    speed-up over one worker, the 1-minute load average before and after, and CPU seconds per part.

    ``rounds`` > 1 runs the worker counts in turn that many times (1, 2, 1, 2 …, each on a
    fresh stack), so that a drift of the machine's speed reaches both; each count's row is its
    fastest round, and ``rounds_s`` lists every round's seconds."""
    sys.path.insert(0, str(REPO / "tests"))  # the launchers the tests use: one copy of each
    import pg_server

    measured: dict[int, list[dict[str, Any]]] = {count: [] for count in WORKER_COUNTS}
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
                for round_no in range(1, max(1, rounds) + 1):
                    for count in WORKER_COUNTS:
                        row = _measure(work / f"round-{round_no}", count, feeds, postgres, task_batch)
                        print(f"  round {round_no}, celery workers={count}: {row}", flush=True)
                        measured[count].append(row)
            finally:
                postgres.stop()
        finally:
            server.stop()
    rows = []
    for runs in measured.values():
        best = min(runs, key=lambda row: row["process_run_s"])
        rows.append({**best, "rounds_s": " / ".join(f"{row['process_run_s']:.1f}" for row in runs)})
    first = rows[0]["articles_per_s"]
    for row in rows:
        row["speedup"] = f"{row['articles_per_s'] / first:.2f}×"
    return rows


def _measure(work: Path, count: int, feeds: Path, postgres: Any, task_batch: int | None) -> dict[str, Any]:
    """One processing run with ``count`` workers on a fresh stack in ``work``: :func:`run`'s row."""
    from airflow_env import COMPONENTS, celery_stack
    from redis_server import running_redis

    names = tuple(f"worker{i + 1}" for i in range(count))
    with running_redis(work / f"redis-{count}") as redis_url, celery_stack(
        work / f"home-{count}", work / f"data-{count}", feeds, postgres_url=postgres.url(),
        redis_url=redis_url, workers=names,
        NEWSFLOW_PER_HOST_DELAY="0", NEWSFLOW_PER_HOST_CONCURRENCY="8",
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL=str(DAG_REPARSE_S),
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=str(DAG_REPARSE_S),
        NEWSFLOW_STATE_URL=postgres.url(postgres.create_database("newsflow_state")),
        **({"NEWSFLOW_TASK_BATCH_SIZE": str(task_batch)} if task_batch else {}),
    ) as stack:
        stack.wait_ready()
        stack.poll_every = PROBE_EVERY
        time.sleep(5)  # let the start's CPU burst pass before the load is read
        load_before = os.getloadavg()[0]
        others = {"postgresql": postgres.process.pid, "redis": _redis_pid(redis_url)}
        sampler = _Sampler(functools.partial(_cpu, stack, names, others))
        try:
            _, process = stack.poll_then_process(timeout=RUN_TIMEOUT)
            time.sleep(1.5)
        finally:
            sampler.stop()
        load_after = os.getloadavg()[0]
        cpu = sampler.between(_stamp(process["start_date"]), _stamp(process["end_date"]))
        tis = [ti for ti in stack.task_instances("newsflow_process_articles", process["dag_run_id"])
               if ti["task_id"] == "process_batch"]
        with EmbeddedBackend(stack.data / "index.db") as index:
            articles = index.count()
        print("  api-server requests: " + _requests(stack.log("api-server")), flush=True)
    seconds = _seconds(process)
    print(f"  cpu seconds during the processing run, workers={count}: "
          + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()), flush=True)
    return {
        "celery_workers": count, "articles": articles, "mapped_tasks": len(tis),
        "tasks_per_worker": "/".join(str(sum(ti["hostname"] == w for ti in tis)) for w in names),
        "process_run_s": round(seconds, 1), "articles_per_s": round(articles / seconds, 2),
        "load_1m_before_after": f"{load_before:.2f} / {load_after:.2f}",
        "workers_cpu_s": cpu["workers"],
        "airflow_cpu_s": round(sum(cpu[c[0]] for c in COMPONENTS), 1),
        "postgres_redis_cpu_s": round(cpu["postgresql"] + cpu["redis"], 1),
        "machine_busy_cores": round(cpu["machine"] / seconds, 2),
        **_timeline(process, tis, names),
    }
