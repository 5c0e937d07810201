"""A WebSub hub on 127.0.0.1 that follows the W3C Recommendation, for the benchmark and tests.

Subscription requests (``POST`` form: ``hub.mode``, ``hub.topic``, ``hub.callback``,
``hub.lease_seconds``, ``hub.secret``) are answered 202 and verified afterwards in a thread:
``GET`` the callback with ``hub.mode``, ``hub.topic``, a random ``hub.challenge`` (and the
granted ``hub.lease_seconds``); the subscription counts only when the callback answers 2xx
with the challenge as its body. :meth:`WebSubHub.publish` distributes content to every
verified subscriber of a topic with ``Link`` headers and ``X-Hub-Signature`` (the HMAC of the
body with the subscriber's secret; or forged, or missing, to test the subscriber).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import httpx


@dataclass
class Subscriber:
    callback: str
    topic: str
    secret: str | None
    lease: float
    expires: float


@dataclass
class Verification:
    """One intent verification the hub sent: what it asked and whether the callback confirmed it."""

    mode: str
    topic: str
    callback: str
    status: int
    confirmed: bool
    at: float = field(default_factory=time.time)


class WebSubHub:
    """The hub; ``refuse`` makes it answer subscription requests 400 with that reason."""

    def __init__(self, *, max_lease: float = 864_000.0) -> None:
        self.max_lease = max_lease
        self.refuse: str | None = None
        self.requests: list[dict[str, str]] = []
        self.verifications: list[Verification] = []
        self._subs: dict[tuple[str, str], Subscriber] = {}
        self._lock = threading.Lock()
        self._client = httpx.Client(trust_env=False, timeout=10)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="websub-hub", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def __enter__(self) -> WebSubHub:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._client.close()

    def subscribers(self, topic: str) -> list[Subscriber]:
        """The verified, unexpired subscribers of ``topic``."""
        with self._lock:
            return [s for s in self._subs.values() if s.topic == topic and s.expires > time.time()]

    def request(self, form: dict[str, str]) -> tuple[int, str]:
        """Take a subscription request: (status, reason); verification follows in a thread."""
        with self._lock:
            self.requests.append(form)
        mode, topic, callback = form.get("hub.mode"), form.get("hub.topic"), form.get("hub.callback")
        if mode not in ("subscribe", "unsubscribe") or not topic or not callback:
            return 400, "hub.mode, hub.topic and hub.callback are required"
        if self.refuse:
            return 400, self.refuse
        threading.Thread(target=self._verify, args=(form,), daemon=True).start()
        return 202, ""

    def _verify(self, form: dict[str, str]) -> None:
        mode, topic, callback = form["hub.mode"], form["hub.topic"], form["hub.callback"]
        challenge = secrets.token_urlsafe(12)
        params = {"hub.mode": mode, "hub.topic": topic, "hub.challenge": challenge}
        lease = min(float(form.get("hub.lease_seconds") or self.max_lease), self.max_lease)
        if mode == "subscribe":
            params["hub.lease_seconds"] = f"{lease:g}"
        try:
            resp = self._client.get(callback, params=params)
            status, confirmed = resp.status_code, 200 <= resp.status_code < 300 and resp.text == challenge
        except httpx.HTTPError:
            status, confirmed = 0, False
        with self._lock:
            self.verifications.append(Verification(mode, topic, callback, status, confirmed))
            if confirmed and mode == "subscribe":
                self._subs[(callback, topic)] = Subscriber(callback, topic, form.get("hub.secret"), lease,
                                                           time.time() + lease)
            elif confirmed:
                self._subs.pop((callback, topic), None)

    def publish(self, topic: str, body: bytes, content_type: str = "application/atom+xml", *,
                signature: str = "valid", method: str = "sha256") -> list[int]:
        """Distribute ``body`` to ``topic``'s subscribers; their answers' statuses.
        ``signature``: ``valid``, ``forged`` (an HMAC with another key) or ``none``."""
        statuses = []
        for sub in self.subscribers(topic):
            headers = {"Content-Type": content_type, "Link": f'<{self.url}>; rel="hub", <{topic}>; rel="self"'}
            if signature != "none" and sub.secret is not None:
                key = sub.secret if signature == "valid" else "not-" + sub.secret
                digest = hmac.new(key.encode(), body, getattr(hashlib, method)).hexdigest()
                headers["X-Hub-Signature"] = f"{method}={digest}"
            statuses.append(self._client.post(sub.callback, content=body, headers=headers).status_code)
        return statuses


def _handler(hub: WebSubHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
            status, reason = hub.request(form)
            body = reason.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler
