"""Helpers of the web tests: an embedded index of ``web_corpus`` and the app over it."""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import FastAPI
from web_corpus import docs

from newsflow.index.embedded import EmbeddedBackend
from newsflow.web.app import create_app
from newsflow.web.stories import StorySource


def embedded_index(path: Path) -> Path:
    """``path`` holding an embedded index of the web corpus."""
    with EmbeddedBackend(path) as index:
        report = index.upsert(docs())
        assert not report.failed, report.failed
    return path


def app_over(path: Path, *, semantic_available: bool | None = None, stories: StorySource | None = None) -> FastAPI:
    return create_app(functools.partial(EmbeddedBackend, path), semantic_available=semantic_available,
                      stories=stories)
