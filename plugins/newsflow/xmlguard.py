"""Refuse XML that declares entities or a DTD, before feedparser (feeds) or ElementTree (OPML).

Entity expansion (billion laughs), external entities (XXE: ``file://``, internal URLs) and
DTD fetches all need a ``<!DOCTYPE`` with an ``<!ENTITY`` declaration or a ``SYSTEM``/``PUBLIC``
identifier. We let a real XML parser (expat, as ``defusedxml`` does) read the document's
prolog and refuse from its declaration handlers, so quoting tricks (``SYSTEM "x<a"``), huge
comments, processing instructions and any encoding expat reads (BOM, UTF-16/32, every
single-byte codec Python knows) see exactly what a parser sees. Parsing stops at the root
element: a CDATA section in an item that merely *mentions* ``<!ENTITY`` is never reached.

Refused: ``<!ENTITY`` (general, parameter, unparsed), ``<!NOTATION``, ``<!ATTLIST`` (attribute
defaults inject values) and ``<!ELEMENT`` declarations, and any external identifier except the
Netscape RSS 0.91 DTD's public id (old feeds declare it; feedparser never fetches it). A bare
``<!DOCTYPE rss>`` is accepted for feeds; OPML accepts no DOCTYPE at all.

A document expat cannot read up to its root element (not XML, e.g. a JSON feed, or broken
markup) is refused only when it mentions ``<!DOCTYPE`` at all: the parser that would read it
next (feedparser's loose parser) must never meet a declaration we could not check.
"""

from __future__ import annotations

import codecs
import re
from xml.parsers import expat
from xml.parsers.expat import XMLParserType

from newsflow.errors import UnsafeFeed

SAFE_PUBLIC_IDS = frozenset({"-//Netscape Communications//DTD RSS 0.91//EN"})
CHUNK = 64 * 1024
"""Bytes handed to expat at a time (it stops at the root element)."""

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_TRANSCODE_ERRORS = frozenset({expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING],
                               expat.errors.codes[expat.errors.XML_ERROR_INCORRECT_ENCODING]})


class _Root(Exception):
    """The root element started: the prolog is over and was clean."""


class _Refused(Exception):
    """A declaration we refuse; the message says which."""


def dtd_problem(body: bytes, *, allow_doctype: bool = True) -> str | None:
    """Why ``body``'s DTD is refused, or None when it declares nothing dangerous.

    ``allow_doctype=False`` refuses any ``<!DOCTYPE`` (OPML). Reads at most up to the root
    element; linear in that prefix's size.
    """
    stripped = body.lstrip(b" \t\r\n")  # whitespace before <?xml is common and harmless
    if stripped.startswith(b"<") and not stripped.startswith(b"<\x00"):  # not UTF-16
        body = stripped
    try:
        _scan(body, None, allow_doctype)
        return None
    except _Refused as exc:
        return str(exc)
    except (expat.ExpatError, ValueError, LookupError) as exc:  # a codec expat lacks, or nobody knows
        error = exc
    if is_transcode_error(error):
        utf8 = transcoded(body)
        if utf8 is not None:
            try:
                _scan(utf8, "UTF-8", allow_doctype)
                return None
            except _Refused as refused:
                return str(refused)
            except (expat.ExpatError, ValueError, LookupError) as second:
                error = second
    if _DOCTYPE.search(_as_text(body)):
        where = (f"{expat.ErrorString(error.code)}, line {error.lineno}" if isinstance(error, expat.ExpatError)
                 else str(error))
        return f"its DOCTYPE could not be checked: the XML is broken before its root element ({where})"
    return None


def check_feed_xml(body: bytes, url: str) -> None:
    """Raise :class:`~newsflow.errors.UnsafeFeed` when the feed declares entities or a DTD we refuse."""
    problem = dtd_problem(body)
    if problem:
        raise UnsafeFeed(f"feed {url} refused: {problem}; entity expansion, external entities and "
                         "DTDs are not accepted from feeds", url=url)


def is_transcode_error(error: BaseException) -> bool:
    """Whether expat stopped because it does not know the document's declared encoding."""
    return not isinstance(error, expat.ExpatError) or error.code in _TRANSCODE_ERRORS


def _scan(body: bytes, encoding: str | None, allow_doctype: bool) -> None:
    parser = expat.ParserCreate(encoding)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(name: str, system_id: str | None, public_id: str | None, _internal: int) -> None:
        if not allow_doctype:
            raise _Refused(f"it has a DOCTYPE declaration (<!DOCTYPE {name} …>)")
        if public_id and public_id.strip() in SAFE_PUBLIC_IDS:
            return
        if system_id or public_id:
            kind, ident = ("PUBLIC", public_id) if public_id else ("SYSTEM", system_id)
            raise _Refused(f"it references an external DTD ({kind} {ident!r})")

    def declaration(what: str):  # type: ignore[no-untyped-def]
        def refuse(name: str | None = None, *_: object) -> None:
            raise _Refused(f"it declares XML {what} in its DTD (<!{what.upper().rstrip('S')} {name or ''} …>)")
        return refuse

    def root(*_: object) -> None:
        raise _Root

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = declaration("entities")
    parser.UnparsedEntityDeclHandler = declaration("entities")
    parser.NotationDeclHandler = declaration("notations")
    parser.ElementDeclHandler = declaration("elements")
    parser.AttlistDeclHandler = declaration("attlists")
    parser.ExternalEntityRefHandler = declaration("entities")
    parser.StartElementHandler = root
    try:
        parse_in_chunks(parser, body)
    except _Root:
        return


def parse_in_chunks(parser: XMLParserType, body: bytes) -> None:
    """Hand ``body`` to the expat ``parser`` :data:`CHUNK` bytes at a time, then end it.
    Raises what the parser or its handlers raise (``expat.ExpatError`` on broken XML)."""
    for start in range(0, len(body), CHUNK):
        parser.Parse(body[start : start + CHUNK], False)
    parser.Parse(b"", True)


def transcoded(body: bytes) -> bytes | None:
    """``body`` re-encoded as UTF-8 from the encoding its XML declaration names (expat knows
    no multi-byte codecs but UTF-8/16); None when Python does not know that encoding either."""
    match = _ENCODING.match(body[:200])
    if not match:
        return None
    try:
        return body.decode(codecs.lookup(match.group(1).decode("ascii")).name, errors="replace").encode("utf-8")
    except (LookupError, ValueError):  # unknown, or not a text encoding (rot13, base64)
        return None


def _as_text(body: bytes) -> str:
    """Decode like an XML parser's encoding sniffing; ASCII-compatible bytes map 1:1 via latin-1."""
    for bom, codec in (
        (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"), (b"\xef\xbb\xbf", "utf-8"),
    ):
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace")
    if body.startswith(b"\x4c\x6f\xa7\x94"):
        return body.decode("cp037", errors="replace")  # EBCDIC "<?xm"
    first = body[:4]
    if len(first) == 4 and first.count(0) == 3:
        return body.decode("utf-32-be" if first[3] else "utf-32-le", errors="replace")
    if len(first) >= 2 and (first[0] == 0) != (first[1] == 0):
        return body.decode("utf-16-be" if first[0] == 0 else "utf-16-le", errors="replace")
    return body.decode("latin-1")
