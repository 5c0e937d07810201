"""``newsflow alerts``: saved searches that deliver each new match once (``add``, ``list``,
``remove``, ``run``), and the run of the alerts after ``newsflow run``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from newsflow.alerts import AlertsReport, SavedSearch, check_name, check_target, run_alerts
from newsflow.cli.reading import _query_text
from newsflow.cli.root import JsonOpt, app, emit, err, out, settings_of
from newsflow.config import Settings
from newsflow.index.request import parse_filters
from newsflow.render import esc
from newsflow.state import StateStore

alerts_app = typer.Typer(no_args_is_help=True, help="Saved searches that deliver each new match once.")
app.add_typer(alerts_app, name="alerts")


@alerts_app.command("add", context_settings={"ignore_unknown_options": True})
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The alert's name (letters, digits, . _ -).")],
    words: Annotated[list[str] | None, typer.Argument(help="Query, as for `newsflow search`.")] = None,
    to: Annotated[str, typer.Option("--to", help="Webhook URL (http/https) or JSONL file path.")] = "",
    filter_: Annotated[list[str] | None, typer.Option("--filter", help="FIELD=VALUE (repeatable).")] = None,
    mode: Annotated[str, typer.Option(help="keyword, semantic or hybrid.")] = "keyword",
    min_score: Annotated[float | None, typer.Option(
        help="Cosine similarity a document needs to match in semantic/hybrid mode (0..1).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Save a search; from now on each newly indexed document it matches is delivered once."""
    if not to:
        raise typer.BadParameter("give where matches go: --to URL or --to FILE.jsonl", param_hint="--to")
    saved = SavedSearch(text=_query_text(words or []), filters=parse_filters(filter_ or []), mode=mode,  # type: ignore[arg-type]
                        **({} if min_score is None else {"min_score": min_score})).check()
    target = check_target(to)
    with _state(ctx) as state:
        if not state.add_alert(check_name(name), saved.to_json(), target):
            err.print(f"an alert named {esc(repr(name))} exists; remove it first (`newsflow alerts remove {esc(name)}`)")
            raise typer.Exit(1)
        alert = state.alert(name)
    assert alert is not None
    emit(alert.as_dict(), as_json=as_json, text=lambda: out.print(f"saved alert {esc(name)} → {esc(target)}"))


@alerts_app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Every alert: its search, target, matches delivered and waiting, last run and last error."""
    with _state(ctx) as state:
        alerts = state.alerts()

    def table() -> None:
        if not alerts:
            out.print("no alerts; add one with `newsflow alerts add NAME QUERY --to URL|FILE`")
            return
        t = Table(show_header=True, header_style="bold")
        for column in ("name", "search", "to", "delivered", "waiting", "last run", "last error"):
            t.add_column(column)
        for a in alerts:
            t.add_row(esc(a.name), esc(a.search), esc(a.target), str(a.delivered), str(a.waiting),
                      esc(a.last_run_at or "never"), esc(a.last_error or ""))
        out.print(t)

    emit([a.as_dict() for a in alerts], as_json=as_json, text=table)


@alerts_app.command("remove")
def remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The alert's name.")]) -> None:
    """Forget an alert and its delivery log."""
    with _state(ctx) as state:
        removed = state.remove_alert(name)
    if not removed:
        err.print(f"no alert named {esc(repr(name))}; see `newsflow alerts list`")
        raise typer.Exit(1)
    out.print(f"removed alert {esc(name)}")


@alerts_app.command("run")
def run(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Only these alerts (default: all).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the alerts now over the documents indexed since their last run and deliver new matches.

    Exits 1 when an alert failed (recorded with its reason; its matches wait for the next run).
    """
    report = run_alerts(settings_of(ctx), names or None)
    emit(report.as_dict(), as_json=as_json, text=lambda: print_report(report))
    raise typer.Exit(report.exit_code)


def after_run(settings: Settings) -> AlertsReport | None:
    """Run the alerts after ``newsflow run`` (unless ``alerts_after_run`` is off); their
    outcome goes to stderr. None when off."""
    if not settings.alerts_after_run:
        return None
    report = run_alerts(settings)
    if report.outcomes:
        print_report(report, console=err)
    return report


def print_report(report: AlertsReport, console: Console = out) -> None:
    """One line per alert: new matches, delivered, waiting, and its failure."""
    if not report.outcomes:
        console.print("no alerts")
    for o in report.outcomes:
        state = o.skipped or (f"[red]failed[/]: {esc(o.error)}" if o.error else "ok")
        console.print(
            f"alert {esc(o.name)}: {o.found} new, {o.delivered} delivered, {o.waiting} waiting — {state}")


@contextlib.contextmanager
def _state(ctx: typer.Context) -> Iterator[StateStore]:
    with contextlib.closing(StateStore(settings_of(ctx).state_location)) as state:
        yield state
