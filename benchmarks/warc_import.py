"""``python -m benchmarks --only warc-import``: articles per second importing a WARC file.

The demo corpus scaled to N distinct pages (:mod:`benchmarks.sitegen`) is written into one
``.warc.gz`` as a news crawl writes it (a gzip member per record, a response record with HTTP
headers per page, under ten hosts), then ingested with ``newsflow import-warc``'s function
into a fresh data directory: cleaning only (the extraction that Fundus's CC-NEWS figure
counts), then with every extractor, then the same file again (idempotent re-import). The load
average is sampled each second during each run: the machine is shared, and a load above the
core count means the run got less than the cores.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HOSTS = 10


def write_warc(site_root: Path, out: Path) -> int:
    """Every page under ``site_root/pages`` as a response record of ``out``; how many."""
    start = datetime(2025, 12, 1, tzinfo=UTC)
    count = 0
    with out.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i, page in enumerate(sorted((site_root / "pages").rglob("*.html"))):
            base = f"https://news{i % HOSTS}.example"
            body = page.read_bytes().replace(b"{{BASE}}", base.encode("ascii"))
            url = f"{base}/{page.relative_to(site_root).as_posix()}"
            date = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
            writer.write_record(writer.create_warc_record(
                url, "response", payload=io.BytesIO(body), length=len(body), warc_headers_dict={"WARC-Date": date},
                http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
            ))
            count += 1
    return count


@contextmanager
def load_sampler() -> Iterator[Callable[[], tuple[float, float]]]:
    """Samples the 1-minute load average each second; yields a function returning (mean, max)."""
    samples: list[float] = [os.getloadavg()[0]]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(1.0):
            samples.append(os.getloadavg()[0])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield lambda: (round(sum(samples) / len(samples), 2), round(max(samples), 2))
    finally:
        stop.set()
        thread.join()


def run(sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    from benchmarks import sitegen
    from newsflow import pipeline
    from newsflow.config import Settings

    n = sizes[0]
    work = Path(tempfile.mkdtemp(prefix="newsflow-bench-warc-"))
    rows: list[dict[str, Any]] = []
    try:
        site = sitegen.generate(work / "site", n)
        warc = work / "bench.warc.gz"
        pages = write_warc(site.root, warc)
        shutil.rmtree(site.root)
        cores = os.cpu_count() or 1
        runs = [("cleaning only", (), 1, "fresh"), ("cleaning only", (), 2, "fresh"),
                ("cleaning only", (), 2, "again"), ("every extractor", None, 2, "fresh")]
        for label, chain, workers, mode in runs:
            data = work / f"data-{len(rows)}" if mode == "fresh" else work / f"data-{len(rows) - 1}"
            settings = Settings(data_dir=data, extractors=chain, workers=workers, stage_time_budget=0)
            with load_sampler() as load:
                started = time.perf_counter()
                summary = pipeline.import_warc(settings, [warc])
                seconds = time.perf_counter() - started
                mean, peak = load()
            done = summary.articles_new + summary.articles_updated + summary.articles_unchanged
            rows.append({
                "run": f"{label}, {workers} worker{'s' if workers > 1 else ''}"
                       + (" (re-import)" if mode == "again" else ""),
                "pages": pages, "articles": done, "new": summary.articles_new, "failed": summary.articles_failed,
                "seconds": round(seconds, 1), "articles/s": round(done / seconds, 1),
                "load avg (mean / max)": f"{mean} / {peak} on {cores} cores",
                "MB of WARC": round(warc.stat().st_size / 1e6, 1),
            })
            print(rows[-1], flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows
