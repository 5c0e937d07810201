"""Small publishers, proxies and aggregators on loopback for the real-world identity tests.

Each :class:`Site` is a real HTTP server on its own loopback address (``127.0.0.1``,
``127.0.0.2``…: distinct hosts to newsflow), serving the pages, feeds and redirects a test
registers. The server puts its own base URL wherever a body says ``{SITE}``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from newsflow.config import Settings

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml"


class Site:
    """A loopback web site: ``add`` a body or ``redirect`` a path, then fetch it over HTTP."""

    def __init__(self, host: str) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.hits.append(self.path)
                # like most publishers, unknown query parameters (utm_*) are ignored
                route = site.routes.get(self.path) or site.routes.get(self.path.split("?")[0])
                status, headers, body = route or (404, {"Content-Type": "text/plain"}, b"no")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: str, content_type: str = HTML, status: int = 200) -> str:
        self.routes[path] = (
            status,
            {"Content-Type": content_type},
            body.replace("{SITE}", self.base).encode("utf-8"),
        )
        return self.url(path)

    def add_bytes(self, path: str, body: bytes, content_type: str) -> str:
        self.routes[path] = (200, {"Content-Type": content_type}, body)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 301) -> str:
        self.routes[path] = (status, {"Location": location, "Content-Type": "text/plain"}, b"")
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def sites(*hosts: str) -> Iterator[list[Site]]:
    with ExitStack() as stack:
        out = []
        for host in hosts:
            site = Site(host)
            stack.callback(site.close)
            out.append(site)
        yield out


def loopback_settings(data_dir: Path, **changes: Any) -> Settings:
    """Settings for a run against loopback sites: every 127.x address allowed, one process,
    only the cheap ``reading`` extractor (identity and feed handling do not depend on the others)."""
    base = Settings(
        data_dir=data_dir,
        allow_hosts=("127.0.0.0/8",),
        fetch_workers=4,
        retry_base_delay=0.0,
        workers=1,
        extractors=("reading",),
    )
    return base.replace(**changes)


PARAGRAPHS = (
    "The river bridge in the old town reopened on Tuesday after eleven months of repairs, "
    "the city's transport office said in a statement.",
    "Engineers replaced the corroded steel supports and widened the footpath on both sides, "
    "and the weight limit for lorries was raised to the level it had before the closure.",
    "Shop owners near the crossing said trade had fallen by a third while the bridge was shut "
    "and that they expected customers to come back within weeks.",
)


def article_page(title: str, *, head: str = "", body_extra: str = "") -> str:
    """A plain article page with ``head`` markup (canonical links, og tags) added."""
    paragraphs = "".join(f"<p>{p} ({title})</p>" for p in PARAGRAPHS)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><article><h1>{title}</h1>{paragraphs}{body_extra}</article></body></html>"
    )


def rss(items: list[str], *, extra_ns: str = "") -> str:
    return (
        "<?xml version='1.0' encoding='utf-8'?>"
        "<rss version='2.0' xmlns:feedburner='http://rssnamespace.org/feedburner/ext/1.0' "
        f"xmlns:media='http://search.yahoo.com/mrss/' {extra_ns}><channel><title>Test feed</title>"
        "<link>{SITE}/</link><description>test</description>" + "".join(items) + "</channel></rss>"
    )


def item(title: str, link: str, extra: str = "") -> str:
    return f"<item><title>{escape(title)}</title><link>{escape(link)}</link>{extra}</item>"
