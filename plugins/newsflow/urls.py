"""URL normalisation and the document ids derived from it.

The same article reached through a feed link with ``utm_*`` parameters, an upper-case
host or a ``#comments`` fragment must map to one id, so every stage keys on
:func:`normalize_url` and :func:`doc_id`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import idna

from newsflow.errors import InvalidURL

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "mc_cid", "mc_eid", "igshid",
        "yclid", "_ga", "_gl", "ref", "ref_src", "ref_url", "cmpid", "ocid", "ito",
        "at_medium", "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4",
        "xtor", "wt_mc", "mkt_tok", "spm", "share", "smid", "taid", "rss", "feed",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "hsa_", "__twitter")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_CHARS = 8192
"""Longer URLs are refused (browsers and servers give up around here)."""
MAX_HOST_CHARS = 253
"""DNS's limit on a host name (labels at most 63 characters)."""
_BAD_HOST_CHARS = re.compile(r"[\x00-\x20\x7f/\\?#@\[\]<>^|%`{}\"]")


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """Canonical form of an article URL; :class:`~newsflow.errors.InvalidURL` when it has none.

    Lower-cases scheme and host, drops default ports, fragments, passwords, tracking
    parameters and empty query values' ordering noise (remaining parameters are sorted),
    and collapses an empty path to ``/``. An IPv6 literal keeps its brackets (in compressed
    form). Idempotent: ``normalize_url(normalize_url(u)) == normalize_url(u)``.

    Raises ``InvalidURL`` (a ``ValueError`` too) for a URL no client could fetch: no host,
    a port that is not a number in 0–65535, a malformed IPv6 literal, a host with spaces,
    controls or reserved characters, a host over 253 characters or with a label over 63
    (also after IDNA encoding), unpaired surrogates, or more than :data:`MAX_URL_CHARS`.

    >>> normalize_url("HTTPS://Example.COM:443/a?utm_source=x&b=2&a=1#top")
    'https://example.com/a?a=1&b=2'
    >>> normalize_url("http://[2001:DB8:0::1]:8080/a")
    'http://[2001:db8::1]:8080/a'
    """
    text = url.strip()
    if len(text) > MAX_URL_CHARS:
        raise InvalidURL(f"URL longer than {MAX_URL_CHARS} characters: {text[:80]!r}…", url=text[:200])
    try:
        text.encode("utf-8")
        parts = urlsplit(text)
        port = parts.port
    except (ValueError, UnicodeError) as exc:
        raise InvalidURL(f"invalid URL {text[:200]!r}: {exc}", url=text[:200]) from exc
    scheme = parts.scheme.lower()
    if not parts.netloc and scheme not in DEFAULT_PORTS:  # not a web URL (a template, a path): as it is
        return urlunsplit((scheme, "", parts.path, parts.query, ""))
    netloc = _host(parts.hostname or "", text)
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{netloc}:{port}"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def _host(hostname: str, url: str) -> str:
    """The host part of a normalised URL (brackets around an IPv6 literal); InvalidURL when unusable."""
    host = hostname.lower().rstrip(".")
    if not host:
        raise InvalidURL(f"URL {url[:200]!r} has no host", url=url[:200])
    if ":" in host:  # urlsplit only lets a colon through inside brackets: an IPv6 literal
        address, _, zone = host.partition("%")
        try:
            compressed = ipaddress.IPv6Address(address).compressed
        except ValueError as exc:
            raise InvalidURL(f"invalid IPv6 literal in {url[:200]!r}: {exc}", url=url[:200]) from exc
        return f"[{compressed}%{zone}]" if zone else f"[{compressed}]"
    if _BAD_HOST_CHARS.search(host):
        raise InvalidURL(f"host {host[:80]!r} of {url[:200]!r} has characters a host name cannot have", url=url[:200])
    ascii_host = host
    if not host.isascii() or "xn--" in host:  # underscores etc. in plain ASCII hosts exist in the wild
        try:
            ascii_host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidURL(f"host {host[:80]!r} is not a valid international domain name: {exc}",
                             url=url[:200]) from exc
    if len(ascii_host) > MAX_HOST_CHARS or any(len(label) > 63 for label in ascii_host.split(".")):
        raise InvalidURL(f"host name too long ({len(ascii_host)} characters, or a label over 63) in {url[:200]!r}",
                         url=url[:200])
    return host


def doc_id(url: str) -> str:
    """Stable document id: the first 20 hex digits of SHA-256 of the normalised URL."""
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:20]


def domain_of(url: str) -> str:
    """Host of a URL without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")
