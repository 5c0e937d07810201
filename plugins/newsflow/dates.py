"""Publication dates as the publisher wrote them: UTC instant, local day, offset, raw text.

Feed dates are read from the raw strings (``pubDate``, Atom ``published``/``updated``,
``dc:date``) rather than from feedparser's ``*_parsed`` tuples, because feedparser reads
named zones it does not know (CEST, CET, EET, BST, IST, MSK, JST, AEST…) as UTC without a
word and gives nothing for localized day and month names. :func:`parse_date` understands:

- ISO 8601 / W3C dates (``2025-06-24T08:57:00+02:00``, ``2025-06-24``, ``…Z``);
- RFC 822 and its real-world relatives in any of the languages of :data:`LANGUAGES`
  (``Tue, 24 Jun 2025 08:57:00 CEST``, ``Dienstag, 24. Juni 2025 08:57 MESZ``,
  ``mar., 24 juin 2025 08:57 +0200``, ``24 de junio de 2025``, ``Вт, 24 июн 2025``,
  ``June 24, 2025 8:57 AM EDT``, ``24.06.2025 08:57``);
- numeric offsets (``+0200``, ``+02:00``, ``GMT+2``), the named zones of :data:`ZONES` and
  IANA names (``Europe/Berlin``, with summer time on that date); an RFC 822 comment
  (``+0200 (CEST)``) is read only when the rest has no zone; ``2006/09/15`` (year first).

Nothing is guessed silently: an unknown zone name gives no date and a warning; a time
without any zone keeps its day (``published_at`` is that day at 00:00Z, the convention of
day-only dates) and says so in a warning.

Why not dateparser (already installed as a dependency of htmldate): it reads ``IST`` as
Israel time without a word, takes seconds on a string it cannot read (it tries every one of
its 200 languages), and parses free text far beyond what a feed date is; a feed date is a
small grammar whose only open parts are the zone and the names, which we need to control.
Month and day names come from the CLDR data of Babel, not from our own lists.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsflow.langtags import language_parts
from newsflow.models import iso

LANGUAGES = ("en", "en_GB", "de", "de_AT", "fr", "es", "it", "pt", "nl", "ru", "pl", "sv", "da", "nb", "fi", "cs", "el")
"""Locales whose CLDR month and day names :func:`parse_date` reads."""

ZONES: dict[str, int] = {
    # UTC and Europe
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEZ": 0,
    "WEST": 60, "WESZ": 60, "BST": 60, "CET": 60, "MEZ": 60, "MET": 60, "WAT": 60,
    "CEST": 120, "MESZ": 120, "MEST": 120, "EET": 120, "OEZ": 120, "CAT": 120, "SAST": 120,
    "EEST": 180, "OESZ": 180, "MSK": 180, "TRT": 180, "EAT": 180, "MSD": 240,
    # Asia and Oceania
    "GST": 240, "PKT": 300, "IST": 330, "NPT": 345, "ICT": 420, "WIB": 420,
    "SGT": 480, "HKT": 480, "PHT": 480, "MYT": 480, "AWST": 480,
    "JST": 540, "KST": 540, "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660,
    "NZST": 720, "NZDT": 780,
    # Americas (RFC 822 names first)
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
    "AST": -240, "ADT": -180, "NST": -210, "NDT": -150, "BRT": -180, "ART": -180,
}
"""Named zones → UTC offset in minutes. Ambiguous names take the value above unless
:data:`AMBIGUOUS` gives another for the feed's language or region."""

AMBIGUOUS: dict[str, dict[str, int]] = {
    "IST": {"ga": 60, "IE": 60, "he": 120, "IL": 120},  # India, Irish summer, Israel
    "CST": {"zh": 480, "CN": 480, "TW": 480},  # US Central (RFC 822), China
    "AST": {"ar": 180, "SA": 180},  # Atlantic, Arabia
    "BST": {"bn": 360, "BD": 360},  # British summer, Bangladesh
}
"""Per ambiguous zone name: language subtag or region → offset in minutes."""

_FILLERS = frozenset(
    ["de", "del", "di", "du", "le", "la", "el", "à", "a", "um", "at", "on", "the", "of", "y", "e", "et", "и", "в", "г", "года", "г.", "om", "o", "dia", "den", "der"]
)
_MERIDIEM = {"am": 0, "a.m.": 0, "pm": 12, "p.m.": 12}
_COMMENT = re.compile(r"\(([^()]*)\)")
"""An RFC 822 comment: ``+0200 (CEST)``, ``GMT+0200 (Central European Summer Time)``."""
_ISO = re.compile(r"^\d{4}-\d{2}(-\d{2})?([T ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)?$", re.I)
_TOKEN = re.compile(
    r"(?P<iana>\b[A-Z][A-Za-z]+(?:/[A-Za-z][A-Za-z0-9_+-]*)+)"
    r"|(?P<ymd>\b\d{4}/\d{1,2}/\d{1,2}\b)"
    r"|(?P<time>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)"
    r"|(?P<offset>(?:(?<=\s)|^|(?<=\d))[+-]\d{2}:?\d{2}\b|(?:GMT|UTC|UT)\s*[+-]\d{1,2}(?::?\d{2})?\b)"
    r"|(?P<dotted>\b\d{1,2}\.\d{1,2}\.\d{2,4}\b)"
    r"|(?P<number>\d+)"
    r"|(?P<word>[^\W\d_]+(?:[-'][^\W\d_]+)*\.?(?:[^\W\d_]\.)*)",
    re.I,
)


@dataclass(frozen=True, slots=True)
class PublishedDate:
    """A publication date: ``at`` ISO 8601 UTC (``…Z``), ``day`` the publisher's local
    ``YYYY-MM-DD``, ``offset`` the publisher's UTC offset (``+02:00``, None when unknown),
    ``raw`` the text it was read from, ``warning`` why a part is missing (None when complete)."""

    at: str | None = None
    day: str | None = None
    offset: str | None = None
    raw: str | None = None
    warning: str | None = None


def parse_date(raw: str | None, language: str | None = None, *, now: datetime | None = None) -> PublishedDate:
    """Read a feed or page date string; ``language`` is the feed's tag (``en-IE``, ``zh``…).

    Never raises: an unreadable string gives ``PublishedDate(raw=..., warning=...)``, and so
    does an implausible one (before :data:`EARLIEST`, a CMS placeholder such as the Unix
    epoch, or more than :data:`FUTURE_SLACK` after ``now``, default the current time).
    """
    if raw is None or not raw.strip():
        return PublishedDate()
    text = " ".join(raw.split())[:200]
    try:
        found = _from_iso(text, raw) if _ISO.match(text) else _from_commented(text, raw, language)
        _check_plausible(found, now or datetime.now(UTC))
        return found
    except _Unreadable as exc:
        return PublishedDate(raw=raw, warning=f"date {text!r}: {exc}; no date kept")
    except (ValueError, OverflowError) as exc:
        return PublishedDate(raw=raw, warning=f"date {text!r} is not a valid date ({exc}); no date kept")


def from_datetime(moment: datetime | date, raw: str | None = None, warning: str | None = None) -> PublishedDate:
    """A :class:`PublishedDate` from a parsed value; a naive time keeps its day only (see module doc)."""
    if not isinstance(moment, datetime):
        return PublishedDate(at=f"{moment.isoformat()}T00:00:00Z", day=moment.isoformat(), raw=raw, warning=warning)
    day = moment.date().isoformat()
    if moment.tzinfo is None or moment.utcoffset() is None:
        if (moment.hour, moment.minute, moment.second) != (0, 0, 0) and warning is None:
            warning = f"date {raw!r} has a time but no time zone; only its day is kept"
        return PublishedDate(at=f"{day}T00:00:00Z", day=day, raw=raw, warning=warning)
    return PublishedDate(at=iso(moment), day=day, offset=format_offset(moment.utcoffset()), raw=raw, warning=warning)


def format_offset(delta: timedelta | None) -> str | None:
    """``+HH:MM`` for a UTC offset."""
    if delta is None:
        return None
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class _Unreadable(ValueError):
    pass


EARLIEST = date(1995, 1, 1)
"""No web publication is older (htmldate's own lower bound); earlier values are placeholders."""
FUTURE_SLACK = timedelta(days=1)
"""How far after now a publication time may lie (clock skew, zone slips) before it is refused."""


def _check_plausible(found: PublishedDate, now: datetime) -> None:
    if found.day is None or found.at is None:
        return
    if date.fromisoformat(found.day) < EARLIEST:
        raise _Unreadable(f"{found.day} is before {EARLIEST.isoformat()} (a placeholder, not a publication date)")
    if datetime.fromisoformat(found.at.replace("Z", "+00:00")) > now + FUTURE_SLACK:
        raise _Unreadable(f"{found.at} lies in the future")


def _from_iso(text: str, raw: str) -> PublishedDate:
    value = text.replace(" ", "T", 1) if len(text) > 10 else text
    value = re.sub(r"T(\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s+", r"T\1", value)
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    if len(value) == 7:  # YYYY-MM: a month is not a day
        raise _Unreadable("gives a month, not a day")
    if len(value) == 10:
        return from_datetime(date.fromisoformat(value), raw)
    return from_datetime(datetime.fromisoformat(value.replace(",", ".")), raw)


def _from_commented(text: str, raw: str, language: str | None) -> PublishedDate:
    """Comments are read only when the rest gives a time without a zone (``08:57 (CEST)``)."""
    bare = _COMMENT.sub(" ", text)
    if bare == text:
        return _from_words(text, raw, language)
    found = _from_words(bare, raw, language)
    if found.day and found.offset is None and found.warning:
        return _from_words(_COMMENT.sub(r" \1 ", text), raw, language)
    return found


def _from_words(text: str, raw: str, language: str | None) -> PublishedDate:
    primary, region = language_parts(language)
    months_found: list[tuple[int, bool]] = []  # (month, also a weekday name)
    numbers: list[str] = []
    clock: str | None = None
    meridiem: int | None = None
    zone: tzinfo | None = None
    day_month_year: tuple[int, int, int] | None = None
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "iana":
            zone = _iana(value)
        elif kind == "ymd":
            y, m, d = (int(p) for p in value.split("/"))
            day_month_year = (d, m, y)
        elif kind == "time":
            clock = clock or value
        elif kind == "offset":
            zone = _fixed(_offset_minutes(value))
        elif kind == "dotted":
            d, m, y = (int(p) for p in value.split("."))
            day_month_year = (d, m, _year(str(y)))
        elif kind == "number":
            numbers.append(value)
        else:
            word = _fold(value)
            upper = value.rstrip(".").upper()
            if word in _MERIDIEM and clock:
                meridiem = _MERIDIEM[word]
            elif (upper in ZONES and value.rstrip(".").isupper()) or upper in ("UTC", "GMT", "Z"):
                zone = _fixed(_zone(upper, primary, region))
            elif word in _months(primary):
                months_found.append((_months(primary)[word], word in _weekdays()))
            elif word in _weekdays() or word in _FILLERS:
                continue
            elif clock and value.isalpha() and value.isupper() and 2 <= len(value) <= 5:
                raise _Unreadable(f"unknown time zone {value!r}")
            else:
                raise _Unreadable(f"unreadable word {value!r}")
    if day_month_year is None:
        day_month_year = _day_month_year(months_found, numbers)
    day, month, year = day_month_year
    moment_date = date(year, month, day)
    if clock is None:
        return from_datetime(moment_date, raw)
    parts = [int(float(p.replace(",", "."))) for p in clock.split(":")]
    hour, minute, second = parts[0], parts[1], parts[2] if len(parts) > 2 else 0
    if meridiem is not None:
        hour = hour % 12 + meridiem
    moment = datetime(year, month, day, hour, minute, second)
    if zone is None:
        return from_datetime(moment, raw)
    return from_datetime(moment.replace(tzinfo=zone), raw)


def _fixed(minutes: int) -> tzinfo:
    return timezone(timedelta(minutes=minutes))


def _iana(name: str) -> tzinfo:
    """An IANA zone (``Europe/Berlin``, ``Etc/GMT``), with its summer time on the date."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Unreadable(f"unknown time zone {name!r}") from None


def _day_month_year(months: list[tuple[int, bool]], numbers: list[str]) -> tuple[int, int, int]:
    if len(months) > 1:  # "mar., 24 juin": a name that is also a weekday is the weekday
        months = [m for m in months if not m[1]] or months[-1:]
    if len(months) != 1:
        raise _Unreadable("no month name" if not months else "more than one month name")
    years = [n for n in numbers if len(n) == 4]
    days = [n for n in numbers if len(n) <= 2]
    if len(years) == 1 and len(days) == 1:
        return int(days[0]), months[0][0], int(years[0])
    if not years and len(days) == 2:  # RFC 822 two-digit year: "24 Jun 25"
        return int(days[0]), months[0][0], _year(days[1])
    raise _Unreadable("no single day and year")


def _year(value: str) -> int:
    year = int(value)
    if len(value) == 2:
        return 2000 + year if year < 70 else 1900 + year
    return year


def _offset_minutes(value: str) -> int:
    match = re.search(r"([+-])(\d{1,2})(?::?(\d{2}))?$", value.replace(" ", ""))
    if not match:
        raise _Unreadable(f"unreadable offset {value!r}")
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 14 * 60:
        raise _Unreadable(f"offset {value!r} is out of range")
    return sign * minutes


def _zone(name: str, primary: str | None, region: str | None) -> int:
    choices = AMBIGUOUS.get(name, {})
    for key in (region, primary):
        if key and key in choices:
            return choices[key]
    return ZONES[name]


def _fold(word: str) -> str:
    """Lower case, no trailing dot, no accents ("févr." → "fevr")."""
    word = word.lower().rstrip(".")
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@cache
def _names() -> tuple[dict[str, dict[int, set[str]]], frozenset[str]]:
    """Per folded month name: month → locales that use it; and every folded weekday name.

    Built from Babel's CLDR data (≈0.6 s for the locales of :data:`LANGUAGES`) once per
    machine and kept as JSON in newsflow's cache directory, keyed by Babel's version and the
    locale list; a cache that cannot be read or written is rebuilt or skipped.
    """
    import babel

    from newsflow.cache import cache_dir, remove_stale
    from newsflow.files import replacing

    key = hashlib.sha256(json.dumps([babel.__version__, LANGUAGES]).encode()).hexdigest()[:16]
    path = cache_dir() / f"date-names-{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        months = {name: {int(m): set(locs) for m, locs in meanings.items()} for name, meanings in data["months"].items()}
        return months, frozenset(data["weekdays"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    months, weekdays = _build_names()
    try:
        with replacing(path) as partial:
            partial.write_text(json.dumps({
                "months": {name: {str(m): sorted(locs) for m, locs in meanings.items()} for name, meanings in months.items()},
                "weekdays": sorted(weekdays),
            }, ensure_ascii=False), encoding="utf-8")
        remove_stale(path, "date-names-*.json")
    except OSError:
        pass  # a read-only home: build again next time
    return months, weekdays


def _build_names() -> tuple[dict[str, dict[int, set[str]]], frozenset[str]]:
    from babel.dates import get_day_names, get_month_names

    months: dict[str, dict[int, set[str]]] = {}
    weekdays: set[str] = set()
    contexts: tuple[Literal["format", "stand-alone"], ...] = ("format", "stand-alone")
    day_widths: tuple[Literal["wide", "abbreviated", "short"], ...] = ("wide", "abbreviated", "short")
    for locale in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in contexts:
                for number, name in get_month_names(width, context, locale=locale).items():
                    for form in {_fold(name), _fold(name)[:3]} if width == "wide" else {_fold(name)}:
                        months.setdefault(form, {}).setdefault(number, set()).add(locale.split("_")[0])
        for day_width in day_widths:
            for context in contexts:
                weekdays.update(_fold(name) for name in get_day_names(day_width, context, locale=locale).values())
    months.setdefault("sept", {}).setdefault(9, set()).add("en")
    return months, frozenset(weekdays)


@cache
def _months(language: str | None) -> dict[str, int]:
    """Folded month name → month for ``language`` first, then names that mean one month everywhere."""
    out: dict[str, int] = {}
    for name, meanings in _names()[0].items():
        mine = [m for m, locales in meanings.items() if language in locales]
        if len(mine) == 1:
            out[name] = mine[0]
        elif len(meanings) == 1:
            out[name] = next(iter(meanings))
    return out


def _weekdays() -> frozenset[str]:
    return _names()[1]



def entry_date(entry: Mapping[str, Any], language: str | None = None) -> PublishedDate:
    """The date of a feedparser entry, read from its raw strings (never its ``*_parsed``).

    ``published`` (RSS ``pubDate``, Atom ``published``, ``dcterms:issued``) comes first, then
    ``updated`` (Atom ``updated``, ``dc:date``, ``dcterms:modified``), then ``created``; the
    first that gives a day wins, and the warnings of the others that were refused are kept.
    """
    warnings: list[str] = []
    first_raw: str | None = None
    for key in ("published", "updated", "created"):
        # dict.get: feedparser's own get() maps a missing "updated" to "published", with a warning
        value = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        found = parse_date(value, language)
        first_raw = first_raw or value
        if found.day:
            if warnings:
                joined = "; ".join([*warnings, found.warning] if found.warning else warnings)
                return PublishedDate(found.at, found.day, found.offset, found.raw, joined)
            return found
        if found.warning:
            warnings.append(found.warning)
    return PublishedDate(raw=first_raw, warning="; ".join(warnings) or None)
