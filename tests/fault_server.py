"""A misbehaving publisher on 127.0.0.1: every fault the fetcher must survive, as demo-server routes.

``FaultSite(root).routes()`` maps paths to handlers for :class:`newsflow.demo_server.DemoServer`.
Handlers that wait (hang, slow headers, trickle) wake up when :meth:`FaultSite.stop` is called,
so the server shuts down at once. Nothing large is ever allocated: the gzip bomb is compressed
once from a stream of zeros, the 200 MB page is written chunk by chunk until the client hangs up.
"""

from __future__ import annotations

import gzip
import io
import threading
import time
import zlib
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler

from newsflow.demo_server import send

Handler = Callable[[BaseHTTPRequestHandler], None]

ARTICLE = """<!doctype html><html lang="en"><head><title>{title}</title>
<meta property="article:published_time" content="2025-12-01T08:00:00Z">{meta}</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>{title}</h1>
<p>The harbour of Port Ellis reopened on Monday after three days of closure, the port authority said,
as crews cleared debris left by the storm that flooded the waterfront {extra}.</p>
<p>Fishing boats returned to the quay by mid-morning and the ferry to the islands resumed its schedule,
although inspectors will keep one pier closed while its pilings are checked.</p>
<p>The mayor thanked volunteers who worked through the night to pump water from cellars and shops along
the promenade, and said a fund for small businesses would open next week.</p></article></body></html>"""


def article(title: str, extra: str = "", meta: str = "") -> str:
    return ARTICLE.format(title=title, extra=extra, meta=meta)


def rss(base: str, *paths: str, title: str = "Faults") -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>{base}{path}</link>"
        f"<pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate></item>"
        for i, path in enumerate(paths)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>{base}/</link>'
            f"{items}</channel></rss>").encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>x</title><link>http://example.org/a</link></item></channel></rss>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<rss version="2.0"><channel><title>&xxe;</title><item><title>x</title><link>http://example.org/a</link></item></channel></rss>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://10.0.0.1/evil.dtd">
<rss version="2.0"><channel><title>t</title><item><title>x</title><link>http://example.org/a</link></item></channel></rss>"""


def gzip_bomb(decoded_size: int) -> bytes:
    """``decoded_size`` zero bytes, gzip-compressed without ever holding them in memory."""
    out = io.BytesIO()
    chunk = b"\0" * (1 << 20)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        for _ in range(decoded_size // len(chunk)):
            gz.write(chunk)
    return out.getvalue()


def deflate(data: bytes, *, raw: bool = False) -> bytes:
    obj = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    return obj.compress(data) + obj.flush()


class FaultSite:
    """Routes for every fault case, with counters and a stop switch for the waiting ones."""

    def __init__(self, *, bomb_size: int = 64 << 20) -> None:
        self.stopping = threading.Event()
        self.calls: dict[str, int] = {}
        self.fail_first: dict[str, int] = {}
        """path → how many times it fails (503) before it succeeds."""
        self.huge_bytes_sent = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.request_times: list[tuple[str, float]] = []
        self.etag_body = b""
        self.robots = b"User-agent: *\nDisallow: /private/\n"
        self._lock = threading.Lock()
        self._bomb = gzip_bomb(bomb_size)
        self.base = ""

    def stop(self) -> None:
        self.stopping.set()

    def count(self, path: str) -> int:
        with self._lock:
            return self.calls.get(path, 0)

    def _hit(self, path: str) -> int:
        with self._lock:
            self.calls[path] = self.calls.get(path, 0) + 1
            self.request_times.append((path, time.monotonic()))
            return self.calls[path]

    def routes(self) -> dict[str, Handler]:
        routes: dict[str, Handler] = {
            "/robots.txt": lambda h: send(h, 200, self.robots, "text/plain"),
            "/slow-headers.html": self.slow_headers,
            "/slow-headers.xml": self.slow_headers,
            "/trickle.html": self.trickle,
            "/hang.html": self.hang,
            "/429.html": lambda h: send(h, 429, b"slow down", "text/html", {"Retry-After": "120"}),
            "/429-date.html": lambda h: send(
                h, 429, b"slow down", "text/html", {"Retry-After": formatdate(time.time() + 300, usegmt=True)}),
            "/burst.html": self.burst,
            "/always-500.html": lambda h: send(h, 500, b"broken", "text/html"),
            "/loop-a.html": self.redirect("/loop-b.html"),
            "/loop-b.html": self.redirect("/loop-a.html"),
            "/self-loop.html": self.redirect("/self-loop.html"),
            "/to-private.html": self.redirect("http://10.0.0.1/internal.html", absolute=True),
            "/to-metadata.html": self.redirect("http://169.254.169.254/latest/meta-data/", absolute=True),
            "/to-file.html": self.redirect("file:///etc/passwd", absolute=True),
            "/truncated.html": self.truncated,
            "/short-length.html": self.short_length,
            "/charset-wrong.html": lambda h: send(
                h, 200, article("Café reopens in Zürich", "— naïve façade").encode("cp1252"),
                "text/html; charset=utf-8"),
            "/charset-absent.html": lambda h: send(
                h, 200, article("Порт снова открыт", "Порт Эллис", '<meta charset="windows-1251">').encode("cp1251"),
                "text/html"),
            "/charset-bogus.html": lambda h: send(
                h, 200, article("Harbour bogus charset", "\u00e9t\u00e9").encode("utf-8") + b"\xff\xfe\x80",
                "text/html; charset=x-no-such-charset"),
            "/bomb.html": lambda h: send(h, 200, self._bomb, "text/html", {"Content-Encoding": "gzip"}),
            "/bomb.xml": lambda h: send(h, 200, self._bomb, "application/rss+xml", {"Content-Encoding": "gzip"}),
            "/brotli.html": lambda h: send(h, 200, b"\x1b\x00\x00", "text/html", {"Content-Encoding": "br"}),
            "/gzip-ok.html": lambda h: send(h, 200, gzip.compress(article("Gzip harbour").encode()), "text/html",
                                            {"Content-Encoding": "gzip"}),
            "/deflate-raw.html": lambda h: send(h, 200, deflate(article("Deflate harbour").encode(), raw=True),
                                                "text/html", {"Content-Encoding": "deflate"}),
            "/huge.html": self.huge,
            "/binary.html": lambda h: send(h, 200, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 16,
                                           "text/html; charset=utf-8"),
            "/laughs.xml": lambda h: send(h, 200, BILLION_LAUGHS, "application/rss+xml"),
            "/xxe.xml": lambda h: send(h, 200, XXE, "application/rss+xml"),
            "/dtd.xml": lambda h: send(h, 200, EXTERNAL_DTD, "application/rss+xml"),
            "/etag-lies.xml": self.etag_lies,
            "/slow-ok.html": self.slow_ok,
        }
        for n in range(1, 10):  # /chain/N.html: N redirects, then /ok.html
            routes[f"/chain/{n}.html"] = self.redirect(f"/chain/{n - 1}.html" if n > 1 else "/ok.html")
        return {path: self._counted(path, handler) for path, handler in routes.items()}

    def _counted(self, path: str, handler: Handler) -> Handler:
        def run(h: BaseHTTPRequestHandler) -> None:
            self._hit(path)
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                handler(h)
            except (BrokenPipeError, ConnectionResetError):
                h.close_connection = True  # the client gave up, as it should
            finally:
                with self._lock:
                    self.in_flight -= 1

        return run

    # --- handlers ------------------------------------------------------------------------
    def slow_headers(self, h: BaseHTTPRequestHandler) -> None:
        self.stopping.wait(5)
        send(h, 200, article("Too late").encode(), "text/html")

    def hang(self, h: BaseHTTPRequestHandler) -> None:
        self.stopping.wait(60)

    def trickle(self, h: BaseHTTPRequestHandler) -> None:
        body = article("Trickled").encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for i in range(0, len(body), 8):
            if self.stopping.wait(0.1):
                return
            h.wfile.write(body[i : i + 8])
            h.wfile.flush()

    def burst(self, h: BaseHTTPRequestHandler) -> None:
        n = self.count("/burst.html")
        if n <= self.fail_first.get("/burst.html", 2):
            send(h, 503, b"busy", "text/html")
        else:
            send(h, 200, article("Burst harbour").encode(), "text/html; charset=utf-8")

    def slow_ok(self, h: BaseHTTPRequestHandler) -> None:
        self.stopping.wait(0.3)
        send(h, 200, article("Slow but fine").encode(), "text/html; charset=utf-8")

    def redirect(self, location: str, *, absolute: bool = False) -> Handler:
        def run(h: BaseHTTPRequestHandler) -> None:
            send(h, 302, b"", "text/html", {"Location": location})

        return run

    def truncated(self, h: BaseHTTPRequestHandler) -> None:
        body = article("Truncated").encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body) + 5000))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
        h.close_connection = True

    def short_length(self, h: BaseHTTPRequestHandler) -> None:
        """Content-Length smaller than the body: the rest is junk on a kept-alive connection."""
        body = article("Short length").encode()
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "120")
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
        h.close_connection = True

    def huge(self, h: BaseHTTPRequestHandler) -> None:
        size = 200_000_000
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        sent = 0
        try:
            while sent < size and not self.stopping.is_set():
                h.wfile.write(chunk)
                sent += len(chunk)
        finally:
            with self._lock:
                self.huge_bytes_sent = sent

    def etag_lies(self, h: BaseHTTPRequestHandler) -> None:
        """Always ETag "v1", whatever the body; honours If-None-Match with 304 (the lie)."""
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, b"", "application/rss+xml", {"ETag": '"v1"'})
        else:
            send(h, 200, self.etag_body, "application/rss+xml", {"ETag": '"v1"'})
