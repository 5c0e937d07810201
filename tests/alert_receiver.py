"""A webhook receiver for the alert tests: a real HTTP server on 127.0.0.1 that records every
POST (its ``Idempotency-Key`` header and JSON body) and answers as told (``status``; ``None``
holds the request without answering until the server stops)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    url: str
    status: int | None = 200
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(Idempotency-Key, body) of every POST, in arrival order (answered or not)."""
    stop: threading.Event = field(default_factory=threading.Event)

    def doc_ids(self) -> list[str]:
        return [body["document"]["id"] for _, body in self.received]

    def by_doc(self) -> dict[str, set[str]]:
        """Document id → the delivery ids it arrived under."""
        out: dict[str, set[str]] = {}
        for key, body in self.received:
            out.setdefault(body["document"]["id"], set()).add(key)
        return out


@contextmanager
def receiver(status: int | None = 200) -> Iterator[Receiver]:
    rec = Receiver(url="", status=status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            rec.received.append((self.headers.get("Idempotency-Key", ""), body))
            if rec.status is None:
                rec.stop.wait(60)
                return
            self.send_response(rec.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        rec.stop.set()
        server.shutdown()
        server.server_close()
