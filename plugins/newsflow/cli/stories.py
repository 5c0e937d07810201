"""``newsflow stories``: the active story threads (:mod:`newsflow.stories`) from the state store."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

import typer
from rich.table import Table

from newsflow.cli.root import JsonOpt, app, emit, out, settings_of
from newsflow.render import esc
from newsflow.state.clock import to_iso
from newsflow.state.tables.stories import Thread
from newsflow.stories import StoryStore


def thread_dict(t: Thread) -> dict[str, Any]:
    """A thread as ``--json`` prints it: ``story_id``, ``title``, ``first_seen``/``last_seen``
    (ISO 8601 UTC), ``size``, ``outlets``, ``languages``, ``entities`` (top names)."""
    return {"story_id": t.story_id, "title": t.title, "first_seen": to_iso(t.first_seen),
            "last_seen": to_iso(t.last_seen), "size": t.size, "outlets": list(t.outlets),
            "languages": list(t.languages), "entities": list(t.entities)}


@app.command()
def stories(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Every thread, not only the active ones.")] = False,
    min_size: Annotated[int, typer.Option(min=1, help="Only threads of at least this many articles.")] = 2,
    limit: Annotated[int, typer.Option(min=1, help="At most this many threads.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Story threads across outlets: title, first/last seen, outlets, languages, size, top entities.

    Active threads are those whose last article is within story_window_hours of the newest
    article threaded; filter the index by one with --filter story_id=ID.
    """
    settings = settings_of(ctx)
    with contextlib.closing(StoryStore(settings.state_location)) as store:
        rows = (store.threads(min_size, limit) if all_
                else store.active(settings.story_window_hours, min_size, limit))
    data = {"threads": [thread_dict(t) for t in rows]}
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
