"""Ingestion commands: ``run`` (poll and process the feeds), ``retry``, ``reprocess`` and the
offline ``demo``; each prints the run's summary and exits with its code."""

from __future__ import annotations

import contextlib
import errno
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from newsflow import pipeline
from newsflow.cli.root import JsonOpt, app, err, finish, out, settings_of, utc
from newsflow.config import SEEDS_DIR
from newsflow.errors import ConfigError
from newsflow.index import SearchQuery, open_backend
from newsflow.render import StageBars, esc, print_failures_brief, print_search, summary_table

if TYPE_CHECKING:
    from newsflow.demo_server import DemoServer

DEFAULT_FACETS = ("source", "language", "authors", "persons", "organizations", "places", "countries", "topics")
DEMO_SITE = SEEDS_DIR / "demo" / "site"
DEMO_FEEDS = SEEDS_DIR / "demo" / "feeds.yaml"


@app.command()
def run(
    ctx: typer.Context,
    feeds: Annotated[Path | None, typer.Option(help="Feed list (YAML); default from settings.")] = None,
    respect_intervals: Annotated[
        bool, typer.Option("--respect-intervals", help="Skip feeds whose adaptive poll interval has not elapsed.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Poll the feeds, then fetch, clean, enrich and index every new article; then run the alerts."""
    from newsflow.cli.alerts import after_run

    settings = settings_of(ctx).replace(feeds_file=feeds, respect_poll_intervals=respect_intervals or None)
    with StageBars(err) as bars:
        summary = pipeline.run(settings, progress=bars)
    alerts = after_run(settings)  # each failing alert is recorded; the run's exit code says so
    try:
        finish(summary, as_json=as_json)
    except typer.Exit as done:
        raise typer.Exit(max(done.exit_code, alerts.exit_code if alerts else 0)) from None


@app.command()
def retry(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Also retry permanent failures (404, no text…).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Retry recorded failures now: re-poll failed feeds, re-process failed articles."""
    with StageBars(err) as bars:
        summary = pipeline.retry(settings_of(ctx), include_permanent=all_, progress=bars)
    finish(summary, as_json=as_json)


@app.command()
def reprocess(
    ctx: typer.Context,
    extractor: Annotated[list[str] | None, typer.Option(help="Extractor to re-run (repeatable; default: all).")] = None,
    since: Annotated[datetime | None, typer.Option(help="Only documents published on/after (YYYY-MM-DD).")] = None,
    reclean: Annotated[bool, typer.Option(
        "--reclean", help="Clean each page again from the raw archive (WARC) first; no network request.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Re-run extractors over indexed documents (no fetching); provenance is updated."""
    with StageBars(err) as bars:
        summary = pipeline.reprocess(settings_of(ctx), extractor_names=extractor, since=utc(since), reclean=reclean,
                                     progress=bars)
    finish(summary, as_json=as_json)


@app.command()
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port of the demo server on 127.0.0.1 (0: any free port).")] = 8765,
    keep: Annotated[bool, typer.Option(help="Keep the throw-away data directory and print its path.")] = False,
    query: Annotated[str, typer.Option(help="Sample search to print at the end.")] = "Ukraine",
    serve_only: Annotated[bool, typer.Option(
        "--serve-only", help="Only serve the corpus until Ctrl-C and write its feed list to <data-dir>/demo-feeds.yaml "
        "(for Airflow or `newsflow run --feeds`).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Serve the offline demo corpus on 127.0.0.1, ingest it and print a faceted search.

    Uses a throw-away data directory unless --data-dir or --index is given.
    """
    from newsflow.feeds import load_feed_list

    settings = settings_of(ctx)
    if serve_only:
        _serve_demo(settings.data_dir, port)
        return
    explicit = ctx.find_root().params
    tmp: Path | None = None
    if not explicit.get("data_dir") and not explicit.get("index") and settings.backend == "embedded":
        tmp = Path(tempfile.mkdtemp(prefix="newsflow-demo-"))
        settings = settings.replace(data_dir=tmp)
    settings = settings.replace(allow_hosts=(*settings.allow_hosts, "127.0.0.1"))
    try:
        with _demo_server(port) as server:
            err.print(f"demo corpus served at {esc(server.base_url)}")
            feed_list = load_feed_list(DEMO_FEEDS, base_url=server.base_url)
            with StageBars(err) as bars:
                summary = pipeline.run(settings, feeds=feed_list, progress=bars)
            if not as_json:
                out.print(summary_table(summary))
                print_failures_brief(out, summary)
        with contextlib.closing(open_backend(settings)) as backend:
            result = backend.search(SearchQuery(text=query, facets=DEFAULT_FACETS, size=5, facet_size=6))
        if as_json:
            out.print_json(json.dumps({"summary": summary.as_dict(), "search": result.as_dict()}))
        else:
            out.print(f"\n[bold]sample search[/]: newsflow search {esc(repr(query))}")
            print_search(out, query, result)
            where = settings.index_file if settings.backend == "embedded" else settings.es_url
            note = "" if tmp is None or keep else " (throw-away; use --keep or --data-dir to keep it)"
            err.print(f"\nindex: {esc(where)}{note}", soft_wrap=True)
    finally:
        if tmp is not None and not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    raise typer.Exit(summary.exit_code)


@contextlib.contextmanager
def _demo_server(port: int) -> Iterator[DemoServer]:
    """The demo corpus served on 127.0.0.1:``port`` for the block; a port in use is a
    :class:`ConfigError` that says what to do."""
    from newsflow.demo_server import serving

    try:
        with serving(DEMO_SITE, port=port) as server:
            yield server
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {port} is in use; pass --port 0 or another port") from exc
        raise


def _serve_demo(data_dir: Path, port: int) -> None:
    """Serve the demo corpus in the foreground; its feed list (with this server's address) is
    written to ``<data_dir>/demo-feeds.yaml`` for another process to poll."""
    import time

    from newsflow.feeds import dump_feed_list, load_feed_list

    feeds_out = data_dir / "demo-feeds.yaml"
    with _demo_server(port) as server:
        dump_feed_list(load_feed_list(DEMO_FEEDS, base_url=server.base_url), feeds_out)
        out.print(f"demo corpus served at {esc(server.base_url)} until Ctrl-C; its feed list: {esc(feeds_out)}",
                  soft_wrap=True)
        out.file.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
