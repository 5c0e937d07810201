"""What newsflow's DAG tasks call: thin adapters from Airflow's world to ``newsflow.pipeline``.

Importing this module is cheap (DAG files import it at parse time); everything heavy is
imported inside the functions, which run only in tasks.

Settings under Airflow: ``NEWSFLOW_*`` environment variables as everywhere, then the JSON
Airflow Variable ``newsflow_settings`` (e.g. ``{"backend": "elasticsearch", "batch_size": 64}``),
then, for the Elasticsearch backend, the Airflow connection ``elasticsearch_default``
(host/port/schema, login/password, extra ``api_key``, ``ca_certs``, ``verify_certs``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsflow.config import Settings, load_settings
from newsflow.errors import NewsflowError

if TYPE_CHECKING:
    from newsflow.models import FeedSource

PENDING_ASSET = "newsflow://articles/pending"
INDEX_ASSET = "newsflow://index/articles"
DROP_ASSET = "newsflow://events/inbox"
HTTP_POOL = "newsflow_http"
ES_CONN_ID = "elasticsearch_default"
SETTINGS_VARIABLE = "newsflow_settings"
FEED_BATCH = 10
TASK_WORKERS = 1
"""CPU worker processes of a task when ``workers`` is auto (0): executors parallelise tasks."""
MAX_MAPPED_TASKS = 256
"""Mapped tasks per run at most, well below Airflow's ``[core] max_map_length`` (1024 by
default, past which the whole run fails): a larger backlog makes each batch bigger instead."""

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "newsflow",
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(minutes=30),
}


def poll_schedule() -> str:
    """Cron or preset for the polling DAG (``NEWSFLOW_POLL_SCHEDULE``, default every 15 minutes)."""
    return os.environ.get("NEWSFLOW_POLL_SCHEDULE", "*/15 * * * *")


def drop_dir() -> Path:
    """The inbox directory watched for ``READY`` (``NEWSFLOW_DROP_DIR``)."""
    configured = os.environ.get("NEWSFLOW_DROP_DIR")
    if configured:
        return Path(configured)
    data_dir = os.environ.get("NEWSFLOW_DATA_DIR")
    base = Path(data_dir) if data_dir else Path.home() / ".local" / "share" / "newsflow"
    return base / "inbox"


def settings(**overrides: Any) -> Settings:
    """Settings for a task: environment, the Airflow Variable, ``overrides`` (e.g. a DAG
    param), then, when the backend is Elasticsearch, the ``elasticsearch_default`` connection.

    ``workers`` left at 0 (auto) becomes 1: Airflow's executors already run tasks in
    parallel, so a task does not start its own process pool unless configured to.
    Raises :class:`~newsflow.errors.ConfigError` for a bad Variable or connection."""
    base = load_settings(**{**_variable_settings(), **overrides})
    if base.workers == 0:
        base = base.replace(workers=TASK_WORKERS)
    if base.backend == "elasticsearch":
        base = base.replace(**_es_connection())
    return base


def _variable_settings() -> dict[str, Any]:
    from airflow.sdk import Variable

    raw = Variable.get(SETTINGS_VARIABLE, default=None)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        from newsflow.errors import ConfigError

        raise ConfigError(f"Airflow Variable {SETTINGS_VARIABLE} is not valid JSON: {exc}") from exc
    return dict(data)


def _es_connection() -> dict[str, Any]:
    from newsflow.airflow_hooks import NewsflowElasticsearchHook

    return NewsflowElasticsearchHook(ES_CONN_ID).settings_overrides()


# --- polling -------------------------------------------------------------------------------
def mapped_batches(
    items: Sequence[Any],
    host: Callable[[Any], str],
    batch_size: int,
    max_tasks: int = MAX_MAPPED_TASKS,
) -> list[list[Any]]:
    """``items`` in batches for dynamic task mapping: one host's items stay together.

    Batches hold ``batch_size`` items, or ``ceil(len(items) / max_tasks)`` when that is more,
    so there are never more than ``max_tasks`` of them whatever the backlog. A host's items
    are cut into chunks of that size and chunks are packed in first-seen order (oldest work
    first); a host is split only when it alone fills batches, so per-host politeness mostly
    plays out inside one task. When packing leaves more than ``max_tasks`` batches, the two
    smallest are merged until it does not.
    """
    if max_tasks < 1 or batch_size < 1:
        raise ValueError("batch_size and max_tasks must be at least 1")
    size = max(batch_size, math.ceil(len(items) / max_tasks))
    by_host: dict[str, list[Any]] = {}
    for item in items:
        by_host.setdefault(host(item), []).append(item)
    batches: list[list[Any]] = []
    current: list[Any] = []
    for group in by_host.values():
        for start in range(0, len(group), size):
            chunk = group[start : start + size]
            if current and len(current) + len(chunk) > size:
                batches.append(current)
                current = []
            current.extend(chunk)
    if current:
        batches.append(current)
    while len(batches) > max_tasks:
        batches.sort(key=len)
        batches[1:2] = [batches[0] + batches[1]]
        del batches[0]
    return batches


def feed_batches(batch_size: int = FEED_BATCH) -> list[list[dict[str, Any]]]:
    """The feed list in batches for dynamic task mapping (see :func:`mapped_batches`)."""
    from newsflow.feeds import load_feed_list
    from newsflow.politeness import host_of

    feeds = load_feed_list(settings().feeds_path)
    rows = [{"url": f.url, "name": f.name, "language": f.language, "tags": list(f.tags), "type": f.type}
            for f in feeds]
    return mapped_batches(rows, lambda row: host_of(row["url"]), batch_size)


def poll_batch(batch: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Poll one batch of feeds; new entries become durable pending work."""
    from newsflow import pipeline
    from newsflow.feeds import load_feed_list
    from newsflow.models import FeedSource

    rules = {f.url: f.rules for f in load_feed_list(settings().feeds_path)}  # not passed through XCom
    feeds = [FeedSource(url=f["url"], name=f["name"], language=f.get("language"), tags=tuple(f.get("tags") or ()),
                        rules=rules.get(f["url"]), type=f.get("type") or "feed") for f in batch]
    summary = pipeline.RunSummary()
    with pipeline.Resources(settings()) as res:
        # scheduled polling honours each feed's adaptive interval (a quiet feed is polled less)
        pipeline.poll(res, feeds, summary, pipeline.NO_PROGRESS, respect_intervals=True)
    return summary.as_dict()


# --- processing ----------------------------------------------------------------------------
def pending_batches(batch_size: int | None = None) -> list[list[str]]:
    """URLs of all due articles, in at most :data:`MAX_MAPPED_TASKS` batches of ``batch_size``
    (default the ``task_batch_size`` setting) grouped by host (each batch is one mapped task;
    see :func:`mapped_batches`)."""
    from newsflow.politeness import host_of
    from newsflow.state import StateStore

    s = settings()
    state = StateStore(s.state_location, retry_base_delay=s.retry_base_delay, max_attempts=s.max_attempts)
    try:
        urls = [entry.url for entry in state.due_articles()]
    finally:
        state.close()
    return mapped_batches(urls, host_of, batch_size or s.task_batch_size)


def process_batch(urls: Sequence[str]) -> dict[str, Any]:
    from newsflow import pipeline

    return pipeline.process_urls(settings(), urls).as_dict()


def totals(summaries: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Add up the counters of several task summaries (for asset event extras and logs)."""
    keys = ("feeds_polled", "feeds_changed", "feeds_unchanged", "feeds_failed", "entries_new", "entries_skipped",
            "entries_excluded", "articles_new", "articles_updated", "articles_unchanged", "articles_failed")
    return {k: sum(int(s.get(k, 0)) for s in summaries) for k in keys}


# --- manual ingest -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class IngestRequest:
    article_urls: tuple[str, ...]
    feed_urls: tuple[str, ...]
    backend: str | None
    """None: the configured backend (NEWSFLOW_BACKEND / Variable)."""
    since: datetime | None
    reprocess: bool


def validate_ingest(params: Mapping[str, Any]) -> IngestRequest:
    """Check the manual DAG's Params; raise ``ValueError`` saying what to fix."""
    from newsflow.urls import normalize_url

    problems: list[str] = []

    def urls(key: str) -> tuple[str, ...]:
        value = params.get(key) or []
        if isinstance(value, str):
            value = [value]
        out = []
        for item in value:
            text = str(item).strip()
            if not text.lower().startswith(("http://", "https://")):
                problems.append(f"{key}: {text!r} is not an http(s) URL")
            else:
                try:
                    out.append(normalize_url(text))
                except ValueError as exc:  # InvalidURL: say which one and why
                    problems.append(f"{key}: {exc}")
        return tuple(out)

    article_urls, feed_urls = urls("article_urls"), urls("feed_urls")
    backend = params.get("backend") or None
    if backend is not None and backend not in ("embedded", "elasticsearch"):
        problems.append(f"backend: {backend!r} is not one of embedded, elasticsearch")
    since = None
    if params.get("since"):
        try:
            since = datetime.fromisoformat(str(params["since"]))
        except ValueError:
            problems.append(f"since: {params['since']!r} is not a date (YYYY-MM-DD)")
    reprocess = bool(params.get("reprocess", False))
    if not (article_urls or feed_urls or reprocess):
        problems.append("nothing to do: give article_urls and/or feed_urls, or set reprocess")
    if problems:
        raise ValueError("invalid parameters: " + "; ".join(problems))
    return IngestRequest(article_urls, feed_urls, backend, since, reprocess)


class NothingIngested(NewsflowError):
    """Every URL of a manual ingest failed: the task fails with the reasons."""


def ingest(request: IngestRequest) -> dict[str, Any]:
    """Poll the given feeds, process the given articles, and optionally re-run extractors.

    A feed is named as in the feed list, else by its own title (in the documents' ``source``);
    an article given alone by its site name, else its domain. Raises :class:`NothingIngested`
    when URLs were given, some failed and not one article went through.
    """
    from newsflow import pipeline
    from newsflow.models import FeedSource

    s = settings(backend=request.backend)
    result: dict[str, Any] = {}
    with pipeline.Resources(s) as res:
        if request.feed_urls:
            summary = pipeline.RunSummary()
            known = _configured_feeds(s)
            feeds = [FeedSource(url=u, name=known[u].name, rules=known[u].rules) if u in known else FeedSource(url=u, name=u)
                     for u in request.feed_urls]
            pipeline.poll(res, feeds, summary, pipeline.NO_PROGRESS)
            result["poll"] = summary.as_dict()
        if request.article_urls or request.feed_urls:
            result["ingest"] = pipeline.ingest_urls(s, request.article_urls, resources=res).as_dict()
        if request.reprocess:
            result["reprocess"] = pipeline.reprocess(s, since=request.since, resources=res).as_dict()
    check_ingested(result)
    return result


def _configured_feeds(s: Settings) -> dict[str, FeedSource]:
    """Normalised URL → feed (its name and rules) of the configured feed list (empty when it
    cannot be read)."""
    from newsflow.errors import ConfigError
    from newsflow.feeds import load_feed_list
    from newsflow.urls import normalize_url

    try:
        return {normalize_url(f.url): f for f in load_feed_list(s.feeds_path)}
    except ConfigError:
        return {}


def check_ingested(result: Mapping[str, Any]) -> None:
    """Raise :class:`NothingIngested` (with each failure's URL and reason) when the poll and
    ingest of ``result`` recorded failures and no article was new, updated or unchanged."""
    parts = [result[k] for k in ("poll", "ingest") if k in result]
    went_through = sum(p.get(k, 0) for p in parts for k in ("articles_new", "articles_updated", "articles_unchanged"))
    failures = [f for p in parts for f in p.get("failures", [])]
    if went_through or not failures:
        return
    shown = "; ".join(f"{f['url']}: {f['error']}: {f['message']}" for f in failures[:10])
    more = f"; and {len(failures) - 10} more" if len(failures) > 10 else ""
    raise NothingIngested(f"nothing could be ingested: {len(failures)} URL(s) failed: {shown}{more}")


def ingest_inbox(directory: Path | None = None) -> dict[str, Any]:
    """Ingest every ``*.txt`` URL list dropped in the inbox, then move it to ``processed/``.

    Each line is an article URL, or ``feed <url>`` for a feed; blank lines and ``#`` comments
    are ignored. Files are moved only after their URLs were processed, so a failed task
    re-reads them on retry (processing is idempotent); when every URL failed they go to
    ``failed/`` and :class:`NothingIngested` is raised.
    """
    inbox = directory or drop_dir()
    files = sorted(inbox.glob("*.txt"))
    articles: list[str] = []
    feeds: list[str] = []
    for path in files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            if text.lower().startswith("feed "):
                feeds.append(text[5:].strip())
            else:
                articles.append(text)
    if not (articles or feeds):
        return {"files": 0}
    try:
        result = ingest(validate_ingest({"article_urls": articles, "feed_urls": feeds}))
    except NothingIngested:
        _move(files, inbox / "failed")  # not read again and again; the task fails with the reasons
        raise
    _move(files, inbox / "processed")
    result["files"] = len(files)
    return result


def _move(files: Sequence[Path], directory: Path) -> None:
    directory.mkdir(exist_ok=True)
    for path in files:
        path.replace(directory / path.name)


# --- maintenance ---------------------------------------------------------------------------
def retry_failures() -> dict[str, Any]:
    from newsflow import pipeline

    return pipeline.retry(settings()).as_dict()


def prune_state(older_than_days: int = 90) -> dict[str, int]:
    from newsflow.state import StateStore

    state = StateStore(settings().state_location)
    try:
        return state.prune(older_than_days)
    finally:
        state.close()


def setup_index() -> dict[str, Any]:
    """Install the Elasticsearch template, first index and alias (idempotent; no-op on the
    embedded backend). Opening a backend never does this: see ``newsflow es setup``."""
    s = settings()
    if s.backend != "elasticsearch":
        return {"skipped": "the embedded backend needs no setup"}
    from newsflow.index.elastic import ElasticBackend

    backend = ElasticBackend.from_settings(s)
    try:
        backend.setup()
        return {"alias": backend.alias, "index": backend.current_index()}
    finally:
        backend.close()


def reindex() -> dict[str, Any]:
    """Rebuild the Elasticsearch index behind the alias (no-op on the embedded backend)."""
    s = settings()
    if s.backend != "elasticsearch":
        return {"skipped": "the embedded backend needs no reindex"}
    from newsflow.index.elastic import ElasticBackend

    backend = ElasticBackend.from_settings(s)
    try:
        return dict(backend.reindex())
    finally:
        backend.close()


def index_stats(updates: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """What the index holds now, plus the counts of the updates that triggered this."""
    import logging

    from newsflow.index import SearchQuery, open_backend
    from newsflow.state import StateStore

    s = settings()
    backend = open_backend(s)
    state = StateStore(s.state_location)
    try:
        result = backend.search(SearchQuery(facets=("source", "language"), size=0))
        stats = {
            "backend": backend.name,
            "documents": backend.count(),
            "by_source": dict(result.facets.get("source", [])),
            "by_language": dict(result.facets.get("language", [])),
            "state": state.counts(),
            "triggered_by": list(updates),
        }
    finally:
        backend.close()
        state.close()
    logging.getLogger(__name__).info("index stats: %s", stats)
    return stats
