"""Finding direct quotations in plain text (the quote marks and what they enclose).

Per paragraph (a line of the text):

* double quotes, straight (``"…"``) or typographic (``“…”``, ``„…“``, ``«…»``, French
  ``« … »``, German ``»…«``: a guillemet opens only after a space, bracket or dash, so the
  two directions never pair across an attribution), Japanese ``「…」``/``『…』``, and
  single typographic quotes (``‘…’``) at top level; a straight single quote is never a
  quote mark (apostrophes); quotes inside a quotation (``"he called it 'absurd'"``) stay
  part of it;
* a quotation still open at the end of its paragraph continues when the next paragraph
  opens with a quote mark (the convention for quotes spanning paragraphs), else it ends
  with the paragraph; multi-sentence quotations are one quotation.

Who said a quotation is :mod:`extractors.quotes`' job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUOTE_CHARS = 2_000
"""Longest quotation kept, in characters (a longer one is a stray mark, not a quotation)."""
OPENERS = {"“": "”\"", "„": "“”\"", "«": "»", "»": "«", "\"": "\"”", "‘": "’", "「": "」",
           "『": "』"}
"""Opening quote marks and the marks that close them (German »…« is reversed French «…»)."""
_MARKS = re.compile("[" + re.escape("".join(sorted({*OPENERS, *"".join(OPENERS.values())}))) + "]")
_TRAILING = re.compile(r"[\s,;:]+$|(?<![.])[.](?=\s*$)")


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """A quotation: its content pieces (one per paragraph) and its marks' positions."""

    pieces: tuple[tuple[int, int], ...]
    open_at: int
    """Offset of the opening quote mark."""
    close_at: int
    """Offset just after the closing quote mark (or the end of the last paragraph)."""

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]

    def text(self, source: str) -> str:
        joined = " ".join(source[s:e].strip() for s, e in self.pieces)
        return _TRAILING.sub("", re.sub(r"\s+", " ", joined).strip()).strip()


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text``, line breaks excluded."""
    spans: list[tuple[int, int]] = []
    start = 0
    for line in text.split("\n"):
        spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _opens(text: str, i: int, ch: str) -> bool:
    """Whether ``ch`` at ``i`` can open a quotation (not a closing or inch mark)."""
    if ch == "\"":
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        return (not before.isalnum() or before in "([{") and not after.isspace()
    if ch == "‘":
        before = text[i - 1] if i else " "
        return not before.isalnum()
    if ch in "«»":  # an opening guillemet follows a space, a bracket or a dash, never a word
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if before.isalnum() or before in ".,;:!?…":
            return False
        return ch == "«" or not after.isspace()  # »…« opens on a word, « … » closes spaced
    return True


def _single_closes(text: str, i: int) -> bool:
    """A ``’`` closes a single-quoted quotation only when no letter follows (else apostrophe)."""
    after = text[i + 1] if i + 1 < len(text) else " "
    return not after.isalpha()


def find_quotes(text: str) -> list[QuoteSpan]:
    """Every quotation of ``text`` (see the module docstring for the rules), in text order."""
    found: list[QuoteSpan] = []
    para_spans = paragraphs(text)
    carry: tuple[str, list[tuple[int, int]], int] | None = None  # (opener, pieces, open_at)
    for index, (p_start, p_end) in enumerate(para_spans):
        i = p_start
        opener: str | None = None
        content_start = 0
        pieces: list[tuple[int, int]] = []
        open_at = 0
        if carry is not None:
            lead = len(text[p_start:p_end]) - len(text[p_start:p_end].lstrip())
            first = p_start + lead
            if first < p_end and text[first] in OPENERS:
                opener, pieces, open_at = carry[0], carry[1], carry[2]
                content_start = first + 1
                i = first + 1
        carry = None
        while i < p_end:
            mark = _MARKS.search(text, i, p_end)  # only quote marks matter: jump to the next
            if mark is None:
                break
            i = mark.start()
            ch = text[i]
            if opener is None:
                if ch in OPENERS and _opens(text, i, ch):
                    opener, content_start, open_at, pieces = ch, i + 1, i, []
            elif ch in OPENERS[opener] and (opener != "‘" or _single_closes(text, i)):
                pieces.append((content_start, i))
                if i + 1 - open_at <= MAX_QUOTE_CHARS * 4:
                    found.append(QuoteSpan(tuple(pieces), open_at, i + 1))
                opener = None
            i += 1
        if opener is not None:
            pieces.append((content_start, p_end))
            nxt = para_spans[index + 1] if index + 1 < len(para_spans) else None
            following = text[nxt[0]:nxt[1]].lstrip() if nxt else ""
            if opener != "‘" and following[:1] in OPENERS:
                carry = (opener, pieces, open_at)
            elif opener != "‘":  # unclosed: the quotation ends with its paragraph
                found.append(QuoteSpan(tuple(pieces), open_at, p_end))
    return [q for q in found if q.end - q.start <= MAX_QUOTE_CHARS and q.text(text)]
