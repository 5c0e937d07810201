"""Whether a page is paywalled, read from its markup; newsflow never tries to get past one.

The signs, first found wins (:func:`detect` returns which, for ``field_sources``):

1. schema.org ``isAccessibleForFree: false`` in JSON-LD, on the article or on any part of it
   (``hasPart``, ``@graph``, nested objects), as Google asks publishers to mark paywalled
   content; ``false`` may be a boolean or the text ``"false"``/``"False"``;
2. the same property in microdata (``itemprop="isAccessibleForFree"`` with ``content`` or
   text ``false``);
3. a known paywall container (:data:`CONTAINER_MARKERS` in an element's ``class`` or ``id``,
   or a ``data-paywall`` attribute);
4. a body much shorter than the feed's teaser: under :data:`TEASER_RATIO` of a summary of at
   least :data:`MIN_TEASER_CHARS` characters (the page gave a cut-off preview).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import lxml.etree
import lxml.html

CONTAINER_MARKERS = ("paywall", "pay-wall", "regwall", "subscriber-only", "subscribers-only",
                     "premium-wall", "piano-offer")
"""Class or id fragments (case-insensitive) of the containers paywall vendors and CMSs put
over or after a cut-off article."""
TEASER_RATIO = 0.5
MIN_TEASER_CHARS = 200
_MARKER = re.compile("|".join(re.escape(m) for m in CONTAINER_MARKERS), re.IGNORECASE)
_MAX_JSON_DEPTH = 20


def detect(html: str, text: str, teaser: str | None) -> str | None:
    """Why the page (``html``, its cleaned ``text``, the feed's ``teaser``) is paywalled, as a
    short provenance note (``isAccessibleForFree (JSON-LD)``…); None when nothing says so."""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        root = None
    if root is not None:
        if any(_not_free(obj) for obj in _json_ld(root)):
            return "isAccessibleForFree (JSON-LD)"
        if _microdata_not_free(root):
            return "isAccessibleForFree (microdata)"
        marker = _container(root)
        if marker:
            return f"paywall container ({marker})"
    if teaser and len(teaser) >= MIN_TEASER_CHARS and len(text) < TEASER_RATIO * len(teaser):
        return f"body ({len(text)} characters) much shorter than the feed teaser ({len(teaser)})"
    return None


def _json_ld(root: lxml.etree._Element) -> Iterator[Any]:
    for script in root.iterfind(".//script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            yield json.loads(script.text or "")
        except (ValueError, RecursionError):  # broken JSON-LD says nothing
            continue


def _not_free(value: Any, depth: int = 0) -> bool:
    """Whether any object in ``value`` says ``isAccessibleForFree`` is false."""
    if depth > _MAX_JSON_DEPTH:
        return False
    if isinstance(value, dict):
        if _false(value.get("isAccessibleForFree")):
            return True
        return any(_not_free(v, depth + 1) for v in value.values() if isinstance(v, dict | list))
    if isinstance(value, list):
        return any(_not_free(v, depth + 1) for v in value)
    return False


def _false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


def _microdata_not_free(root: lxml.etree._Element) -> bool:
    for element in root.iterfind(".//*[@itemprop]"):
        if "isAccessibleForFree" in (element.get("itemprop") or "").split():
            value = element.get("content")
            if _false(value if value is not None else element.text_content()):
                return True
    return False


def _container(root: lxml.etree._Element) -> str | None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("data-paywall") is not None:
            return "data-paywall"
        for attribute in ("class", "id"):
            found = _MARKER.search(element.get(attribute) or "")
            if found:
                return f"{attribute} {found.group(0).lower()}"
    return None
