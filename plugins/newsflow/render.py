"""Human output of the CLI: progress bars, the run summary, search results (all via rich)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from newsflow.index.base import SearchResult
from newsflow.pipeline import RunSummary
from newsflow.state import Failure, HostState, failures_by_host, iter_failures_by_reason

STAGE_LABELS = {"poll": "poll feeds", "fetch": "fetch + clean", "extract": "extract", "index": "index"}
_MARK = re.compile(r"</?mark>")


class StageBars:
    """One progress bar per pipeline stage, drawn on stderr (implements pipeline.Progress)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console, transient=False, disable=not console.is_terminal,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> StageBars:
        self._progress.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._progress.stop()

    def start(self, stage: str, total: int) -> None:
        label = STAGE_LABELS.get(stage, stage)
        if stage in self._tasks:
            self._progress.update(self._tasks[stage], total=total, completed=0)
        else:
            self._tasks[stage] = self._progress.add_task(label, total=total)

    def advance(self, stage: str, amount: int = 1) -> None:
        if stage in self._tasks:
            self._progress.advance(self._tasks[stage], amount)


def summary_table(summary: RunSummary) -> Table:
    table = Table(title="newsflow run", show_header=True, header_style="bold")
    table.add_column("stage")
    table.add_column("result", justify="right")
    rows: Sequence[tuple[str, Any]] = (
        ("feeds polled", summary.feeds_polled),
        ("feeds changed", summary.feeds_changed),
        ("feeds unchanged (304 / same body)", summary.feeds_unchanged),
        ("feeds failed", summary.feeds_failed),
        ("feeds skipped (not due / host backed off)", summary.feeds_skipped),
        ("new entries queued", summary.entries_new),
        ("articles new", summary.articles_new),
        ("articles updated", summary.articles_updated),
        ("articles unchanged", summary.articles_unchanged),
        ("articles failed", summary.articles_failed),
        ("articles deferred (host backed off)", summary.articles_deferred),
        ("extractor errors", summary.extractor_errors),
        ("time", f"{summary.seconds:.1f} s"),
    )
    for label, value in rows:
        table.add_row(label, str(value))
    return table


def print_failures_brief(console: Console, summary: RunSummary, limit: int = 10) -> None:
    if not summary.failures:
        return
    console.print(f"[yellow]{len(summary.failures)} failure(s) recorded[/] (see `newsflow failures`):")
    for failure in summary.failures[:limit]:
        console.print(f"  {failure['stage']:<8} {escape(failure['url'])}  {failure['error']}: {escape(failure['message'])}")


def print_search(console: Console, query_text: str, result: SearchResult) -> None:
    console.print(f"[bold]{result.total}[/] document(s) match {query_text!r}")
    for hit in result.hits:
        doc = hit.document
        date = (doc.get("published_at") or "")[:10]
        title = _marked(hit.highlights.get("title", [doc.get("title", "")])[0])
        console.print(f"\n[bold]{title}[/]  [dim]{doc.get('source', '')} · {date} · id {hit.id}[/]")
        console.print(f"  [dim]{escape(doc.get('url', ''))}[/]")
        for fragment in hit.highlights.get("text", [])[:2]:
            console.print(f"  {_marked(fragment)}")
    for field, buckets in result.facets.items():
        if not buckets:
            continue
        table = Table(title=f"facet: {field}", show_header=False, box=None, padding=(0, 1))
        for value, count in buckets:
            table.add_row(escape(value), str(count))
        console.print(table)
    if result.histogram:
        console.print("published: " + ", ".join(f"{d} ({c})" for d, c in result.histogram))
    if result.next_cursor:
        console.print(f"[dim]more: --cursor {result.next_cursor}[/]")


def _marked(fragment: str) -> str:
    """Turn the backends' ``<mark>`` highlights into rich markup, escaping everything else."""
    parts = _MARK.split(fragment)
    return "".join(escape(p) if i % 2 == 0 else f"[reverse]{escape(p)}[/]" for i, p in enumerate(parts))


def _quote(q: dict[str, Any]) -> str:
    speaker = q.get("speaker") or "unattributed"
    return f"“{q.get('text', '')}” — {speaker}" + (f" ({q['speaker_type']})" if q.get("speaker_type") else "")


def _quantity(q: dict[str, Any]) -> str:
    value = q.get("value")
    number = f"{value:g}" if isinstance(value, int | float) else str(value)
    return f"{q.get('text', '')}  →  {number} {q.get('unit', '')} · {q.get('object') or '—'}"


def _location(loc: dict[str, Any]) -> str:
    point = loc.get("location") or {}
    where = f"{point['lat']:.3f}, {point['lon']:.3f}" if point else "no point"
    region = f", {loc['admin1']}" if loc.get("admin1") else ""
    return f"{loc.get('name', '')} ({loc.get('country_code') or '?'}{region}; {loc.get('feature', '')}) {where}"


def _date(d: dict[str, Any]) -> str:
    return f"{d.get('text', '')}  →  {d.get('date') or '?'} ({d.get('resolution', '')})"


def _mention(m: dict[str, Any]) -> str:
    return f"{m.get('name', '')} [{m.get('label', '')}] ×{m.get('count', 1)}"


SECTIONS: dict[str, tuple[str, Any]] = {
    "quotes": ("Quotes", _quote),
    "locations": ("Places (geocoded)", _location),
    "quantities": ("Quantities", _quantity),
    "dates_mentioned": ("Dates mentioned", _date),
    "entity_mentions": ("Entity mentions", _mention),
}
"""Structured enrichments printed as one line per item under a heading."""
HIDDEN = {"title", "text", "field_sources", "extractors", "place_points", *SECTIONS}


def print_document(console: Console, doc: dict[str, Any]) -> None:
    console.print(f"[bold]{escape(doc.get('title', ''))}[/]")
    table = Table(show_header=False, box=None, padding=(0, 1))
    for key, value in doc.items():
        if key in HIDDEN or value in (None, [], {}, ""):
            continue
        if key == "topic_scores" and isinstance(value, dict):
            value = ", ".join(f"{k} {v:.2f}" for k, v in sorted(value.items(), key=lambda kv: -kv[1]))
        table.add_row(f"[bold]{key}[/]", escape(_short(value)))
    console.print(table)
    for key, (heading, line) in SECTIONS.items():
        items = doc.get(key) or []
        if items:
            console.print(f"\n[bold]{heading}[/] ({len(items)})")
            for item in items:
                console.print(f"  • {escape(line(item))}")
    runs = ", ".join(f"{r['name']}@{r['version']}" + (" (failed)" if r.get("error") else "") for r in doc.get("extractors", []))
    console.print(f"\n[dim]extractors: {runs}[/]")
    console.print(f"[dim]field sources: {doc.get('field_sources', {})}[/]")
    console.print()
    console.print(escape(doc.get("text", "")))


def _short(value: Any, limit: int = 300) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_failure_groups(
    console: Console, failures: Sequence[Failure], hosts_backed_off: Sequence[HostState] = ()
) -> None:
    """Failures grouped by (stage, reason), each group sorted by host; then counts per host and
    the hosts currently backed off."""
    if not failures and not hosts_backed_off:
        console.print("no failures recorded")
        return
    for (stage, error_class), group in iter_failures_by_reason(failures):
        table = Table(title=f"{stage} · {error_class} ({len(group)})", show_header=True, header_style="bold")
        for column in ("host", "url", "attempts", "next retry", "message"):
            table.add_column(column)
        for failure in group:
            retry = failure.next_retry_at or ("never" if not failure.retryable else "now")
            table.add_row(escape(failure.host or ""), escape(failure.url), str(failure.attempts), retry,
                          escape(failure.message))
        console.print(table)
    if failures:
        by_host = Table(title="failures by host", show_header=True, header_style="bold")
        by_host.add_column("host")
        by_host.add_column("failures", justify="right")
        for host, count in failures_by_host(failures):
            by_host.add_row(escape(host), str(count))
        console.print(by_host)
    if hosts_backed_off:
        table = Table(title="hosts backed off (their URLs are skipped until then)", show_header=True,
                      header_style="bold")
        for column in ("host", "until", "consecutive failures", "last error"):
            table.add_column(column)
        for backed in hosts_backed_off:
            table.add_row(escape(backed.host), backed.backoff_until or "", str(backed.consecutive_failures),
                          escape(backed.last_error or ""))
        console.print(table)
