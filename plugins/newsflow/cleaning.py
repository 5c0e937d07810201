"""Cleaning: one fetched page plus its feed entry → one :class:`~newsflow.models.Article`.

trafilatura parses the page once and gives main text and metadata; where the page is silent
the feed entry fills in, and ``field_sources`` records which of the two each value came from.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import partial
from typing import Any

import trafilatura

from newsflow import main_text
from newsflow.errors import ExtractionError
from newsflow.models import Article, FeedEntry, FetchedPage, iso
from newsflow.urls import doc_id, domain_of, normalize_url

MIN_TEXT_CHARS = 80
_HTML_LANG = re.compile(r"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
"""htmldate reads the page's markup (meta, JSON-LD, <time>); its extensive search through the
free text costs about a quarter of extraction time and the feed's date is the fallback anyway."""
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|\band\b|&|,(?=\s*[A-Z]))\s*")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
_ALLOWED_CONTROLS = {0x9, 0xA, 0xD}


def _drop_control_refs(html: str) -> str:
    """Remove character references to C0 control characters (``&#x4;``, ``&#11;``).

    Browsers show nothing for them, but one such reference anywhere in a page makes
    trafilatura return no text at all (lxml cannot serialise the character), so a single
    broken CMS entity would lose the whole article.
    """
    if "&#" not in html:
        return html

    def replace(match: re.Match[str]) -> str:
        hexa, decimal = match.groups()
        code = int(hexa, 16) if hexa else int(decimal)
        return "" if code < 0x20 and code not in _ALLOWED_CONTROLS else match.group(0)

    return _CHAR_REF.sub(replace, html)


def clean_page(page: FetchedPage, entry: FeedEntry) -> Article:
    """Extract the article from ``page``; raise :class:`ExtractionError` when there is none."""
    if not page.text.strip():
        raise ExtractionError(f"page {page.final_url} is empty", url=entry.url)
    meta = main_text.choose(
        partial(_extract, url=page.final_url), _drop_control_refs(page.text),
        hints=(entry.title, entry.summary),
    )
    title = (meta.get("title") or "").strip()
    text = _strip_title(meta.get("text") or "", title)
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(
            f"no article text found on {page.final_url} ({len(text)} characters extracted)", url=entry.url
        )
    article = Article(
        id=doc_id(entry.url),
        url=entry.url,
        feed_url=entry.feed_url,
        source=entry.source,
        domain=domain_of(entry.url),
        title="",
        text=text,
        fetched_at=iso(page.fetched_at) or "",
        feed_published_at=entry.published_at,
        feed_summary=entry.summary,
    )
    sources = article.field_sources

    def pick(name: str, page_value: Any, feed_value: Any) -> Any:
        if page_value:
            sources[name] = "page"
            return page_value
        if feed_value:
            sources[name] = "feed"
            return feed_value
        return None

    article.title = pick("title", title, entry.title) or page.final_url
    article.published_at, published_source = _published(_date(meta.get("date")), entry.published_at)
    if published_source:
        sources["published_at"] = published_source
    article.authors = pick("authors", _authors(meta.get("author")), list(entry.authors)) or []
    article.description = pick("description", meta.get("description"), entry.summary)
    article.language = pick("language", page_language(page.text), entry.language)
    article.tags = pick("tags", _tags(meta.get("tags")), list(entry.tags)) or []
    article.categories = pick("categories", _tags(meta.get("categories")), None) or []
    article.site_name = pick("site_name", meta.get("sitename"), None)
    article.image = pick("image", meta.get("image"), None)
    canonical = meta.get("url")
    article.canonical_url = pick(
        "canonical_url", normalize_url(canonical) if canonical and canonical.startswith("http") else None, None
    )
    return article


def _extract(html: str, *, url: str, fast: bool) -> dict[str, Any]:
    """trafilatura's text and metadata for the page, read with one strategy.

    ``fast`` skips trafilatura's fallback extractors (readability, jusText), which it
    otherwise runs and compares on every page; on well-formed article pages they change
    nothing (identical output on every page of our demo corpus) but cost half the time, so
    :func:`newsflow.main_text.choose` runs them only when the fast reading looks wrong.
    """
    result = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        fast=fast,
        date_extraction_params=_DATE_PARAMS,
    )
    if isinstance(result, dict):
        return result
    return result.as_dict() if result is not None else {}


def _strip_title(text: str, title: str) -> str:
    """Drop the headline (and any kicker above it) that trafilatura keeps at the text's top.

    The title is stored apart; repeating it in ``text`` would skew BM25 and snippets.
    """
    lines = text.strip().split("\n")
    for i, line in enumerate(lines[:3]):
        if title and line.strip() == title:
            return "\n".join(lines[i + 1 :]).strip()
    return text.strip()


def _date(value: str | None) -> str | None:
    """trafilatura's date (``YYYY-MM-DD``, or with a time, with or without an offset) as ISO UTC."""
    if not value:
        return None
    try:
        return iso(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None


def _published(page_date: str | None, feed_date: str | None) -> tuple[str | None, str | None]:
    """The publication time and where it came from.

    The page wins, but when it only gives a day (htmldate often drops the time) and the
    feed gives a time on that same day, the feed's more precise value is kept.
    """
    if page_date and feed_date and page_date.endswith("T00:00:00Z") and feed_date[:10] == page_date[:10]:
        return feed_date, "feed"
    if page_date:
        return page_date, "page"
    if feed_date:
        return feed_date, "feed"
    return None, None


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    names = (n.strip(" ,.") for n in _AUTHOR_SPLIT.split(value))
    return list(dict.fromkeys(n for n in names if n and len(n) < 80))


def _tags(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(t.strip() for t in value.split(",") if t.strip())
    return list(dict.fromkeys(out))


def page_language(html: str) -> str | None:
    """The primary language subtag of ``<html lang>`` ("en" for "en-GB"), if the page declares one."""
    match = _HTML_LANG.search(html[:2048])
    return match.group(1).lower() if match else None
