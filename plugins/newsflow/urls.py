"""URL normalisation and the document ids derived from it.

The same article reached through a feed link with ``utm_*`` parameters, an upper-case
host or a ``#comments`` fragment must map to one id, so every stage keys on
:func:`normalize_url` and :func:`doc_id`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import idna
from tld import get_fld

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


# --------------------------------------------------------------------------- identity helpers

REDIRECT_PARAMS = (
    "url", "u", "q", "target", "dest", "destination", "redirect", "redirect_url", "redirect_uri",
    "redirecturl", "to", "goto", "out", "link", "r",
)
"""Query parameters through which trackers and aggregators pass the article they redirect to
(``/url?q=``, ``apiclick.aspx?url=``, ``l.php?u=``, ``/click?target=``)."""
_INDEX_PAGES = frozenset({"", "index.html", "index.htm", "index.php", "index.shtml", "default.aspx", "default.asp", "home"})
_VIEW_SEGMENTS = frozenset({"amp", "print", "comments", "all", "full", "slide", "slides", "page", "gallery", "photos", "single"})
"""Path segments that make a page a view (AMP, print, a slide, a page) of the path above it."""
_IP_HOST = re.compile(r"^[0-9.]+$|:")


def resolve_url(value: object, base: str | None) -> str | None:
    """``value`` (absolute, protocol-relative or relative) resolved against ``base``.

    Returns the absolute http(s) URL with a host, or None for anything else (``data:``,
    ``javascript:``, an empty or malformed value, a relative value without a usable base).

    >>> resolve_url("//cdn.example/a.jpg", "http://example.org/news/1")
    'http://cdn.example/a.jpg'
    >>> resolve_url("img/a.jpg", "https://example.org/news/1")
    'https://example.org/news/img/a.jpg'
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 4096 or any(ch in text for ch in "\r\n\t\x00"):
        return None
    try:
        absolute = urljoin(base, text) if base else text
        parts = urlsplit(absolute)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def unwrap_redirect(url: str, *, depth: int = 3) -> str:
    """The article behind a tracker or aggregator redirect link, else ``url`` unchanged.

    A link whose query carries one of :data:`REDIRECT_PARAMS` with an absolute http(s) URL on
    another host as its value (``https://news.example/click?url=https%3A%2F%2Fpub.example%2Fa``)
    is taken to redirect there; nested wrappers are unwrapped up to ``depth`` times. Links
    that merely redirect with an HTTP status are resolved by fetching (the final URL).
    """
    for _ in range(depth):
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        params = dict((k.lower(), v) for k, v in parse_qsl(parts.query, keep_blank_values=False))
        target = next(
            (params[name] for name in REDIRECT_PARAMS if params.get(name, "").lower().startswith(("http://", "https://"))),
            None,
        )
        if target is None or resolve_url(target, None) is None:
            return url
        if (urlsplit(target).hostname or "").lower() == (parts.hostname or "").lower():
            return url
        url = target
    return url


def scheme_twin(url: str) -> str | None:
    """The same URL under the other web scheme (``http`` ↔ ``https``), or None for any other
    scheme or a non-default port. News sites serve one article under both (a feed with
    ``http://`` links, a site since moved to TLS), so the two name one document.

    >>> scheme_twin("http://example.org/a?b=1")
    'https://example.org/a?b=1'
    """
    parts = urlsplit(url)
    twin = {"http": "https", "https": "http"}.get(parts.scheme.lower())
    if twin is None or parts.port is not None:
        return None
    return urlunsplit((twin, *parts[1:]))


def site_of(url: str) -> str:
    """The registrable domain of ``url``'s host (``bbc.co.uk`` for ``www.bbc.co.uk``, by the
    Public Suffix List bundled with ``tld``); an IP address or a single-label host is its own site."""
    host = (urlsplit(url).hostname or "").lower().strip(".")
    if not host or _IP_HOST.search(host) or "." not in host:
        return host
    try:
        host = host.encode("idna").decode("ascii")  # stössenseer.de and xn--stssenseer-fcb.de are one site
    except UnicodeError:
        return host
    site = get_fld(host, fix_protocol=True, fail_silently=True)
    return str(site) if site else host.removeprefix("www.")


def same_site(a: str, b: str) -> bool:
    """Whether two URLs belong to one site (same registrable domain; ports and schemes ignored)."""
    return bool(site_of(a)) and site_of(a) == site_of(b)


def is_site_root_or_section(candidate: str, reference: str) -> bool:
    """Whether ``candidate`` is a home page (``/``, ``/index.html``) or a section above
    ``reference`` (``/world/`` for ``/world/2025/story``), i.e. not an article of its own."""
    cand, ref = urlsplit(candidate), urlsplit(reference)
    segments = [s for s in cand.path.split("/") if s]
    if not segments or (len(segments) == 1 and segments[0].lower() in _INDEX_PAGES):
        return not cand.query  # /?p=123 (WordPress) or /index.php?id=5 name an article
    if (cand.hostname or "").lower() != (ref.hostname or "").lower():
        return False
    ref_segments = [s for s in ref.path.split("/") if s]
    if cand.query or len(segments) >= len(ref_segments) or ref_segments[: len(segments)] != segments:
        return False
    # /story/amp, /story/slide/2, /story/page/3 are views of /story, which is their article
    return not all(s.lower() in _VIEW_SEGMENTS or s.isdigit() for s in ref_segments[len(segments) :])
