"""``total_timeout`` is the deadline of the whole HTTP exchange, waiting for the response's
headers included; httpx's pool timeout (the wait for a free connection) is a separate, short
wait. Real loopback sockets."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from conftest import make_settings

from newsflow.errors import FetchTimeout
from newsflow.fetching import build_client, fetch


def test_a_server_that_never_answers_is_given_up_at_the_deadline_not_after_read_timeout(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, read_timeout=20.0, total_timeout=0.5)
    with socket.socket() as sock:  # accepts the connection (backlog), never sends a byte
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        with build_client(settings) as client:
            started = time.monotonic()
            with pytest.raises(FetchTimeout, match="timed out"):
                fetch(client, f"http://127.0.0.1:{sock.getsockname()[1]}/a", kind="page",
                      max_bytes=1_000_000, total_timeout=settings.total_timeout)
            waited = time.monotonic() - started
    assert waited < settings.read_timeout / 2, f"waited {waited:.1f} s: read_timeout, not total_timeout, decided"


def test_the_pool_wait_is_not_the_exchange_deadline(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, connect_timeout=3.0, total_timeout=90.0)
    with build_client(settings) as client:
        assert client.timeout.pool == settings.connect_timeout
        assert client.timeout.pool != settings.total_timeout
