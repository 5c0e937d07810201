"""Whether a page is paywalled, read from its markup; newsflow never tries to get past one.

The signs, first found wins (:func:`detect` returns which, for ``field_sources``):

1. schema.org ``isAccessibleForFree: false`` in JSON-LD, on the article or on any part of it
   (``hasPart``, ``@graph``, nested objects), as Google asks publishers to mark paywalled
   content; ``false`` may be a boolean, the text ``"false"``/``"False"`` or
   ``"http://schema.org/False"``; an object marked ``true`` is free whatever its parts say
   (a premium box inside a free article);
2. the same property in microdata (``itemprop="isAccessibleForFree"`` with ``content`` or
   text ``false``);
3. a known paywall container (a class name or id of :data:`CONTAINER_MARKERS`, or a
   ``data-paywall`` attribute);
4. a body much shorter than the feed's teaser: under :data:`TEASER_RATIO` of a summary of at
   least :data:`MIN_TEASER_CHARS` characters (the page gave a cut-off preview).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import lxml.etree

from newsflow.html_tree import document

CONTAINER_MARKERS = frozenset({"paywall", "pay-wall", "paywall-container", "regwall",
                               "subscriber-only", "subscribers-only"})
"""Class names or ids (whole, case-insensitive) of the containers CMSs put around or after a
cut-off article. Whole names only: paywall vendors' modals, buttons and membership widgets
(``paywall-modal``, ``btn-paywall``, ``steady-paywall-container``) sit on free pages too."""
_HINTS = ("isaccessibleforfree", *CONTAINER_MARKERS)
"""Text (lower-case) every page with a markup sign contains (``data-paywall`` too)."""
TEASER_RATIO = 0.5
MIN_TEASER_CHARS = 200
_MAX_JSON_DEPTH = 20


def detect(html: str, text: str, teaser: str | None) -> str | None:
    """Why the page (``html``, its cleaned ``text``, the feed's ``teaser``) is paywalled, as a
    short provenance note (``isAccessibleForFree (JSON-LD)``…); None when nothing says so."""
    lowered = html.lower()
    hinted = any(hint in lowered for hint in _HINTS)
    root = document(html) if hinted else None  # most pages name no sign: not parsed again
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
        flag = _flag(value.get("isAccessibleForFree"))
        if flag is not None:  # an object marked free is free, whatever a part of it says
            return not flag
        return any(_not_free(v, depth + 1) for v in value.values() if isinstance(v, dict | list))
    if isinstance(value, list):
        return any(_not_free(v, depth + 1) for v in value)
    return False


def _flag(value: Any) -> bool | None:
    """A schema.org Boolean: ``true``/``false``, ``"False"``, ``"http://schema.org/False"``;
    None when absent or not a Boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower().rsplit("/", 1)[-1]
        return {"true": True, "false": False}.get(word)
    return None


def _microdata_not_free(root: lxml.etree._Element) -> bool:
    for element in root.iterfind(".//*[@itemprop]"):
        if "isAccessibleForFree" in (element.get("itemprop") or "").split():
            value = element.get("content")
            if _flag(value if value is not None else element.text_content()) is False:
                return True
    return False


def _container(root: lxml.etree._Element) -> str | None:
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("data-paywall") is not None:
            return "data-paywall"
        for name in (element.get("class") or "").lower().split():
            if name in CONTAINER_MARKERS:
                return f"class {name}"
        element_id = (element.get("id") or "").strip().lower()
        if element_id in CONTAINER_MARKERS:
            return f"id {element_id}"
    return None
