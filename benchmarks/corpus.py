"""Benchmark corpora: the demo corpus's documents and pages, scaled to N by variation.

Each copy gets its own URL and id and a varied text (numbers and a marker sentence change),
so backends index N distinct documents of realistic size and shape.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsflow.config import SEEDS_DIR
from newsflow.models import Document, FeedEntry, FetchedPage, utcnow

DEMO_SITE = SEEDS_DIR / "demo" / "site"
BASE = "http://bench.example"


def demo_pages() -> list[Path]:
    """The demo corpus's article pages (not index pages)."""
    return sorted(p for p in DEMO_SITE.rglob("*.html") if p.name != "index.html")


def cleaned_demo_documents() -> list[Document]:
    """Every demo page cleaned and enriched by the real pipeline stages, as documents."""
    from extractors import resolve, run_extractors
    from newsflow.cleaning import clean_page

    articles = []
    for path in demo_pages():
        url = f"{BASE}/{path.relative_to(DEMO_SITE)}"
        html = path.read_text(encoding="utf-8").replace("{{BASE}}", BASE)
        page = FetchedPage(url, url, 200, "text/html", html, utcnow())
        articles.append(clean_page(page, FeedEntry(url=url, feed_url=f"{BASE}/feed.xml", source="bench")))
    run_extractors(articles, resolve(None))
    return [a.to_document() for a in articles]


def scaled_documents(n: int, seed: int = 7) -> Iterator[Document]:
    """``n`` distinct documents derived from the demo documents (streamed, not held)."""
    base = cleaned_demo_documents()
    rng = random.Random(seed)
    for i in range(n):
        doc: dict[str, Any] = copy.deepcopy(base[i % len(base)])
        doc["id"] = f"bench{i:08d}"
        doc["url"] = f"{BASE}/copy/{i}/{doc['url'].rsplit('/', 1)[-1]}"
        doc["text"] = f"{doc['text']}\n\nBenchmark copy {i} with figure {rng.randint(1, 10_000)}."
        yield doc
