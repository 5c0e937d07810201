"""A benchmark site on disk: N article pages and RSS feeds of ~100 entries each.

``generate(root, n)`` writes variants of the 43 demo article pages, each under its own URL,
with its body paragraphs drawn from the whole demo corpus (same language) and every number
changed, so the N articles are distinct documents (not near-duplicates of 43) of the demo
pages' size and markup. ``from_pages(root, pages_dir)`` serves any directory of saved HTML
pages instead. Pages are written one at a time (nothing is held but the demo paragraphs);
the site is served by :class:`newsflow.demo_server.DemoServer`, which fills in ``{{BASE}}``.
"""

from __future__ import annotations

import html
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from newsflow.config import SEEDS_DIR

DEMO_SITE = SEEDS_DIR / "demo" / "site"
FEED_SIZE = 100
_PARA = re.compile(r"<p>(.{120,}?)</p>", re.S)
_ARTICLE = re.compile(r"(<article\b.*?</article>)", re.S)


def _article_body(page: str) -> str:
    """The page's ``<article>`` element (only its paragraphs are varied: comments, banners
    and related links stay as the publisher wrote them, so extraction stays realistic)."""
    match = _ARTICLE.search(page)
    return match.group(1) if match else ""
_LANG = re.compile(r"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2})", re.I)
_NUMBER = re.compile(r"&#[xX]?[0-9a-fA-F]+;|\d+")
"""Numbers to vary, and character references (``&#x27;``), which are matched to be left alone."""


@dataclass(frozen=True, slots=True)
class Site:
    root: Path
    """Directory served (``pages/`` and ``feeds/`` inside)."""
    pages: int
    feeds: list[str]
    """Feed paths relative to the root."""

    def page_files(self) -> Iterator[Path]:
        return iter(sorted((self.root / "pages").rglob("*.html")))


def demo_pages() -> list[Path]:
    return sorted(p for p in DEMO_SITE.rglob("*.html") if p.name != "index.html")


def generate(root: Path, n: int, seed: int = 7) -> Site:
    """Write ``n`` article pages and their feeds under ``root`` (emptied first)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "pages").mkdir(parents=True)
    templates = []
    pools: dict[str, list[str]] = {}
    for path in demo_pages():
        text = path.read_text(encoding="utf-8")
        match = _LANG.search(text)
        language = match.group(1).lower() if match else "en"
        templates.append((path, text, language))
        pools.setdefault(language, []).extend(_PARA.findall(_article_body(text)))
    rng = random.Random(seed)
    entries: list[tuple[str, str, str]] = []
    feeds: list[str] = []
    start = datetime(2025, 12, 1, tzinfo=UTC)
    for i in range(n):
        path, text, language = templates[i % len(templates)]
        relative = f"pages/{i // 1000:03d}/{i:06d}-{path.stem}.html"
        old_path = str(path.relative_to(DEMO_SITE))
        pool = pools[language]

        def body(_: re.Match[str], pool: list[str] = pool) -> str:
            def number(match: re.Match[str]) -> str:
                return match.group(0) if match.group(0).startswith("&") else str(rng.randint(2, 9_999))

            return "<p>" + _NUMBER.sub(number, rng.choice(pool)) + "</p>"

        article = _article_body(text)
        page = text.replace(article, _PARA.sub(body, article)).replace(old_path, relative)
        title_match = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        title = html.unescape(re.sub(r"<[^>]+>", "", title_match.group(1))) if title_match else relative
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(page, encoding="utf-8")
        entries.append((relative, f"{title} ({i})", format_datetime(start + timedelta(minutes=i))))
        if len(entries) == FEED_SIZE or i == n - 1:
            feeds.append(_write_feed(root, len(feeds), entries))
            entries = []
    return Site(root, n, feeds)


def from_pages(root: Path, pages_dir: Path, limit: int | None = None) -> Site:
    """Serve the ``*.html``/``*.htm`` files under ``pages_dir`` (copied), with feeds for them."""
    if root.exists():
        shutil.rmtree(root)
    (root / "pages").mkdir(parents=True)
    entries: list[tuple[str, str, str]] = []
    feeds: list[str] = []
    now = datetime(2025, 12, 1, tzinfo=UTC)
    files = sorted(p for p in pages_dir.rglob("*") if p.suffix.lower() in {".html", ".htm"})[:limit]
    for i, path in enumerate(files):
        relative = f"pages/{i // 1000:03d}/{i:06d}.html"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, root / relative)
        entries.append((relative, path.stem, format_datetime(now + timedelta(minutes=i))))
        if len(entries) == FEED_SIZE or i == len(files) - 1:
            feeds.append(_write_feed(root, len(feeds), entries))
            entries = []
    return Site(root, len(files), feeds)


def _write_feed(root: Path, number: int, entries: list[tuple[str, str, str]]) -> str:
    relative = f"feeds/feed-{number:04d}.xml"
    items = "".join(
        f"<item><title>{html.escape(title)}</title><link>{{{{BASE}}}}/{path}</link>"
        f"<guid isPermaLink=\"false\">{path}</guid><pubDate>{date}</pubDate></item>\n"
        for path, title, date in entries
    )
    (root / "feeds").mkdir(exist_ok=True)
    (root / relative).write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>bench feed {number}</title><link>{{{{BASE}}}}/</link><description>benchmark</description>\n"
        f"{items}</channel></rss>\n",
        encoding="utf-8",
    )
    return relative
