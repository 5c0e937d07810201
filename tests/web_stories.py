"""An index and state store with story threads for the web tests, made by the pipeline's own
index stage (near-duplicate clustering, story threads, indexing) over articles we write:
a ferry strike told by three outlets in three languages, a bridge closure by two, and a
lone article. Embeddings are given (unit vectors close to one direction per event), so no
model is loaded."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
from fastapi import FastAPI
from test_stories import near

from newsflow.config import Settings
from newsflow.index import open_backend
from newsflow.models import Article
from newsflow.pipeline.context import open_run
from newsflow.pipeline.index_stage import cluster, index_articles
from newsflow.web.app import create_app
from newsflow.web.stories import StorySource

FERRY = "s-1"
"""The ferry strike's story_id: the smallest doc_id of its articles."""
BRIDGE = "s-4"

# (doc_id, event direction, hour, outlet, language, title)
ARTICLES = [
    ("s-1", 5, 8, "harbour.test", "en", "Ferry crews strike in Bergen"),
    ("s-2", 5, 10, "fjord.test", "de", "Fährpersonal streikt in Bergen"),
    ("s-3", 5, 12, "quai.test", "fr", "Grève des équipages de ferry à Bergen"),
    ("s-4", 9, 9, "harbour.test", "en", "Old bridge closed for repairs in Bergen"),
    ("s-5", 9, 11, "fjord.test", "en", "Bergen bridge shut until summer"),
    ("s-6", 20, 7, "quai.test", "fr", "Un festival de jazz annoncé"),
]


def _article(doc_id: str, event: int, hour: int, domain: str, language: str, title: str) -> Article:
    vector = np.frombuffer(near(event, 0.97, 100 + int(doc_id[2:])), dtype=np.float32)
    article = Article(id=doc_id, url=f"http://{domain}/{doc_id}", feed_url=f"http://{domain}/feed",
                      source=domain, domain=domain, title=title, text=f"{title}. Our reporter has the details.",
                      fetched_at=f"2026-03-01T{hour:02d}:30:00Z", published_at=f"2026-03-01T{hour:02d}:00:00Z",
                      language=language)
    article.enrichments.update(embedding=vector.tolist(), places=["Bergen"] if event != 20 else [],
                               persons=[], organizations=[])
    return article


def story_settings(data_dir: Path, state_url: str | None = None) -> Settings:
    """Settings whose embedded index (under ``data_dir``) and state store (a SQLite file
    there, or the PostgreSQL database at ``state_url``) hold :data:`ARTICLES`, threaded."""
    settings = Settings(data_dir=data_dir, state_url=state_url)
    batch = [_article(*row) for row in ARTICLES]
    with open_run(settings) as ctx:
        cluster(ctx, batch)
        index_articles(ctx, batch)
    return settings


def story_app(settings: Settings) -> FastAPI:
    """The app as ``newsflow serve`` makes it for ``settings``."""
    return create_app(functools.partial(open_backend, settings), semantic_available=False,
                      stories=StorySource(settings.state_location, settings.story_window_hours))
