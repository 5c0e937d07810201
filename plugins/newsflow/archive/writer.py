"""Writing fetched pages to WARC files: a request and a response record per page (with their
HTTP headers), gzip per record, a new file when the current one reaches a size.

Each process writes its own files (``newsflow-<time>-<pid>-<random>-<n>.warc.gz``) and never
appends to an existing one, so concurrent runs do not interleave and a killed run leaves at
most a partial last record in its own file. Every response written is recorded in the
archive's index (:mod:`newsflow.archive.index`); a page whose payload is already archived
under its URL (an unchanged re-fetch) is not written again.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
import threading
import time
import uuid
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsflow import __version__
from newsflow.archive.index import INDEX_NAME, ArchivedRecord, ArchiveIndex
from newsflow.errors import ArchiveError
from newsflow.fetching import Response
from newsflow.models import iso

_DROPPED = frozenset({"content-encoding", "transfer-encoding", "content-length"})
"""Response headers not kept as sent: the archived body is the decoded one (what newsflow
read), so its framing and compression headers would lie; Content-Length is set to its size."""


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of ``body``: ``sha1:`` and the base32 SHA-1."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


class WarcArchive:
    """The WARC files and index of one archive directory, written by this process.

    ``rotate_bytes``: a new file is started before a record once the current file has reached
    this size (so a file exceeds it by at most one page). Thread-safe. Raises
    :class:`~newsflow.errors.ArchiveError` when the directory or its index cannot be opened.
    """

    def __init__(self, directory: Path, rotate_bytes: int) -> None:
        self.directory = directory
        self.rotate_bytes = rotate_bytes
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.index = ArchiveIndex(directory / INDEX_NAME)
        except (OSError, sqlite3.Error) as exc:
            raise ArchiveError(f"cannot open the archive in {directory}: {exc}") from exc
        self._lock = threading.Lock()
        self._file: BinaryIO | None = None
        self._name = ""
        self._serial = 0
        self._stem = f"newsflow-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def keep(self, url: str, response: Response, fetched_at: datetime) -> ArchivedRecord | None:
        """Write ``response`` (the page of article ``url``) and its request; return its index
        record, or None when this payload is already archived under ``url``.

        Raises :class:`~newsflow.errors.ArchiveError` when the file or the index cannot be
        written (the file is then closed; the next page starts a new one)."""
        digest = payload_digest(response.body)
        try:
            if self.index.find(url, digest) is not None:
                return None
            with self._lock:
                record = self._write(url, response, fetched_at, digest)
            self.index.add(record)
        except (OSError, sqlite3.Error, ValueError) as exc:
            raise ArchiveError(f"could not archive {response.final_url}: {type(exc).__name__}: {exc}",
                               url=url) from exc
        return record

    def _write(self, url: str, response: Response, fetched_at: datetime, digest: str) -> ArchivedRecord:
        out = self._current()
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        date = iso(fetched_at) or ""
        headers = [(k, v) for k, v in response.headers if k.lower() not in _DROPPED]
        headers.append(("Content-Length", str(len(response.body))))
        reply = writer.create_warc_record(
            response.final_url, "response", payload=BytesIO(response.body), length=len(response.body),
            warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": digest},
            http_headers=StatusAndHeaders(f"{response.status} {response.reason}".strip(), headers,
                                          protocol=response.http_version),
        )
        parts = urlsplit(response.final_url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request = writer.create_warc_record(
            response.final_url, "request", warc_headers_dict={"WARC-Date": date},
            http_headers=StatusAndHeaders(f"GET {target} {response.http_version}", list(response.request_headers),
                                          is_http_request=True),
        )
        request.rec_headers.add_header("WARC-Concurrent-To", reply.rec_headers.get_header("WARC-Record-ID"))
        try:
            start = out.tell()
            writer.write_record(reply)
            end = out.tell()
            writer.write_record(request)
            out.flush()
        except BaseException:
            self._close_file()  # a partial record ends this file; the next page starts another
            raise
        return ArchivedRecord(
            url=url, target_uri=response.final_url, digest=digest, warc_date=date, status=response.status,
            content_type=response.content_type, filename=self._name, offset=start, length=end - start,
        )

    def _current(self) -> BinaryIO:
        if self._file is not None and self._file.tell() >= self.rotate_bytes:
            self._close_file()
        if self._file is None:
            self._serial += 1
            self._name = f"{self._stem}-{self._serial:05d}.warc.gz"
            self._file = (self.directory / self._name).open("xb")
            writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
            writer.write_record(writer.create_warcinfo_record(self._name, {
                "software": f"newsflow/{__version__}", "format": "WARC File Format 1.1",
            }))
        return self._file

    def _close_file(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            finally:
                self._file = None

    def close(self) -> None:
        with self._lock:
            self._close_file()
        self.index.close()
