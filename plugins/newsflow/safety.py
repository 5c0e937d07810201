"""SSRF guard: which addresses newsflow connects to, enforced inside the HTTP transport.

Every request our client sends (feeds, pages, robots.txt, each redirect hop: redirects are
followed by :func:`newsflow.fetching.fetch` one hop at a time) passes through
:class:`GuardedTransport`:

1. only ``http`` and ``https`` URLs are sent;
2. the host is resolved with ``getaddrinfo`` (:class:`~newsflow.errors.DNSError` when it does
   not resolve); if *any* of its addresses is loopback, private,
   link-local, multicast, reserved, unspecified or otherwise not globally routable, the URL
   is refused with :class:`~newsflow.errors.UnsafeURL` before a connection is opened, unless
   the host name, the address or a network containing it is in ``settings.allow_hosts``;
3. the connection is made to the address that was checked (the URL's host is replaced by
   the IP, ``Host`` and the TLS SNI name stay the original host, so certificates are still
   verified against it). A DNS answer that changes between check and connect (DNS
   rebinding) therefore cannot send us to an internal address.

Known limits: name resolution uses the system resolver, which has no timeout of its own;
only the first three checked addresses are tried when connecting.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import httpx

from newsflow.errors import DNSError, InvalidURL, UnsafeURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_HOSTNAME = re.compile(r"^(\*\.|\.)?([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.?$")
_MAX_ADDRESSES_TRIED = 3


@dataclass(frozen=True, slots=True)
class AllowList:
    """``allow_hosts`` parsed: exact host names, domain suffixes (``.example.org`` or
    ``*.example.org``), and IP networks (a single address is a /32 or /128)."""

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    def allows_name(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.names or any(host.endswith(s) for s in self.suffixes)

    def allows_address(self, address: IPAddress) -> bool:
        return any(address.version == net.version and address in net for net in self.networks)


def parse_allow_hosts(entries: Iterable[str]) -> AllowList:
    """Parse ``allow_hosts``; raises ValueError naming an entry that is none of the three kinds."""
    names: set[str] = set()
    suffixes: list[str] = []
    networks: list[IPNetwork] = []
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        if not _HOSTNAME.match(entry) or entry.replace(".", "").isdigit():
            raise ValueError(
                f"allow_hosts entry {raw!r} is neither a host name, an IP address nor a CIDR network "
                "(examples: feeds.example.org, .example.org, 127.0.0.1, 10.0.0.0/8, ::1)"
            )
        if entry.startswith(("*.", ".")):
            suffixes.append("." + entry.lstrip("*.").rstrip("."))
        else:
            names.add(entry.rstrip("."))
    return AllowList(frozenset(names), tuple(suffixes), tuple(networks))


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be fetched by default, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None:
            inner = blocked_reason(embedded)
            if inner:
                return f"{inner} (embedded in {address})"
    for attribute, label in (
        ("is_unspecified", "unspecified"),
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(address, attribute):
            return label
    if not address.is_global:
        return "non-public"
    return None


def check_host(host: str, port: int, allow: AllowList, *, url: str) -> list[IPAddress]:
    """Resolve ``host`` and return its addresses in connection order, or raise UnsafeURL."""
    host = host.strip("[]")
    literal = _ip(host)
    if literal is None and allow.allows_name(host):
        return _resolve(host, port, url)
    addresses = [literal] if literal is not None else _resolve(host, port, url)
    for address in addresses:
        if allow.allows_address(address):
            continue
        reason = blocked_reason(address)
        if reason:
            shown = host if literal is not None else f"{host} ({address})"
            raise UnsafeURL(
                f"refusing {url}: {shown} is a {reason} address; "
                "add the host, address or network to allow_hosts to fetch it",
                url=url,
            )
    return addresses


def check_url(url: str, allow: AllowList) -> None:
    """Raise UnsafeURL when ``url`` is not http(s) or its host resolves to a refused address
    (InvalidURL when it cannot be parsed, DNSError when its host does not resolve)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidURL(f"invalid URL {url[:200]!r}: {exc}", url=url) from exc
    if parsed.scheme not in ("http", "https"):
        raise UnsafeURL(f"refusing {url}: only http and https URLs are fetched", url=url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    check_host(parsed.raw_host.decode("ascii"), port, allow, url=url)


def _ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int, url: str) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) and exc.strerror else str(exc)
        raise DNSError(f"cannot resolve host {host}: {reason}", url=url) from exc
    out: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in out:
            out.append(address)
    if not out:
        raise DNSError(f"host {host} resolved to no address", url=url)
    return out


class GuardedTransport(httpx.BaseTransport):
    """Checks every request's scheme and resolved addresses, then connects to a checked address."""

    def __init__(self, inner: httpx.BaseTransport, allow: AllowList) -> None:
        self.inner = inner
        self.allow = allow

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise UnsafeURL(f"refusing {url}: only http and https URLs are fetched", url=str(url))
        host = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = check_host(host, port, self.allow, url=str(url))
        return self._send_pinned(request, host, addresses)

    def _send_pinned(self, request: httpx.Request, host: str, addresses: Sequence[IPAddress]) -> httpx.Response:
        error: httpx.ConnectError | None = None
        for address in addresses[:_MAX_ADDRESSES_TRIED]:
            extensions = dict(request.extensions)
            if request.url.scheme == "https" and _ip(host.strip("[]")) is None:
                extensions["sni_hostname"] = host
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=str(address)),
                headers=request.headers,  # keeps Host: the original name
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return self.inner.handle_request(pinned)
            except httpx.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    def close(self) -> None:
        self.inner.close()
