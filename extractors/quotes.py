"""``quotes``: direct quotations and who said them.

Finding quotations (:func:`find_quotes`), per paragraph (a line of ``article.text``):

* double quotes, straight (``"…"``) or typographic (``“…”``, ``„…“``, ``«…»``), and
  single typographic quotes (``‘…’``) at top level; a straight single quote is never a
  quote mark (apostrophes); quotes inside a quotation (``"he called it 'absurd'"``) stay
  part of it;
* a quotation still open at the end of its paragraph continues when the next paragraph
  opens with a quote mark (the convention for quotes spanning paragraphs), else it ends
  with the paragraph; multi-sentence quotations are one quotation.

Attributing (:func:`attribute`) uses the sentence around the quotation, with entity
mentions from :mod:`extractors.entities` (the shared parse) as speaker candidates and
the quoted words masked out (a name inside a quotation never speaks it):

1. after the quotation: ``"…," Macron wrote``, ``"…," said Macron``, ``"…," he said``,
   ``"…", according to the Kremlin``; after a quotation that ends its sentence with its own
   full stop (``"…force." The Kremlin said …``) only a short tail (≤ 6 tokens) counts;
2. else before it, the speech verb nearest the quotation (said, told, wrote, added,
   warned, urged, described … as, called, according to, …) and its subject: the name or
   pronoun right before the verb, skipping auxiliaries and adverbs ("has also said") or
   an appositive between commas; for a participle ("…, saying", "adding,") the subject
   of the sentence (its first person or organisation);
3. else the speaker of the previous quotation in the same paragraph.

A pronoun subject is the last person named before it outside quotations ("he", "she"
and, gender-neutral, "they"), "it" the last organisation. A subject that is neither a
name nor a pronoun ("the two delegations said") leaves the speaker null: a joint
statement has no single speaker. Speakers are canonical names; ``speaker_type`` is
``person`` (PERSON), ``organization`` (ORG, or a place speaking for its government:
"Moscow said") or ``unknown``.

Scare quotes: a quotation of one or two words is kept only when a speaker is found
(``"constructive"`` from Witkoff is kept; a lone ``"experts"`` is not).

Fields: ``quotes`` ([{text, speaker, speaker_type}] in text order) and
``quote_speakers`` (canonical speaker names, in order of first quotation).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from extractors import entities, nlp
from extractors.base import Extractor, Fields
from extractors.registry import register
from newsflow.models import Article

VERSION = "1"
MAX_QUOTE_CHARS = 2_000
SHORT_WORDS = 2
"""Quotations of at most this many words are scare quotes unless attributed."""
SHORT_TAIL = 6

OPENERS = {"“": "”\"", "„": "“”\"", "«": "»", "\"": "\"”", "‘": "’"}
SPEECH_VERBS = frozenset(
    ["said", "says", "say", "saying", "told", "tells", "telling", "wrote", "writes", "writing", "added", "adds", "adding", "warned", "warns", "warning", "urged", "urges", "urging", "stated", "states", "stating", "announced", "announces", "announcing", "insisted", "insists", "insisting", "argued", "argues", "arguing", "claimed", "claims", "claiming", "noted", "notes", "noting", "explained", "explains", "explaining", "asked", "asks", "asking", "replied", "replies", "replying", "tweeted", "tweets", "posted", "posts", "declared", "declares", "declaring", "described", "describes", "describing", "called", "calls", "calling", "acknowledged", "acknowledges", "admitted", "admits", "recalled", "recalls", "responded", "responds", "answered", "answers", "confirmed", "confirms", "denied", "denies", "vowed", "vows", "promised", "promises", "suggested", "suggests", "continued", "concluded", "stressed", "stresses", "emphasised", "emphasized", "pledged", "pledges", "demanded", "demands", "predicted", "predicts", "cautioned", "complained", "conceded", "concedes", "branded", "brands", "dubbed", "labelled", "labeled", "termed", "hailed", "criticised", "criticized", "condemned", "condemns", "accused", "accuses"]
)
AUXILIARIES = frozenset(
    ["has", "have", "had", "also", "later", "then", "again", "previously", "repeatedly", "will", "would", "could", "was", "were", "is", "reportedly", "earlier", "once", "publicly", "separately", "recently", "had", "already", "has", "already", "himself", "herself", "itself", "themselves"]
)
CONJUNCTIONS = frozenset(["and", "but", "or", "while", "as", "then", "yet"])
DETERMINERS = frozenset(["the", "a", "an"])
PRONOUNS = {"he": "PERSON", "she": "PERSON", "they": "PERSON", "it": "ORG"}
SPEAKER_LABELS = {"PERSON": "person", "ORG": "organization", "GPE": "organization"}
_WORDS = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
_BOUNDARY = re.compile(r"[.!?…][\"”’»]?\s+")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sir|St|Gen|Col|Lt|Sen|Rep|Gov|Prof|Jr|Sr|No|vs|etc)|\b[A-Z]\.[A-Z])\.?$"
)
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


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    speaker: str | None
    speaker_type: str
    span: QuoteSpan

    def as_dict(self) -> dict[str, str | None]:
        return {"text": self.text, "speaker": self.speaker, "speaker_type": self.speaker_type}


# --------------------------------------------------------------------------- finding


def _paragraphs(text: str) -> list[tuple[int, int]]:
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
    return True


def _single_closes(text: str, i: int) -> bool:
    """A ``’`` closes a single-quoted quotation only when no letter follows (else apostrophe)."""
    after = text[i + 1] if i + 1 < len(text) else " "
    return not after.isalpha()


def find_quotes(text: str) -> list[QuoteSpan]:
    """Every quotation of ``text`` (see the module docstring for the rules)."""
    found: list[QuoteSpan] = []
    paragraphs = _paragraphs(text)
    carry: tuple[str, list[tuple[int, int]], int] | None = None  # (opener, pieces, open_at)
    for index, (p_start, p_end) in enumerate(paragraphs):
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
            nxt = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
            following = text[nxt[0]:nxt[1]].lstrip() if nxt else ""
            if opener != "‘" and following[:1] in OPENERS:
                carry = (opener, pieces, open_at)
            elif opener != "‘":  # unclosed: the quotation ends with its paragraph
                found.append(QuoteSpan(tuple(pieces), open_at, p_end))
    return [q for q in found if q.end - q.start <= MAX_QUOTE_CHARS and q.text(text)]


# --------------------------------------------------------------------------- attribution


@dataclass(frozen=True, slots=True)
class _Token:
    start: int
    kind: str
    """``M`` mention, ``Q`` quotation, ``W`` word, ``P`` punctuation."""
    value: str
    mention: entities.Mention | None = None


def _tokens(text: str, start: int, end: int, mentions: Sequence[entities.Mention],
            quotes: Sequence[QuoteSpan]) -> list[_Token]:
    blocks: list[tuple[int, int, _Token]] = []
    for q in quotes:
        if q.open_at < end and q.close_at > start:
            blocks.append((max(q.open_at, start), min(q.close_at, end), _Token(q.open_at, "Q", "")))
    for m in mentions:
        if m.start >= start and m.end <= end and not any(s <= m.start < e for s, e, _ in blocks):
            blocks.append((m.start, m.end, _Token(m.start, "M", m.label, m)))
    blocks.sort(key=lambda b: b[0])
    out: list[_Token] = []
    pos = start
    for b_start, b_end, token in [*blocks, (end, end, _Token(end, "", ""))]:
        if b_start < pos:
            continue
        for match in _WORDS.finditer(text, pos, b_start):
            word = match.group()
            kind = "W" if word[0].isalnum() else "P"
            out.append(_Token(match.start(), kind, word.lower() if kind == "W" else word))
        if token.kind:
            out.append(token)
        pos = b_end
    return out


@dataclass(frozen=True, slots=True)
class _Attribution:
    mention: entities.Mention | None
    found: bool
    """Whether a speech frame was found (even with no named speaker)."""


_NONE = _Attribution(None, False)


def _resolve_pronoun(word: str, at: int, mentions: Sequence[entities.Mention],
                     quotes: Sequence[QuoteSpan]) -> entities.Mention | None:
    label = PRONOUNS[word]
    for m in reversed(mentions):
        if m.start < at and m.label == label and not any(q.start <= m.start < q.end for q in quotes):
            return m
    return None


def _subject(token: _Token, mentions: Sequence[entities.Mention],
             quotes: Sequence[QuoteSpan]) -> entities.Mention | Literal[False] | None:
    """The speaker a subject token names; False when it is no name or pronoun."""
    if token.kind == "M" and token.mention is not None and token.mention.label in SPEAKER_LABELS:
        return token.mention
    if token.kind == "W" and token.value in PRONOUNS:
        return _resolve_pronoun(token.value, token.start, mentions, quotes)
    return False


def _skip_determiner(tokens: list[_Token], i: int) -> _Token:
    """The token at ``i``, or the next one when ``i`` holds "the"/"their"/"a"."""
    if tokens[i].kind == "W" and tokens[i].value in DETERMINERS and i + 1 < len(tokens):
        return tokens[i + 1]
    return tokens[i]


def _is_verb(token: _Token) -> bool:
    return token.kind == "W" and token.value in SPEECH_VERBS


def _right(tokens: list[_Token], mentions: Sequence[entities.Mention],
           quotes: Sequence[QuoteSpan]) -> _Attribution:
    i = 0
    while i < len(tokens) and tokens[i].kind == "P" and tokens[i].value in ",—–-:":
        i += 1
    rest = tokens[i:]
    if len(rest) >= 3 and rest[0].value == "according" and rest[1].value == "to":
        subject = _subject(_skip_determiner(rest, 2), mentions, quotes)
        return _Attribution(subject or None, True)
    if len(rest) >= 2 and _is_verb(rest[0]):  # "…," said Macron
        subject = _subject(rest[1], mentions, quotes)
        if subject is not False:
            return _Attribution(subject or None, True)
    for j in range(min(len(rest), 6)):  # "…," Macron (also) wrote / the minister said
        if _is_verb(rest[j]):
            k = j - 1
            while k >= 0 and rest[k].kind == "W" and rest[k].value in AUXILIARIES:
                k -= 1
            if k < 0 or rest[k].value in CONJUNCTIONS:  # "…" but warned: not a tail
                return _NONE
            subject = _subject(rest[k], mentions, quotes)
            if subject is False:
                named = all(t.kind in ("W", "M") for t in rest[:k + 1])
                return _Attribution(None, True) if named else _NONE
            return _Attribution(subject, True)
        if rest[j].kind in ("Q", "P") and rest[j].value not in ("'", "’", "-"):
            break
    return _NONE


def _left(tokens: list[_Token], mentions: Sequence[entities.Mention],
          quotes: Sequence[QuoteSpan]) -> _Attribution:
    for v in range(len(tokens) - 1, -1, -1):
        token = tokens[v]
        if token.kind == "W" and token.value == "according" and v + 1 < len(tokens) \
                and tokens[v + 1].value == "to":
            subject = (_subject(_skip_determiner(tokens, v + 2), mentions, quotes)
                       if v + 2 < len(tokens) else False)
            return _Attribution(subject or None, True)
        if not _is_verb(token):
            continue
        k = v - 1
        while k >= 0 and tokens[k].kind == "W" and tokens[k].value in AUXILIARIES:
            k -= 1
        if k >= 0:
            subject = _subject(tokens[k], mentions, quotes)
            if subject is not False:
                return _Attribution(subject, True)
            if tokens[k].value == ",":  # "Zelensky, who …, said"
                for c in range(k - 1, max(-1, k - 15), -1):
                    if tokens[c].value == "," and c > 0:
                        subject = _subject(tokens[c - 1], mentions, quotes)
                        if subject is not False:
                            return _Attribution(subject, True)
                        break
        if token.value.endswith("ing") or k < 0 or tokens[k].value == ",":
            for t in tokens[:v]:  # a participle: the subject of the sentence
                if t.kind == "M" and t.value in ("PERSON", "ORG"):
                    return _Attribution(t.mention, True)
                if t.kind == "W" and t.value in PRONOUNS:
                    return _Attribution(_resolve_pronoun(t.value, t.start, mentions, quotes),
                                        True)
        return _Attribution(None, True)
    return _NONE


def _boundaries(text: str, p_start: int, p_end: int, quotes: Sequence[QuoteSpan]
                ) -> list[tuple[int, int]]:
    """(start, end) of sentence breaks in a paragraph, ignoring those inside quotations
    except a quotation's own final full stop."""
    out: list[tuple[int, int]] = []
    for match in _BOUNDARY.finditer(text, p_start, p_end):
        p = match.start()
        inside = next((q for q in quotes if q.start <= p < q.end), None)
        if inside is not None and p != inside.end - 1:
            continue
        if _ABBREVIATION.search(text[max(p_start, p - 6):p + 1]):
            continue
        out.append((p + 1, match.end()))
    return out


def attribute(text: str, spans: Sequence[QuoteSpan], mentions: Sequence[entities.Mention]
              ) -> list[Quote]:
    """Speakers of the quotations ``spans`` of ``text``."""
    paragraphs = _paragraphs(text)
    out: list[Quote] = []
    previous: tuple[int, entities.Mention | None] | None = None  # (paragraph, speaker)
    for span in spans:
        first_par = next(i for i, (s, e) in enumerate(paragraphs) if s <= span.open_at <= e)
        last_par = next(i for i, (s, e) in enumerate(paragraphs) if s <= span.close_at <= e)
        fs, fe = paragraphs[first_par]
        ls, le = paragraphs[last_par]
        before = [b for b in _boundaries(text, fs, fe, spans) if b[1] <= span.open_at]
        after = [b for b in _boundaries(text, ls, le, spans) if b[0] >= span.close_at]
        left_start = before[-1][1] if before else fs
        right_end = after[0][0] if after else le
        right_tokens = _tokens(text, span.close_at, right_end, mentions, spans)
        result = _NONE
        ends_sentence = text[span.start:span.end].rstrip()[-1:] in ".!?"
        if not ends_sentence or len(right_tokens) <= SHORT_TAIL:
            result = _right(right_tokens, mentions, spans)
        if not result.found:
            result = _left(_tokens(text, left_start, span.open_at, mentions, spans),
                           mentions, spans)
        speaker = result.mention
        if not result.found and previous is not None and previous[0] == first_par:
            speaker = previous[1]
        words = span.text(text).split()
        if len(words) <= SHORT_WORDS and speaker is None:
            continue
        previous = (last_par, speaker)
        kind = SPEAKER_LABELS.get(speaker.label, "unknown") if speaker is not None else "unknown"
        out.append(Quote(span.text(text), speaker.name if speaker is not None else None,
                         kind, span))
    return out


def quotes_of(analysis: nlp.Analysis) -> list[Quote]:
    """The attributed quotations of a parsed article."""
    return attribute(analysis.text, find_quotes(analysis.text), entities.mentions(analysis))


def summarise(found: Sequence[Quote]) -> Fields:
    speakers = list(dict.fromkeys(q.speaker for q in found if q.speaker))
    return {"quotes": [q.as_dict() for q in found], "quote_speakers": speakers}


def extract_quotes(articles: Sequence[Article]) -> list[Fields]:
    """Quotations and their speakers of each article."""
    out: list[Fields] = []
    for analysis in nlp.analyses_for(articles):
        if analysis is None:
            out.append({"quotes": [], "quote_speakers": []})
        else:
            out.append(summarise(quotes_of(analysis)))
    return out


QUOTES = register(
    Extractor(
        name="quotes",
        version=VERSION,
        fields=("quotes", "quote_speakers"),
        run=extract_quotes,
        description="Direct quotations with their speakers (canonical names).",
        requires=("language",),
    )
)
