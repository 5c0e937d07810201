"""A whole page parsed into an lxml tree for the feed-list rules (:mod:`newsflow.body_selector`,
:mod:`newsflow.paywall`).

lxml refuses a ``str`` that starts with an XML declaration naming an encoding (XHTML pages:
``<?xml version="1.0" encoding="utf-8"?>``), so the text is parsed as UTF-8 bytes.
"""

from __future__ import annotations

import lxml.etree
import lxml.html

_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def document(html: str) -> lxml.html.HtmlElement | None:
    """The page's root element, None when it does not parse (empty, not markup). Never raises."""
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_PARSER)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return None
