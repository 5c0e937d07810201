"""URL normalisation and the document ids derived from it.

The same article reached through a feed link with ``utm_*`` parameters, an upper-case
host or a ``#comments`` fragment must map to one id, so every stage keys on
:func:`normalize_url` and :func:`doc_id`.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """Canonical form of an article URL.

    Lower-cases scheme and host, drops default ports, fragments, tracking parameters
    and empty query values' ordering noise (remaining parameters are sorted), and
    collapses an empty path to ``/``.

    >>> normalize_url("HTTPS://Example.COM:443/a?utm_source=x&b=2&a=1#top")
    'https://example.com/a?a=1&b=2'
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host
    if parts.username:
        netloc = f"{parts.username}@{host}"
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{netloc}:{port}"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def doc_id(url: str) -> str:
    """Stable document id: the first 20 hex digits of SHA-256 of the normalised URL."""
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:20]


def domain_of(url: str) -> str:
    """Host of a URL without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")
