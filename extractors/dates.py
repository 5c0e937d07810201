"""``dates_mentioned``: temporal expressions in the text, resolved against publication.

Each mention is ``{"text", "date", "resolution", "offset"}``: ``date`` is ``YYYY-MM-DD`` or
``None``; ``resolution`` is ``day``, ``week``, ``month``, ``year`` or ``relative``; ``offset``
is the character offset of ``text`` in ``article.text`` (only the text is read). A week is
given by its Monday (ISO week), a month by its first day, a year by 1 January, so every
resolved date is a real day an index can filter and histogram on. Mentions are listed in
text order, each distinct (surface form, date) pair once, at its first offset.

The reference day is the article's ``published_day`` (the publisher's local day), else
its ``published_at``, else ``feed_published_at``, else ``fetched_at``, taken as the
calendar day in its own UTC offset (the day the writer saw; stored instants are UTC, so
``published_day`` is what keeps "yesterday" right just after a local midnight east of UTC).
Without one, only expressions carrying their year resolve; the others get ``date: None``.

Resolution rules (news conventions):

* explicit dates: ISO ``2025-12-06``; ``6 December 2025``; ``December 6, 2025``;
  ``Dec. 6``; ``6th of December``; ``December 2025`` (month); ``in 2026`` (year, after a
  preposition only); the same in French, German, Spanish, Italian, Portuguese and Russian
  (``6 décembre 2025``, ``6. Dezember 2025``, ``6 de diciembre de 2025``, ``6 dicembre``,
  ``6 de dezembro``, ``6 декабря 2025 года``). Month names are capitalised except in a
  language that writes them in lower case (``may``/``mar`` are words too).
  A day and month without a year take the year that puts them nearest the reference day.
* ``today``, ``this morning``, ``tonight``, ``overnight``, ``during the night``: the
  reference day (an overnight attack reported in the morning happened in the night that
  ended that day); ``yesterday``, ``last night``: the day before; ``tomorrow``: the day after.
  A night named by its days ("in der Nacht zu Samstag", "dans la nuit de vendredi à
  samedi", "nella notte tra venerdì e sabato") is left to those weekdays.
* a weekday is the nearest such day within ±6 days. The reference day's own weekday is the
  reference day itself ("officials said on Saturday" in Saturday's paper). Otherwise the
  tense of its clause decides: scanning back from the weekday to the start of the sentence
  (then forward, if nothing was found), the nearest future marker (``will``, ``would``,
  ``'ll``, ``expected``, ``due``, ``set``, ``scheduled``, ``plans``, ``prepare`` …) sends it
  to the next such day, the nearest past marker (``said``, ``was``, ``had``, ``met``, a word
  in -ed …) to the previous one; with no marker, the previous one (reports are mostly about
  the past; markers are English plus the article language's words and verb endings:
  ``viajará``, ``partirà``, ``anunció``, ``заявил``, never another language's — French
  "a" is a past auxiliary, Spanish "a" a preposition). ``last Monday`` is the previous
  Monday (a week back on a Monday), ``next Monday`` the coming one (a week ahead on a
  Monday); ``lundi prochain/dernier``, ``am kommenden/vergangenen Montag``, ``el lunes
  pasado``, ``lunedì prossimo``, ``в прошлый понедельник`` likewise.
* ``this week``, ``earlier this week``, ``earlier in the week``, ``later this week``: the
  reference week (week resolution); ``last week``/``next week``: the week before/after;
  ``this/last/next month`` and ``this/last/next year`` likewise; ``N days ago`` (day),
  ``N weeks ago`` (week).
* vague spans (``recently``, ``in recent weeks``, ``in the coming days``, ``the
  weekend``) are kept with ``resolution: relative`` and ``date: None``.

Month and weekday names, relative expressions and tense markers are data, one block per
language (en, fr, de, es, it, pt, ru; an article in another language uses the English ones
only), in ``extractors/data/dates.yaml`` (:mod:`extractors.dates_lexicon`); the calendar
reckoning is :mod:`extractors.dates_calendar`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from extractors.base import Fields, bounded_text
from extractors.dates_calendar import (
    clause_tense,
    month_start,
    nearest_year,
    parse_day,
    reference_date,
    resolve_weekday,
    safe_date,
    week_start,
)
from extractors.dates_lexicon import (
    AGO,
    AGO_WORD,
    ISO_DATE,
    LAST,
    MONTHS,
    NEXT,
    NUMBER_WORDS,
    WEEKDAYS,
    YEAR,
    YEAR_DIGITS,
    lexicon_language,
    month_ok,
    patterns,
    relative_pattern,
)
from extractors.registry import register_per_article
from newsflow.models import Article

__all__ = ["DATES", "VERSION", "dates_mentioned", "extract_dates", "parse_day", "reference_date",
           "resolve_weekday"]

VERSION = "2"

Mention = dict[str, Any]
"""``{"text", "date", "resolution", "offset"}`` (see the module docstring)."""


def _mention(text: str, offset: int, when: date | None, resolution: str) -> Mention:
    return {"text": text, "date": when.isoformat() if when else None, "resolution": resolution,
            "offset": offset}


def _mentions(text: str, ref: date | None, lang: str) -> Iterator[Mention]:
    """Every mention found, by pattern (not yet in text order, duplicates kept)."""
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def take(m: re.Match[str], when: date | None, resolution: str) -> Iterator[Mention]:
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            yield _mention(m.group(), m.start(), when, resolution)

    for m in ISO_DATE.finditer(text):
        when = safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if when:
            yield from take(m, when, "day")
    names = patterns(lang)
    # each pattern runs only where its necessary part is in the text (one cheap search
    # instead of the full pattern's slow case-insensitive alternation at every position)
    months = names.any_month.search(text) is not None
    for pattern in (names.day_month, names.month_day) if months else ():
        for m in pattern.finditer(text):
            first, second, year = m.groups()
            day_s, month_s = (first, second) if pattern is names.day_month else (second, first)
            if not month_ok(month_s, lang):
                continue
            month, day = MONTHS[month_s.lower()], int(day_s)
            when = safe_date(int(year), month, day) if year else nearest_year(month, day, ref)
            end = m.end()
            if text[end - 1] == "." and not year and len(month_s) > 4:
                end -= 1  # the full stop after "5 January." ends the sentence
            if (year or safe_date(2000, month, day)) and free(m.start(), end):
                taken.append((m.start(), end))
                yield _mention(text[m.start() : end], m.start(), when, "day")
    for m in names.month_year.finditer(text) if months else ():
        if month_ok(m.group(1), lang):
            yield from take(m, date(int(m.group(2)), MONTHS[m.group(1).lower()], 1), "month")
    for m in names.in_month.finditer(text) if months else ():
        modifier = (m.group(1) or m.group(3) or "").lower()
        if not month_ok(m.group(2), lang) or len(m.group(2)) < 3:
            continue
        month = MONTHS[m.group(2).lower()]
        when = None
        if ref is not None:
            candidates = [date(y, month, 1) for y in (ref.year - 1, ref.year, ref.year + 1)]
            this_month = month_start(ref, 0)
            if modifier in LAST:
                when = max(d for d in candidates if d < this_month)
            elif modifier in NEXT:
                when = min(d for d in candidates if d > this_month)
            else:
                when = min(candidates, key=lambda d: (abs((d - this_month).days), d > this_month))
        span = re.search(rf"(?i)\b{re.escape(m.group(2))}\b.*", m.group())
        start = m.start() + (span.start() if span and modifier not in LAST | NEXT | {"this"} else 0)
        if free(start, m.end()):
            taken.append((start, m.end()))
            yield _mention(text[start : m.end()], start, when, "month")
    for m in YEAR.finditer(text) if YEAR_DIGITS.search(text) else ():
        start = m.start(1)
        if free(start, m.end(1)):
            taken.append((start, m.end(1)))
            yield _mention(m.group(1), start, date(int(m.group(1)), 1, 1), "year")
    for m in AGO.finditer(text) if AGO_WORD.search(text) else ():
        raw, unit = m.group(1).lower(), m.group(2).lower()
        n = int(raw) if raw.isdigit() else NUMBER_WORDS[raw]
        if unit.startswith("day"):
            yield from take(m, ref - timedelta(days=n) if ref else None, "day")
        else:
            yield from take(m, week_start(ref, -n) if ref else None, "week")
    fixed, rules = relative_pattern(lang)
    for m in fixed.finditer(text):
        kind, amount = rules[int((m.lastgroup or "r0")[1:])]
        if kind == "relative" or ref is None:
            yield from take(m, None, "relative" if kind == "relative" else kind)
        elif kind == "day":
            yield from take(m, ref + timedelta(days=amount), "day")
        elif kind == "week":
            yield from take(m, week_start(ref, amount), "week")
        elif kind == "month":
            yield from take(m, month_start(ref, amount), "month")
        else:
            yield from take(m, date(ref.year + amount, 1, 1), "year")
    for m in names.weekday.finditer(text):
        name = m.group(2)
        if lang == "en" and not name[0].isupper():
            continue
        if not free(m.start(), m.end()) or names.date_after.match(text, m.end()):
            continue  # "Monday, December 8" is read as the date
        weekday = WEEKDAYS[name.lower()]
        when = None
        if ref is not None:
            modifier = (m.group(1) or m.group(3) or "").lower()
            modifier = re.sub(r"\s+", " ", modifier)
            if modifier in LAST:
                when = ref - timedelta(days=(ref.weekday() - weekday) % 7 or 7)
            elif modifier in NEXT:
                when = ref + timedelta(days=(weekday - ref.weekday()) % 7 or 7)
            else:
                when = resolve_weekday(weekday, ref, clause_tense(text, m.start(), m.end(), lang))
        yield from take(m, when, "day")


def extract_dates(text: str, reference: date | None, language: str | None = "en") -> list[Mention]:
    """The date mentions of ``text`` resolved against ``reference`` (see the module docstring)."""
    lang = lexicon_language(language)
    seen: set[tuple[str, str | None]] = set()
    out: list[Mention] = []
    for mention in sorted(_mentions(text, reference, lang), key=lambda m: m["offset"]):
        key = (mention["text"].casefold(), mention["date"])
        if key not in seen:
            seen.add(key)
            out.append(mention)
    return out


def dates_mentioned(article: Article) -> Fields:
    return {"dates_mentioned": extract_dates(bounded_text(article), reference_date(article), article.language)}


DATES = register_per_article(
    dates_mentioned, name="dates", version=VERSION, fields=("dates_mentioned",), requires=("language",),
    description="Dates mentioned (explicit, weekdays, relative), resolved against publication.")
