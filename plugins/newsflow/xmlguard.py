"""Refuse feeds that declare XML entities or reference an external DTD, before feedparser.

Entity expansion (billion laughs), external entities (XXE: ``file://``, internal URLs) and
DTD fetches all need a ``<!DOCTYPE`` in the document prolog with an ``<!ENTITY``
declaration or a ``SYSTEM``/``PUBLIC`` identifier. We look only at the prolog (everything
before the root element, comments and processing instructions removed), decoded the way an
XML parser would see it (BOM, UTF-16/32 without BOM, EBCDIC), so CDATA in an item that
merely *mentions* ``<!ENTITY`` is not a false positive.

The one external identifier accepted is the Netscape RSS 0.91 DTD's public id: old feeds
declare it, feedparser recognises it and never fetches it.
"""

from __future__ import annotations

import re

from newsflow.errors import UnsafeFeed

SAFE_PUBLIC_IDS = frozenset({"-//Netscape Communications//DTD RSS 0.91//EN"})
PROLOG_LIMIT = 256 * 1024
"""Prolog bytes inspected; a longer prolog (before any element) is refused as suspicious."""

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_PI = re.compile(r"<\?.*?\?>", re.DOTALL)
_ROOT = re.compile(r"<[A-Za-z_:]")
_DOCTYPE = re.compile(r"<!DOCTYPE\b", re.IGNORECASE)
_ENTITY = re.compile(r"<!ENTITY\b", re.IGNORECASE)
_EXTERNAL = re.compile(r"""<!DOCTYPE\s+[^\s\[>]+\s+(SYSTEM|PUBLIC)\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)


def check_feed_xml(body: bytes, url: str) -> None:
    """Raise :class:`~newsflow.errors.UnsafeFeed` when the feed's prolog declares entities or an external DTD."""
    text = _as_text(body[:PROLOG_LIMIT])
    prolog = _prolog(text)
    if prolog is None:
        if _DOCTYPE.search(text) and len(body) > PROLOG_LIMIT:
            raise UnsafeFeed(f"feed {url} has a DOCTYPE and no root element in its first {PROLOG_LIMIT} bytes; refused", url=url)
        prolog = text
    if not _DOCTYPE.search(prolog):
        return
    if _ENTITY.search(prolog):
        raise UnsafeFeed(
            f"feed {url} declares XML entities in its DTD (<!ENTITY …>); refused: entity expansion "
            "and external entities are not accepted from feeds",
            url=url,
        )
    external = _EXTERNAL.search(prolog)
    if external and not (external.group(1).upper() == "PUBLIC" and external.group(3).strip() in SAFE_PUBLIC_IDS):
        raise UnsafeFeed(
            f"feed {url} references an external DTD ({external.group(1).upper()} {external.group(3)!r}); "
            "refused: DTDs are never fetched",
            url=url,
        )


def _prolog(text: str) -> str | None:
    cleaned = _PI.sub(" ", _COMMENT.sub(" ", text))
    match = _ROOT.search(cleaned)
    return cleaned[: match.start()] if match else None


def _as_text(head: bytes) -> str:
    """Decode like an XML parser's encoding sniffing; ASCII-compatible bytes map 1:1 via latin-1."""
    for bom, codec in (
        (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\xef\xbb\xbf", "utf-8"),
    ):
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="replace")
    if head.startswith(b"\x4c\x6f\xa7\x94"):
        return head.decode("cp037", errors="replace")  # EBCDIC "<?xm"
    first = head[:4]
    if len(first) == 4 and first.count(0) == 3:
        return head.decode("utf-32-be" if first[3] else "utf-32-le", errors="replace")
    if len(first) >= 2 and (first[0] == 0) != (first[1] == 0):
        return head.decode("utf-16-be" if first[0] == 0 else "utf-16-le", errors="replace")
    return head.decode("latin-1")
