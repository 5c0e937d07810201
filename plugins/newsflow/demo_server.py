"""A small HTTP server on 127.0.0.1 serving a directory of feeds and pages.

It serves ``seeds/demo/site`` for ``newsflow demo`` and the tests: every ``{{BASE}}`` in a
text file becomes the server's own base URL, responses carry a strong ETag and honour
``If-None-Match`` with 304, like a well-behaved publisher. Tests add ``routes`` for
misbehaving responses (status codes, slow answers, wrong types).
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

Route = Callable[[BaseHTTPRequestHandler], None]
TEXT_SUFFIXES = {".xml", ".rss", ".atom", ".rdf", ".html", ".htm", ".json", ".txt", ".opml"}
CONTENT_TYPES = {
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rdf": "application/rdf+xml",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".json": "application/json",
}


class DemoServer:
    """Serves ``root`` on ``http://127.0.0.1:<port>`` in a background thread."""

    def __init__(self, root: Path, *, port: int = 0, routes: Mapping[str, Route] | None = None) -> None:
        self.root = root.resolve()
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        """(method, path, headers) of every request, for tests to inspect."""
        self._lock = threading.Lock()
        handler = _make_handler(self)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="demo-server", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> DemoServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    def count(self, path_prefix: str) -> int:
        with self._lock:
            return sum(1 for _, p, _ in self.requests if p.startswith(path_prefix))

    def log_request(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((method, path, headers))

    def body_for(self, relative: str) -> tuple[bytes, str] | None:
        """Bytes and content type of ``relative`` under the root, or None when absent."""
        target = (self.root / relative.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or not target.is_relative_to(self.root):
            return None
        data = target.read_bytes()
        if target.suffix in TEXT_SUFFIXES:
            data = data.replace(b"{{BASE}}", self.base_url.encode("ascii"))
        content_type = CONTENT_TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
        return data, content_type or "application/octet-stream"


def _make_handler(server: DemoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "newsflow-demo/1"
        disable_nagle_algorithm = True
        """Headers and body go out in separate writes; with Nagle's algorithm the body's last
        segment waits for the client's delayed ACK (≈40 ms per response on Linux)."""

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            server.log_request("GET", path, {k.lower(): v for k, v in self.headers.items()})
            route = server.routes.get(path)
            if route is not None:
                route(self)
                return
            found = server.body_for(path)
            if found is None:
                self.send_error(404, "Not Found")
                return
            body, content_type = found
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Date", formatdate(usegmt=True))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test and demo output quiet

    return Handler


@contextmanager
def serving(root: Path, *, port: int = 0, routes: Mapping[str, Route] | None = None) -> Iterator[DemoServer]:
    server = DemoServer(root, port=port, routes=routes).start()
    try:
        yield server
    finally:
        server.stop()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"",
         content_type: str = "text/plain", headers: Mapping[str, str] | None = None) -> None:
    """Write a complete response (for test routes)."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)
