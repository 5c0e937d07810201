"""Shared fixtures: real servers on 127.0.0.1 and settings pointing at temporary files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from ci import unavailable
from es_fixtures import es_client, es_url  # noqa: F401 - session fixtures for every module
from pg_fixtures import pg_server, pg_url, state_target  # noqa: F401 - session fixtures for every module

from newsflow.config import SEEDS_DIR, Settings
from newsflow.demo_server import DemoServer, serving
from newsflow.feeds import load_feed_list
from newsflow.models import FeedSource

DEMO_SITE = SEEDS_DIR / "demo" / "site"
DEMO_ARTICLES = len(yaml.safe_load((SEEDS_DIR / "demo" / "expected.yaml").read_text(encoding="utf-8"))["articles"])
"""Articles in the demo corpus, as listed in its expected.yaml."""


@pytest.fixture(scope="session")
def demo_server() -> Iterator[DemoServer]:
    """The offline demo corpus served over real HTTP on loopback."""
    with serving(DEMO_SITE) as server:
        yield server


@pytest.fixture(scope="session")
def demo_feeds(demo_server: DemoServer) -> list[FeedSource]:
    return load_feed_list(SEEDS_DIR / "demo" / "feeds.yaml", base_url=demo_server.base_url)


def make_settings(data_dir: Path, **changes: object) -> Settings:
    base = Settings(data_dir=data_dir, allow_hosts=("127.0.0.1",), fetch_workers=4, retry_base_delay=0.0)
    return base.replace(**changes)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def require(module: str, why: str) -> None:
    """Skip when an optional part is not installed, but fail under CI, where it must run."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        message = f"{module} is not installed ({why}); install the project with the matching extra"
        unavailable(message)
