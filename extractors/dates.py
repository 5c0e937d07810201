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
  preposition only); French/German forms (``6 décembre 2025``, ``6. Dezember 2025``).
  A day and month without a year take the year that puts them nearest the reference day.
* ``today``, ``this morning``, ``tonight``, ``overnight``, ``during the night``: the
  reference day (an overnight attack reported in the morning happened in the night that
  ended that day); ``yesterday``, ``last night``: the day before; ``tomorrow``: the day after.
* a weekday is the nearest such day within ±6 days. The reference day's own weekday is the
  reference day itself ("officials said on Saturday" in Saturday's paper). Otherwise the
  tense of its clause decides: scanning back from the weekday to the start of the sentence
  (then forward, if nothing was found), the nearest future marker (``will``, ``would``,
  ``'ll``, ``expected``, ``due``, ``set``, ``scheduled``, ``plans``, ``prepare`` …) sends it
  to the next such day, the nearest past marker (``said``, ``was``, ``had``, ``met``, a word
  in -ed …) to the previous one; with no marker, the previous one (reports are mostly about
  the past). ``last Monday`` is the previous Monday (a week back on a Monday), ``next
  Monday`` the coming one (a week ahead on a Monday); French ``lundi prochain/dernier`` and
  German ``am kommenden/vergangenen Montag`` likewise.
* ``this week``, ``earlier this week``, ``earlier in the week``, ``later this week``: the
  reference week (week resolution); ``last week``/``next week``: the week before/after;
  ``this/last/next month`` and ``this/last/next year`` likewise; ``N days ago`` (day),
  ``N weeks ago`` (week).
* vague spans (``recently``, ``in recent weeks``, ``in the coming days``, ``the
  weekend``) are kept with ``resolution: relative`` and ``date: None``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from extractors.base import Extractor, Fields, per_article
from extractors.registry import register
from newsflow.models import Article

VERSION = "2"


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan janvier janv januar jän",
        "february feb février févr februar",
        "march mar mars märz",
        "april apr avril avr",
        "may mai",
        "june jun juin juni",
        "july jul juillet juil juli",
        "august aug août",
        "september sep sept septembre",
        "october oct octobre oktober okt",
        "november nov novembre",
        "december dec décembre déc dezember dez",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "monday lundi montag",
        "tuesday mardi dienstag",
        "wednesday mercredi mittwoch",
        "thursday jeudi donnerstag",
        "friday vendredi freitag",
        "saturday samedi samstag sonnabend",
        "sunday dimanche sonntag",
    ]
):
    for _name in _names.split():
        _WEEKDAYS[_name] = _number
_WEEKDAY = "|".join(_WEEKDAYS)

_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:of\s+)?({_MONTH})\b\.?(?:,?\s+(\d{{4}})\b)?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"\b(?=[jfmasond])({_MONTH})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:%|,\d|\.\d))(?:,?\s+(\d{{4}})\b)?",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"\b(?=[jfmasond])({_MONTH})\b\.?\s+((?:19|20)\d{{2}})\b", re.IGNORECASE)
_IN_MONTH = re.compile(
    rf"\b(?:(last|next|this|early|late|mid-?|in|since|until|by|from|en|depuis|im|seit|bis|"
    rf"fin|début|ende|anfang|mitte)\s+)({_MONTH})\b(?:\s+(dernier|prochain))?",
    re.IGNORECASE,
)
_YEAR = re.compile(
    r"\b(?:in|since|by|until|before|after|during|from|through|early|late|mid-?|en|depuis|"
    r"avant|après|im\s+jahr|seit|bis|ab|für)\s+((?:19|20)\d{2})\b(?!\s*(?:%|[.,]\d))",
    re.IGNORECASE,
)
_WEEKDAY_RE = re.compile(
    rf"\b(?:(last|next|this|coming|past|vergangenen|letzten|kommenden|nächsten|diesen)\s+)?"
    rf"({_WEEKDAY})\b(?:'s|’s)?(?:\s+(prochain|dernier))?",
    re.IGNORECASE,
)
_DATE_AFTER = re.compile(
    rf",?\s+(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th|er|\.)?\s+(?:{_MONTH})|(?:{_MONTH})\.?\s+\d)",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_AGO = re.compile(
    r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+(days?|weeks?)\s+ago\b",
    re.IGNORECASE,
)

# (pattern, kind, amount): kind is day / week / month / year (offset by amount) or relative
_FIXED: dict[str, list[tuple[str, str, int]]] = {
    "en": [
        (r"the\s+day\s+before\s+yesterday", "day", -2),
        (r"the\s+day\s+after\s+tomorrow", "day", 2),
        (r"today|tonight|this\s+(?:morning|afternoon|evening)|overnight|during\s+the\s+night", "day", 0),
        (r"yesterday|last\s+night", "day", -1),
        (r"tomorrow", "day", 1),
        (r"(?:earlier|later)\s+(?:this|in\s+the)\s+week|this\s+week", "week", 0),
        (r"last\s+week|the\s+previous\s+week|the\s+week\s+before", "week", -1),
        (r"next\s+week|the\s+coming\s+week", "week", 1),
        (r"(?:earlier|later)\s+this\s+month|this\s+month", "month", 0),
        (r"last\s+month", "month", -1),
        (r"next\s+month", "month", 1),
        (r"(?:earlier|later)\s+this\s+year|this\s+year", "year", 0),
        (r"last\s+year", "year", -1),
        (r"next\s+year", "year", 1),
        (
            r"recently|in\s+recent\s+(?:days|weeks|months|years)|in\s+the\s+coming\s+"
            r"(?:days|weeks|months|years)|in\s+the\s+past\s+(?:few\s+)?(?:days|weeks|months)|"
            r"(?:this|the|at\s+the|over\s+the)\s+weekend",
            "relative",
            0,
        ),
    ],
    "fr": [
        (r"avant-hier", "day", -2),
        (r"après-demain", "day", 2),
        (r"aujourd['’]hui|ce\s+(?:matin|soir|midi)|cette\s+nuit|dans\s+la\s+nuit", "day", 0),
        (r"hier(?:\s+soir)?", "day", -1),
        (r"demain", "day", 1),
        (r"cette\s+semaine|en\s+début\s+de\s+semaine|plus\s+tôt\s+dans\s+la\s+semaine", "week", 0),
        (r"la\s+semaine\s+(?:dernière|passée)", "week", -1),
        (r"la\s+semaine\s+prochaine", "week", 1),
        (r"ce\s+mois-ci", "month", 0),
        (r"le\s+mois\s+(?:dernier|passé)", "month", -1),
        (r"le\s+mois\s+prochain", "month", 1),
        (r"cette\s+année", "year", 0),
        (r"l['’](?:an|année)\s+(?:dernier|dernière|passé|passée)", "year", -1),
        (r"l['’](?:an|année)\s+(?:prochain|prochaine)", "year", 1),
        (r"récemment|ces\s+derni(?:ers|ères)\s+(?:jours|semaines|mois)|ce\s+week-end", "relative", 0),
    ],
    "de": [
        (r"vorgestern", "day", -2),
        (r"übermorgen", "day", 2),
        (r"heute(?:\s+(?:morgen|früh|abend))?|in\s+der\s+nacht|über\s+nacht", "day", 0),
        (r"gestern(?:\s+abend)?", "day", -1),
        (r"morgen(?!\s*früh)", "day", 1),
        (r"(?:in\s+)?dieser\s+woche|diese\s+woche|anfang\s+der\s+woche", "week", 0),
        (r"(?:letzte|vergangene)\s+woche|in\s+der\s+vergangenen\s+woche", "week", -1),
        (r"(?:nächste|kommende)\s+woche|in\s+der\s+kommenden\s+woche", "week", 1),
        (r"(?:im\s+)?(?:letzten|vergangenen)\s+monat", "month", -1),
        (r"(?:im\s+)?(?:nächsten|kommenden)\s+monat", "month", 1),
        (r"(?:in\s+)?diesem\s+jahr|dieses\s+jahr", "year", 0),
        (r"(?:im\s+)?(?:letzten|vergangenen)\s+jahr|letztes\s+jahr|vergangenes\s+jahr", "year", -1),
        (r"(?:im\s+)?(?:nächsten|kommenden)\s+jahr|nächstes\s+jahr", "year", 1),
        (r"kürzlich|in\s+den\s+vergangenen\s+(?:tagen|wochen|monaten)|am\s+wochenende", "relative", 0),
    ],
}

_FUTURE = _set(
    """
    will would 'll ’ll shall won't won’t expected due set scheduled plans plan planned planning
    prepare prepares preparing intends intend intending hopes hope aims aim going upcoming
    later next coming until till could may might should can must likely expect expects
    forecast forecasts
    va vont doit doivent devrait devraient prévu prévue prévus attendu attendue attendus
    sera seront prochain prochaine
    wird werden soll sollen will wollen plant geplant kommenden nächsten bis
    """
)
_PAST = _set(
    """
    said was were had did met told went came took gave made held left saw spoke wrote began
    won lost fell struck sent brought ran sat stood rose ago last previous earlier
    a ont avait avaient était étaient été dernier dernière
    hat haben hatte hatten war waren wurde wurden sagte sagten vergangenen letzten
    """
)
_SENTENCE_END = re.compile(r"[.!?;\n]")
_TOKEN = re.compile(r"[\w'’]+")


@dataclass(frozen=True, slots=True)
class Mention:
    text: str
    offset: int
    date: date | None
    resolution: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "date": self.date.isoformat() if self.date else None,
            "resolution": self.resolution,
            "offset": self.offset,
        }


def reference_date(article: Article) -> date | None:
    """The day the article's relative dates count from (see the module docstring)."""
    for value in (article.published_day, article.published_at, article.feed_published_at, article.fetched_at):
        parsed = parse_day(value)
        if parsed is not None:
            return parsed
    return None


def parse_day(value: str | None) -> date | None:
    """The calendar day of an ISO 8601 date or datetime, in its own offset."""
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def _language(language: str | None) -> str:
    code = re.split(r"[-_]", (language or "en").lower(), maxsplit=1)[0]
    return code if code in _FIXED else "en"


@cache
def _fixed_pattern(lang: str) -> tuple[re.Pattern[str], list[tuple[str, int]]]:
    """All the fixed expressions of a language (and English) as one alternation (one pass
    over the text), with each alternative's (kind, amount) by group index."""
    rules = _FIXED[lang] if lang == "en" else _FIXED[lang] + _FIXED["en"]
    alternation = "|".join(f"(?P<r{i}>{p})" for i, (p, _, _) in enumerate(rules))
    return re.compile(rf"\b(?:{alternation})\b", re.IGNORECASE), [(k, n) for _, k, n in rules]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest_year(month: int, day: int, ref: date | None) -> date | None:
    if ref is None:
        return None
    options = [d for y in (ref.year - 1, ref.year, ref.year + 1) if (d := _safe_date(y, month, day))]
    if not options:
        return None
    return min(options, key=lambda d: (abs((d - ref).days), d > ref))


def _month_start(ref: date, months: int) -> date:
    index = ref.year * 12 + (ref.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _week_start(ref: date, weeks: int) -> date:
    return ref - timedelta(days=ref.weekday()) + timedelta(weeks=weeks)


def _tense(text: str, start: int, end: int) -> str | None:
    """``future``, ``past`` or ``None``: the nearest tense marker in the sentence, looking
    back from the expression first, then forward."""
    sentence_start = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 400), start):
        sentence_start = m.end()
    stop = _SENTENCE_END.search(text, end)
    sentence_end = stop.start() if stop else len(text)
    before = _TOKEN.findall(text[sentence_start:start])
    after = _TOKEN.findall(text[end:sentence_end])
    for tokens in (reversed(before), iter(after)):
        for token in tokens:
            word = token.lower()
            if word in _FUTURE:
                return "future"
            if word in _PAST or (word.endswith("ed") and len(word) > 4):
                return "past"
            if len(word) > 5 and word.endswith(("ra", "ront", "rait", "raient")):
                return "future"  # French future/conditional: "se rendra"
    return None


def resolve_weekday(weekday: int, ref: date, direction: str | None) -> date:
    """The weekday nearest ``ref`` in ``direction`` (``future``/``past``/``None`` = past);
    ``ref``'s own weekday is ``ref`` itself."""
    if ref.weekday() == weekday:
        return ref
    if direction == "future":
        return ref + timedelta(days=(weekday - ref.weekday()) % 7)
    return ref - timedelta(days=(ref.weekday() - weekday) % 7)


def _mentions(text: str, ref: date | None, lang: str) -> Iterator[Mention]:
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def take(m: re.Match[str], when: date | None, resolution: str) -> Iterator[Mention]:
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            yield Mention(m.group(), m.start(), when, resolution)

    for m in _ISO.finditer(text):
        when = _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if when:
            yield from take(m, when, "day")
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for m in pattern.finditer(text):
            first, second, year = m.groups()
            day_s, month_s = (first, second) if pattern is _DAY_MONTH else (second, first)
            if not _month_ok(month_s, lang):
                continue
            month, day = _MONTHS[month_s.lower()], int(day_s)
            when = _safe_date(int(year), month, day) if year else _nearest_year(month, day, ref)
            end = m.end()
            if text[end - 1] == "." and not year and len(month_s) > 4:
                end -= 1  # the full stop after "5 January." ends the sentence
            if (year or _safe_date(2000, month, day)) and free(m.start(), end):
                taken.append((m.start(), end))
                yield Mention(text[m.start() : end], m.start(), when, "day")
    for m in _MONTH_YEAR.finditer(text):
        if _month_ok(m.group(1), lang):
            yield from take(m, date(int(m.group(2)), _MONTHS[m.group(1).lower()], 1), "month")
    for m in _IN_MONTH.finditer(text):
        modifier = (m.group(1) or m.group(3) or "").lower()
        if not _month_ok(m.group(2), lang) or len(m.group(2)) < 3:
            continue
        month = _MONTHS[m.group(2).lower()]
        when = None
        if ref is not None:
            candidates = [date(y, month, 1) for y in (ref.year - 1, ref.year, ref.year + 1)]
            this_month = _month_start(ref, 0)
            if modifier in {"last", "dernier"}:
                when = max(d for d in candidates if d < this_month)
            elif modifier in {"next", "prochain"}:
                when = min(d for d in candidates if d > this_month)
            else:
                when = min(candidates, key=lambda d: (abs((d - this_month).days), d > this_month))
        span = re.search(rf"(?i)\b{re.escape(m.group(2))}\b.*", m.group())
        start = m.start() + (span.start() if span and modifier not in {"last", "next", "this", "dernier", "prochain"} else 0)
        if free(start, m.end()):
            taken.append((start, m.end()))
            yield Mention(text[start : m.end()], start, when, "month")
    for m in _YEAR.finditer(text):
        start = m.start(1)
        if free(start, m.end(1)):
            taken.append((start, m.end(1)))
            yield Mention(m.group(1), start, date(int(m.group(1)), 1, 1), "year")
    for m in _AGO.finditer(text):
        raw, unit = m.group(1).lower(), m.group(2).lower()
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        if unit.startswith("day"):
            yield from take(m, ref - timedelta(days=n) if ref else None, "day")
        else:
            yield from take(m, _week_start(ref, -n) if ref else None, "week")
    fixed, rules = _fixed_pattern(lang)
    for m in fixed.finditer(text):
        kind, amount = rules[int((m.lastgroup or "r0")[1:])]
        if kind == "relative" or ref is None:
            yield from take(m, None, "relative" if kind == "relative" else kind)
        elif kind == "day":
            yield from take(m, ref + timedelta(days=amount), "day")
        elif kind == "week":
            yield from take(m, _week_start(ref, amount), "week")
        elif kind == "month":
            yield from take(m, _month_start(ref, amount), "month")
        else:
            yield from take(m, date(ref.year + amount, 1, 1), "year")
    for m in _WEEKDAY_RE.finditer(text):
        name = m.group(2)
        if lang == "en" and not name[0].isupper():
            continue
        if not free(m.start(), m.end()) or _DATE_AFTER.match(text, m.end()):
            continue  # "Monday, December 8" is read as the date
        weekday = _WEEKDAYS[name.lower()]
        when = None
        if ref is not None:
            modifier = (m.group(1) or m.group(3) or "").lower()
            if modifier in {"last", "past", "vergangenen", "letzten", "dernier"}:
                when = ref - timedelta(days=(ref.weekday() - weekday) % 7 or 7)
            elif modifier in {"next", "coming", "kommenden", "nächsten", "prochain"}:
                when = ref + timedelta(days=(weekday - ref.weekday()) % 7 or 7)
            else:
                when = resolve_weekday(weekday, ref, _tense(text, m.start(), m.end()))
        yield from take(m, when, "day")


def _month_ok(name: str, lang: str) -> bool:
    """English month names must be capitalised ("may", "march", "sept" are words too)."""
    if lang in {"fr"}:
        return True
    return name[0].isupper()


def extract_dates(text: str, reference: date | None, language: str | None = "en") -> list[dict[str, Any]]:
    """The date mentions of ``text`` resolved against ``reference`` (see the module docstring)."""
    lang = _language(language)
    seen: set[tuple[str, date | None]] = set()
    out: list[Mention] = []
    for mention in sorted(_mentions(text, reference, lang), key=lambda m: m.offset):
        key = (mention.text.casefold(), mention.date)
        if key not in seen:
            seen.add(key)
            out.append(mention)
    return [m.as_dict() for m in out]


def dates_mentioned(article: Article) -> Fields:
    return {"dates_mentioned": extract_dates(article.text or "", reference_date(article), article.language)}


DATES = register(
    Extractor(
        name="dates",
        version=VERSION,
        fields=("dates_mentioned",),
        run=per_article(dates_mentioned),
        description="Dates mentioned (explicit, weekdays, relative), resolved against publication.",
        requires=("language",),
    )
)
