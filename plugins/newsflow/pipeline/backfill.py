"""Pages that come from WARC files instead of the network: re-cleaning the indexed documents
from the raw archive (``newsflow reprocess --reclean``) and ingesting WARC files from
elsewhere (``newsflow import-warc``, e.g. Common Crawl's CC-NEWS).

Both turn records into (entry, page) items and send them through the same CPU stages
(cleaning, extractors), identity, clusters and index as fetched pages; the page's
``fetched_at`` is its ``WARC-Date``. Neither makes a network request.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from extractors import Extractor
from newsflow.archive import (
    ArchivedRecord,
    RecordProblem,
    WarcArchive,
    WarcPage,
    iter_pages,
    read_page,
)
from newsflow.encoding import decode_html
from newsflow.errors import ArchiveError, BadRecord, ConfigError, InvalidURL, StageError
from newsflow.models import Article, FeedEntry, FetchedPage, iso
from newsflow.pipeline.context import RunContext
from newsflow.pipeline.process_stage import finish_batch, reextract
from newsflow.urls import domain_of, normalize_url
from newsflow.workers import CpuStage, InFlightBatch, Item, resolve_workers

log = logging.getLogger(__name__)


def reclean_documents(ctx: RunContext, chain: Sequence[Extractor], since: datetime | None = None) -> None:
    """Clean again, from its archived page, every indexed document (those indexed ``since``),
    run ``chain`` and index the result. A document without an archived page (indexed before
    the archive existed) only has ``chain`` re-run on its stored text; one whose archived page
    cannot be read is a failure of stage ``reclean``.

    Raises :class:`~newsflow.errors.ConfigError` when setting ``archive`` is off."""
    archive = ctx.res.archive
    if archive is None:
        raise ConfigError("reprocess --reclean reads the raw archive, and setting archive is off")
    backend = ctx.res.backend
    total = backend.count()
    for stage in ("extract", "index"):
        ctx.progress.start(stage, total)
    unarchived: list[Article] = []

    def items() -> Iterator[Item]:
        for doc in backend.iter_documents(since):
            item = _archived_item(ctx, archive, doc)
            if item is None:
                unarchived.append(Article.from_document(doc))
            elif isinstance(item, tuple):
                yield item

    run_items(ctx, chain, items())
    if unarchived:
        log.warning("%d document(s) have no archived page: their extractors were re-run on the stored text",
                    len(unarchived))
        for start in range(0, len(unarchived), ctx.settings.batch_size):
            part = unarchived[start:start + ctx.settings.batch_size]
            reextract(ctx, part, chain)
            for stage in ("extract", "index"):
                ctx.progress.advance(stage, len(part))


def _archived_item(ctx: RunContext, archive: WarcArchive, doc: dict[str, Any]) -> Item | bool | None:
    """The (entry, page) of ``doc`` from the archive; None when it has no archived page, False
    when that page could not be read (recorded)."""
    url = str(doc.get("url") or "")
    record = archive.index.latest([url, *(doc.get("aliases") or [])])
    if record is None:
        return None
    try:
        page = read_page(archive.directory, record, ctx.settings.max_page_bytes)
    except (ArchiveError, BadRecord) as exc:
        ctx.summary.articles_failed += 1
        ctx.record("reclean", url, exc)
        for stage in ("extract", "index"):
            ctx.progress.advance(stage)
        return False
    entry = ctx.state.article_entry(record.url) or FeedEntry(
        url=record.url, feed_url=str(doc.get("feed_url") or ""), source=str(doc.get("source") or domain_of(url)),
    )
    return entry, fetched_page(record.url, page, fetched_at=_stored_time(doc.get("fetched_at")))


def import_files(ctx: RunContext, chain: Sequence[Extractor], paths: Sequence[Path]) -> None:
    """Make an article of every HTML response in the WARC files at ``paths``, through the
    same pipeline as fetched pages. Each record that cannot be one is a failure of stage
    ``import`` with its reason; the records are indexed in the archive's index (pointing into
    the files where they are), so ``reprocess --reclean`` finds them. Progress: stage
    ``import`` in bytes of the files read."""
    archive = _import_archive(ctx)
    sizes = {path: _size(path) for path in paths}
    ctx.progress.start("import", sum(sizes.values()))

    def items() -> Iterator[Item]:
        for path in paths:
            done = 0
            try:
                for found in iter_pages(path, ctx.settings.max_page_bytes):
                    if isinstance(found, WarcPage):
                        ctx.progress.advance("import", max(0, found.offset + found.length - done))
                        done = max(done, found.offset + found.length)
                    item = _imported_item(ctx, archive, path, found)
                    if item is not None:
                        yield item
            except BadRecord as exc:  # the file itself could not be opened
                _bad_record(ctx, str(path), exc)
            ctx.progress.advance("import", max(0, sizes[path] - done))

    run_items(ctx, chain, items())


def _imported_item(ctx: RunContext, archive: WarcArchive | None, path: Path,
                   found: WarcPage | RecordProblem) -> Item | None:
    if isinstance(found, RecordProblem):
        _bad_record(ctx, found.url, found.error)
        return None
    try:
        url = normalize_url(found.target_uri)
    except InvalidURL as exc:
        _bad_record(ctx, found.target_uri, BadRecord(f"unusable WARC-Target-URI: {exc}", url=found.target_uri))
        return None
    if archive is not None:
        record = ArchivedRecord(
            url=url, target_uri=found.target_uri, digest=found.digest, warc_date=iso(found.warc_date) or "",
            status=found.status, content_type=found.content_type, filename=str(path.resolve()),
            offset=found.offset, length=found.length, origin="import",
        )
        try:
            archive.index.add(record)
        except sqlite3.Error as exc:  # the article goes on without its index row; recorded
            ctx.summary.archive_errors += 1
            ctx.record("archive", url, ArchiveError(f"could not index the imported record: {exc}", url=url))
    entry = FeedEntry(url=url, feed_url="", source=domain_of(url))
    return entry, fetched_page(url, found)


def _import_archive(ctx: RunContext) -> WarcArchive | None:
    try:
        return ctx.res.archive
    except ArchiveError as exc:
        log.warning("imported records are not indexed in the archive (no reclean for them): %s", exc)
        return None


def _bad_record(ctx: RunContext, url: str, error: StageError) -> None:
    ctx.summary.articles_failed += 1
    ctx.record("import", url, error)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def fetched_page(url: str, page: WarcPage, *, fetched_at: datetime | None = None) -> FetchedPage:
    """An archived response as the page the CPU stages clean (decoded as a fetched one is);
    fetched at ``fetched_at``, else at its ``WARC-Date``."""
    decoded = decode_html(page.body, page.charset)
    return FetchedPage(
        url=url, final_url=page.target_uri, status=page.status, content_type=page.content_type,
        text=decoded.text, fetched_at=fetched_at or page.warc_date, encoding=decoded.provenance,
    )


def _stored_time(value: object) -> datetime | None:
    """A document's ``fetched_at`` (ISO 8601 UTC): a page fetched again unchanged is archived
    once, so the document's own time is the latest fetch and re-cleaning keeps it."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def run_items(ctx: RunContext, chain: Sequence[Extractor], items: Iterable[Item]) -> None:
    """Send ``items`` through the CPU stages in batches of ``batch_size`` (in worker processes
    when setting ``workers`` asks, two batches in flight), then identity, clusters and index."""
    cpu = CpuStage(chain, resolve_workers(ctx.settings.workers), ctx.budget)
    ctx.summary.workers = max(ctx.summary.workers, cpu.workers)
    in_flight: deque[InFlightBatch] = deque()
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) < ctx.settings.batch_size:
            continue
        in_flight.append(cpu.submit(batch))
        batch = []
        while len(in_flight) >= (2 if cpu.workers > 1 else 1):
            finish_batch(ctx, in_flight.popleft())
    if batch:
        in_flight.append(cpu.submit(batch))
    while in_flight:
        finish_batch(ctx, in_flight.popleft())
