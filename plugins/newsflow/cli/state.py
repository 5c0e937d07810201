"""The state store's own commands: ``newsflow state migrate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsflow.cli.root import JsonOpt, app, emit, out, settings_of
from newsflow.postgres_db import redact_url
from newsflow.render import esc

state_app = typer.Typer(no_args_is_help=True, help="The state store: copy it to PostgreSQL.")
app.add_typer(state_app, name="state")


@state_app.command("migrate")
def state_migrate(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="Target: postgresql://user:password@host:port/db.")],
    source: Annotated[Path | None, typer.Option("--from", help="SQLite state file (else state_path).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Merge into a target that holds state already.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Copy the embedded (SQLite) state store into a PostgreSQL database, every table, in one
    transaction. A non-empty target is refused unless --force: then the source's rows replace
    the target's rows of the same key and the target's other rows stay (merging again changes
    nothing). Then set state_url to the target."""
    from newsflow.state.migrate import copy_state

    path = source or settings_of(ctx).state_file
    copied = copy_state(path, to, merge=force)

    def text() -> None:
        rows = ", ".join(f"{n} {table}" for table, n in copied.items())
        out.print(f"copied {esc(str(path))} → {esc(redact_url(to))}: {esc(rows)}", soft_wrap=True)
        out.print(f"now set state_url (NEWSFLOW_STATE_URL) to {esc(redact_url(to))} with its password", soft_wrap=True)

    emit({"from": str(path), "to": redact_url(to), "copied": copied}, as_json=as_json, text=text)
