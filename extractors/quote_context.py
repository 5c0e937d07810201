"""The text around a quotation as speaker attribution reads it.

:func:`tokenise` turns a stretch of the article into tokens: each quotation and each entity
mention one token, a title before a mention ("Mr.", "Herr", "Mme", "г-н") dropped, words
lower-cased. :func:`sentence_breaks` finds where the sentence around a quotation starts and
ends, ignoring breaks inside quotations. :class:`Context` holds what attribution reads for
one article.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from extractors.entity_canonical import Mention
from extractors.quote_spans import QuoteSpan
from extractors.speech_lexicon import Frames, title_before

_WORDS = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
SENTENCE_BREAK = re.compile(r"[.!?…][\"”’»«“」]?\s+|[。！？]")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sir|St|Gen|Col|Lt|Sen|Rep|Gov|Prof|Jr|Sr|Sra|No|vs|etc|M|Mme|Dott|"
    r"Sig|Prof|г)|\b[A-Z]\.[A-Z])\.?$"
)


@dataclass(frozen=True, slots=True)
class Token:
    """One token of the text around a quotation."""

    start: int
    kind: str
    """``M`` mention, ``Q`` quotation, ``W`` word, ``P`` punctuation."""
    value: str
    mention: Mention | None = None


@dataclass(slots=True)
class Context:
    """What attribution reads for one article."""

    text: str
    mentions: Sequence[Mention]
    quotes: Sequence[QuoteSpan]
    frames: Frames
    gender_of: dict[str, str] | None = None
    """Canonical person name → ``male``/``female`` where the text tells it (computed by
    :func:`extractors.quote_coreference.genders` when a pronoun first needs it)."""

    def quoted(self, at: int) -> bool:
        return any(q.start <= at < q.end for q in self.quotes)


def tokenise(ctx: Context, start: int, end: int) -> list[Token]:
    """Tokens of ``ctx.text[start:end]``: quotations and mentions as one token each, a
    title before a mention ("Mr.", "Herr", "Mme", "г-н") dropped."""
    text = ctx.text
    blocks: list[tuple[int, int, Token]] = []
    for q in ctx.quotes:
        if q.open_at < end and q.close_at > start:
            blocks.append((max(q.open_at, start), min(q.close_at, end), Token(q.open_at, "Q", "")))
    for m in ctx.mentions:
        if m.start >= start and m.end <= end and not any(s <= m.start < e for s, e, _ in blocks):
            m = _without_lead(m, ctx)
            blocks.append((m.start, m.end, Token(m.start, "M", m.label, m)))
    blocks.sort(key=lambda b: b[0])
    out: list[Token] = []
    pos = start
    for b_start, b_end, token in [*blocks, (end, end, Token(end, "", ""))]:
        if b_start < pos:
            continue
        words = [(m.start(), m.group()) for m in _WORDS.finditer(text, pos, b_start)]
        if token.kind == "M":
            title = title_before(text, pos, b_start, ctx.frames)
            if title is not None:
                words = [w for w in words if w[0] < title[0]]
        for at, word in words:
            kind = "W" if word[0].isalnum() else "P"
            out.append(Token(at, kind, word.lower().replace("’", "'") if kind == "W" else word))
        if token.kind:
            out.append(token)
        pos = b_end
    return out


def _without_lead(m: Mention, ctx: Context) -> Mention:
    """``m`` without a leading one-word "according to" ("Laut Jens Spahn", "Selon Christine
    Lagarde": a capitalised sentence opener a matcher took into the name)."""
    first, _, rest = m.surface.partition(" ")
    if not rest or (first.lower(),) not in ctx.frames.according:
        return m
    cut = len(first) + 1
    name = m.name[cut:] if m.name.startswith(first + " ") else m.name
    return Mention(m.start + cut, m.end, m.label, rest, name)


def sentence_breaks(text: str, p_start: int, p_end: int, quotes: Sequence[QuoteSpan]
                    ) -> list[tuple[int, int]]:
    """(start, end) of sentence breaks in a paragraph, ignoring those inside quotations
    except a quotation's own final full stop."""
    out: list[tuple[int, int]] = []
    for match in SENTENCE_BREAK.finditer(text, p_start, p_end):
        p = match.start()
        inside = next((q for q in quotes if q.start <= p < q.end), None)
        if inside is not None and p != inside.end - 1:
            continue
        if _ABBREVIATION.search(text[max(p_start, p - 6):p + 1]):
            continue
        out.append((p + 1, match.end()))
    return out
