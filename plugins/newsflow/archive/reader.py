"""Reading WARC files: one archived response by its index record (re-cleaning), and every
response of a file from elsewhere (``newsflow import-warc``), each checked and bounded.

Bad records are returned as :class:`RecordProblem` values, never raised: a truncated record,
a body that is not HTML or is larger than ``max_bytes``, an HTTP status that is not 2xx.
Damaged data (a gzip member that does not decompress, a record cut short) is one problem of
the file, reported with its byte offset; reading resumes at the next record start found.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsflow.archive.index import ArchivedRecord
from newsflow.archive.writer import payload_digest
from newsflow.errors import ArchiveError, BadRecord
from newsflow.fetching import PAGE_TYPES

_RECORD_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError, IndexError, KeyError)
"""What warcio, zlib and the file raise on a damaged or truncated record."""


@dataclass(frozen=True, slots=True)
class WarcPage:
    """One HTML response read from a WARC file (its body decoded from chunked and gzip/deflate
    transfer, at most ``max_bytes``)."""

    target_uri: str
    warc_date: datetime
    status: int
    content_type: str
    charset: str | None
    body: bytes
    digest: str
    offset: int
    length: int
    """Byte offset and length of the record in its file."""


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """A record (or the rest of a file) that yields no page: ``url`` is the record's target
    URI when it has one, else ``<file>#<offset>``."""

    url: str
    error: BadRecord
    offset: int


def read_page(directory: Path, record: ArchivedRecord, max_bytes: int) -> WarcPage:
    """The response archived at ``record`` (a file relative to ``directory`` or absolute).

    Raises :class:`~newsflow.errors.ArchiveError` when the file is missing or the record
    unreadable, :class:`~newsflow.errors.BadRecord` when it is not a usable page."""
    path = directory / record.filename
    try:
        with path.open("rb") as handle:
            handle.seek(record.offset)
            found = _read(ArchiveIterator(handle), str(path), max_bytes)
    except OSError as exc:
        raise ArchiveError(f"cannot read the archived page of {record.url} from {path}: {exc}", url=record.url) from exc
    if found is None:
        raise ArchiveError(f"no response record at {path}#{record.offset} (archive damaged?)", url=record.url)
    if isinstance(found, RecordProblem):
        raise found.error
    return found


def _read(records: ArchiveIterator, where: str, max_bytes: int) -> WarcPage | RecordProblem | None:
    try:
        for item in records:
            if item.rec_type == "response":
                return page_of(item, records, where, max_bytes)
    except _RECORD_ERRORS as exc:
        return RecordProblem(where, BadRecord(f"unreadable WARC record in {where}: {_reason(exc)}", url=where), 0)
    return None


def iter_pages(path: Path, max_bytes: int) -> Iterator[WarcPage | RecordProblem]:
    """Every response record of the WARC file at ``path`` (gzip per record or plain), as a
    page or a problem; other record types (request, warcinfo, metadata, revisit) are skipped.

    Damaged data (a gzip member that does not decompress, a record cut short) is one problem,
    after which reading resumes at the next gzip member or ``WARC/`` record line found.
    Raises :class:`~newsflow.errors.BadRecord` when the file cannot be opened."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BadRecord(f"cannot open {path}: {exc}", url=str(path)) from exc
    with handle:
        start: int | None = 0
        damage: tuple[int, str] | None = None
        while start is not None:
            handle.seek(start)
            records = ArchiveIterator(handle)
            try:
                for item in records:
                    if item.rec_type != "response":
                        continue
                    found = page_of(item, records, str(path), max_bytes)
                    if damage is not None:
                        yield _damaged(path, damage, found.offset)
                        damage = None
                    yield found
                start = None
            except _RECORD_ERRORS as exc:
                failed_at = max(records.offset, start)
                damage = damage or (failed_at, _reason(exc))
                start = _next_start(handle, failed_at + 1)
        if damage is not None:
            yield _damaged(path, damage, None)


_STARTS = (b"\x1f\x8b\x08", b"WARC/1.")
"""How a record can start: a gzip member's magic bytes, or a plain record's version line."""


def _next_start(handle: BinaryIO, offset: int) -> int | None:
    """The offset of the next possible record start at or after ``offset``, or None at the end."""
    handle.seek(offset)
    tail = b""
    while True:
        chunk = handle.read(1 << 20)
        if not chunk:
            return None
        window = tail + chunk
        hits = [i for i in (window.find(mark) for mark in _STARTS) if i >= 0]
        if hits:
            return offset - len(tail) + min(hits)
        offset += len(chunk)
        tail = window[-8:]


def _damaged(path: Path, damage: tuple[int, str], resumed: int | None) -> RecordProblem:
    at, reason = damage
    rest = f"skipped to byte {resumed}" if resumed is not None else "the rest of the file is skipped"
    where = f"{path}#{at}"
    return RecordProblem(where, BadRecord(f"damaged WARC data at byte {at} of {path} ({rest}): {reason}",
                                          url=where), at)


def page_of(item: Any, records: ArchiveIterator, where: str, max_bytes: int) -> WarcPage | RecordProblem:
    """One response record as a page or a problem (raises what warcio raises on damage)."""
    target = item.rec_headers.get_header("WARC-Target-URI") or ""
    declared = int(item.rec_headers.get_header("Content-Length") or -1)
    http = item.http_headers
    body = item.content_stream().read(max_bytes + 1) if http is not None else b""
    _drain(item)
    offset, length = records.get_record_offset(), records.get_record_length()
    name = target or f"{where}#{offset}"

    def problem(reason: str) -> RecordProblem:
        return RecordProblem(name, BadRecord(f"{reason} ({name}, {where}#{offset})", url=name), offset)

    if http is None or not target.lower().startswith(("http://", "https://")):
        return problem("not an HTTP response")
    if item.rec_headers.get_header("WARC-Truncated"):
        return problem(f"record truncated by its crawler (WARC-Truncated: {item.rec_headers.get_header('WARC-Truncated')})")
    if declared >= 0 and item.raw_stream.limit > 0:
        return problem(f"truncated record: {item.raw_stream.limit} of {declared} bytes missing")
    status = int(http.get_statuscode() or 0)
    if not 200 <= status < 300:
        return problem(f"HTTP {status} is not a page")
    content_type = (http.get_header("Content-Type") or "").strip()
    mime = content_type.split(";")[0].strip().lower()
    if mime and not any(kind in mime for kind in PAGE_TYPES):
        return problem(f"content type {mime!r} is not HTML")
    if len(body) > max_bytes:
        return problem(f"page larger than max_page_bytes ({max_bytes} bytes)")
    return WarcPage(
        target_uri=target, warc_date=_date(item.rec_headers.get_header("WARC-Date")), status=status,
        content_type=mime or "text/html", charset=_charset(content_type), body=body,
        digest=item.rec_headers.get_header("WARC-Payload-Digest") or payload_digest(body),
        offset=offset, length=length,
    )


def _drain(item: Any) -> None:
    while item.raw_stream.read(65536):
        pass


def _charset(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type or "text/html"
    return message.get_content_charset()


def _date(value: str | None) -> datetime:
    """``WARC-Date`` as an aware datetime (now when missing or unreadable)."""
    try:
        parsed = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC).replace(microsecond=0)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{type(exc).__name__}: {text!r}" if text else type(exc).__name__
