"""Calendar reckoning of the ``dates`` extractor: the reference day and the days relative
expressions resolve to.

The reference day is the one an article's "yesterday" counts from (:func:`reference_date`);
a day and month without a year take the year nearest it; a week is given by its Monday, a
month by its first day; a weekday is the nearest such day in the direction its clause's
tense points (:func:`clause_tense`, :func:`resolve_weekday`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from extractors.dates_lexicon import tense_words, verb_tense
from newsflow.models import Article

_SENTENCE_END = re.compile(r"[.!?;\n]")
_TOKEN = re.compile(r"[\w'’]+")


def reference_date(article: Article) -> date | None:
    """The day the article's relative dates count from: its ``published_day``, else the
    day of ``published_at``, ``feed_published_at`` or ``fetched_at`` (in its own offset);
    None without any."""
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


def safe_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when there is no such day (30 February)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def nearest_year(month: int, day: int, ref: date | None) -> date | None:
    """The ``month``/``day`` nearest ``ref`` (the year before, of, or after it; the earlier
    on a tie); None without ``ref`` or such a day."""
    if ref is None:
        return None
    options = [d for y in (ref.year - 1, ref.year, ref.year + 1) if (d := safe_date(y, month, day))]
    if not options:
        return None
    return min(options, key=lambda d: (abs((d - ref).days), d > ref))


def month_start(ref: date, months: int) -> date:
    """The first day of the month ``months`` after (negative: before) ``ref``'s."""
    index = ref.year * 12 + (ref.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def week_start(ref: date, weeks: int) -> date:
    """The Monday of the ISO week ``weeks`` after (negative: before) ``ref``'s."""
    return ref - timedelta(days=ref.weekday()) + timedelta(weeks=weeks)


def clause_tense(text: str, start: int, end: int, lang: str = "en") -> str | None:
    """``future``, ``past`` or ``None``: the nearest tense marker in the sentence around
    ``text[start:end]``, looking back from the expression first, then forward."""
    sentence_start = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 400), start):
        sentence_start = m.end()
    stop = _SENTENCE_END.search(text, end)
    sentence_end = stop.start() if stop else len(text)
    future_words, past_words = tense_words(lang)
    before = _TOKEN.findall(text[sentence_start:start])
    after = _TOKEN.findall(text[end:sentence_end])
    for tokens in (reversed(before), iter(after)):
        for token in tokens:
            word = token.lower()
            if word in future_words:
                return "future"
            if word in past_words or (word.endswith("ed") and len(word) > 4):
                return "past"
            tense = verb_tense(word, lang)
            if tense is not None:
                return tense
    return None


def resolve_weekday(weekday: int, ref: date, direction: str | None) -> date:
    """The weekday nearest ``ref`` in ``direction`` (``future``/``past``/``None`` = past);
    ``ref``'s own weekday is ``ref`` itself."""
    if ref.weekday() == weekday:
        return ref
    if direction == "future":
        return ref + timedelta(days=(weekday - ref.weekday()) % 7)
    return ref - timedelta(days=(ref.weekday() - weekday) % 7)
