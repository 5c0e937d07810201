"""Who a pronoun in a speech tag stands for ("…," she said).

A pronoun subject is the last person named before it outside quotations whose gender is
that pronoun's or unknown; "it" stands for the last organisation. Gender comes from a
gendered title before a mention ("Mrs. Ortiz", "Frau Baerbock"), a listed first name, or a
gendered pronoun after a sentence naming only that person (:func:`genders`).
"""

from __future__ import annotations

import bisect
import re
from functools import cache

from extractors.entity_canonical import Mention
from extractors.quote_context import SENTENCE_BREAK, Context
from extractors.speech_lexicon import first_names, title_before


def genders(ctx: Context) -> dict[str, str]:
    """Canonical person name → ``male``/``female`` where the text of ``ctx`` tells it,
    computed once per context."""
    if ctx.gender_of is None:
        ctx.gender_of = _genders(ctx)
    return ctx.gender_of


def _genders(ctx: Context) -> dict[str, str]:
    """Gender of each person the text tells it of: a gendered title before a mention
    ("Mrs. Ortiz", "Frau Baerbock"), a well-known first name, else the first gendered
    pronoun after a sentence naming only that person."""
    out: dict[str, str] = {}
    names = first_names()
    persons = sorted((m for m in ctx.mentions if m.label == "PERSON" and not ctx.quoted(m.start)),
                     key=lambda m: m.start)
    for m in persons:
        title = title_before(ctx.text, 0, m.start, ctx.frames)
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
    ends = [b.end() for b in SENTENCE_BREAK.finditer(ctx.text)]  # sentence starts
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


def last_person(at: int, ctx: Context) -> Mention | None:
    """The last person named before ``at`` outside quotations, if any."""
    return next((m for m in reversed(ctx.mentions) if m.start < at and m.label == "PERSON"
                 and not ctx.quoted(m.start)), None)


def resolve_pronoun(word: str, at: int, ctx: Context) -> Mention | None:
    """The last person (organisation for "it") before ``at`` the pronoun can stand for:
    one of its gender or of unknown gender; None when there is none."""
    kind = ctx.frames.pronouns[word]
    label = "ORG" if kind == "org" else "PERSON"
    for m in reversed(ctx.mentions):
        if m.start >= at or m.label != label or ctx.quoted(m.start):
            continue
        gender = genders(ctx).get(m.name)
        if kind in ("male", "female") and gender is not None and gender != kind:
            continue
        return m
    return None
