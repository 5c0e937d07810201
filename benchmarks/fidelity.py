"""Fidelity: is the publication day right on real pages? newsflow beside the bare libraries.

Reads ``dates-dev`` (``expected.json`` + gzipped pages, see its README) from
``$NEWSFLOW_DATES_CORPUS``, else ``../shared/corpora/dates-dev`` relative to the repository
(or to the nearest parent directory that has one: a git worktree sits deeper), and runs on the same pages, in the same process:

- newsflow's cleaning stage (:func:`newsflow.cleaning.clean_page`, no feed entry date), whose
  day is the document's ``published_day`` (the publisher's local day);
- ``trafilatura.bare_extraction(with_metadata=True)`` with trafilatura's defaults;
- ``htmldate.find_date`` with its defaults (extensive search on) and with ``extensive_search=False``.

A page counts as right when the day equals the annotated day; no day or an error is wrong.
Subsets are by the page's declared ``<html lang>`` (``de``, ``en``, other/undeclared).
"""

from __future__ import annotations

import gzip
import json
import os
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CORPUS_ENV = "NEWSFLOW_DATES_CORPUS"


class CorpusMissing(FileNotFoundError):
    """The dates corpus is not where we look for it."""


def corpus_dir() -> Path:
    """``$NEWSFLOW_DATES_CORPUS`` or ``<repo>/../shared/corpora/dates-dev``; raises :class:`CorpusMissing`."""
    default = REPO.parent / "shared" / "corpora" / "dates-dev"
    nearest = (p / "shared" / "corpora" / "dates-dev" for p in REPO.parents)
    path = Path(os.environ.get(CORPUS_ENV) or next((p for p in nearest if p.is_dir()), default))
    if not (path / "expected.json").is_file():
        raise CorpusMissing(
            f"dates corpus not found: {path}/expected.json does not exist; set {CORPUS_ENV} to the "
            "dates-dev directory (expected.json + pages/) or place it at ../shared/corpora/dates-dev"
        )
    return path


def load(path: Path) -> list[tuple[str, str, str]]:
    """``[(url, html, expected_day)]`` of the corpus at ``path``."""
    expected = json.loads((path / "expected.json").read_text(encoding="utf-8"))
    out = []
    for url, item in expected.items():
        raw = gzip.decompress((path / item["file"]).read_bytes())
        out.append((url, _decode(raw), item["date"]))
    return out


def _decode(raw: bytes) -> str:
    from trafilatura.utils import decode_file

    text = decode_file(raw)
    return text if isinstance(text, str) else raw.decode("utf-8", "replace")


def newsflow_day(url: str, html: str) -> str | None:
    from newsflow.cleaning import clean_page
    from newsflow.errors import ExtractionError
    from newsflow.models import FeedEntry, FetchedPage

    page = FetchedPage(url, url, 200, "text/html", html, datetime.now(UTC))
    try:
        article = clean_page(page, FeedEntry(url=url, feed_url="bench:", source="bench"))
    except ExtractionError:
        return None
    return article.published_day


def trafilatura_day(url: str, html: str) -> str | None:
    import trafilatura

    result = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if result is None:
        return None
    date = result.get("date") if isinstance(result, dict) else result.date
    return str(date)[:10] if date else None


def htmldate_day(extensive: bool) -> Callable[[str, str], str | None]:
    def find(url: str, html: str) -> str | None:
        from htmldate import find_date

        date = find_date(html, url=url, extensive_search=extensive)
        return date[:10] if date else None

    return find


def run(limit: int | None = None) -> list[dict[str, Any]]:
    """One row per contender: % of pages whose day is right, over all pages and per subset
    (``de``, ``en``, other: the page's ``<html lang>``). Raises :class:`CorpusMissing`."""
    from newsflow.cleaning import page_language

    pages = load(corpus_dir())[:limit]
    contenders: dict[str, Callable[[str, str], str | None]] = {
        "newsflow cleaning": newsflow_day,
        "trafilatura bare_extraction (default)": trafilatura_day,
        "htmldate find_date (default: extensive)": htmldate_day(True),
        "htmldate find_date (extensive_search=False)": htmldate_day(False),
    }
    subsets = {url: _subset(page_language(html)) for url, html, _ in pages}
    totals: dict[str, int] = {}
    for url, _, _ in pages:
        for subset in ("all", subsets[url]):
            totals[subset] = totals.get(subset, 0) + 1
    rows = []
    for name, contender in contenders.items():
        right: dict[str, int] = {}
        for url, html, day in pages:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    found = contender(url, html)
                except Exception:  # a library crash on a real page is that page's miss
                    found = None
            for subset in ("all", subsets[url]):
                right[subset] = right.get(subset, 0) + (found == day)
        row: dict[str, Any] = {"contender": name}
        for subset in ("all", "de", "en", "other"):
            if totals.get(subset):
                row[f"{subset} ({totals[subset]})"] = f"{100 * right.get(subset, 0) / totals[subset]:.1f}%"
        row["right / pages"] = f"{right.get('all', 0)} / {totals.get('all', 0)}"
        rows.append(row)
    return rows


def _subset(language: str | None) -> str:
    return language if language in ("de", "en") else "other"
