"""The WebSub callback endpoint: a small ASGI app, and ``newsflow serve-websub`` around it.

:func:`make_app` answers hubs (:mod:`~newsflow.websub.callback`): ``GET`` verifications and
``POST`` content (bodies past ``max_feed_bytes`` get 413). The callback id is the last path
segment, so the app may sit behind a reverse proxy under any prefix. :func:`running` serves
it with uvicorn on a socket it binds (127.0.0.1 by default), processes pushed entries at once
in a background thread (the same pipeline as ``newsflow run``: fetch, clean, extract, index)
and runs :func:`~newsflow.websub.subscriber.maintain` every ``maintain_every`` seconds
(renewals before leases expire, unsubscription of feeds that left the list).

Under Airflow, ``inbox`` hands pushed entries to the ``newsflow_inbox`` DAG instead of
processing them here: their URLs are written to a ``websub-*.txt`` list in the inbox
directory and ``READY`` is created, which the DAG's ``AssetWatcher`` turns into a run (the
entries are already pending with their pushed feed fields; the DAG processes them).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from newsflow.config import Settings
from newsflow.errors import ConfigError
from newsflow.models import FeedSource
from newsflow.state import StateStore
from newsflow.websub.callback import Reply, distribute, verify_intent

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOO_LARGE = Reply(413, b"body too large")


def make_app(settings: Settings, state: StateStore, on_new: Callable[[list[str]], object],
             source_of: Callable[[str], FeedSource]) -> ASGIApp:
    """The ASGI callback app over ``state``; ``on_new`` receives the URLs of new pending
    entries each accepted push queued (e.g. to process them at once)."""
    limit = settings.max_feed_bytes

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        callback_id = str(scope.get("path", "")).rstrip("/").rsplit("/", 1)[-1]
        method = scope["method"]
        if method == "GET":
            params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
            reply = await asyncio.to_thread(
                verify_intent, state, callback_id, params, default_lease=float(settings.websub_lease_seconds))
        elif method == "POST":
            body = await _read_body(receive, limit)
            if body is None:
                reply = TOO_LARGE
            else:
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
                reply = await asyncio.to_thread(distribute, state, callback_id, headers, body, source_of)
        else:
            reply = Reply(405, b"method not allowed")
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(reply.body)).encode())]})
        await send({"type": "http.response.body", "body": reply.body})
        if reply.new_urls:
            on_new(reply.new_urls)

    return app


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None once it passes ``limit`` bytes (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class Processor:
    """Processes pushed entries in one background thread as soon as they are queued (one
    run per batch of URLs waiting), with resources it keeps open until :meth:`close`."""

    def __init__(self, settings: Settings, state: StateStore) -> None:
        from newsflow.pipeline import Resources

        self.resources = Resources(settings, state=state)
        self._queue: queue.Queue[list[str] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="websub-process", daemon=True)
        self._thread.start()

    def submit(self, urls: list[str]) -> None:
        self._queue.put(urls)

    def _loop(self) -> None:
        with self.resources:  # opened and closed in this thread (SQLite connections stay in theirs)
            self._drain()

    def _drain(self) -> None:
        from newsflow import pipeline

        while True:
            item = self._queue.get()
            if item is None:
                return
            urls = list(item)
            while not self._queue.empty():  # everything pushed meanwhile: one run
                more = self._queue.get()
                if more is None:
                    self._queue.put(None)
                    break
                urls.extend(more)
            try:
                pipeline.process_urls(self.resources.settings, urls, resources=self.resources)
            except Exception:  # a failing run is logged; the endpoint keeps serving
                log.exception("processing %d pushed entries failed", len(urls))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=60)


@contextmanager
def running(settings: Settings, *, host: str = "127.0.0.1", port: int = 0, maintain_every: float = 60.0,
            feeds: Callable[[], list[FeedSource]] | None = None, inbox: Path | None = None) -> Iterator[str]:
    """Serve the callback endpoint on ``host:port`` (0: any free port) for the block; yields
    its base URL (``http://host:port``). ``feeds`` gives the feed list (default: the settings'
    file), read by each maintenance round; ``inbox``: hand pushed entries to the Airflow inbox
    directory instead of processing them here (see the module docstring). Raises :class:`ConfigError` when the port cannot
    be bound or push is off (no ``websub_callback_url``)."""
    import uvicorn

    from newsflow.feeds import load_feed_list

    if not settings.websub_callback_url:
        raise ConfigError("setting websub_callback_url is not set: WebSub push is off (see README, WebSub push)")
    feed_list = feeds or (lambda: load_feed_list(settings.feeds_path))
    sock = _bind(host, port)
    with ExitStack() as stack:
        state = stack.enter_context(_closing(StateStore(
            settings.state_location, retry_base_delay=settings.retry_base_delay, max_attempts=settings.max_attempts,
            max_retry_delay=settings.max_retry_delay)))
        on_new: Callable[[list[str]], object]
        if inbox is not None:
            on_new = partial(to_inbox, inbox)
        else:
            processor = Processor(settings, state)
            stack.callback(processor.close)
            on_new = processor.submit
        app = make_app(settings, state, on_new, lambda url: _source(feed_list, url, state))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="websub-http", daemon=True)
        thread.start()
        stop = threading.Event()
        maintainer = threading.Thread(target=_maintain_loop, args=(settings, state, feed_list, maintain_every, stop),
                                      name="websub-maintain", daemon=True)
        maintainer.start()
        try:
            while not server.started and thread.is_alive():
                stop.wait(0.01)
            bound_host, bound_port = sock.getsockname()[:2]
            yield f"http://{bound_host}:{bound_port}"
        finally:
            stop.set()
            maintainer.join(timeout=30)
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()


def to_inbox(directory: Path, urls: list[str]) -> Path:
    """Write ``urls`` as a new URL list in the inbox ``directory`` and create its ``READY``
    marker (the ``newsflow_inbox`` DAG's trigger); the list's path."""
    from newsflow.files import replacing

    target = directory / f"websub-{uuid.uuid4().hex}.txt"
    with replacing(target) as partial:
        partial.write_text("# pushed by a WebSub hub\n" + "".join(f"{u}\n" for u in urls), encoding="utf-8")
    (directory / "READY").touch()
    return target


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pass another --port") from exc
    sock.listen(128)
    return sock


@contextmanager
def _closing(state: StateStore) -> Iterator[StateStore]:
    try:
        yield state
    finally:
        state.close()


def _source(feed_list: Callable[[], list[FeedSource]], url: str, state: StateStore) -> FeedSource:
    """The feed list's entry for ``url``; else one named as its last poll recorded it."""
    try:
        found = next((f for f in feed_list() if f.url == url), None)
    except ConfigError:
        found = None
    if found is not None:
        return found
    known = state.feed(url)
    return FeedSource(url=url, name=known.name if known else url)


def _maintain_loop(settings: Settings, state: StateStore, feed_list: Callable[[], list[FeedSource]], every: float,
                   stop: threading.Event) -> None:
    """Every ``every`` seconds until ``stop``: :func:`~newsflow.websub.subscriber.maintain`
    with the feed list as it is then (its own resources: HTTP client, run summary)."""
    from newsflow.pipeline import Resources, open_run
    from newsflow.websub.subscriber import maintain

    with Resources(settings, state=state) as res:
        while not stop.wait(every):
            try:
                feeds = feed_list()
                with open_run(settings, res) as ctx:
                    maintain(ctx, feeds)
            except ConfigError as exc:
                log.error("websub maintenance skipped: %s", exc)
            except Exception:
                log.exception("websub maintenance failed")
