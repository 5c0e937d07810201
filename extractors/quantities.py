"""``quantities``: counts and amounts in the article text, with what they count.

Each quantity is ``{"text", "value", "unit", "object", "offset"}``:

``text``
    the surface form from any approximating qualifier to the unit, and for counts the
    counted noun: ``"653 drones"``, ``"about 80%"``, ``"about one-fifth"``,
    ``"five-hour meeting"``, ``"$1.5 billion"``, ``"3.2 million people"``.
``value``
    a float: ``653.0``, ``80.0``, ``0.2``, ``5.0``, ``1.5e9``, ``3.2e6``.
``unit``
    ``count`` (a number of things), ``percent``, ``percentage point``, ``fraction``
    (``one-fifth`` → 0.2), a time unit (``second minute hour day week month year decade
    century``), a measure (``km mile m kg tonne MW GW kW MWh GWh TWh barrel celsius
    light-year hectare bcm``) or an ISO 4217 currency code (``USD EUR GBP JPY CHF CNY RUB
    UAH``).
``object``
    what is counted or measured, as written (a plural stays plural), or ``None``: the noun
    after a count (``653 drones`` → ``drones``; a modifier is kept: ``51 attack drones`` →
    ``attack drones``), the noun a hyphenated measure qualifies (``five-hour meeting`` →
    ``meeting``), or the noun phrase after "of" (``one-fifth of Ukraine's territory`` →
    ``Ukraine's territory``, ``80% of the incoming missiles`` → ``incoming missiles``,
    ``two days of discussions`` → ``discussions``), determiners dropped.
``offset``
    character offset of ``text`` in ``article.text``.

Only ``article.text`` is read (offsets point into it). Numbers are digits read as the
article's language writes them (:func:`parse_number`): unambiguous everywhere are Swiss
``12'480``, ``12 345`` with a (thin, no-break) space, ``1.234.567,89``, ``1,234,567.89``,
Indian ``1,50,000``; ``1,234`` / ``770.000`` / ``1,8`` follow the language's convention
(English 1,234.5; German, Spanish, Italian, Portuguese 1.234,5; French, Russian 1 234,5),
and a language without one leaves them out: **a wrong number is worse than none**, so an
ambiguous number, or a count that is not a whole number ("12.480 households" in English),
gives no quantity. Number words are English (up to the trillions: ``twenty-five``, ``a
dozen``, ``three hundred and fifty``) or, for fr/es/pt/it/de, read with text2num
(``deux cents``, ``sesenta mil``, ``drei Millionen``; a lone ``une``/``ein`` is an article);
scale words per language (``3.2 million``, ``60 mil``, ``5 Mrd.``, ``3 millions d'euros``;
"billion" is 10⁹ in English, 10¹² in French and German), percent words (``per cent``,
``Prozent``, ``pour cent``, ``por ciento``, ``per cento``, ``процентов``) and currency words
(``dólares``, ``Franken``, ``euros``, ``рублей`` …). A minus sign (U+2212) or word
(``minus 30 degrees``) makes the value negative.

Units only where they are units: a bare "degree" is ``degree`` (an angle, or a temperature
in an unsaid scale: "a 360-degree camera"), ``celsius``/``fahrenheit`` only when named;
volumes and areas (``58.4 cu. ft.``, ``850 square feet``, ``km²``, ``m³``) are units.

Deliberately not quantities (documented choices):

* ordinals (``third day``, ``21st``): a position, not an amount; ``a third`` is a fraction
  only when followed by "of" (``a third of the budget``), hyphenated fractions
  (``one-fifth``, ``two-thirds``) always are;
* bare numbers with no unit and no counted noun (scores, identifiers, ``page 3``);
* years (a bare four-digit 1800–2100) and day numbers next to a month name (dates are the
  ``dates`` extractor's), clock times, ordinals and numbers glued to letters (``COP30``,
  ``G7``, ``F-16``);
* vague plurals (``dozens of``, ``hundreds of``, ``tens of thousands``);
* ``one of …`` / ``no one`` (``one`` as a pronoun).

Regular expressions and small word lists only: no parser, so the object is a heuristic
(the first content words after the number), good for news prose, not for every sentence.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from extractors.base import Fields, bounded_text
from extractors.quantities_numbers import (
    FRACTION,
    SCALE_SUFFIX,
    digits_pattern,
    fraction_value,
    parse_digits,
    parse_number,
    parse_number_words,
    parse_words,
    scale_at,
    word_number_pattern,
)
from extractors.quantities_objects import (
    FUNCTION_WORDS,
    IN_OF,
    count_object,
    is_plural,
    of_phrase,
    words_after,
)
from extractors.quantities_units import (
    CURRENCY_AFTER,
    CURRENCY_PREFIX,
    HYPHEN_UNIT,
    MEASURES,
    PERCENT,
    POINTS,
    currency_unit,
    space_unit,
    unit_of,
)
from extractors.registry import register_per_article
from newsflow.langtags import normalize_language
from newsflow.models import Article

__all__ = ["QUANTITIES", "VERSION", "extract_quantities", "parse_digits", "parse_number",
           "parse_number_words", "quantities"]

VERSION = "2"

_QUALIFIER = re.compile(
    r"(?:\b(?:about|approximately|around|nearly|almost|roughly|some|over|under|more\s+than|"
    r"less\s+than|fewer\s+than|at\s+least|at\s+most|up\s+to|just\s+over|just\s+under|"
    r"close\s+to|an\s+estimated|estimated|environ|près\s+de|plus\s+de|moins\s+de|"
    r"rund|etwa|fast|knapp|mehr\s+als|weniger\s+als|über)\s+)$",
    re.IGNORECASE,
)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janvier|février|mars|"
    r"avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|januar|februar|märz|"
    r"juni|juli|oktober|dezember"
)
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.IGNORECASE)
_MONTH_AFTER = re.compile(rf"\.?\s+(?:{_MONTHS})\b", re.IGNORECASE)
_NOT_AFTER = re.compile(r"(?:\b(?:no|number|page|article|cop|g|no\.|nr\.?|n°)\s*|[#№])$", re.IGNORECASE)

_OF_CURRENCY = re.compile(r"\s+(?:de|di|of|d['’])\s*(?=[^\W\d_])", re.IGNORECASE)
"""Between a scaled amount and its currency: "3 millions d'euros", "60 millones de dólares"."""
_AMBIGUOUS_FOLLOW = re.compile(
    r"\s*(?:[-–]\s*\d|:\d|(?:a\.m\.|p\.m\.|am\b|pm\b|h\d|o'clock|o’clock|uhr\b|ч\.))", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?:[.!?:;]\s+|\n\s*)$")
_VAGUE_BEFORE = re.compile(
    r"\b(?:several|a\s+few|few|many|tens\s+of|hundreds\s+of|thousands\s+of|mehrere[n]?|einige[n]?|"
    r"etliche[n]?|plusieurs|quelques|varios|varias|algunos|algunas|alcuni|alcune|diversi|diverse|"
    r"vários|várias|alguns|algumas|несколько|нескольких)\s+$",
    re.IGNORECASE,
)
_PERIOD_HALF = re.compile(r"\b(?:first|second|latter|former|other|the)\s+$", re.IGNORECASE)


def _language(article: Article) -> str:
    """The article's primary language subtag ("" when unknown: only unambiguous numbers)."""
    return normalize_language(article.language) or ""


@cache
def _number_pattern(lang: str) -> re.Pattern[str]:
    digits = digits_pattern(lang)
    return re.compile(
        rf"(?<![\w.,/:'’-])(?<![\w][.,'’])"
        rf"(?:(?P<cur>{CURRENCY_PREFIX})(?P<curnum>{digits})(?P<cursuf>bn|mn|tn|m|k|b)?"
        rf"|(?P<frac>\b{FRACTION})"
        rf"|(?P<num>{digits})(?P<suf>bn|mn|tn|k)?"
        rf"|(?P<word>\b{word_number_pattern(lang)}))"
        rf"(?![\w]|[.,]\d)",
        re.IGNORECASE,
    )


def _is_year(raw: str, value: float) -> bool:
    return bool(re.fullmatch(r"\d{4}", raw)) and 1800 <= value <= 2100


def extract_quantities(text: str, language: str | None = "en") -> list[dict[str, Any]]:
    """All quantities in ``text`` (see the module docstring), in text order."""
    lang = normalize_language(language) or ""
    pattern = _number_pattern(lang)
    out: list[dict[str, Any]] = []
    consumed = 0
    for m in pattern.finditer(text):
        if m.start() < consumed:
            continue  # "million" in "£14 million" was read with the amount
        item = _quantity(text, m, lang)
        if item is not None:
            out.append(item)
            consumed = item["offset"] + len(item["text"])
    return out


def _quantity(text: str, m: re.Match[str], lang: str) -> dict[str, Any] | None:
    """The quantity the number ``m`` starts, or None when it is none (see the module docstring)."""
    start, end = m.start(), m.end()
    before = text[max(0, start - 30) : start]
    if m.group("frac"):
        return _fraction(text, m, before, lang)
    if m.group("cur"):
        return _prefixed_amount(text, m, before, lang)
    raw = m.group()
    if _VAGUE_BEFORE.search(before):
        return None  # "several hundred people"
    proper_name = False
    if m.group("num"):
        digits = m.group("num")
        parsed_digits = parse_number(digits, lang)
        if parsed_digits is None:
            return None  # ambiguous: no value rather than a wrong one
        value = parsed_digits
        suffix = (m.group("suf") or "").lower()
        if suffix:
            value *= SCALE_SUFFIX[suffix]
        if _MONTH_BEFORE.search(before) or _MONTH_AFTER.match(text, end):
            return None  # a date
        if _NOT_AFTER.search(before) or _AMBIGUOUS_FOLLOW.match(text, end):
            return None
        name = re.search(r"([^\W\d_][\w.-]*)\s+$", before)
        name_at = max(0, start - 30) + name.start(1) if name else 0
        window = text[max(0, name_at - 4):name_at]
        # a verb opening the sentence ("Votaron 770.000 personas") is no name; in English a
        # capitalised word there usually is one ("Boeing 737 jets"), as before
        sentence_start = lang not in ("en", "") and bool(name) and (
            (name_at <= 4 and not window.strip()) or _SENTENCE_END.search(window) is not None)
        if (
            name
            and not sentence_start
            and (name.group(1)[0].isupper() or name.group(1).isupper())
            and name.group(1).lower() not in FUNCTION_WORDS
            and not _QUALIFIER.search(before)
            and lang != "de"
        ):
            proper_name = True  # "Stoxx 600 index", "Boeing 737": part of a name, not a count
        year_like = _is_year(digits, value) and not suffix
    else:
        parsed = parse_words(m.group("word"), lang)
        if parsed is None:
            return None
        value = parsed
        year_like = False
        if raw.lower() == "one" and re.search(
            r"\b(?:no|any|every|some|the|this|that|which)\s*$", before, re.IGNORECASE
        ):
            return None  # "no one", "the one that": a pronoun
        if _AMBIGUOUS_FOLLOW.match(text, end):
            return None  # "ten o'clock"
        if re.match(r"\s+of\b", text[end:]):
            return None  # "one of the largest", "dozens of" never reach here; "five of them"

    # percent, percentage points
    points = POINTS.match(text, end)
    if points:
        of = of_phrase(text, points.end())
        return _item(text, start, points.end(), before, value, "percentage point", of[0] if of else None)
    percent = PERCENT.match(text, end)
    if percent:
        of = of_phrase(text, percent.end())
        return _item(text, start, percent.end(), before, value, "percent", of[0] if of else None)
    # a scale word: "3.2 million", "1.5bn"
    scale = scale_at(text, end, lang)
    scaled = False
    if scale and m.group("word") is None:
        value *= scale[0]
        end = scale[1]
        year_like = False
        scaled = True
    # a currency after the amount: "500 euros", "5 Mrd. Euro", "10 €", "3 millions d'euros"
    currency = CURRENCY_AFTER.match(text, end)
    joined = _OF_CURRENCY.match(text, end)
    if currency is None and joined is not None and (scaled or value >= 1e6):
        after = CURRENCY_AFTER.match(" " + text[joined.end():joined.end() + 40])
        if after is not None:
            code = after.group(1) or after.group(2)
            unit = currency_unit(code)
            return _item(text, start, joined.end() + after.end() - 1, before, value, unit, None)
    if currency:
        code = currency.group(1) or currency.group(2)
        unit = currency_unit(code)
        return _item(text, start, currency.end(), before, value, unit, None)
    if year_like:
        return None
    # a hyphenated measure qualifying a noun: "five-hour meeting", "10-year-old boy"
    hyphen = HYPHEN_UNIT.match(text, end)
    if hyphen:
        noun = count_object(text, hyphen.end(), lang, strict=False)  # "five-hour meeting"
        unit = unit_of(hyphen.group("unit"))
        obj = noun[0] if noun else None
        stop = noun[1] if noun else hyphen.end()
        return _item(text, start, stop, before, value, unit, obj)
    # a unit: "two days", "40 km", "5 degrees"
    unit_after, extra_units = space_unit(lang)
    spaced = unit_after.match(text, end)
    if spaced and (spaced.group().startswith((" ", "\u00a0")) or spaced.group("unit").lower() in MEASURES):
        unit = extra_units.get(re.sub(r"\s+", " ", spaced.group("unit").lower())) or unit_of(spaced.group("unit"))
        of = of_phrase(text, spaced.end())
        return _item(text, start, spaced.end(), before, value, unit, of[0] if of else None)
    # a count of things: "653 drones", "eight regions"
    if m.group("num") and proper_name and not scaled:
        return None
    counted = count_object(text, end, lang)
    if counted is None and (scaled or value >= 1e6):
        counted = of_phrase(text, end)  # "dois milhões de pessoas", "two million of them"
    if counted is None:
        return None
    if not scaled and not float(value).is_integer():
        return None  # "12.480 households": a count is whole; the number was misread
    return _item(text, start, counted[1], before, value, "count", counted[0])

_SIGN = re.compile(r"(?:\b(?:minus|moins|menos|meno|минус)\s+|(?<![\w\d])−\s?)$", re.IGNORECASE)
"""A minus sign (U+2212) or word before a number; a hyphen or dash is a range, not a sign."""


def _fraction(text: str, m: re.Match[str], before: str, lang: str) -> dict[str, Any] | None:
    """A fraction ("one-fifth of Ukraine's territory", "a third of the budget"); English only."""
    if lang != "en":
        return None
    start, end = m.start(), m.end()
    value = fraction_value(m.group("frac"))
    hyphenated = "-" in m.group("frac")
    if m.group("frac").lower() == "half" and _PERIOD_HALF.search(before):
        return None  # "the second half of next year" is a period
    of = of_phrase(text, end)
    if of is None and not hyphenated:
        return None  # "a third day" is an ordinal
    return _item(text, start, end, before, value, "fraction", of[0] if of else None)


def _prefixed_amount(text: str, m: re.Match[str], before: str, lang: str) -> dict[str, Any] | None:
    """An amount after a currency symbol or code ("$1.5 billion loan", "€50bn support fund")."""
    start, end = m.start(), m.end()
    parsed_amount = parse_number(m.group("curnum"), lang)
    if parsed_amount is None:
        return None  # ambiguous: no value rather than a wrong one
    value = parsed_amount
    suffix = (m.group("cursuf") or "").lower()
    value *= SCALE_SUFFIX.get(suffix, 1)
    unit = currency_unit(m.group("cur").strip())
    scale = scale_at(text, end, lang)
    if scale and not suffix:
        value *= scale[0]
        end = scale[1]
    obj: str | None = None
    obj_match = count_object(text, end, lang)
    if obj_match and not is_plural(obj_match[0]):
        obj = obj_match[0]  # "$1.5 billion loan"
        more = words_after(text, obj_match[1], 2)
        if len(more) == 2 and " " not in obj and more[0][0][0].islower() \
                and more[0][0].lower() not in FUNCTION_WORDS \
                and not more[0][0].lower().endswith(("ed", "ing", "ly")) \
                and more[1][0].lower() in FUNCTION_WORDS:
            obj = text[text.index(obj, end):more[0][2]]  # "€50bn support fund for"
    else:
        phrase = of_phrase(text, end, IN_OF)  # "$1.5 billion in aid"
        obj = phrase[0] if phrase else None
    return _item(text, start, end, before, value, unit, obj)


def _item(
    text: str, start: int, end: int, before: str, value: float, unit: str, obj: str | None
) -> dict[str, Any]:
    sign = _SIGN.search(before)
    if sign:  # "minus 30 degrees", "−4.5%": the sign is part of the value
        start -= len(sign.group())
        value = -value
        before = before[: len(before) - len(sign.group())]
    qualifier = _QUALIFIER.search(before)
    if qualifier:
        start -= len(qualifier.group())
    return {
        "text": text[start:end],
        "value": round(float(value), 6),
        "unit": unit,
        "object": obj,
        "offset": start,
    }


def quantities(article: Article) -> Fields:
    return {"quantities": extract_quantities(bounded_text(article), _language(article))}


QUANTITIES = register_per_article(
    quantities, name="quantities", version=VERSION, fields=("quantities",), requires=("language",),
    description="Counts and amounts (digits and English number words) with unit and counted noun.")
