"""Speech tags: the words next to a quotation that say who spoke it, and the speaker they name.

Rules over the tokens of the sentence around a quotation (:mod:`extractors.quote_context`),
with the speech frames of the article's languages (:mod:`extractors.speech_lexicon`):

1. after the quotation (:func:`tag_after`): ``"…," Macron wrote``, ``"…," said Macron``,
   ``"…," he said``, ``"…", according to the Kremlin``;
2. before it (:func:`tag_before`), the speech verb nearest the quotation (said, told, wrote,
   added, warned, urged, described … as, called, according to, …) and its subject: the name
   or pronoun right before the verb, skipping auxiliaries and adverbs ("has also said") or
   an appositive between commas; for a participle ("…, saying", "adding,") the subject of
   the sentence (its first person or organisation).

A pronoun subject is resolved by :mod:`extractors.quote_coreference`. A place is a speaker
only as the subject itself ("Moscow said"), never after a preposition ("the mayor of Kyiv
said") or as a possessor ("said Kyiv's mayor, X" → X). A subject that is neither a name nor
a pronoun ("the two delegations said") names no speaker: a joint statement has no single
speaker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from extractors.entity_canonical import Mention
from extractors.quote_context import Context, Token
from extractors.quote_coreference import last_person, resolve_pronoun

CONJUNCTIONS = frozenset(["and", "but", "or", "while", "as", "then", "yet", "und", "aber", "et",
                          "mais", "y", "pero", "e", "ma", "mas", "и", "но", "а"])
DETERMINERS = frozenset(["the", "a", "an", "der", "die", "das", "le", "la", "les", "l", "el",
                         "los", "las", "il", "lo", "gli", "o", "os", "as"])
PREPOSITIONS = frozenset(["of", "in", "from", "at", "to", "for", "on", "von", "aus", "in", "de",
                          "du", "des", "en", "à", "del", "di", "da", "do", "dos", "в", "из"])
"""A place right after one of these is where, not who (never a speaker)."""
SPEAKER_LABELS = {"PERSON": "person", "ORG": "organization", "GPE": "organization"}
"""Mention labels that can speak → ``speaker_type``."""


@dataclass(frozen=True, slots=True)
class Attribution:
    """What a speech tag says: the speaker it names (None: no name, or a joint statement)."""

    mention: Mention | None
    found: bool
    """Whether a speech frame was found (even with no named speaker)."""


NO_TAG = Attribution(None, False)
"""No speech tag found."""


def _subject(tokens: list[Token], i: int, ctx: Context
             ) -> Mention | Literal[False] | None:
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
        return resolve_pronoun(token.value, token.start, ctx)
    if token.kind == "W" and token.value in ctx.frames.org_nouns and i > 0 \
            and tokens[i - 1].value in DETERMINERS:  # "the company said": the last organisation
        return next((m for m in reversed(ctx.mentions) if m.start < token.start
                     and m.label == "ORG" and not ctx.quoted(m.start)), False)
    return False


def _skip_determiner(tokens: list[Token], i: int) -> int:
    """``i``, or the next index when ``tokens[i]`` holds "the"/"a"/"der"/"le"…."""
    if tokens[i].kind == "W" and tokens[i].value in DETERMINERS and i + 1 < len(tokens):
        return i + 1
    return i


def _is_verb(token: Token, ctx: Context) -> bool:
    return token.kind == "W" and token.value in ctx.frames.verbs


def _according(tokens: list[Token], i: int, ctx: Context) -> int:
    """Length of an "according to" phrase at ``tokens[i]`` (0: none)."""
    for phrase in ctx.frames.according:
        if len(tokens) > i + len(phrase) and all(
                tokens[i + n].kind == "W" and tokens[i + n].value == word
                for n, word in enumerate(phrase)):
            return len(phrase)
    return 0


_GLUE = frozenset(["-", "t"])
"""French inversion glue: "a-t-il déclaré", "déclare-t-elle"."""


def _skip(tokens: list[Token], i: int, words: frozenset[str]) -> int:
    while i < len(tokens) and tokens[i].value in words and tokens[i].kind in ("W", "P"):
        i += 1
    return i


def _appositive(tokens: list[Token], k: int, ctx: Context) -> Mention | None:
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


def _written_name(tokens: list[Token], end: int, ctx: Context) -> Mention | None:
    """A person the model missed: two or three capitalised words right before
    ``tokens[end]`` ("Olena Kovalenko, an adviser to …, said")."""
    if not ctx.frames.names_by_case:
        return None
    words: list[Token] = []
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
    return Mention(start, end_at, "PERSON", surface, surface)


def _after_verb(tokens: list[Token], s: int, ctx: Context) -> Attribution | None:
    """The speaker after a verb ("said Macron", "said Kyiv's mayor Vitali Klitschko",
    "a déclaré le ministre"); None when nothing there names one."""
    s = _skip(tokens, s, _GLUE)
    if s >= len(tokens):
        return None
    subject = _subject(tokens, s, ctx)
    if subject is not False and (subject is None or subject.label != "GPE"):
        return Attribution(subject, True)
    for n in range(s, min(len(tokens), s + 8)):  # "said Kyiv's economy minister, Jane Roe"
        token = tokens[n]
        if token.kind in ("P", "Q") and token.value not in ("'", "’", ",", "-"):
            break  # "a indiqué le lieutenant-colonel Erwan Morvan"
        if token.kind == "M" and token.mention is not None and token.mention.label == "PERSON":
            return Attribution(token.mention, True)
    if subject is not False:
        return Attribution(subject, True)
    if tokens[s].kind == "W" and tokens[s].value in DETERMINERS:
        return Attribution(None, True)  # "said the minister": no name
    return None


def tag_after(tokens: list[Token], ctx: Context) -> Attribution:
    """The speech tag in ``tokens``, the rest of the sentence after a quotation ("…," said
    Macron / Macron, …, said / according to …); :data:`NO_TAG` when there is none."""
    i = 0
    while i < len(tokens) and tokens[i].kind == "P" and tokens[i].value in ",—–-:":
        i += 1
    rest = tokens[i:]
    if not rest:
        return NO_TAG
    n = _according(rest, 0, ctx)
    if n:
        subject = _subject(rest, _skip_determiner(rest, n), ctx)
        return Attribution(subject or None, True)
    j = _skip(rest, 0, ctx.frames.auxiliaries | _GLUE)
    if j < len(rest) and rest[j].kind == "W" and rest[j].value in ctx.frames.pronouns \
            and j + 1 < len(rest) and _is_verb(rest[j + 1], ctx):  # "a-t-il déclaré"
        return Attribution(resolve_pronoun(rest[j].value, rest[j].start, ctx), True)
    if j < len(rest) and _is_verb(rest[j], ctx):  # "…," said Macron / sagte Merz
        found = _after_verb(rest, j + 1, ctx)
        if found is not None:
            return found
        if ctx.frames.pro_drop and (j + 1 == len(rest) or rest[j + 1].kind != "M"):
            # "«…», reconoció ante los vecinos": the subject is the last person named
            return Attribution(last_person(rest[j].start, ctx), True)
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
            return NO_TAG
        if rest[k].value == ",":
            return Attribution(_appositive(rest, k, ctx), True)
        if commas:
            break
        if k >= 2 and rest[k - 1].kind == "W" and rest[k - 1].value in PREPOSITIONS \
                and rest[0].kind == "M" and rest[0].value == "PERSON":
            k = 0  # "Prof. Jane Roe of Oxford University said"
        subject = _subject(rest, k, ctx)
        if subject is False:
            named = all(t.kind in ("W", "M") for t in rest[:k + 1])
            return Attribution(None, True) if named else NO_TAG
        return Attribution(subject, True)
    return NO_TAG


def tag_before(tokens: list[Token], ctx: Context) -> Attribution:
    """The speech tag in ``tokens``, the sentence up to a quotation (the speech verb nearest
    it and its subject); :data:`NO_TAG` when there is none."""
    for v in range(len(tokens) - 1, -1, -1):
        token = tokens[v]
        n = _according(tokens, v, ctx) if token.kind == "W" else 0
        if n:
            at = v + n
            subject = _subject(tokens, _skip_determiner(tokens, at), ctx) if at < len(tokens) else False
            return Attribution(subject or None, True)
        if not _is_verb(token, ctx):
            continue
        k = v - 1
        while k >= 0 and tokens[k].kind == "W" and tokens[k].value in ctx.frames.auxiliaries:
            k -= 1
        if k >= 0:
            subject = _subject(tokens, k, ctx)
            if subject is not False:
                return Attribution(subject, True)
            if tokens[k].value == ",":  # "Zelensky, who …, said"
                found = _appositive(tokens, k, ctx)
                if found is not None:
                    return Attribution(found, True)
        s = _skip(tokens, v + 1, _GLUE)
        if s < len(tokens) and not token.value.endswith("ing") and tokens[s].kind == "M" \
                and tokens[s].value in ("PERSON", "ORG"):  # "sagte Merz", "dijo Sánchez"
            return Attribution(tokens[s].mention, True)
        if token.value.endswith("ing") or k < 0 or tokens[k].value == ",":
            for t in tokens[:v]:  # a participle: the subject of the sentence
                if t.kind == "M" and t.value in ("PERSON", "ORG"):
                    return Attribution(t.mention, True)
                if t.kind == "W" and t.value in ctx.frames.pronouns:
                    return Attribution(resolve_pronoun(t.value, t.start, ctx), True)
        return Attribution(None, True)
    return NO_TAG
