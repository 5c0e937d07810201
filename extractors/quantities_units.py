"""The units lexicon of the ``quantities`` extractor: currencies, time units, measures, percent.

Words and symbols as news text writes them, mapped to one unit name each (ISO 4217 codes,
``hour``, ``km``, ``celsius``…), and the patterns that find a unit after a number: a
currency before (``$``, ``€``, ``USD``) or after it (``euros``, ``рублей``), ``%`` and
``percentage points``, a hyphenated measure (``five-hour``), a unit after a space
(``40 km``; words of other languages only in articles of that language, :func:`space_unit`).
"""

from __future__ import annotations

import re
from functools import cache

CURRENCY_PREFIX = r"US\$|A\$|C\$|\$|€|£|¥|(?:USD|EUR|GBP|CHF|JPY|CNY|RUB|UAH)\s?"
_CURRENCY_SYMBOL = {"$": "USD", "us$": "USD", "a$": "AUD", "c$": "CAD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_CURRENCY_WORD = {
    "dollar": "USD", "dollars": "USD", "euro": "EUR", "euros": "EUR", "pound": "GBP",
    "pounds": "GBP", "yen": "JPY", "yuan": "CNY", "rouble": "RUB", "roubles": "RUB",
    "ruble": "RUB", "rubles": "RUB", "hryvnia": "UAH", "hryvnias": "UAH", "hryvnia's": "UAH",
    "franc": "CHF", "francs": "CHF", "franken": "CHF", "usd": "USD", "eur": "EUR",
    "gbp": "GBP", "chf": "CHF", "jpy": "JPY", "cny": "CNY", "rub": "RUB", "uah": "UAH",
    "dólares": "USD", "dólar": "USD", "dolares": "USD", "dolar": "USD", "dollari": "USD",
    "libras": "GBP", "libra": "GBP", "sterline": "GBP", "reais": "BRL", "yenes": "JPY",
    "yuanes": "CNY", "rublos": "RUB", "rubli": "RUB", "долларов": "USD", "доллара": "USD",
    "доллар": "USD", "евро": "EUR", "рублей": "RUB", "рубля": "RUB", "рубль": "RUB",
    "гривен": "UAH", "гривны": "UAH", "гривна": "UAH", "гривень": "UAH", "фунтов": "GBP",
    "franchi": "CHF",
}
_TIME_UNITS = {
    "second": "second", "minute": "minute", "hour": "hour", "day": "day", "week": "week",
    "month": "month", "year": "year", "decade": "decade", "century": "century",
    "centuries": "century",
    # French and German, for the cheap cases
    "jour": "day", "jours": "day", "heure": "hour", "heures": "hour", "semaine": "week",
    "semaines": "week", "mois": "month", "an": "year", "ans": "year", "année": "year",
    "années": "year", "tag": "day", "tage": "day", "tagen": "day", "stunde": "hour",
    "stunden": "hour", "woche": "week", "wochen": "week", "monat": "month", "monate": "month",
    "monaten": "month", "jahr": "year", "jahre": "year", "jahren": "year", "minuten": "minute",
}
MEASURES = {
    "km": "km", "kilometre": "km", "kilometres": "km", "kilometer": "km", "kilometers": "km",
    "kilomètres": "km", "kilometern": "km", "mile": "mile", "miles": "mile", "metre": "m",
    "metres": "m", "meter": "m", "meters": "m", "mètres": "m", "metern": "m", "kg": "kg",
    "kilogram": "kg", "kilograms": "kg", "kilogramme": "kg", "kilogrammes": "kg",
    "tonne": "tonne", "tonnes": "tonne", "ton": "tonne", "tons": "tonne", "mw": "MW",
    "megawatt": "MW", "megawatts": "MW", "gw": "GW", "gigawatt": "GW", "gigawatts": "GW",
    "kw": "kW", "kilowatt": "kW", "kilowatts": "kW", "mwh": "MWh", "gwh": "GWh", "twh": "TWh",
    "kwh": "kWh", "barrel": "barrel", "barrels": "barrel", "°c": "celsius", "° c": "celsius",
    "degrees celsius": "celsius", "degree celsius": "celsius", "grad celsius": "celsius",
    "degrés celsius": "celsius", "°f": "fahrenheit", "degrees fahrenheit": "fahrenheit",
    # a bare degree is an angle or a temperature in an unsaid scale ("a 360-degree camera")
    "degree": "degree", "degrees": "degree", "grad": "degree", "degrés": "degree",
    "cu. ft.": "cubic foot", "cu ft": "cubic foot", "cu. ft": "cubic foot",
    "cubic feet": "cubic foot", "cubic foot": "cubic foot", "ft³": "cubic foot",
    "cubic metres": "m³", "cubic meters": "m³", "cubic metre": "m³", "cubic meter": "m³",
    "m³": "m³", "sq. ft.": "square foot", "sq ft": "square foot", "square feet": "square foot",
    "square foot": "square foot", "square metres": "m²", "square meters": "m²", "m²": "m²",
    "square kilometres": "km²", "square kilometers": "km²", "sq km": "km²", "km²": "km²",
    "square miles": "square mile", "square mile": "square mile", "feet": "foot", "foot": "foot",
    "ft": "foot", "inches": "inch", "inch": "inch", "litres": "litre", "liters": "litre",
    "litre": "litre", "liter": "litre",
    "cm": "cm", "centimetre": "cm", "centimetres": "cm", "centimeter": "cm",
    "centimeters": "cm", "mm": "mm", "millimetre": "mm", "millimetres": "mm",
    "millimeter": "mm", "millimeters": "mm", "hectare": "hectare", "hectares": "hectare", "bcm": "bcm", "light-year": "light-year",
    "light-years": "light-year", "light year": "light-year", "light years": "light-year",
}
_UNIT_WORDS = "|".join(
    sorted(
        (re.escape(w) for w in [*_TIME_UNITS, *(f"{u}s" for u in _TIME_UNITS if u.isascii()), *MEASURES]),
        key=len,
        reverse=True,
    )
)
PERCENT = re.compile(
    r"\s?%|\s+(?:per\s?cent|percent|pc|pour\s?cent|prozent|por\s+ciento|por\s+cento|"
    r"per\s+cento|procento|процент(?:а|ов)?)(?![\w])(?!age)",
    re.IGNORECASE,
)
POINTS = re.compile(r"\s+percentage\s+points?\b|\s+prozentpunkte?n?\b|\s+points?\s+de\s+pourcentage\b", re.IGNORECASE)
CURRENCY_AFTER = re.compile(
    r"\s+(?:US\s+)?(dollars?|euros?|pounds?(?:\s+sterling)?|yen|yuan|roubles?|rubles?|"
    r"hryvnias?|francs?\s+suisses|francs?|franken|franchi\s+svizzeri|usd|eur|gbp|chf|jpy|"
    r"cny|rub|uah|dólares|dólar|dolares|dolar|dollari|dólares|libras?\s+esterlinas|"
    r"sterline|reais|yenes|yuanes|rublos|rubli|долларов|доллара|доллар|евро|рублей|рубля|"
    r"рубль|гривен|гривны|гривна|гривень|фунтов)(?![\w])|\s?(€|\$|£)",
    re.IGNORECASE,
)
HYPHEN_UNIT = re.compile(
    rf"-(?P<unit>{_UNIT_WORDS})(?:-(?:long|old|strong))?(?=\s+(?P<obj>[^\W\d_][\w'’-]*))",
    re.IGNORECASE,
)
_SPACE_UNIT = re.compile(rf"\s*(?P<unit>{_UNIT_WORDS})(?![\w])", re.IGNORECASE)
_UNITS_BY_LANGUAGE: dict[str, dict[str, str]] = {
    "es": {"segundos": "second", "minuto": "minute", "minutos": "minute", "hora": "hour",
           "horas": "hour", "día": "day", "días": "day", "semana": "week", "semanas": "week",
           "mes": "month", "meses": "month", "año": "year", "años": "year", "kilómetros": "km",
           "kilómetro": "km", "metros": "m", "toneladas": "tonne", "grados celsius": "celsius",
           "grados": "degree", "hectáreas": "hectare", "barriles": "barrel"},
    "it": {"secondi": "second", "minuti": "minute", "ore": "hour", "giorno": "day",
           "giorni": "day", "settimana": "week", "settimane": "week", "mese": "month",
           "mesi": "month", "anno": "year", "anni": "year", "chilometri": "km", "metri": "m",
           "tonnellate": "tonne", "gradi": "degree", "ettari": "hectare", "barili": "barrel"},
    "pt": {"segundos": "second", "minutos": "minute", "hora": "hour", "horas": "hour",
           "dia": "day", "dias": "day", "semana": "week", "semanas": "week", "mês": "month",
           "meses": "month", "ano": "year", "anos": "year", "quilômetros": "km",
           "quilómetros": "km", "metros": "m", "toneladas": "tonne", "graus celsius": "celsius",
           "graus": "degree", "hectares": "hectare", "barris": "barrel"},
    "ru": {"секунд": "second", "минут": "minute", "минуты": "minute", "час": "hour",
           "часа": "hour", "часов": "hour", "день": "day", "дня": "day", "дней": "day",
           "сутки": "day", "суток": "day", "неделю": "week", "недели": "week", "недель": "week",
           "месяц": "month", "месяца": "month", "месяцев": "month", "год": "year",
           "года": "year", "лет": "year", "км": "km", "километров": "km", "метров": "m",
           "тонн": "tonne", "градусов": "degree", "гектаров": "hectare", "баррелей": "barrel"},
}
"""Time and measure words of other languages, read only in articles of that language ("ore"
is Italian hours, English iron ore)."""


@cache
def space_unit(lang: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """The unit-after-a-number pattern for ``lang`` and its extra words."""
    extra = _UNITS_BY_LANGUAGE.get(lang)
    if not extra:
        return _SPACE_UNIT, {}
    words = "|".join(sorted((re.escape(w) for w in extra), key=len, reverse=True))
    return re.compile(rf"\s*(?P<unit>{words}|{_UNIT_WORDS})(?![\w])", re.IGNORECASE), extra


def unit_of(word: str) -> str:
    """The unit name of a measure or time word ("kilometres" → ``km``, "hours" → ``hour``)."""
    low = word.lower()
    if low in MEASURES:
        return MEASURES[low]
    if low in _TIME_UNITS:
        return _TIME_UNITS[low]
    return _TIME_UNITS.get(low[:-1], low)  # "hours" → "hour"


def currency_unit(written: str) -> str:
    """The ISO 4217 code of a currency as written ("$", "US$", "euros", "pounds sterling",
    "USD"); an unknown one in upper case."""
    low = written.lower()
    return _CURRENCY_SYMBOL.get(low) or _CURRENCY_WORD.get(low.split()[0], written.upper())
