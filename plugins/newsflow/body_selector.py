"""An article body taken from a page by a feed-list ``selector`` (where trafilatura picks the
wrong block): a CSS selector (cssselect, translated to XPath), or an XPath expression when it
starts with ``/`` or ``(``; the selected elements' text, cleaned like trafilatura's (no
scripts, styles, forms or navigation; one line per block, whitespace collapsed).
"""

from __future__ import annotations

import re
from functools import lru_cache

import lxml.etree
from cssselect import GenericTranslator, SelectorError

from newsflow.html_tree import document

_DROPPED = ("script", "style", "noscript", "template", "iframe", "form", "button", "nav", "svg")
"""Elements whose text is never part of an article body."""
_BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "pre",
    "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    "figure", "figcaption", "br", "hr", "address", "details", "summary",
})
"""Elements that start a new line of text."""
_SPACE = re.compile(r"[^\S\n]+")


def is_xpath(selector: str) -> bool:
    """Whether ``selector`` is read as XPath (it starts with ``/`` or ``(``; CSS cannot)."""
    return selector.lstrip().startswith(("/", "("))


@lru_cache(maxsize=256)
def compiled(selector: str) -> lxml.etree.XPath:
    """``selector`` as a compiled XPath (once per process). Raises ``ValueError`` saying why
    it is not a valid selector."""
    try:
        expression = selector if is_xpath(selector) else GenericTranslator().css_to_xpath(selector)
        return lxml.etree.XPath(expression)
    except SelectorError as exc:
        raise ValueError(f"is not a valid CSS selector ({exc})") from None
    except lxml.etree.XPathError as exc:
        raise ValueError(f"is not a valid XPath expression ({exc})") from None


def selector_problem(selector: str) -> str | None:
    """What is wrong with ``selector`` (None when it compiles)."""
    try:
        compiled(selector)
    except ValueError as exc:
        return str(exc)
    return None


def selected_text(html: str, selector: str) -> str | None:
    """The cleaned text of the elements ``selector`` selects in ``html``, one line per block,
    in document order; None when it selects nothing (or only empty elements) or the page
    does not parse."""
    root = document(html)
    if root is None:
        return None
    try:
        found = compiled(selector)(root)
    except (lxml.etree.XPathError, ValueError):
        return None
    parts: list[str] = []
    for item in found if isinstance(found, list) else [found]:
        if isinstance(item, lxml.etree._Element):
            parts.append(_element_text(item))
        elif isinstance(item, str):  # an XPath selecting text nodes or attributes
            parts.append(str(item))
    lines = (_SPACE.sub(" ", line).strip() for line in "\n".join(parts).split("\n"))
    text = "\n".join(line for line in lines if line)
    return text or None


def _element_text(element: lxml.etree._Element) -> str:
    out: list[str] = []
    _walk(element, out)
    return "".join(out)


def _walk(element: lxml.etree._Element, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _DROPPED or not tag:  # comments and processing instructions have no str tag
        return
    block = tag in _BLOCKS
    if block:
        out.append("\n")
    if element.text:
        out.append(element.text)
    for child in element:
        _walk(child, out)
        if child.tail:
            out.append(child.tail)
    if block:
        out.append("\n")
