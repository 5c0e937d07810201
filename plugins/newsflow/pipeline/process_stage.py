"""Processing due articles in overlapping batches: fetch (one batch ahead, in a thread) →
clean + extract (:mod:`newsflow.workers`, in worker processes or in-process) → identity,
clusters, index (:mod:`newsflow.pipeline.index_stage`)."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator, Sequence

from extractors import Extractor, resolve
from newsflow.budget import run_extractor
from newsflow.config import Settings
from newsflow.errors import ConfigError
from newsflow.models import Article, FeedEntry
from newsflow.pipeline.context import Resources, RunContext
from newsflow.pipeline.fetch_stage import Prefetcher
from newsflow.pipeline.index_stage import cluster, identify, index_articles
from newsflow.pipeline.summary import Progress, RunSummary
from newsflow.workers import CpuStage, InFlightBatch, resolve_workers

log = logging.getLogger(__name__)


def process(
    res: Resources,
    summary: RunSummary,
    progress: Progress,
    *,
    extractors: Sequence[Extractor] | None = None,
    limit: int | None = None,
    urls: Sequence[str] | None = None,
) -> None:
    """Fetch, clean, enrich and index every due article (or just ``urls``), in batches.

    The due articles are claimed for this run (a lease renewed while it runs, released at the
    end), so a concurrent run does not process them too.

    The stages overlap. A download thread fetches batch *k+1* while batch *k* is cleaned
    and enriched, so waiting on servers hides behind CPU work even with one worker. With more
    than one CPU worker (setting ``workers``) batch *k* is cleaned and enriched in the worker
    processes, and this process collects it, assigns clusters and indexes it while the
    workers go on with *k+1*; at most two batches are handed to the workers at a time. With
    one worker cleaning, extraction, clustering and indexing run in this process.
    """
    process_due(RunContext(res, summary, progress), extractors=extractors, limit=limit, urls=urls)


def process_due(
    ctx: RunContext,
    *,
    extractors: Sequence[Extractor] | None = None,
    limit: int | None = None,
    urls: Sequence[str] | None = None,
) -> None:
    """:func:`process` within a run."""
    settings, state, owner = ctx.settings, ctx.state, ctx.res.owner
    chain = list(extractors) if extractors is not None else extractor_chain(settings)
    with state.leased(owner, settings.lease_seconds):
        due = state.claim_due(owner, settings.lease_seconds, limit, urls=urls)
        batches = list(_chunks(due, settings.batch_size))
        workers = resolve_workers(settings.workers) if len(batches) > 1 else 1
        cpu = CpuStage(chain, workers, ctx.budget)
        ctx.summary.workers = max(ctx.summary.workers, cpu.workers)
        for stage in ("fetch", "extract", "index"):
            ctx.progress.start(stage, len(due))
        in_flight: deque[InFlightBatch] = deque()
        with Prefetcher(ctx, batches) as downloads:
            for items, tally in downloads:
                ctx.summary.absorb(tally)
                if items:
                    in_flight.append(cpu.submit(items))
                while len(in_flight) >= (2 if cpu.workers > 1 else 1):
                    finish_batch(ctx, in_flight.popleft())
            ctx.summary.add_time("wait_fetch", downloads.waited)
        while in_flight:
            finish_batch(ctx, in_flight.popleft())


def finish_batch(ctx: RunContext, batch: InFlightBatch) -> None:
    """Record what the CPU stages made of a batch, assign clusters, index it."""
    summary = ctx.summary
    waited = time.perf_counter()
    result = batch.result()
    summary.add_time("wait_cpu", time.perf_counter() - waited)
    for stage, seconds in result.seconds.items():
        summary.add_time(stage, seconds)
    summary.cpu_seconds += result.cpu_seconds
    failed = {url for url, _ in result.clean_failures}
    for url, error in result.clean_failures:
        ctx.fail_article("clean", url, error)
    for entry, _ in batch.items:
        if entry.url not in failed:
            ctx.state.clear_failure("fetch", entry.url)
    excluded = {url for url, _ in result.excluded}
    if excluded:  # settled without a document, so they are not fetched again
        ctx.state.mark_done(sorted(excluded))
        ctx.summary.entries_excluded += len(excluded)
        ctx.progress.advance("extract", len(excluded))
        ctx.progress.advance("index", len(excluded))
        for url, reason in result.excluded:
            log.info("article %s skipped: %s", url, reason)
    articles = result.articles
    if not articles:
        return
    keys = [entry.url for entry, _ in batch.items if entry.url not in failed and entry.url not in excluded]
    for index, name, message in result.extractor_errors:
        ctx.fail_extractor(name, keys[index], message)
    cleaned = len(articles)
    articles, entry_urls = identify(ctx, articles, keys)
    cluster(ctx, articles)
    ctx.progress.advance("extract", cleaned)
    index_articles(ctx, articles, entry_urls)
    ctx.progress.advance("index", cleaned)


def reextract(ctx: RunContext, articles: list[Article], chain: Sequence[Extractor]) -> None:
    """Run the extractor chain over already indexed ``articles`` in this process (an
    extractor's failure is recorded, the others' fields kept), assign clusters, index them."""
    for extractor in chain:
        with ctx.summary.timed(f"extract:{extractor.name}"):
            errors = run_extractor(articles, extractor, ctx.budget)
        for article, name, message in errors:
            ctx.fail_extractor(name, article.url, message)
    cluster(ctx, articles)
    index_articles(ctx, articles)


def extractor_chain(settings: Settings) -> list[Extractor]:
    """The extractor chain the settings ask for, with the spaCy model they name.

    Raises :class:`~newsflow.errors.ConfigError` for an unknown extractor name."""
    from extractors import nlp

    if settings.spacy_model != nlp.configured_model():
        nlp.configure(settings.spacy_model)
    try:
        return resolve(settings.extractors)
    except KeyError as exc:
        raise ConfigError(f"setting extractors: {exc.args[0]}") from exc


def _chunks(items: Sequence[FeedEntry], size: int) -> Iterator[Sequence[FeedEntry]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]
