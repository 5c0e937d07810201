"""``quotes``: direct quotations and who said them.

Finding quotations (:func:`find_quotes`), per paragraph (a line of ``article.text``):

* double quotes, straight (``"…"``) or typographic (``“…”``, ``„…“``, ``«…»``, French
  ``« … »``, German ``»…«``: a guillemet opens only after a space, bracket or dash, so the
  two directions never pair across an attribution), Japanese ``「…」``/``『…』``, and
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

Speech verbs, auxiliaries, "according to" phrases, pronouns, titles and org nouns are data
per language (``extractors/data/speech.yaml``: en, de, fr, es, it, pt, ru, uk; English plus the
article's language are used). A title before a name ("Mr.", "Frau", "M.", "Sra.", "г-н") is
skipped. A pronoun subject is the last person named before it outside quotations whose
gender is that pronoun's or unknown (gender from a gendered title, a listed first name, or
a pronoun after a sentence naming only that person); no such person: no speaker. "They"
is any person, "it" and "the company" the last organisation. A place is a speaker only
as the subject itself ("Moscow said"), never after a preposition ("the mayor of Kyiv
said") or as a possessor ("said Kyiv's mayor, X" → X). A subject that is neither a
name nor a pronoun ("the two delegations said") leaves the speaker null: a joint
statement has no single speaker. Speakers are canonical names; ``speaker_type`` is
``person`` (PERSON), ``organization`` (ORG, or a place speaking for its government:
"Moscow said") or ``unknown``.

Scare quotes: a quotation of one or two words is kept only when a speaker is found or a
speech tag follows it (``"constructive"`` from Witkoff is kept, and ``"Absolutely not," she
said`` even when "she" names no one; a lone ``"experts"`` is not).

Fields: ``quotes`` ([{text, speaker, speaker_type}] in text order) and
``quote_speakers`` (canonical speaker names, in order of first quotation).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from extractors import entities, nlp
from extractors.base import Extractor, Fields
from extractors.registry import register
from newsflow.langtags import primary_subtag
from newsflow.models import Article

VERSION = "2"
MAX_QUOTE_CHARS = 2_000
SHORT_WORDS = 2
"""Quotations of at most this many words are scare quotes unless attributed."""
SHORT_TAIL = 6
SPEECH_PATH = Path(__file__).parent / "data" / "speech.yaml"

OPENERS = {"“": "”\"", "„": "“”\"", "«": "»", "»": "«", "\"": "\"”", "‘": "’", "「": "」",
           "『": "』"}
"""Opening quote marks and the marks that close them (German »…« is reversed French «…»)."""
_MARKS = re.compile("[" + re.escape("".join(sorted({*OPENERS, *"".join(OPENERS.values())}))) + "]")
CONJUNCTIONS = frozenset(["and", "but", "or", "while", "as", "then", "yet", "und", "aber", "et",
                          "mais", "y", "pero", "e", "ma", "mas", "и", "но", "а"])
DETERMINERS = frozenset(["the", "a", "an", "der", "die", "das", "le", "la", "les", "l", "el",
                         "los", "las", "il", "lo", "gli", "o", "os", "as"])
PREPOSITIONS = frozenset(["of", "in", "from", "at", "to", "for", "on", "von", "aus", "in", "de",
                          "du", "des", "en", "à", "del", "di", "da", "do", "dos", "в", "из"])
"""A place right after one of these is where, not who (never a speaker)."""
SPEAKER_LABELS = {"PERSON": "person", "ORG": "organization", "GPE": "organization"}
_WORDS = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
_BOUNDARY = re.compile(r"[.!?…][\"”’»«“」]?\s+|[。！？]")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Sir|St|Gen|Col|Lt|Sen|Rep|Gov|Prof|Jr|Sr|Sra|No|vs|etc|M|Mme|Dott|"
    r"Sig|Prof|г)|\b[A-Z]\.[A-Z])\.?$"
)
_TRAILING = re.compile(r"[\s,;:]+$|(?<![.])[.](?=\s*$)")


@dataclass(frozen=True, slots=True)
class Frames:
    """Speech frames of one or more languages (see ``extractors/data/speech.yaml``)."""

    verbs: frozenset[str]
    auxiliaries: frozenset[str]
    according: tuple[tuple[str, ...], ...]
    pronouns: dict[str, str]
    """Pronoun → ``male``, ``female``, ``person`` or ``org``."""
    titles: dict[str, str | None]
    """Title word → the gender it tells (``male``/``female``) or None."""
    org_nouns: frozenset[str]
    """Nouns that, after "the", stand for the last organisation named ("the company")."""
    names_by_case: bool = True
    """Whether capitalised words are names (False where every noun is capitalised: German)."""
    pro_drop: bool = False
    """Whether a reporting verb without a subject stands for the last person named."""
    title_words: tuple[str, ...] = ()
    """The titles, longest first (hashable: the key of their compiled pattern)."""


@cache
def _speech_data() -> dict[str, Any]:
    data = yaml.safe_load(SPEECH_PATH.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("languages"), dict):
        raise ValueError(f"{SPEECH_PATH}: expected a mapping with 'languages'")
    return data


@cache
def frames(language: str | None = "en") -> Frames:
    """The speech frames for an article in ``language`` (English plus that language; every
    language in the data when ``language`` is unknown or has none)."""
    data = _speech_data()["languages"]
    code = primary_subtag(language)
    codes = ["en", code] if code in data else list(data) if code != "en" else ["en"]
    verbs: set[str] = set()
    auxiliaries: set[str] = set()
    according: list[tuple[str, ...]] = []
    pronouns: dict[str, str] = {}
    titles: dict[str, str | None] = {}
    org_nouns: set[str] = set()
    for c in dict.fromkeys(codes):
        entry = data[c]
        verbs.update(entry.get("verbs", []))
        auxiliaries.update(entry.get("auxiliaries", []))
        according.extend(tuple(p) for p in entry.get("according", []))
        pronouns.update(entry.get("pronouns", {}))
        org_nouns.update(entry.get("org_nouns", []))
        for gender, words in entry.get("titles", {}).items():
            for word in words:
                titles[str(word)] = gender if gender in ("male", "female") else None
    according.sort(key=len, reverse=True)
    names_by_case = not any(data[c].get("capitalised_nouns") for c in codes)
    pro_drop = bool(code in data and data[code].get("pro_drop"))  # the article's own language only
    return Frames(frozenset(verbs), frozenset(auxiliaries), tuple(according), pronouns, titles,
                  frozenset(org_nouns), names_by_case, pro_drop,
                  tuple(sorted(titles, key=lambda t: (-len(t), t))))


@cache
def _first_names() -> dict[str, str]:
    names = _speech_data().get("first_names", {})
    return {n: g for g in ("male", "female") for n in names.get(g, [])}


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


@dataclass(slots=True)
class _Context:
    """What attribution reads for one article."""

    text: str
    mentions: Sequence[entities.Mention]
    quotes: Sequence[QuoteSpan]
    frames: Frames
    _genders: dict[str, str] | None = None

    @property
    def genders(self) -> dict[str, str]:
        """Canonical person name → ``male``/``female`` where the text tells it (computed
        when a pronoun first needs it)."""
        if self._genders is None:
            self._genders = _genders(self)
        return self._genders

    def quoted(self, at: int) -> bool:
        return any(q.start <= at < q.end for q in self.quotes)


def _tokens(ctx: _Context, start: int, end: int) -> list[_Token]:
    """Tokens of ``ctx.text[start:end]``: quotations and mentions as one token each, a
    title before a mention ("Mr.", "Herr", "Mme", "г-н") dropped."""
    text = ctx.text
    blocks: list[tuple[int, int, _Token]] = []
    for q in ctx.quotes:
        if q.open_at < end and q.close_at > start:
            blocks.append((max(q.open_at, start), min(q.close_at, end), _Token(q.open_at, "Q", "")))
    for m in ctx.mentions:
        if m.start >= start and m.end <= end and not any(s <= m.start < e for s, e, _ in blocks):
            m = _without_lead(m, ctx)
            blocks.append((m.start, m.end, _Token(m.start, "M", m.label, m)))
    blocks.sort(key=lambda b: b[0])
    out: list[_Token] = []
    pos = start
    for b_start, b_end, token in [*blocks, (end, end, _Token(end, "", ""))]:
        if b_start < pos:
            continue
        words = [(m.start(), m.group()) for m in _WORDS.finditer(text, pos, b_start)]
        if token.kind == "M":
            title = _title_before(text, pos, b_start, ctx.frames)
            if title is not None:
                words = [w for w in words if w[0] < title[0]]
        for at, word in words:
            kind = "W" if word[0].isalnum() else "P"
            out.append(_Token(at, kind, word.lower().replace("’", "'") if kind == "W" else word))
        if token.kind:
            out.append(token)
        pos = b_end
    return out


def _without_lead(m: entities.Mention, ctx: _Context) -> entities.Mention:
    """``m`` without a leading one-word "according to" ("Laut Jens Spahn", "Selon Christine
    Lagarde": a capitalised sentence opener a matcher took into the name)."""
    first, _, rest = m.surface.partition(" ")
    if not rest or (first.lower(),) not in ctx.frames.according:
        return m
    cut = len(first) + 1
    name = m.name[cut:] if m.name.startswith(first + " ") else m.name
    return entities.Mention(m.start + cut, m.end, m.label, rest, name)


@cache
def _title_regex(titles: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(re.escape(t).replace("\\-", "[-‑]") for t in titles)
    return re.compile(rf"(?<![\w.])({words})\.?\s+$", re.IGNORECASE)


def _title_before(text: str, lo: int, at: int, frames: Frames) -> tuple[int, str] | None:
    """(offset, lower-cased title) of a title right before offset ``at`` (not before ``lo``)."""
    match = _title_regex(frames.title_words).search(text, max(lo, at - 20), at)
    if match is None:
        return None
    return match.start(), match.group(1).lower()


def _genders(ctx: _Context) -> dict[str, str]:
    """Gender of each person the text tells it of: a gendered title before a mention
    ("Mrs. Ortiz", "Frau Baerbock"), a well-known first name, else the first gendered
    pronoun after a sentence naming only that person."""
    out: dict[str, str] = {}
    names = _first_names()
    persons = sorted((m for m in ctx.mentions if m.label == "PERSON" and not ctx.quoted(m.start)),
                     key=lambda m: m.start)
    for m in persons:
        title = _title_before(ctx.text, 0, m.start, ctx.frames)
        gender = ctx.frames.titles.get(title[1]) if title else None
        if gender and m.name not in out:
            out[m.name] = gender
    for m in persons:
        first = m.name.split()[0].lower() if len(m.name.split()) > 1 else ""
        if m.name not in out and first in names:
            out[m.name] = names[first]
    gendered = {p: g for p, g in ctx.frames.pronouns.items() if g in ("male", "female")}
    if not gendered or not persons:
        return out
    pattern = _pronoun_pattern(tuple(sorted(gendered)))
    ends = [b.end() for b in _BOUNDARY.finditer(ctx.text)]  # sentence starts
    starts = [m.start for m in persons]
    for match in pattern.finditer(ctx.text):
        if ctx.quoted(match.start()) or any(0 <= match.start() - q.close_at <= 4 for q in ctx.quotes):
            continue  # inside a quotation, or the one a speech tag asks to resolve
        here = bisect.bisect_right(ends, match.start())
        previous = ends[here - 2] if here >= 2 else 0  # the start of the sentence before
        lo, hi = bisect.bisect_left(starts, previous), bisect.bisect_left(starts, match.start())
        named = {m.name for m in persons[lo:hi]}
        if len(named) == 1:
            out.setdefault(next(iter(named)), gendered[match.group(1).lower()])
    return out


@cache
def _pronoun_pattern(pronouns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(rf"\b({'|'.join(map(re.escape, pronouns))})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Attribution:
    mention: entities.Mention | None
    found: bool
    """Whether a speech frame was found (even with no named speaker)."""


_NONE = _Attribution(None, False)


def _last_person(at: int, ctx: _Context) -> entities.Mention | None:
    return next((m for m in reversed(ctx.mentions) if m.start < at and m.label == "PERSON"
                 and not ctx.quoted(m.start)), None)


def _resolve_pronoun(word: str, at: int, ctx: _Context) -> entities.Mention | None:
    """The last person (organisation for "it") before ``at`` the pronoun can stand for:
    one of its gender or of unknown gender; None when there is none."""
    kind = ctx.frames.pronouns[word]
    label = "ORG" if kind == "org" else "PERSON"
    for m in reversed(ctx.mentions):
        if m.start >= at or m.label != label or ctx.quoted(m.start):
            continue
        gender = ctx.genders.get(m.name)
        if kind in ("male", "female") and gender is not None and gender != kind:
            continue
        return m
    return None


def _subject(tokens: list[_Token], i: int, ctx: _Context
             ) -> entities.Mention | Literal[False] | None:
    """The speaker the subject token ``tokens[i]`` names; False when it is no name or
    pronoun. A place is a speaker only as a government ("Moscow said"), never after a
    preposition ("the mayor of Kyiv said") or as a possessor ("Kyiv's mayor said")."""
    token = tokens[i]
    if token.kind == "M" and token.mention is not None and token.mention.label in SPEAKER_LABELS:
        if token.mention.label == "GPE":
            before = tokens[i - 1] if i > 0 else None
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            if (before is not None and before.kind == "W" and before.value in PREPOSITIONS) or \
                    (after is not None and after.kind == "W" and after.value in ("s", "'s")):
                return False
            if ctx.text[token.mention.end:token.mention.end + 2] in ("'s", "’s"):
                return False
        return token.mention
    if token.kind == "W" and token.value in ctx.frames.pronouns:
        return _resolve_pronoun(token.value, token.start, ctx)
    if token.kind == "W" and token.value in ctx.frames.org_nouns and i > 0 \
            and tokens[i - 1].value in DETERMINERS:  # "the company said": the last organisation
        return next((m for m in reversed(ctx.mentions) if m.start < token.start
                     and m.label == "ORG" and not ctx.quoted(m.start)), False)
    return False


def _skip_determiner(tokens: list[_Token], i: int) -> int:
    """``i``, or the next index when ``tokens[i]`` holds "the"/"a"/"der"/"le"…."""
    if tokens[i].kind == "W" and tokens[i].value in DETERMINERS and i + 1 < len(tokens):
        return i + 1
    return i


def _is_verb(token: _Token, ctx: _Context) -> bool:
    return token.kind == "W" and token.value in ctx.frames.verbs


def _according(tokens: list[_Token], i: int, ctx: _Context) -> int:
    """Length of an "according to" phrase at ``tokens[i]`` (0: none)."""
    for phrase in ctx.frames.according:
        if len(tokens) > i + len(phrase) and all(
                tokens[i + n].kind == "W" and tokens[i + n].value == word
                for n, word in enumerate(phrase)):
            return len(phrase)
    return 0


_GLUE = frozenset(["-", "t"])
"""French inversion glue: "a-t-il déclaré", "déclare-t-elle"."""


def _skip(tokens: list[_Token], i: int, words: frozenset[str]) -> int:
    while i < len(tokens) and tokens[i].value in words and tokens[i].kind in ("W", "P"):
        i += 1
    return i


def _appositive(tokens: list[_Token], k: int, ctx: _Context) -> entities.Mention | None:
    """The subject of "<Name>, <description>, said" / "<description>, <Name>, said", where
    ``tokens[k]`` is the comma before the verb."""
    c = next((c for c in range(k - 1, max(-1, k - 30), -1) if tokens[c].value == ","), None)
    if c is None or c == 0:
        return None
    between = tokens[c + 1:k]
    head = tokens[c - 1]
    if len(between) == 1 and between[0].kind == "M" and between[0].mention is not None \
            and between[0].mention.label == "PERSON":
        return between[0].mention  # "the bank's president, John Williams, said"
    if head.kind == "M" and head.mention is not None and head.mention.label in ("PERSON", "ORG"):
        return head.mention  # "John Williams, the president of the bank, said"
    return _written_name(tokens, c, ctx)


def _written_name(tokens: list[_Token], end: int, ctx: _Context) -> entities.Mention | None:
    """A person the model missed: two or three capitalised words right before
    ``tokens[end]`` ("Olena Kovalenko, an adviser to …, said")."""
    if not ctx.frames.names_by_case:
        return None
    words: list[_Token] = []
    for token in reversed(tokens[:end]):
        surface = ctx.text[token.start:token.start + len(token.value)]
        if token.kind != "W" or not surface[:1].isupper() or token.value in DETERMINERS \
                or token.value in ctx.frames.titles or len(words) == 3:
            break
        words.insert(0, token)
    if len(words) < 2:
        return None
    start, end_at = words[0].start, words[-1].start + len(words[-1].value)
    surface = ctx.text[start:end_at]
    return entities.Mention(start, end_at, "PERSON", surface, surface)


def _after_verb(tokens: list[_Token], s: int, ctx: _Context) -> _Attribution | None:
    """The speaker after a verb ("said Macron", "said Kyiv's mayor Vitali Klitschko",
    "a déclaré le ministre"); None when nothing there names one."""
    s = _skip(tokens, s, _GLUE)
    if s >= len(tokens):
        return None
    subject = _subject(tokens, s, ctx)
    if subject is not False and (subject is None or subject.label != "GPE"):
        return _Attribution(subject, True)
    for n in range(s, min(len(tokens), s + 8)):  # "said Kyiv's economy minister, Jane Roe"
        token = tokens[n]
        if token.kind in ("P", "Q") and token.value not in ("'", "’", ",", "-"):
            break  # "a indiqué le lieutenant-colonel Erwan Morvan"
        if token.kind == "M" and token.mention is not None and token.mention.label == "PERSON":
            return _Attribution(token.mention, True)
    if subject is not False:
        return _Attribution(subject, True)
    if tokens[s].kind == "W" and tokens[s].value in DETERMINERS:
        return _Attribution(None, True)  # "said the minister": no name
    return None


def _right(tokens: list[_Token], ctx: _Context) -> _Attribution:
    i = 0
    while i < len(tokens) and tokens[i].kind == "P" and tokens[i].value in ",—–-:":
        i += 1
    rest = tokens[i:]
    if not rest:
        return _NONE
    n = _according(rest, 0, ctx)
    if n:
        subject = _subject(rest, _skip_determiner(rest, n), ctx)
        return _Attribution(subject or None, True)
    j = _skip(rest, 0, ctx.frames.auxiliaries | _GLUE)
    if j < len(rest) and rest[j].kind == "W" and rest[j].value in ctx.frames.pronouns \
            and j + 1 < len(rest) and _is_verb(rest[j + 1], ctx):  # "a-t-il déclaré"
        return _Attribution(_resolve_pronoun(rest[j].value, rest[j].start, ctx), True)
    if j < len(rest) and _is_verb(rest[j], ctx):  # "…," said Macron / sagte Merz
        found = _after_verb(rest, j + 1, ctx)
        if found is not None:
            return found
        if ctx.frames.pro_drop and (j + 1 == len(rest) or rest[j + 1].kind != "M"):
            # "«…», reconoció ante los vecinos": the subject is the last person named
            return _Attribution(_last_person(rest[j].start, ctx), True)
    commas = 0
    for v in range(min(len(rest), 30)):  # "…," Macron (also) wrote / John Williams, …, said
        token = rest[v]
        if token.kind == "Q" or (token.kind == "P" and token.value not in ("'", "’", "-", ",", ".")):
            break
        if token.value == ",":
            commas += 1
            if commas > 2 or (v > 0 and rest[0].kind != "M" and commas == 1 and v > 8):
                break
            continue
        if commas == 0 and v >= 6:
            continue
        if not _is_verb(token, ctx):
            continue
        k = v - 1
        while k >= 0 and rest[k].kind == "W" and rest[k].value in ctx.frames.auxiliaries:
            k -= 1
        if k < 0 or rest[k].value in CONJUNCTIONS:  # "…" but warned: not a tail
            return _NONE
        if rest[k].value == ",":
            return _Attribution(_appositive(rest, k, ctx), True)
        if commas:
            break
        if k >= 2 and rest[k - 1].kind == "W" and rest[k - 1].value in PREPOSITIONS \
                and rest[0].kind == "M" and rest[0].value == "PERSON":
            k = 0  # "Prof. Jane Roe of Oxford University said"
        subject = _subject(rest, k, ctx)
        if subject is False:
            named = all(t.kind in ("W", "M") for t in rest[:k + 1])
            return _Attribution(None, True) if named else _NONE
        return _Attribution(subject, True)
    return _NONE


def _left(tokens: list[_Token], ctx: _Context) -> _Attribution:
    for v in range(len(tokens) - 1, -1, -1):
        token = tokens[v]
        n = _according(tokens, v, ctx) if token.kind == "W" else 0
        if n:
            at = v + n
            subject = _subject(tokens, _skip_determiner(tokens, at), ctx) if at < len(tokens) else False
            return _Attribution(subject or None, True)
        if not _is_verb(token, ctx):
            continue
        k = v - 1
        while k >= 0 and tokens[k].kind == "W" and tokens[k].value in ctx.frames.auxiliaries:
            k -= 1
        if k >= 0:
            subject = _subject(tokens, k, ctx)
            if subject is not False:
                return _Attribution(subject, True)
            if tokens[k].value == ",":  # "Zelensky, who …, said"
                found = _appositive(tokens, k, ctx)
                if found is not None:
                    return _Attribution(found, True)
        s = _skip(tokens, v + 1, _GLUE)
        if s < len(tokens) and not token.value.endswith("ing") and tokens[s].kind == "M" \
                and tokens[s].value in ("PERSON", "ORG"):  # "sagte Merz", "dijo Sánchez"
            return _Attribution(tokens[s].mention, True)
        if token.value.endswith("ing") or k < 0 or tokens[k].value == ",":
            for t in tokens[:v]:  # a participle: the subject of the sentence
                if t.kind == "M" and t.value in ("PERSON", "ORG"):
                    return _Attribution(t.mention, True)
                if t.kind == "W" and t.value in ctx.frames.pronouns:
                    return _Attribution(_resolve_pronoun(t.value, t.start, ctx), True)
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


def attribute(text: str, spans: Sequence[QuoteSpan], mentions: Sequence[entities.Mention],
              language: str | None = "en") -> list[Quote]:
    """Speakers of the quotations ``spans`` of ``text``, with the speech frames of
    ``language`` (see :func:`frames`)."""
    ctx = _Context(text, mentions, spans, frames(language))
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
        right_tokens = _tokens(ctx, span.close_at, right_end)
        result = _NONE
        ends_sentence = text[span.start:span.end].rstrip()[-1:] in ".!?。"
        if not ends_sentence or len(right_tokens) <= SHORT_TAIL:
            result = _right(right_tokens, ctx)
        tagged = result.found  # '"Absolutely not," she said': an utterance, not scare quotes
        if not result.found:
            result = _left(_tokens(ctx, left_start, span.open_at), ctx)
        speaker = result.mention
        if not result.found and previous is not None and previous[0] == first_par:
            speaker = previous[1]
        words = span.text(text).split()
        if len(words) <= SHORT_WORDS and speaker is None and not tagged and not _cjk(span.text(text)):
            continue
        previous = (last_par, speaker)
        kind = SPEAKER_LABELS.get(speaker.label, "unknown") if speaker is not None else "unknown"
        out.append(Quote(span.text(text), speaker.name if speaker is not None else None,
                         kind, span))
    return out


def _cjk(text: str) -> bool:
    """Whether ``text`` is written without spaces between words (Chinese, Japanese)."""
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def quotes_of(analysis: nlp.Analysis, language: str | None = "en") -> list[Quote]:
    """The attributed quotations of a parsed article in ``language``."""
    return attribute(analysis.text, find_quotes(analysis.text), entities.mentions(analysis),
                     language)


def summarise(found: Sequence[Quote]) -> Fields:
    speakers = list(dict.fromkeys(q.speaker for q in found if q.speaker))
    return {"quotes": [q.as_dict() for q in found], "quote_speakers": speakers}


def extract_quotes(articles: Sequence[Article]) -> list[Fields]:
    """Quotations and their speakers of each article. An article with text that
    :mod:`extractors.nlp` gives no analysis for (a language it does not parse) is read with
    its model-free rule matcher (:func:`extractors.nlp.rule_analysis`), never an English
    model; an article without text gets empty fields."""
    out: list[Fields] = []
    for article, analysis in zip(articles, nlp.analyses_for(articles), strict=True):
        text = (article.text or "")[:nlp.MAX_CHARS]
        if analysis is None and text.strip():
            analysis = nlp.rule_analysis(text)
        if analysis is None:
            out.append({"quotes": [], "quote_speakers": []})
        else:
            out.append(summarise(quotes_of(analysis, article.language)))
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
