"""Reading a response body within limits: wire bytes, decoded bytes and time.

httpx decodes ``Content-Encoding`` incrementally, but it inflates each network chunk in one
call: 64 KiB of gzip on the wire can become 64 MB in memory before any limit is checked.
So we read the raw stream and inflate it ourselves with ``zlib``'s ``max_length``, never
holding more than :data:`STEP` decoded bytes beyond the limit. A gzip/deflate bomb or a
200 MB page is refused as soon as the decoded size passes ``max_bytes``.

Supported codings are those we advertise (``Accept-Encoding: gzip, deflate``) plus
``identity``; anything else (``br``, ``zstd``, chains) is refused rather than passed on as
undecoded bytes.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator

import httpx

from newsflow.errors import BadContent, FetchTimeout

ACCEPT_ENCODING = "gzip, deflate"
STEP = 64 * 1024
"""Most decoded bytes produced from one inflate step."""


def read_limited(
    response: httpx.Response, *, max_bytes: int, deadline: float, url: str, truncate: bool = False
) -> bytes:
    """The decoded body of ``response``; BadContent past ``max_bytes`` (or, with ``truncate``,
    its first ``max_bytes`` bytes, the rest unread); FetchTimeout past ``deadline``."""
    coding = response.headers.get("content-encoding", "").strip().lower()
    if coding in ("", "identity"):
        inflate = None
    elif coding in ("gzip", "x-gzip"):
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif coding == "deflate":
        inflate = _DeflateAny()  # type: ignore[assignment]
    else:
        raise BadContent(f"unsupported Content-Encoding {coding!r} (we accept {ACCEPT_ENCODING}) for {url}", url=url)
    parts: list[bytes] = []
    wire = size = 0
    for raw in response.iter_raw():
        wire += len(raw)
        if wire > max_bytes and not truncate:
            raise BadContent(f"body larger than the {max_bytes} byte limit on the wire ({url})", url=url)
        for piece in _inflate(inflate, raw, url) if inflate is not None else (raw,):
            size += len(piece)
            if size > max_bytes and truncate:
                parts.append(piece[: len(piece) - (size - max_bytes)])
                return b"".join(parts)
            if size > max_bytes:
                what = "decompressed body" if inflate is not None else "body"
                raise BadContent(f"{what} larger than the {max_bytes} byte limit ({url})", url=url)
            parts.append(piece)
        if time.monotonic() > deadline:
            raise FetchTimeout(f"body took longer than the total timeout ({url})", url=url)
    if inflate is not None:
        tail = inflate.flush()
        if size + len(tail) > max_bytes:
            raise BadContent(f"decompressed body larger than the {max_bytes} byte limit ({url})", url=url)
        parts.append(tail)
    return b"".join(parts)


def _inflate(inflate: zlib._Decompress, data: bytes, url: str) -> Iterator[bytes]:
    try:
        while data:
            out = inflate.decompress(data, STEP)
            yield out
            data = inflate.unconsumed_tail
            if not out and not data:
                break
    except zlib.error as exc:
        raise BadContent(f"response body could not be decompressed: {exc} ({url})", url=url) from exc


class _DeflateAny:
    """``deflate`` as sent in the wild: zlib-wrapped (RFC 1950) or raw (RFC 1951)."""

    def __init__(self) -> None:
        self._obj: zlib._Decompress | None = None
        self.unconsumed_tail = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._obj is None:
            self._obj = zlib.decompressobj()
            try:
                out = self._obj.decompress(data, max_length)
            except zlib.error:
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self._obj.decompress(data, max_length)
        else:
            out = self._obj.decompress(data, max_length)
        self.unconsumed_tail = self._obj.unconsumed_tail
        return out

    def flush(self) -> bytes:
        return self._obj.flush() if self._obj is not None else b""


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"), (b"PK\x03\x04", "a ZIP archive"), (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "a RIFF (WebP/AVI/WAV) file"), (b"\x00\x00\x00\x18ftyp", "an MP4 video"),
    (b"\x00\x00\x00\x20ftyp", "an MP4 video"), (b"\x7fELF", "an executable"),
)
_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_WIDE_CODECS = ("utf-32-be", "utf-32-le", "utf-16-be", "utf-16-le")


def sniff_binary(body: bytes) -> str | None:
    """What a body served as text really is when it is binary (magic number or NUL bytes), else None.

    NUL bytes are expected in UTF-16 and UTF-32 text, with or without a byte order mark
    (``\x00\x00\x00<`` is ``<`` in UTF-32BE): such a body is text when its head decodes in
    one of them to printable characters.
    """
    head = body[:1024]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head and not head.startswith(_BOMS) and not _wide_text(head):
        return "binary data (NUL bytes)"
    return None


def _wide_text(head: bytes) -> bool:
    """Whether ``head`` reads as markup or JSON in UTF-32 or UTF-16: printable, starting with
    ``<`` or ``{`` after any whitespace, and at least half ASCII (tags and keys; random bytes
    decoded as UTF-16 give printable CJK characters, never that)."""
    for codec in _WIDE_CODECS:
        width = 4 if "32" in codec else 2
        try:
            text = head[: len(head) - len(head) % width].decode(codec)
        except UnicodeDecodeError:
            continue
        if (
            text.lstrip()[:1] in ("<", "{")
            and all(ch.isprintable() or ch in "\t\n\r" for ch in text)
            and sum(ch.isascii() for ch in text) * 2 >= len(text)
        ):
            return True
    return False
