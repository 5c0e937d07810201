"""The ``newsflow`` command. Exit codes: 0 ok, 1 failures recorded, 2 usage or config error."""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import platformdirs
import typer

from newsflow import pipeline
from newsflow.config import PACKAGED_FEEDS, SEEDS_DIR, Settings, load_settings
from newsflow.errors import ConfigError, NewsflowError, QueryError
from newsflow.index import FACET_FIELDS, SearchQuery, open_backend
from newsflow.render import (
    StageBars,
    esc,
    looks_offline,
    make_console,
    print_document,
    print_failure_groups,
    print_failures_brief,
    print_search,
    print_stats,
    summary_table,
)
from newsflow.state import StateStore, failures_by_host

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="newsflow: RSS/Atom feeds → clean, enriched articles → a searchable index.")
feeds_app = typer.Typer(no_args_is_help=True, help="Manage the feed list (YAML; OPML import/export).")
app.add_typer(feeds_app, name="feeds")
out = make_console()
err = make_console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
DEFAULT_FACETS = ("source", "language", "authors", "persons", "organizations", "places", "countries", "topics")


def _settings(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option(help="TOML config file (else NEWSFLOW_CONFIG).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Directory of the index and state files.")] = None,
    index: Annotated[Path | None, typer.Option(help="Embedded index file.")] = None,
    backend: Annotated[str | None, typer.Option(help="embedded or elasticsearch.")] = None,
    es_url: Annotated[str | None, typer.Option(help="Elasticsearch URL.")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Log progress details.")] = False,
) -> None:
    """newsflow: RSS/Atom feeds → clean, enriched articles → a searchable index."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(verbose))
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, handlers=[handler])
    ctx.obj = load_settings(config, data_dir=data_dir, index_path=index, backend=backend, es_url=es_url)


class _LogFormatter(logging.Formatter):
    """Log lines on stderr: a logged exception is one line (its type and message) unless
    ``--verbose``, so no traceback reaches a user who did not ask for it."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        if self.verbose or not record.exc_info:
            return super().format(record)
        exc = record.exc_info[1]
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(plain) + (f" ({type(exc).__name__}: {exc}; -v shows the traceback)" if exc else "")


@app.command()
def run(
    ctx: typer.Context,
    feeds: Annotated[Path | None, typer.Option(help="Feed list (YAML); default from settings.")] = None,
    respect_intervals: Annotated[
        bool, typer.Option("--respect-intervals", help="Skip feeds whose adaptive poll interval has not elapsed.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Poll the feeds, then fetch, clean, enrich and index every new article."""
    settings = _settings(ctx).replace(feeds_file=feeds, respect_poll_intervals=respect_intervals or None)
    with StageBars(err) as bars:
        summary = pipeline.run(settings, progress=bars)
    _finish(summary, as_json=as_json)


def _finish(summary: pipeline.RunSummary, *, as_json: bool) -> None:
    """Print a run's summary (JSON or a table with the first failures) and exit with its code."""
    if as_json:
        out.print_json(json.dumps(summary.as_dict()))
    else:
        out.print(summary_table(summary))
        print_failures_brief(out, summary)
    raise typer.Exit(summary.exit_code)


@app.command(context_settings={"ignore_unknown_options": True})
def search(
    ctx: typer.Context,
    words: Annotated[
        list[str] | None, typer.Argument(help='Words (ANDed), "phrases", OR, -excluded (a leading -word is a word).')
    ] = None,
    filter_: Annotated[list[str] | None, typer.Option("--filter", help="FIELD=VALUE (repeatable).")] = None,
    facet: Annotated[list[str] | None, typer.Option(help="Facet field (repeatable).")] = None,
    since: Annotated[datetime | None, typer.Option(help="Published on/after (YYYY-MM-DD).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Published before (YYYY-MM-DD).")] = None,
    sort: Annotated[str, typer.Option(help="relevance or date.")] = "relevance",
    size: Annotated[int, typer.Option(help="Hits per page.")] = 10,
    page: Annotated[int, typer.Option(help="Page number (from 1).")] = 1,
    cursor: Annotated[str | None, typer.Option(help="Continue after a previous page's cursor.")] = None,
    histogram: Annotated[str | None, typer.Option(help="day, week, month or year.")] = None,
    near: Annotated[str | None, typer.Option(help="LAT,LON,KM: documents naming a place within KM of the point.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Full-text search with filters, facets, geo distance and highlights."""
    query = _query_text(words or [])
    if sort not in ("relevance", "date"):
        raise QueryError("--sort must be relevance or date")
    if histogram not in (None, "day", "week", "month", "year"):
        raise QueryError("--histogram must be day, week, month or year")
    request = SearchQuery(
        text=query,
        filters=_filters(filter_ or []),
        since=_utc(since),
        until=_utc(until),
        facets=tuple(facet or ()),
        sort=sort,  # type: ignore[arg-type]
        size=size,
        offset=(max(page, 1) - 1) * size,
        search_after=cursor,
        histogram=histogram,  # type: ignore[arg-type]
        near=_near(near),
    )
    backend = open_backend(_settings(ctx))
    try:
        result = backend.search(request)
    finally:
        backend.close()
    if as_json:
        out.print_json(json.dumps(result.as_dict()))
    else:
        print_search(out, query, result)


def _query_text(words: list[str]) -> str:
    """The query from its words; ``-word`` excludes a word, but ``--typo`` is an unknown option
    (unless it follows ``--``, after which every word is text)."""
    literal = "--" in sys.argv[1:]
    for word in words:
        if word.startswith("--") and not literal:
            raise typer.BadParameter(f"no such option {word} (to search for it, put it after --)", param_hint="QUERY")
    return " ".join(words)


def _filters(pairs: list[str]) -> dict[str, tuple[str, ...]]:
    filters: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not value:
            raise QueryError(f"--filter {pair!r}: expected FIELD=VALUE, FIELD one of {', '.join(FACET_FIELDS)}")
        filters.setdefault(key.strip(), []).append(value.strip())
    return {k: tuple(v) for k, v in filters.items()}


def _near(value: str | None) -> tuple[float, float, float] | None:
    if value is None:
        return None
    try:
        lat, lon, km = (float(part) for part in value.split(","))
    except ValueError as exc:
        raise QueryError(f"--near {value!r}: expected LAT,LON,KM, e.g. 50.45,30.52,100") from exc
    return lat, lon, km


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@app.command()
def show(ctx: typer.Context, doc_id: Annotated[str, typer.Argument(help="Document id.")], as_json: JsonOpt = False) -> None:
    """Print one indexed document with its enrichments and provenance."""
    backend = open_backend(_settings(ctx))
    try:
        doc = backend.get(doc_id)
    finally:
        backend.close()
    if doc is None:
        err.print(f"no document with id {esc(repr(doc_id))}; find ids with `newsflow search`")
        raise typer.Exit(1)
    if as_json:
        out.print_json(json.dumps(doc))
    else:
        print_document(out, doc)


@app.command()
def stats(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Counts of the index and the state store."""
    settings = _settings(ctx)
    backend = open_backend(settings)
    state = StateStore(settings.state_file)
    try:
        result = backend.search(SearchQuery(facets=("source", "language"), size=0, histogram="month"))
        data = {
            "backend": backend.name,
            "documents": backend.count(),
            "by_source": dict(result.facets.get("source", [])),
            "by_language": dict(result.facets.get("language", [])),
            "by_month": dict(result.histogram),
            "articles": state.counts(),
            "feeds": len(state.feeds()),
        }
    finally:
        backend.close()
        state.close()
    if as_json:
        out.print_json(json.dumps(data))
    else:
        print_stats(out, data)


@app.command()
def failures(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option(help="Only this stage (poll, fetch, clean, index, extract:NAME).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recorded failures grouped by stage and reason, per host; hosts backed off."""
    state = StateStore(_settings(ctx).state_file)
    try:
        rows = state.failures(stage)
        backed_off = state.hosts(backed_off_only=True)
    finally:
        state.close()
    if as_json:
        out.print_json(json.dumps({
            "failures": [f.as_dict() for f in rows],
            "by_host": dict(failures_by_host(rows)),
            "hosts_backed_off": [h.as_dict() for h in backed_off],
            "looks_offline": looks_offline((f.url, f.error_class, f.message) for f in rows),
        }))
    else:
        print_failure_groups(out, rows, backed_off)


@app.command()
def retry(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Also retry permanent failures (404, no text…).")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Retry recorded failures now: re-poll failed feeds, re-process failed articles."""
    with StageBars(err) as bars:
        summary = pipeline.retry(_settings(ctx), include_permanent=all_, progress=bars)
    _finish(summary, as_json=as_json)


@app.command()
def reprocess(
    ctx: typer.Context,
    extractor: Annotated[list[str] | None, typer.Option(help="Extractor to re-run (repeatable; default: all).")] = None,
    since: Annotated[datetime | None, typer.Option(help="Only documents published on/after (YYYY-MM-DD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-run extractors over indexed documents (no fetching); provenance is updated."""
    with StageBars(err) as bars:
        summary = pipeline.reprocess(_settings(ctx), extractor_names=extractor, since=_utc(since), progress=bars)
    _finish(summary, as_json=as_json)


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
    from newsflow.demo_server import serving
    from newsflow.feeds import load_feed_list

    settings = _settings(ctx)
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
        with serving(SEEDS_DIR / "demo" / "site", port=port) as server:
            err.print(f"demo corpus served at {esc(server.base_url)}")
            feed_list = load_feed_list(SEEDS_DIR / "demo" / "feeds.yaml", base_url=server.base_url)
            with StageBars(err) as bars:
                summary = pipeline.run(settings, feeds=feed_list, progress=bars)
            if not as_json:
                out.print(summary_table(summary))
                print_failures_brief(out, summary)
        backend = open_backend(settings)
        try:
            facets = tuple(f for f in DEFAULT_FACETS)
            result = backend.search(SearchQuery(text=query, facets=facets, size=5, facet_size=6))
        finally:
            backend.close()
        if as_json:
            out.print_json(json.dumps({"summary": summary.as_dict(), "search": result.as_dict()}))
        else:
            out.print(f"\n[bold]sample search[/]: newsflow search {esc(repr(query))}")
            print_search(out, query, result)
            where = settings.index_file if settings.backend == "embedded" else settings.es_url
            note = "" if tmp is None or keep else " (throw-away; use --keep or --data-dir to keep it)"
            err.print(f"\nindex: {esc(where)}{note}", soft_wrap=True)
    except OSError as exc:
        if exc.errno == 98:
            raise ConfigError(f"port {port} is in use; pass --port 0 or another port") from exc
        raise
    finally:
        if tmp is not None and not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    raise typer.Exit(summary.exit_code)


def _serve_demo(data_dir: Path, port: int) -> None:
    """Serve the demo corpus in the foreground; its feed list (with this server's address) is
    written to ``<data_dir>/demo-feeds.yaml`` for another process to poll."""
    import time

    from newsflow.demo_server import serving
    from newsflow.feeds import dump_feed_list, load_feed_list

    feeds_out = data_dir / "demo-feeds.yaml"
    try:
        with serving(SEEDS_DIR / "demo" / "site", port=port) as server:
            dump_feed_list(load_feed_list(SEEDS_DIR / "demo" / "feeds.yaml", base_url=server.base_url), feeds_out)
            out.print(f"demo corpus served at {esc(server.base_url)} until Ctrl-C; its feed list: {esc(feeds_out)}",
                      soft_wrap=True)
            out.file.flush()
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    except OSError as exc:
        if exc.errno == 98:
            raise ConfigError(f"port {port} is in use; pass --port 0 or another port") from exc
        raise


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Print the configured feed list."""
    from newsflow.feeds import load_feed_list

    feed_list = load_feed_list(_settings(ctx).feeds_path)
    if as_json:
        out.print_json(json.dumps([{"name": f.name, "url": f.url, "language": f.language, "tags": list(f.tags)} for f in feed_list]))
        return
    for feed in feed_list:
        out.print(esc(f"{feed.name:<40} {feed.language or '-':<3} {feed.url}"), soft_wrap=True)


@feeds_app.command("import")
def feeds_import(
    ctx: typer.Context,
    opml: Annotated[Path, typer.Argument(help="OPML file to import.")],
    into: Annotated[
        Path | None, typer.Option(help="Feed list to add to (default: feeds_file, else <data-dir>/feeds.yaml).")
    ] = None,
) -> None:
    """Add an OPML file's feeds to your feed list (duplicates by URL skipped, bad outlines
    skipped and reported). Without a feed list of your own, ``<data-dir>/feeds.yaml`` is
    created from the one in effect; newsflow's packaged list is never written to."""
    from newsflow.feeds import dump_feed_list, import_opml, load_feed_list, merge_feeds

    settings = _settings(ctx)
    target = into or settings.feeds_file or settings.data_dir / "feeds.yaml"
    if target.resolve() == PACKAGED_FEEDS.resolve():
        raise ConfigError(f"{target} is newsflow's packaged feed list and is not written to; "
                          f"import into a list of your own with --into FILE (default {settings.data_dir / 'feeds.yaml'})")
    skipped: list[str] = []
    imported = import_opml(opml, skipped)
    existing = load_feed_list(target) if target.exists() else load_feed_list(settings.feeds_path) if into is None else []
    merged, added = merge_feeds(existing, imported)
    dump_feed_list(merged, target)
    out.print(f"added {added} feed(s) to {esc(target)} ({len(merged)} in all)", soft_wrap=True)
    if into is None and settings.feeds_file is None:
        out.print(f"{esc(target)} is now your feed list (`newsflow run` reads it)", soft_wrap=True)
    if skipped:
        err.print(f"[yellow]skipped {len(skipped)} bad outline(s)[/] of {esc(opml)}:", soft_wrap=True)
        for problem in skipped:
            err.print(f"  - {esc(problem)}", soft_wrap=True)


@feeds_app.command("export")
def feeds_export(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
) -> None:
    """Write the feed list as OPML 2.0."""
    from newsflow.feeds import export_opml, load_feed_list

    text = export_opml(load_feed_list(_settings(ctx).feeds_path))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


es_app = typer.Typer(no_args_is_help=True, help="Elasticsearch: setup, reindex, the index template.")
app.add_typer(es_app, name="es")


def _elastic(ctx: typer.Context) -> Any:
    from newsflow.index.elastic import ElasticBackend

    return ElasticBackend.from_settings(_settings(ctx))


@es_app.command("setup")
def es_setup(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Install the index template, create the first index and the alias (idempotent)."""
    backend = _elastic(ctx)
    try:
        data = {"alias": backend.alias, "index": backend.current_index(), "analyzer": backend.analyzer,
                "documents": backend.count()}
    finally:
        backend.close()
    if as_json:
        out.print_json(json.dumps(data))
    else:
        out.print(esc(f"{data['alias']} → {data['index']} ({data['documents']} documents, analyzer {data['analyzer']})"))


@es_app.command("template")
def es_template(
    ctx: typer.Context,
    analyzer: Annotated[str, typer.Option(help="Type of newsflow_text: standard (what the backend installs) or english (needs analysis-common).")] = "standard",
) -> None:
    """Print the index template newsflow installs (fields from newsflow.schema), for PUT _index_template."""
    from newsflow.index.template import template_body

    sys.stdout.write(json.dumps(template_body(_settings(ctx).es_index, analyzer), indent=2) + "\n")


@es_app.command("reindex")
def es_reindex(
    ctx: typer.Context,
    delete_old: Annotated[bool, typer.Option(help="Delete the previous index after the swap.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Copy the index into a new versioned index with the current mapping; swap the alias."""
    backend = _elastic(ctx)
    try:
        data = backend.reindex(delete_old=delete_old)
    finally:
        backend.close()
    if as_json:
        out.print_json(json.dumps(data))
    else:
        out.print(esc(f"{backend.alias}: {data['old']} → {data['new']}, {data['copied']} copied, {data['caught_up']} caught up"))


@app.command("config")
def show_config(ctx: typer.Context) -> None:
    """Print the effective settings (secrets masked)."""
    out.print_json(json.dumps(_settings(ctx).redacted()))


EXIT_BUG = 3
"""Exit code of an unexpected exception (a bug): one line on stderr, the traceback in the log."""


def crash_log() -> Path:
    """Where the CLI writes the traceback of an unexpected exception (the user log directory)."""
    return platformdirs.user_log_path("newsflow", appauthor=False) / "newsflow.log"


def _log_crash(exc: BaseException) -> str:
    """Append ``exc``'s traceback to :func:`crash_log` (else a temporary file); returns its path."""
    text = f"{datetime.now(UTC).isoformat()} newsflow {' '.join(sys.argv[1:])}\n" + "".join(
        traceback.format_exception(exc)
    )
    for path in (crash_log(), Path(tempfile.gettempdir()) / "newsflow-crash.log"):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(text + "\n")
            return str(path)
        except OSError:
            continue
    return "nowhere (the log directory is not writable)"


def main() -> None:
    """Entry point: every error ends in one message and an exit code, never a traceback
    (0 ok, 1 failures recorded, 2 usage or configuration, 3 unexpected error, 130 interrupted)."""
    try:
        code = app(standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except (ConfigError, QueryError) as exc:
        err.print(f"[red]error:[/] {esc(exc)}", soft_wrap=True)
        sys.exit(2)
    except NewsflowError as exc:
        err.print(f"[red]error:[/] {esc(exc)}", soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err.print("interrupted")
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: bad option, unknown command
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        sys.exit(int(getattr(exc, "exit_code", 2)))
    except OSError as exc:  # a file or directory the user named cannot be used
        where = f": {exc.filename}" if exc.filename else ""
        err.print(f"[red]error:[/] {esc(exc.strerror or exc)}{esc(where)}", soft_wrap=True)
        sys.exit(1)
    except Exception as exc:  # the last resort: a bug, reported in one line
        where = _log_crash(exc)
        err.print(f"[red]error:[/] unexpected {esc(type(exc).__name__)}: {esc(exc)} "
                  f"(a bug in newsflow; the traceback is in {esc(where)})", soft_wrap=True)
        sys.exit(EXIT_BUG)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
