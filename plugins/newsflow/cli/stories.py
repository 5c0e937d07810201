"""``newsflow stories``: the active story threads (:mod:`newsflow.stories`) from the state store."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer
from rich.table import Table

from newsflow.cli.root import JsonOpt, app, emit, out, settings_of
from newsflow.render import esc
from newsflow.stories import StoryStore
from newsflow.stories.listing import DEFAULT_LIMIT, DEFAULT_MIN_SIZE, listing


@app.command()
def stories(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Every thread, not only the active ones.")] = False,
    min_size: Annotated[int, typer.Option(min=1, help="Only threads of at least this many articles.")] = DEFAULT_MIN_SIZE,
    limit: Annotated[int, typer.Option(min=1, help="At most this many threads.")] = DEFAULT_LIMIT,
    as_json: JsonOpt = False,
) -> None:
    """Story threads across outlets: title, first/last seen, outlets, languages, size, top entities.

    Active threads are those whose last article is within story_window_hours of the newest
    article threaded; filter the index by one with --filter story_id=ID.
    """
    settings = settings_of(ctx)
    with contextlib.closing(StoryStore(settings.state_location)) as store:
        data = listing(store.listed(settings.story_window_hours, all_=all_, min_size=min_size, limit=limit))
    emit(data, as_json=as_json, text=lambda: _print(data["threads"], all_))


def _print(threads: list[dict[str, Any]], all_: bool) -> None:
    if not threads:
        out.print("no story threads" + ("" if all_ else " active (try --all)"))
        return
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for column, justify in (("story", "left"), ("title", "left"), ("first seen", "left"), ("last seen", "left"),
                            ("outlets", "left"), ("lang", "left"), ("size", "right"), ("top entities", "left")):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for t in threads:
        table.add_row(esc(t["story_id"]), esc(t["title"]), esc(t["first_seen"]), esc(t["last_seen"]),
                      esc(", ".join(t["outlets"])), esc(", ".join(t["languages"])), str(t["size"]),
                      esc(", ".join(t["entities"])))
    out.print(table)
