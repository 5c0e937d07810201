"""The raw archive: every fetched page kept in WARC files (request and response records with
their HTTP headers) under ``archive_dir``, indexed by URL and payload digest, so pages can be
cleaned again without the network (``newsflow reprocess --reclean``) and WARC files from
elsewhere can be ingested (``newsflow import-warc``).

:mod:`~newsflow.archive.writer` writes, :mod:`~newsflow.archive.reader` reads,
:mod:`~newsflow.archive.index` is the index beside the files.
"""

from __future__ import annotations

from newsflow.archive.index import INDEX_NAME, ArchivedRecord, ArchiveIndex
from newsflow.archive.reader import RecordProblem, WarcPage, iter_pages, read_page
from newsflow.archive.writer import WarcArchive, payload_digest
from newsflow.config import Settings


def open_archive(settings: Settings) -> WarcArchive | None:
    """The archive the settings ask for (``archive_dir``, rotated at ``archive_rotate_bytes``),
    or None when ``archive`` is off. Raises :class:`~newsflow.errors.ArchiveError`."""
    if not settings.archive:
        return None
    return WarcArchive(settings.archive_path, settings.archive_rotate_bytes)


__all__ = [
    "INDEX_NAME",
    "ArchiveIndex",
    "ArchivedRecord",
    "RecordProblem",
    "WarcArchive",
    "WarcPage",
    "iter_pages",
    "open_archive",
    "payload_digest",
    "read_page",
]
