"""Commands that read what ingestion stored: ``search`` and ``show`` (the index), ``stats``
(index and state store) and ``failures`` (the state store), plus the parsing of their options."""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime
from typing import Annotated

import typer

from newsflow.cli.root import JsonOpt, app, emit, err, out, settings_of
from newsflow.index import SearchQuery, open_backend
from newsflow.index.request import search_request
from newsflow.render import (
    esc,
    looks_offline,
    print_document,
    print_failure_groups,
    print_search,
    print_stats,
)
from newsflow.state import StateStore, failures_by_host


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
    mode: Annotated[str, typer.Option(
        help="keyword (BM25), semantic (embedding similarity) or hybrid (both, fused); "
             "semantic and hybrid need the semantic extra.")] = "keyword",
    as_json: JsonOpt = False,
) -> None:
    """Full-text or semantic search with filters, facets, geo distance and highlights."""
    query = _query_text(words or [])
    request = search_request(query, filters=filter_ or [], facets=facet or [], since=since, until=until,
                             sort=sort, size=size, page=page, cursor=cursor, histogram=histogram,
                             near=near, mode=mode)
    with contextlib.closing(open_backend(settings_of(ctx))) as backend:
        result = backend.search(request)
    emit(result.as_dict(), as_json=as_json, text=lambda: print_search(out, query, result))


def _query_text(words: list[str]) -> str:
    """The query from its words; ``-word`` excludes a word, but ``--typo`` is an unknown option
    (unless it follows ``--``, after which every word is text)."""
    literal = "--" in sys.argv[1:]
    for word in words:
        if word.startswith("--") and not literal:
            raise typer.BadParameter(f"no such option {word} (to search for it, put it after --)", param_hint="QUERY")
    return " ".join(words)


@app.command()
def show(ctx: typer.Context, doc_id: Annotated[str, typer.Argument(help="Document id.")], as_json: JsonOpt = False) -> None:
    """Print one indexed document with its enrichments and provenance."""
    with contextlib.closing(open_backend(settings_of(ctx))) as backend:
        doc = backend.get(doc_id)
    if doc is None:
        err.print(f"no document with id {esc(repr(doc_id))}; find ids with `newsflow search`")
        raise typer.Exit(1)
    emit(doc, as_json=as_json, text=lambda: print_document(out, doc))


@app.command()
def stats(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Counts of the index and the state store."""
    settings = settings_of(ctx)
    with contextlib.closing(open_backend(settings)) as backend, contextlib.closing(StateStore(settings.state_location)) as state:
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
    emit(data, as_json=as_json, text=lambda: print_stats(out, data))


@app.command()
def failures(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option(help="Only this stage (poll, fetch, clean, index, extract:NAME).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Recorded failures grouped by stage and reason, per host; hosts backed off."""
    with contextlib.closing(StateStore(settings_of(ctx).state_location)) as state:
        rows = state.failures(stage)
        backed_off = state.hosts(backed_off_only=True)
    data = {
        "failures": [f.as_dict() for f in rows],
        "by_host": dict(failures_by_host(rows)),
        "hosts_backed_off": [h.as_dict() for h in backed_off],
        "looks_offline": looks_offline((f.url, f.error_class, f.message) for f in rows),
    }
    emit(data, as_json=as_json, text=lambda: print_failure_groups(out, rows, backed_off))
