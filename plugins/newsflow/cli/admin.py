"""Administration commands: the feed list (``feeds list/import/export``), Elasticsearch
(``es setup/template/reindex/dev``) and the effective settings (``config``)."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from newsflow.cli.root import JsonOpt, app, emit, err, out, settings_of
from newsflow.config import PACKAGED_FEEDS
from newsflow.errors import ConfigError
from newsflow.render import esc

feeds_app = typer.Typer(no_args_is_help=True, help="Manage the feed list (YAML; OPML import/export).")
app.add_typer(feeds_app, name="feeds")
es_app = typer.Typer(no_args_is_help=True, help="Elasticsearch: setup, reindex, the index template.")
app.add_typer(es_app, name="es")


@feeds_app.command("list")
def feeds_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Print the configured feed list."""
    from newsflow.feeds import load_feed_list

    feed_list = load_feed_list(settings_of(ctx).feeds_path)

    def lines() -> None:
        for feed in feed_list:
            kind = "" if feed.type == "feed" else f" ({feed.type})"
            out.print(esc(f"{feed.name:<40} {feed.language or '-':<3} {feed.url}{kind}"), soft_wrap=True)

    data = [{"name": f.name, "url": f.url, "language": f.language, "tags": list(f.tags), "type": f.type}
            for f in feed_list]
    emit(data, as_json=as_json, text=lines)


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

    settings = settings_of(ctx)
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

    text = export_opml(load_feed_list(settings_of(ctx).feeds_path))
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _elastic(ctx: typer.Context) -> Any:
    from newsflow.index.elastic import ElasticBackend

    return ElasticBackend.from_settings(settings_of(ctx))


@es_app.command("setup")
def es_setup(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Install the index template, create the first index and the alias (idempotent): run
    once per cluster, and after upgrading newsflow, with credentials that may manage templates
    and indices. One replica when the cluster has more than one data node."""
    with contextlib.closing(_elastic(ctx)) as backend:
        backend.setup()
        data = {"alias": backend.alias, "index": backend.current_index(), "analyzer": backend.analyzer,
                "documents": backend.count()}
    emit(data, as_json=as_json, text=lambda: out.print(
        esc(f"{data['alias']} → {data['index']} ({data['documents']} documents, analyzer {data['analyzer']})")))


@es_app.command("template")
def es_template(
    ctx: typer.Context,
    analyzer: Annotated[str, typer.Option(help="Type of newsflow_text: standard (what the backend installs) or english (needs analysis-common).")] = "standard",
) -> None:
    """Print the index template newsflow installs (fields from newsflow.schema), for PUT _index_template."""
    from newsflow.index.template import template_body

    sys.stdout.write(json.dumps(template_body(settings_of(ctx).es_index, analyzer), indent=2) + "\n")


@es_app.command("reindex")
def es_reindex(
    ctx: typer.Context,
    delete_old: Annotated[bool, typer.Option(help="Delete the previous index after the swap.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Copy the index into a new versioned index with the current mapping; swap the alias."""
    with contextlib.closing(_elastic(ctx)) as backend:
        data = backend.reindex(delete_old=delete_old)
    emit(data, as_json=as_json, text=lambda: out.print(
        esc(f"{backend.alias}: {data['old']} → {data['new']}, {data['copied']} copied, {data['caught_up']} caught up")))


@app.command("config")
def show_config(ctx: typer.Context) -> None:
    """Print the effective settings (secrets masked)."""
    out.print_json(json.dumps(settings_of(ctx).redacted()))


