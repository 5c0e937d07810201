"""Session fixtures giving tests a real Elasticsearch.

``es_url`` reuses ``$NEWSFLOW_ES_URL`` when set, otherwise starts one throw-away node per
session with :func:`newsflow_dev.es_node.start_node`. When no node can be started the tests
that need one are skipped, except in CI (``CI=true``), where they fail with the reason.

Import in ``conftest.py``: ``from es_fixtures import es_client, es_url``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest
from ci import unavailable
from elasticsearch import Elasticsearch

from newsflow_dev import es_node as es_dev

log = logging.getLogger(__name__)


def _cannot_start(reason: str) -> None:
    unavailable(f"no Elasticsearch: {reason}")


class _SharedNode:
    """One node per process even when several test modules import these fixtures
    (each import registers its own session fixture): start on first use, stop after the last."""

    node: es_dev.EsNode | None = None
    error: str | None = None
    users = 0

    @classmethod
    def acquire(cls) -> str:
        if cls.node is None and cls.error is None:
            try:
                cls.node = es_dev.start_node()
            except Exception as exc:  # any failure to start means "no Elasticsearch here"
                cls.error = f"{type(exc).__name__}: {exc}"
            else:
                log.info("Elasticsearch %s for this session at %s (started in %.1fs)",
                         cls.node.version, cls.node.url, cls.node.started_in)
        if cls.node is None:
            _cannot_start(cls.error or "unknown error")
            raise AssertionError("unreachable")
        cls.users += 1
        return cls.node.url

    @classmethod
    def release(cls) -> None:
        cls.users -= 1
        if cls.users <= 0 and cls.node is not None:
            node, cls.node = cls.node, None
            node.stop()


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    given = os.environ.get("NEWSFLOW_ES_URL")
    if given:
        yield given.rstrip("/")
        return
    url = _SharedNode.acquire()
    try:
        yield url
    finally:
        _SharedNode.release()


@pytest.fixture(scope="session")
def es_client(es_url: str) -> Iterator[Elasticsearch]:
    client = Elasticsearch(es_url, request_timeout=60)
    try:
        yield client
    finally:
        client.close()
