"""Cleaning: one fetched page plus its feed entry → one :class:`~newsflow.models.Article`.

trafilatura parses the page once and gives main text and metadata; where the page is silent
the feed entry fills in, and ``field_sources`` records which of the two each value came from.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

import trafilatura
from htmldate import find_date

from newsflow import body_selector, main_text, paywall
from newsflow.bylines import author_names
from newsflow.dates import PublishedDate, parse_date
from newsflow.errors import ExtractionError
from newsflow.identity import decide, head_links
from newsflow.langtags import normalize_language
from newsflow.models import Article, FeedEntry, FetchedPage, iso
from newsflow.urls import doc_id, domain_of, resolve_url

log = logging.getLogger(__name__)

MIN_TEXT_CHARS = 80
_HTML_LANG = re.compile(r"<html[^>]*?\blang\s*=\s*[\"']?([^\"'\s>]+)", re.IGNORECASE)
_DATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
"""htmldate reads the page's markup (meta, JSON-LD, <time>) during extraction; its extensive
search through the free text costs about a quarter of extraction time, so it runs only on
pages where neither the markup nor the feed gives a date (:func:`_text_date`)."""
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
    text, text_source = _rule_body(page, entry, text, title)
    if len(text) < MIN_TEXT_CHARS:
        raise ExtractionError(
            f"no article text found on {page.final_url} ({len(text)} characters extracted)", url=entry.url
        )
    links = head_links(page.text, page.final_url)
    identity = decide(entry.url, entry.aliases, page.final_url, links.canonical)
    article = Article(
        id=doc_id(identity.url),
        url=identity.url,
        aliases=list(identity.aliases),
        feed_url=entry.feed_url,
        source=entry.source,
        domain=domain_of(identity.url),
        title="",
        text=text,
        fetched_at=iso(page.fetched_at) or "",
        feed_published_at=entry.published_at,
        feed_summary=entry.summary,
    )
    sources = article.field_sources
    if page.encoding:
        sources["encoding"] = page.encoding  # e.g. "cp1251 (detected, unsure)": visible in `newsflow show`
    if text_source:
        sources["text"] = text_source

    def pick(name: str, page_value: Any, feed_value: Any) -> Any:
        if page_value:
            sources[name] = "page"
            return page_value
        if feed_value:
            sources[name] = "feed"
            return feed_value
        return None

    article.title = pick("title", title, entry.title) or page.final_url
    feed_date = _feed_date(entry)
    page_date = _page_date(meta.get("date"))
    if not page_date.day and not feed_date.day:
        page_date = _text_date(page)
    published, published_source = _published(page_date, feed_date)
    article.published_at, article.published_day = published.at, published.day
    article.published_offset, article.published_raw = published.offset, published.raw
    article.published_warning = feed_date.warning
    if published_source:
        sources["published_at"] = published_source
    # the feed's author field is structured: keep it as given, only drop desk names ("Redaktion")
    feed_authors = [author for author in entry.authors if author_names(author)]
    article.authors = pick("authors", author_names(meta.get("author")), feed_authors) or []
    article.description = pick("description", meta.get("description"), entry.summary)
    article.language = pick("language", page_language(page.text), entry.language)
    article.tags = pick("tags", _tags(meta.get("tags")), list(entry.tags)) or []
    article.categories = pick("categories", _tags(meta.get("categories")), None) or []
    article.site_name = pick("site_name", meta.get("sitename"), None)
    if not entry.feed_url and article.site_name:  # a page given without its feed: name it by its site
        article.source = article.site_name
    article.image = pick("image", resolve_url(meta.get("image"), links.base), entry.image)
    article.canonical_url = pick("canonical_url", identity.canonical, None)
    _mark_paywall(article, page, entry)
    return article


def _rule_body(page: FetchedPage, entry: FeedEntry, text: str, title: str) -> tuple[str, str | None]:
    """The body a feed-list ``selector`` picks, or trafilatura's ``text`` when there is none or
    it selects too little; with the provenance note for ``field_sources.text``."""
    selector = entry.page_rules.selector if entry.page_rules else None
    if not selector:
        return text, None
    selected = _strip_title(body_selector.selected_text(page.text, selector) or "", title)
    if len(selected) >= MIN_TEXT_CHARS:
        return selected, f"selector {selector}"
    why = "matched nothing" if not selected else f"gave {len(selected)} characters"
    log.warning("selector %r %s on %s: trafilatura's body is kept", selector, why, page.final_url)
    return text, f"page (selector {selector} {why})"


def _mark_paywall(article: Article, page: FetchedPage, entry: FeedEntry) -> None:
    """Set ``paywalled`` from a feed-list rule, else from the page's markup and length."""
    forced = entry.page_rules.paywall if entry.page_rules else None
    if forced is not None:
        article.paywalled = forced
        article.field_sources["paywalled"] = "rule"
        return
    why = paywall.detect(page.text, article.text, entry.summary)
    article.paywalled = why is not None
    if why:
        article.field_sources["paywalled"] = f"page: {why}"


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


def _feed_date(entry: FeedEntry) -> PublishedDate:
    """The entry's date; an entry queued before days were kept (only ``published_at``) gets its UTC day."""
    if entry.published_at and not entry.published_day:
        return replace(parse_date(entry.published_at), raw=entry.published_raw, warning=entry.published_warning)
    return PublishedDate(
        entry.published_at, entry.published_day, entry.published_offset, entry.published_raw,
        entry.published_warning,
    )


def _page_date(value: str | None) -> PublishedDate:
    """htmldate's date (``YYYY-MM-DDTHH:MM:SS`` with or without ``±HHMM``) with its local day.

    htmldate often drops the zone; a page time without one keeps its day only, silently
    (the page said nothing more; the feed's time, if on that day, is preferred anyway).
    """
    found = parse_date(value)
    return replace(found, warning=None) if found.day else PublishedDate()


def _text_date(page: FetchedPage) -> PublishedDate:
    """The date htmldate finds with trafilatura's default settings (extensive search on).

    Only for pages whose markup and feed entry give no date: it parses the page again.
    """
    try:
        value = find_date(
            page.text, url=page.final_url, extensive_search=True, original_date=True,
            outputformat=str(_DATE_PARAMS["outputformat"]),
            max_date=datetime.now().astimezone().strftime("%Y-%m-%d"),
        )
    except Exception as exc:  # a heuristic on hostile HTML: losing the date must not lose the article
        log.warning("date search failed on %s: %s: %s", page.final_url, type(exc).__name__, exc)
        return PublishedDate()
    return _page_date(value)


def _published(page: PublishedDate, feed: PublishedDate) -> tuple[PublishedDate, str | None]:
    """The publication date and where it came from (``page``, ``feed`` or None).

    The page wins, but when it gives only a day (no offset: htmldate often drops the time)
    and the feed gives a time on that same local day, the feed's more precise value is kept.
    """
    if page.day and feed.day and page.offset is None and feed.offset is not None and feed.day == page.day:
        return feed, "feed"
    if page.day:
        return page, "page"
    if feed.day:
        return feed, "feed"
    return PublishedDate(raw=feed.raw), None


def _tags(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(t.strip() for t in value.split(",") if t.strip())
    return list(dict.fromkeys(out))


def page_language(html: str) -> str | None:
    """The language of ``<html lang>`` as :func:`~newsflow.langtags.normalize_language` writes
    it ("en" for "en-GB"), if the page declares a valid one."""
    match = _HTML_LANG.search(html[:2048])
    return normalize_language(match.group(1)) if match else None
