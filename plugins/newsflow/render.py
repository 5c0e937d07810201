"""Human output of the CLI: progress bars, the run summary, search results (all via rich).

Rich parses ``[...]`` in printed strings as markup, so every value that comes from data (feed
names, titles, URLs, queries, error messages, paths) goes through :func:`esc` before it is
put next to markup; a ``[/]`` in a feed name is then printed, not interpreted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
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
from newsflow.politeness import host_of
from newsflow.schema import VECTOR_FIELD
from newsflow.state import Failure, HostState, failures_by_host, iter_failures_by_reason

UNWRAPPED_WIDTH = 100_000
"""Console width when output is not a terminal: lines are never wrapped for a pipe or a file."""


def make_console(*, stderr: bool = False) -> Console:
    """A console that wraps at the terminal's width, and not at all when the output is piped
    or redirected (an explicit ``COLUMNS`` still wins)."""
    console = Console(stderr=stderr)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=stderr, width=UNWRAPPED_WIDTH, soft_wrap=True)
    return console


def esc(value: object) -> str:
    """``value`` as text safe to print through rich: markup characters are escaped."""
    return escape(str(value))


STAGE_LABELS = {"poll": "poll feeds", "fetch": "fetch + clean", "extract": "extract", "index": "index",
                "import": "import (bytes)"}
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


SUMMARY_COUNTS = (
    "feeds_polled", "feeds_changed", "feeds_unchanged", "feeds_failed", "feeds_skipped",
    "entries_new", "entries_refreshed", "entries_skipped", "entries_excluded",
    "articles_new", "articles_updated", "articles_unchanged", "articles_failed", "articles_deferred",
    "extractor_errors", "pages_archived", "archive_errors",
)
"""The :class:`RunSummary` counts the run table shows, in order; a row is labelled by its field's name."""
_COUNT_NOTES = {
    "feeds_unchanged": "304 / same body",
    "feeds_skipped": "not due / host backed off / pushed",
    "entries_new": "queued",
    "entries_refreshed": "sitemap lastmod moved",
    "entries_skipped": "no usable link",
    "entries_excluded": "feed-list rules",
    "articles_deferred": "host backed off",
    "pages_archived": "WARC",
}


def summary_table(summary: RunSummary) -> Table:
    """The run summary as a table: one row per count of :data:`SUMMARY_COUNTS`, then the time."""
    table = Table(title="newsflow run", show_header=True, header_style="bold")
    table.add_column("stage")
    table.add_column("result", justify="right")
    for name in SUMMARY_COUNTS:
        note = f" ({_COUNT_NOTES[name]})" if name in _COUNT_NOTES else ""
        table.add_row(name.replace("_", " ") + note, esc(getattr(summary, name)))
    table.add_row("time", esc(f"{summary.seconds:.1f} s"))
    return table


def print_failures_brief(console: Console, summary: RunSummary, limit: int = 10) -> None:
    """The first ``limit`` failures of a run, one line each (whole URL, reason without it)."""
    if not summary.failures:
        return
    console.print(f"[yellow]{len(summary.failures)} failure(s) recorded[/] (see `newsflow failures`):")
    for failure in summary.failures[:limit]:
        reason = reason_of(failure["message"], failure["url"])
        console.print(f"  {esc(failure['stage']):<8} {esc(failure['url'])}  {esc(failure['error'])}: {esc(reason)}",
                      soft_wrap=True)
    if len(summary.failures) > limit:
        console.print(f"  … and {len(summary.failures) - limit} more")
    _print_offline_hint(console, ((f["url"], f["error"], f["message"]) for f in summary.failures))


def print_search(console: Console, query_text: str, result: SearchResult) -> None:
    console.print(f"[bold]{result.total}[/] document(s) match {esc(repr(query_text))}")
    for hit in result.hits:
        doc = hit.document
        date = (doc.get("published_at") or "")[:10]
        title = _marked(hit.highlights.get("title", [doc.get("title", "")])[0])
        console.print(f"\n[bold]{title}[/]  [dim]{esc(doc.get('source', ''))} · {esc(date)} · id {esc(hit.id)}[/]")
        console.print(f"  [dim]{esc(doc.get('url', ''))}[/]", soft_wrap=True)
        for fragment in hit.highlights.get("text", [])[:2]:
            console.print(f"  {_marked(fragment)}")
    for field, buckets in result.facets.items():
        if buckets:
            _print_counts(console, f"facet: {field}", buckets)
    if result.histogram:
        console.print("published: " + ", ".join(f"{esc(d)} ({c})" for d, c in result.histogram))
    if result.next_cursor:
        console.print(f"[dim]more: --cursor {esc(result.next_cursor)}[/]", soft_wrap=True)


def _marked(fragment: str) -> str:
    """Turn the backends' ``<mark>`` highlights into rich markup, escaping everything else."""
    parts = _MARK.split(fragment)
    return "".join(esc(p) if i % 2 == 0 else f"[reverse]{esc(p)}[/]" for i, p in enumerate(parts))


def print_stats(console: Console, data: Mapping[str, Any]) -> None:
    """``newsflow stats``: totals, then counts by source, language and month as aligned lines."""
    articles = data.get("articles") or {}
    console.print(f"[bold]{data['documents']}[/] document(s) in the {esc(data['backend'])} index; "
                  f"{data['feeds']} feed(s) known")
    if articles:
        console.print("articles: " + ", ".join(f"{esc(k)} {v}" for k, v in articles.items()))
    for key, heading in (("by_source", "by source"), ("by_language", "by language"), ("by_month", "by month")):
        counts = data.get(key) or {}
        if counts:
            _print_counts(console, heading, counts.items())


def _print_counts(console: Console, heading: str, counts: Iterable[tuple[Any, Any]]) -> None:
    """``heading`` (plain text) on a line of its own, then one ``value  count`` line per pair,
    counts right-aligned."""
    # the heading is a line of its own: as a table title it wrapped to the narrow table's width
    console.print(f"\n[bold]{esc(heading)}[/]")
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(overflow="fold")
    table.add_column(justify="right", no_wrap=True)
    for value, count in counts:
        table.add_row(esc(value), str(count))
    console.print(table)


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
    console.print(f"[bold]{esc(doc.get('title', ''))}[/]")
    table = Table(show_header=False, box=None, padding=(0, 1))
    for key, value in doc.items():
        if key in HIDDEN or value in (None, [], {}, ""):
            continue
        if key == VECTOR_FIELD and isinstance(value, list):
            value = f"{len(value)} dimensions (--json prints them)"
        if key == "topic_scores" and isinstance(value, dict):
            value = ", ".join(f"{k} {v:.2f}" for k, v in sorted(value.items(), key=lambda kv: -kv[1]))
        table.add_row(f"[bold]{esc(key)}[/]", esc(_short(value)))
    console.print(table)
    for key, (heading, line) in SECTIONS.items():
        items = doc.get(key) or []
        if items:
            console.print(f"\n[bold]{heading}[/] ({len(items)})")
            for item in items:
                console.print(f"  • {esc(line(item))}")
    runs = ", ".join(f"{r['name']}@{r['version']}" + (" (failed)" if r.get("error") else "") for r in doc.get("extractors", []))
    console.print(f"\n[dim]extractors: {esc(runs)}[/]")
    sources = ", ".join(f"{k}: {v}" for k, v in (doc.get("field_sources") or {}).items())
    console.print(f"[dim]field sources: {esc(sources or '—')}[/]")
    console.print()
    console.print(esc(doc.get("text", "")))


def _short(value: Any, limit: int = 300) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- failures ----------------------------------------------------------------------------------
_UNRESOLVED = re.compile(
    r"cannot resolve|could not resolve|name resolution|name or service not known|nodename nor servname"
    r"|no address associated|resolved to no address|getaddrinfo failed|\bdns\b",
    re.IGNORECASE,
)


def unresolved(error_class: str, message: str) -> bool:
    """Whether a recorded failure says the host name did not resolve (DNS)."""
    return bool(re.search(r"dns|resolution", error_class, re.IGNORECASE) or _UNRESOLVED.search(message))


def looks_offline(failures: Iterable[tuple[str, str, str]]) -> bool:
    """``(url, error_class, message)`` triples: True when two or more hosts failed and every
    one of them only failed to resolve — the machine is offline, not the publishers."""
    hosts: dict[str, bool] = {}
    for url, error_class, message in failures:
        host = host_of(url)
        hosts[host] = hosts.get(host, True) and unresolved(error_class, message)
    return len(hosts) >= 2 and all(hosts.values())


def reason_of(message: str, url: str) -> str:
    """A failure's message without its own URL (the URL is printed beside it already)."""
    text = message
    for candidate in {url, url.rstrip("/")}:
        if candidate:
            text = re.sub(r"\s*\b(?:for|of|from|at|on|fetching|url)?:?\s*" + re.escape(candidate) + r"/?", " ", text)
    text = re.sub(r"\s+([:;,)])", r"\1", " ".join(text.split())).strip(" :;,-")
    text = re.sub(r"\(\s*\)", "", text).strip()
    return text or message


def _print_offline_hint(console: Console, failures: Iterable[tuple[str, str, str]]) -> None:
    if looks_offline(failures):
        console.print("[yellow]every failing host failed to resolve: this machine looks offline "
                      "(or its DNS is down)[/]; check the network, then run `newsflow retry`")


def print_failure_groups(
    console: Console, failures: Sequence[Failure], hosts_backed_off: Sequence[HostState] = ()
) -> None:
    """Failures grouped by (stage, error class), then by host and reason: one line per group,
    then each URL whole on a line of its own (never cut); then the hosts backed off, and a
    hint when the machine itself looks offline."""
    if not failures and not hosts_backed_off:
        console.print("no failures recorded")
        return
    for (stage, error_class), group in iter_failures_by_reason(failures):
        hosts = {f.host or host_of(f.url) for f in group}
        console.print(f"\n[bold]{esc(stage)} · {esc(error_class)}[/]: {len(group)} failure(s) on {len(hosts)} host(s)")
        by_reason: dict[tuple[str, str], list[Failure]] = {}
        for failure in group:
            key = (failure.host or host_of(failure.url), reason_of(failure.message, failure.url))
            by_reason.setdefault(key, []).append(failure)
        for (host, reason), items in by_reason.items():
            kind = "retried" if items[0].retryable else "permanent"
            console.print(f"  [bold]{esc(host)}[/] ({len(items)}, {kind}): {esc(reason)}", soft_wrap=True)
            for failure in items:
                retry = failure.next_retry_at or ("never" if not failure.retryable else "now")
                console.print(f"    {esc(failure.url)}  [dim]attempts {failure.attempts} · next {esc(retry)}[/]",
                              soft_wrap=True)
    if failures:
        counts = ", ".join(f"{esc(host)} {count}" for host, count in failures_by_host(failures))
        console.print(f"\n[bold]failures by host[/]: {counts}", soft_wrap=True)
    if hosts_backed_off:
        console.print("\n[bold]hosts backed off[/] (their URLs are skipped until then)")
        for backed in hosts_backed_off:
            console.print(f"  {esc(backed.host)} until {esc(backed.backoff_until or '')} after "
                          f"{backed.consecutive_failures} consecutive failure(s): {esc(backed.last_error or '')}",
                          soft_wrap=True)
    _print_offline_hint(console, ((f.url, f.error_class, f.message) for f in failures))
