"""The CPU stages (clean + extract) of a batch, in this process or in a pool of processes.

:func:`cpu_batch` cleans each fetched page with trafilatura and runs the extractor chain
over the cleaned articles as one batch (so spaCy's ``nlp.pipe`` gets the whole batch). It
never touches the state store or the index: it returns the articles, the pages that could
not be cleaned (with their exception) and the extractor errors, and the main process
records them exactly as it records failures of any other stage.

:class:`CpuStage` runs it either in-process (``workers == 1``: tests, Airflow tasks) or in
a :class:`~concurrent.futures.ProcessPoolExecutor` of spawned processes (never forked: the
main process has HTTP and lease threads). Each worker imports trafilatura and the
extractors, and warms them up (spaCy model, lexicons) once, in its initializer. A batch is
split into one contiguous sub-batch per worker. The pool is kept for the life of the
process (a second run in the same process reuses the warm workers) and shut down at exit.

Each article gets ``budget`` seconds (setting ``stage_time_budget``) in cleaning and in each
extractor (:mod:`newsflow.budget`): over it, that article fails that stage and the rest of
the batch goes on, in a worker process as in-process.

Timings: each sub-batch reports the wall seconds spent in cleaning and in each extractor
(a worker is single-threaded, so with one worker per core this is its CPU time), and the
CPU seconds of the worker process; :class:`BatchResult` sums them over sub-batches.
"""

from __future__ import annotations

import atexit
import importlib
import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from extractors import Extractor, resolve
from newsflow.errors import StageError, TransientError
from newsflow.models import Article, FeedEntry, FetchedPage
from newsflow.urls import site_of

log = logging.getLogger(__name__)

Item = tuple[FeedEntry, FetchedPage]
MAX_WORKERS_AUTO = 4
"""``workers = 0`` (auto) uses at most this many processes."""


def resolve_workers(setting: int) -> int:
    """The number of CPU worker processes for ``setting`` (0: auto).

    Auto is ``min(os.cpu_count(), 4)``. Callers that parallelise otherwise pass their own
    number (Airflow tasks pass 1: ``newsflow.airflow_support.settings``).
    """
    if setting > 0:
        return setting
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS_AUTO))


class WorkerDied(TransientError):
    """A CPU worker process died while it held this article (retried on a later run)."""


@dataclass(slots=True)
class BatchResult:
    """What the CPU stages made of one batch (in the order of the batch)."""

    articles: list[Article] = field(default_factory=list)
    clean_failures: list[tuple[str, BaseException]] = field(default_factory=list)
    """(url, exception) of each page that yielded no article."""
    excluded: list[tuple[str, str]] = field(default_factory=list)
    """(url, reason) of each article a feed-list rule excluded once its language was known."""
    extractor_errors: list[tuple[int, str, str]] = field(default_factory=list)
    """(index into ``articles``, extractor name, message)."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Busy seconds per stage (``clean``, ``extract:<name>``), summed over workers."""
    cpu_seconds: float = 0.0
    """CPU seconds of the processes that did the work (workers only; 0 in-process)."""

    def merge(self, other: BatchResult) -> None:
        offset = len(self.articles)
        self.articles.extend(other.articles)
        self.clean_failures.extend(other.clean_failures)
        self.excluded.extend(other.excluded)
        self.extractor_errors.extend((offset + i, name, msg) for i, name, msg in other.extractor_errors)
        for stage, secs in other.seconds.items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + secs
        self.cpu_seconds += other.cpu_seconds


def cpu_batch(items: Sequence[Item], chain: Sequence[Extractor], budget: float | None = None) -> BatchResult:
    """Clean every page, then run the extractor chain over the cleaned batch.

    ``budget``: seconds one article may spend in cleaning and in each extractor (None: no
    limit); past it that article fails that stage with OverBudget (:mod:`newsflow.budget`).
    """
    from newsflow.budget import run_extractor, time_budget
    from newsflow.cleaning import clean_page

    out = BatchResult()
    clock = time.perf_counter
    started = clock()
    for entry, page in items:
        try:
            with time_budget(budget, "cleaning (trafilatura)", url=entry.url):
                article = clean_page(page, entry)
                excluded = _excluded_by_language(entry, article)
        except Exception as exc:  # one bad page must not stop the batch; the reason is recorded
            out.clean_failures.append((entry.url, exc))
            continue
        if excluded:
            out.excluded.append((entry.url, excluded))
        else:
            out.articles.append(article)
    out.seconds["clean"] = clock() - started
    if out.articles:
        position = {id(a): i for i, a in enumerate(out.articles)}
        for extractor in chain:
            started = clock()
            for article, name, message in run_extractor(out.articles, extractor, budget):
                out.extractor_errors.append((position[id(article)], name, message))
            key = f"extract:{extractor.name}"
            out.seconds[key] = out.seconds.get(key, 0.0) + clock() - started
    return out


def _excluded_by_language(entry: FeedEntry, article: Article) -> str | None:
    """Why a feed-list rule that waited for the article's language excludes it (the language
    the ``language`` extractor settles on), None to keep it."""
    if entry.page_rules is None or not entry.page_rules.waiting:
        return None
    from extractors.language import detect_language
    from newsflow.feed_rules import excluded_after_cleaning

    return excluded_after_cleaning(entry, detect_language(article).get("language"))


# --------------------------------------------------------------------------- worker side

_chain: list[Extractor] = []


def _init_worker(modules: Sequence[str], names: Sequence[str], nlp_model: str | None, level: int) -> None:
    """Per worker, once: import the extractors, resolve the chain, warm up the libraries."""
    global _chain
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _exit_with_parent(os.getppid())
    logging.basicConfig(level=level)
    for module in modules:
        importlib.import_module(module)
    if nlp_model:
        from extractors import nlp

        nlp.configure(nlp_model)
    _chain = resolve(names)
    warm_up(_chain)


def _exit_with_parent(parent: int) -> None:
    """End this worker soon after the main process dies (e.g. SIGKILL), never outliving it
    (an orphan would also hold the main process's stdout/stderr open)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


WARM_UP_TEXTS: dict[str, tuple[str, str]] = {
    "en": ("Warm-up", "The mayor of Lyon, Anna Schmidt, said on Monday that 40 buses would run, "
           "according to the council in Paris. “We are ready,” she said."),
    "de": ("Probelauf", "Die Bürgermeisterin von Bremen, Anna Schmidt, sagte am Montag, dass "
           "40 Busse fahren, 12 Prozent mehr als im Mai. „Wir sind bereit“, sagte sie."),
    "fr": ("Essai", "La maire de Lyon, Anne Martin, a déclaré lundi que 40 bus "
           "circuleraient, soit 12 pour cent de plus qu'en mai. « Nous sommes prêts », a-t-elle dit."),
    "es": ("Ensayo", "La alcaldesa de Sevilla, Ana García, dijo el lunes que 40 autobuses "
           "circularán, un 12 por ciento más que en mayo. «Estamos listos», dijo."),
    "it": ("Prova", "La sindaca di Torino, Anna Rossi, ha detto lunedì che 40 autobus "
           "circoleranno, il 12 per cento in più di maggio. «Siamo pronti», ha detto."),
    "pt": ("Ensaio", "A prefeita do Porto, Ana Silva, disse na segunda-feira que 40 autocarros "
           "vão circular, mais 12 por cento do que em maio. «Estamos prontos», disse."),
    "ru": ("Проба", "Мэр Казани Анна Иванова заявила в понедельник, что 40 автобусов выйдут "
           "на линию, на 12 процентов больше, чем в мае. «Мы готовы», — сказала она."),
}
"""One short page per language the warm-up reads (written for it): title, paragraph."""


def warm_up(chain: Sequence[Extractor], languages: Sequence[str] = ("en",)) -> None:
    """Load the chain's models and lexicons now (not in the first batch): one short page in
    each of ``languages`` (keys of :data:`WARM_UP_TEXTS`) through it all, so that the
    per-language models, lexicons, patterns and data files the extractors build on first use
    are built too. A pipeline's CPU workers warm English only (other languages' models load
    when an article needs them); :func:`newsflow.preload.preload` warms every language. A
    failure is logged at debug level only: it shows again, and is recorded, in the first real batch."""
    from datetime import UTC, datetime

    items = []
    for language in languages:
        title, text = WARM_UP_TEXTS[language]
        html = (f"<html lang='{language}'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                + f"<p>{text}</p>" * 3 + "</article></body></html>")
        url = f"https://www.warm-up.example.org/{language}/a"
        page = FetchedPage(url, url, 200, "text/html", html, datetime.now(UTC))
        items.append((FeedEntry(url=url, feed_url="", source="warm-up"), page))
    try:
        cpu_batch(items, chain)
        site_of(items[0][1].url)  # reads the Public Suffix List (≈ 0.2 s), which those pages need not
    except Exception:  # a warm-up failure shows again (and is recorded) in the first batch
        log.debug("worker warm-up failed", exc_info=True)


def _run_in_worker(items: Sequence[Item], budget: float | None = None) -> BatchResult:
    before = time.process_time()
    result = cpu_batch(items, _chain, budget)
    result.clean_failures = [(url, _picklable(exc)) for url, exc in result.clean_failures]
    result.cpu_seconds = time.process_time() - before
    return result


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        log.error("unexpected error in a CPU worker", exc_info=exc)
        return StageError(f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- main side

class InFlightBatch:
    """A batch handed to the CPU stage and not yet collected: its ``items``, and
    :meth:`result`, which waits for it (done already when it ran in this process)."""

    def __init__(self, items: Sequence[Item], done: BatchResult | None = None,
                 futures: Sequence[Future[BatchResult]] = (), chunks: Sequence[Sequence[Item]] = ()) -> None:
        self.items = items
        self._done = done
        self._futures = list(futures)
        self._chunks = list(chunks)

    def result(self) -> BatchResult:
        """The merged result; a sub-batch whose worker died becomes per-article failures."""
        if self._done is not None:
            return self._done
        out = BatchResult()
        for future, chunk in zip(self._futures, self._chunks, strict=True):
            try:
                out.merge(future.result())
            except BrokenProcessPool as exc:
                _stop_pool(wait=False)
                for entry, _ in chunk:
                    out.clean_failures.append((entry.url, WorkerDied(f"CPU worker process died: {exc}", url=entry.url)))
        self._done = out
        return out


class CpuStage:
    """Cleans and enriches batches with ``workers`` processes (1: in this process)."""

    def __init__(self, chain: Sequence[Extractor], workers: int, budget: float | None = None) -> None:
        self.chain = list(chain)
        self.workers = max(1, workers)
        self.budget = budget
        """Per-article seconds of each CPU stage (see :func:`cpu_batch`)."""
        if self.workers > 1 and not _poolable(self.chain):
            log.info("an extractor is not importable by name in a worker process: cleaning and "
                     "extracting in this process")
            self.workers = 1

    def submit(self, items: Sequence[Item]) -> InFlightBatch:
        if self.workers == 1 or len(items) < 2:
            return InFlightBatch(items, done=cpu_batch(items, self.chain, self.budget))
        pool = _pool(self.workers, self.chain)
        size = -(-len(items) // self.workers)
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        try:
            futures = [pool.submit(_run_in_worker, chunk, self.budget) for chunk in chunks]
        except BrokenProcessPool:
            _stop_pool(wait=False)
            return InFlightBatch(items, done=cpu_batch(items, self.chain, self.budget))
        return InFlightBatch(items, futures=futures, chunks=chunks)


def _poolable(chain: Sequence[Extractor]) -> bool:
    """Whether a worker can rebuild ``chain`` by importing modules and resolving names."""
    from extractors.registry import available

    registry = available()
    return all(
        registry.get(e.name) is e and getattr(e.run, "__module__", "").startswith("extractors.") for e in chain
    )


_lock = threading.Lock()
_current: tuple[tuple[Any, ...], ProcessPoolExecutor] | None = None


def _pool(workers: int, chain: Sequence[Extractor]) -> ProcessPoolExecutor:
    """The process pool for this worker count and chain (kept warm between runs)."""
    global _current
    modules = tuple(sorted({e.run.__module__ for e in chain}))
    names = tuple(e.name for e in chain)
    nlp_model = _nlp_model()
    key = (workers, modules, names, nlp_model)
    with _lock:
        if _current is not None and _current[0] == key:
            return _current[1]
        if _current is not None:
            _current[1].shutdown(wait=True, cancel_futures=True)
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(modules, names, nlp_model, logging.getLogger().level),
        )
        _current = (key, pool)
        return pool


def _nlp_model() -> str | None:
    """The spaCy model configured in this process (``extractors.nlp.configure``), if any."""
    import sys

    nlp = sys.modules.get("extractors.nlp")
    return nlp.configured_model() if nlp is not None else None


def _stop_pool(*, wait: bool) -> None:
    """Shut the pool down and forget it (``wait``: for its workers to exit; not when it is
    broken)."""
    global _current
    with _lock:
        if _current is not None:
            _current[1].shutdown(wait=wait, cancel_futures=True)
            _current = None


def shutdown() -> None:
    """Stop the worker processes (at exit, or to free their memory now)."""
    _stop_pool(wait=True)


atexit.register(shutdown)
