"""The words of dates, per language, and the patterns of the ``dates`` extractor built from them.

Month and weekday names, relative expressions ("yesterday", "la semaine dernière") and the
words and verb endings that mark a clause's tense are data, one block per language, in
``extractors/data/dates.yaml`` (read once, at import); :data:`LANGUAGES` lists them (en, fr,
de, es, it, pt, ru). The patterns of a language always include the English names and
expressions; a language not listed uses English only (:func:`lexicon_language`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from extractors.regex_guard import guarded
from extractors.yaml_data import load_yaml
from newsflow.langtags import normalize_language

LEXICON_PATH = Path(__file__).parent / "data" / "dates.yaml"


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _load(path: Path = LEXICON_PATH) -> dict[str, dict[str, Any]]:
    """The lexicon, one block per language."""
    data: dict[str, dict[str, Any]] = load_yaml(path)
    return data


_LEXICON = _load()
LANGUAGES = tuple(_LEXICON)
"""Languages with their own date words, English first."""

MONTHS: dict[str, int] = {}
"""Every month name or abbreviation (lower case) → month number (1–12); the first language
listed wins a name two languages share."""
WEEKDAYS: dict[str, int] = {}
"""Every weekday name (lower case) → weekday number (Monday 0)."""
for _words in _LEXICON.values():
    for _number, _names in enumerate(_words["months"], start=1):
        for _name in _names.split():
            MONTHS.setdefault(_name, _number)
    for _number, _names in enumerate(_words["weekdays"]):
        for _name in _names.split():
            WEEKDAYS.setdefault(_name, _number)

_LOWER_MONTHS: dict[str, frozenset[str]] = {
    lang: frozenset(n for names in words["months"] for n in names.split())
    for lang, words in _LEXICON.items() if words["lower_case_months"]
}
"""Month names written in lower case in each language (English and German capitalise)."""
_FUTURE_ENDINGS: dict[str, tuple[str, ...]] = {
    lang: tuple(words["future_endings"]) for lang, words in _LEXICON.items() if "future_endings" in words
}
_PAST_ENDINGS: dict[str, tuple[str, ...]] = {
    lang: tuple(words["past_endings"]) for lang, words in _LEXICON.items() if "past_endings" in words
}

ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
YEAR = guarded(
    r"\b(?:in|since|by|until|before|after|during|from|through|early|late|mid-?|en|depuis|"
    r"avant|après|im\s+jahr|seit|bis|ab|für|desde|hasta|nel|dal|fino\s+al|em|até|в|с|до)\s+"
    r"((?:19|20)\d{2})\b(?!\s*(?:%|[.,]\d))",
    re.IGNORECASE,
)
"""A year after a preposition ("in 2026"); a bare year is not a date mention."""
YEAR_DIGITS = re.compile(r"(?:19|20)\d\d")
"""What :data:`YEAR` (and a month pattern's year) holds: a text without it skips :data:`YEAR`."""
LAST = frozenset(["last", "past", "vergangenen", "letzten", "dernier", "pasado", "passada",
                  "passado", "scorso", "scorsa", "прошлый", "прошлую", "прошлое"])
"""Modifiers sending a month or weekday back ("last Monday", "lunedì scorso")."""
NEXT = frozenset(["next", "coming", "kommenden", "nächsten", "prochain", "próximo", "próxima",
                  "que viene", "prossimo", "prossima", "que vem", "следующий", "следующую",
                  "следующее"])
"""Modifiers sending a month or weekday ahead ("next Monday", "lundi prochain")."""
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
AGO = re.compile(
    r"\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+(days?|weeks?)\s+ago\b",
    re.IGNORECASE,
)
"""``N days ago`` / ``N weeks ago``; N is digits or one of :data:`NUMBER_WORDS`."""
AGO_WORD = re.compile(r"ago", re.IGNORECASE)
"""What :data:`AGO` holds: a text without it skips :data:`AGO`."""


def lexicon_language(code: str | None) -> str:
    """The lexicon language of a language tag: its primary subtag when listed, else ``en``."""
    primary = normalize_language(code) or "en"
    return primary if primary in _LEXICON else "en"


def _alternation(part: str, lang: str) -> str:
    names = {n for code in dict.fromkeys(["en", lang]) if code in _LEXICON
             for entry in _LEXICON[code][part] for n in entry.split()}
    return "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class Patterns:
    """The month and weekday patterns of one language (English names always included)."""

    day_month: re.Pattern[str]
    month_day: re.Pattern[str]
    month_year: re.Pattern[str]
    in_month: re.Pattern[str]
    weekday: re.Pattern[str]
    date_after: re.Pattern[str]
    any_month: re.Pattern[str]
    """Any month name, anywhere (the four month patterns above need one: a text without it
    skips them)."""


@cache
def patterns(lang: str) -> Patterns:
    """The :class:`Patterns` of lexicon language ``lang`` (compiled once per language)."""
    month = _alternation("months", lang)
    weekday = _alternation("weekdays", lang)
    initials = "".join(sorted({n[0] for n in month.split("|")}))  # a fast first filter
    return Patterns(
        day_month=re.compile(
            rf"\b(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:of\s+|de\s+)?({month})\b\.?"
            rf"(?:,?\s+(?:de\s+|del\s+)?(\d{{4}})\b(?:\s+г(?:ода|\.))?)?",
            re.IGNORECASE,
        ),
        month_day=re.compile(
            rf"\b(?=[{initials}])({month})\b\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*(?:%|,\d|\.\d))"
            rf"(?:,?\s+(\d{{4}})\b)?",
            re.IGNORECASE,
        ),
        month_year=re.compile(rf"\b(?=[{initials}])({month})\b\.?\s+((?:19|20)\d{{2}})\b",
                              re.IGNORECASE),
        in_month=guarded(
            rf"\b(?:(last|next|this|early|late|mid-?|in|since|until|by|from|en|depuis|im|seit|"
            rf"bis|fin|début|ende|anfang|mitte|desde|hasta|a\s+finales\s+de|a\s+principios\s+de|"
            rf"a\s+fine|a\s+inizio|dal|fino\s+a|em|até|no\s+final\s+de|в|с|до|к)\s+)({month})\b"
            rf"(?:\s+(dernier|prochain|pasado|próximo|scorso|prossimo|passado))?",
            re.IGNORECASE,
        ),
        weekday=guarded(
            rf"\b(?:(last|next|this|coming|past|vergangenen|letzten|kommenden|nächsten|diesen|"
            rf"pasado|próximo|próxima|passada|passado|scorso|prossimo|прошлый|прошлую|прошлое|"
            rf"следующий|следующую|следующее)\s+)?"
            rf"({weekday})(?![\w-])(?:'s|’s)?(?:\s+(prochain|dernier|pasado|próximo|que\s+viene|"
            rf"scorso|scorsa|prossimo|prossima|passada|passado|que\s+vem))?",
            re.IGNORECASE,
        ),
        date_after=re.compile(
            rf",?\s+(?:the\s+)?(?:\d{{1,2}}(?:st|nd|rd|th|er|\.)?\s+(?:{month})|(?:{month})\.?\s+\d)",
            re.IGNORECASE,
        ),
        any_month=guarded(rf"\b(?:{month})\b", re.IGNORECASE),
    )


@cache
def relative_pattern(lang: str) -> tuple[re.Pattern[str], list[tuple[str, int]]]:
    """All the relative expressions of ``lang`` (then English) as one alternation (one pass
    over the text), with each alternative's ``(kind, amount)`` by group index ``r<i>``."""
    own = _LEXICON[lang]["relative"]
    rules = own if lang == "en" else own + _LEXICON["en"]["relative"]
    alternation = "|".join(f"(?P<r{i}>{p})" for i, (_, _, p) in enumerate(rules))
    return guarded(rf"\b(?:{alternation})\b", re.IGNORECASE), [(k, n) for k, n, _ in rules]


@cache
def tense_words(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """(future, past) marker words of ``lang``: English's and its own; its own future words
    are never past ones (French "a" has, Spanish "a" to)."""
    english = _LEXICON["en"]
    own = _LEXICON.get(lang, {}) if lang != "en" else {}
    future = _set(f"{english['future']} {own.get('future', '')}")
    past = _set(f"{english['past']} {own.get('past', '')}") - _set(own.get("future", ""))
    return future, past


def verb_tense(word: str, lang: str) -> str | None:
    """``future``, ``past`` or ``None`` by the ending of a lower-case ``word`` in ``lang``
    ("se rendra", "viajará"; "anunció", "anunciou", "заявил"). A language without future
    endings of its own reads the French ones, on longer words only."""
    endings = _FUTURE_ENDINGS.get(lang)
    if (endings and len(word) > 4 and word.endswith(endings)) or \
            (not endings and len(word) > 5 and word.endswith(_FUTURE_ENDINGS["fr"])):
        return "future"
    if len(word) > 3 and word.endswith(_PAST_ENDINGS.get(lang, ())):
        return "past"
    return None


def month_ok(name: str, lang: str) -> bool:
    """A month name is capitalised ("may", "march", "mar" are words too) unless it is one
    the article's language writes in lower case ("décembre", "diciembre", "декабря")."""
    return name[0].isupper() or name.lower() in _LOWER_MONTHS.get(lang, frozenset())
