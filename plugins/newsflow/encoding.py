"""Decoding an HTML page's bytes: declared charsets first, then detection, with a note on how sure.

Order: a byte-order mark; the HTTP ``charset``; the page's ``<meta charset>`` (each used only
if the body really decodes with it); strict UTF-8; then detection with
`charset_normalizer <https://charset-normalizer.readthedocs.io/>`_ restricted to the encodings
the web actually uses (the WHATWG Encoding Standard's legacy encodings; Western pages are
preferred as windows-1252 when it reads as well as the best guess, as browsers do). A guess
that other encodings match as well (with a different text), that reads badly or that had
little to go on is flagged ``unsure``: mostly-ASCII Latin-script pages often are.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
WEB_ENCODINGS = frozenset(
    codecs.lookup(name).name
    for name in (
        "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
        "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
        "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u",
        "cp866", "mac_roman", "cp874", "shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb18030",
        "gbk", "big5", "euc_kr", "cp949", "utf_16",
    )
)
"""Python codec names of the WHATWG Encoding Standard's encodings (what browsers decode)."""
DETECT_BYTES = 1_000_000
"""Detection reads at most this much of the body (it samples it)."""
MIN_EVIDENCE = 20
"""Fewer non-ASCII bytes than this and a guess is unsure."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A body decoded to text, with how its encoding was decided."""

    text: str
    encoding: str
    """The Python codec used (``utf-8``, ``cp1251``, …)."""
    source: str
    """Where it came from: ``bom``, ``header``, ``meta``, ``utf-8`` (valid UTF-8), ``detected``,
    ``fallback`` (nothing fitted: windows-1252 with replacement characters)."""
    warning: str | None = None
    """Set when the encoding is a guess we are unsure of (the text may be mojibake)."""

    @property
    def provenance(self) -> str:
        """``"cp1251 (detected, unsure)"``: the encoding and how it was chosen."""
        return f"{self.encoding} ({self.source}{', unsure' if self.warning else ''})"


def decode_html(body: bytes, declared: str | None) -> Decoded:
    """Text of an HTML body whose HTTP charset is ``declared`` (None: not given). Never raises."""
    for candidate, source in _declared(declared, body):
        try:
            name = codecs.lookup(candidate).name
            return Decoded(body.decode(candidate), name, source)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return Decoded(body.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    return _detect(body)


def _declared(header: str | None, body: bytes) -> Iterator[tuple[str, str]]:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            yield codec, "bom"
    if header:
        yield header.strip().strip("\"'"), "header"
    match = _META_CHARSET.search(body[:4096])
    if match:
        yield match.group(1).decode("ascii", "ignore"), "meta"


def _detect(body: bytes) -> Decoded:
    matches = [m for m in from_bytes(body[:DETECT_BYTES]) if codecs.lookup(m.encoding).name in WEB_ENCODINGS]
    if not matches:
        text = body.decode("cp1252", errors="replace")
        return Decoded(text, "cp1252", "fallback",
                       "no charset declared and none detected: decoded as windows-1252, some characters replaced")
    best = matches[0]
    sample = body[:DETECT_BYTES]
    reading = sample.decode(best.encoding, errors="replace")
    tied = [m for m in matches[1:] if m.chaos <= best.chaos + 0.02 and m.coherence >= best.coherence - 0.1
            and sample.decode(m.encoding, errors="replace") != reading]
    western = next((m for m in tied if m.encoding == "cp1252"), None)
    if western is not None:  # as browsers do, a Western page unless something reads better
        tied = [best, *(m for m in tied if m is not western)]
        best = western
    encoding = codecs.lookup(best.encoding).name
    text = body.decode(encoding, errors="replace")
    evidence = sum(1 for byte in sample if byte >= 0x80)
    doubts = []
    if evidence < MIN_EVIDENCE:
        doubts.append(f"only {evidence} non-ASCII bytes to go on")
    if tied:
        doubts.append("reads as well as " + ", ".join(codecs.lookup(m.encoding).name for m in tied[:4]))
    if best.chaos > 0.1:
        doubts.append(f"the decoded text reads badly ({best.chaos:.0%} chaos)")
    warning = None
    if doubts:
        warning = f"no charset declared; guessed {encoding}, unsure: " + "; ".join(doubts)
    return Decoded(text, encoding, "detected", warning)
