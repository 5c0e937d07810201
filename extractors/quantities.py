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

from extractors.base import Extractor, Fields, bounded_text, per_article
from extractors.registry import register
from newsflow.langtags import primary_subtag
from newsflow.models import Article

VERSION = "2"


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# --------------------------------------------------------------------------- number words

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_DENOMINATORS = {
    "half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
    "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "seventh": 7, "sevenths": 7,
    "eighth": 8, "eighths": 8, "ninth": 9, "ninths": 9, "tenth": 10, "tenths": 10,
}
_SCALE_SUFFIX = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
_SCALE_WORDS = {
    "thousand": 1e3, "million": 1e6, "millions": 1e6, "mn": 1e6, "mio": 1e6,
    "millionen": 1e6, "billion": 1e9, "bn": 1e9, "milliard": 1e9, "milliards": 1e9,
    "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "trillion": 1e12, "tn": 1e12,
    "tausend": 1e3, "mille": 1e3,
}
_SCALE_WORDS_BY_LANGUAGE: dict[str, dict[str, float]] = {
    "en": {"billion": 1e9, "billions": 1e9},
    "es": {"mil": 1e3, "millón": 1e6, "millones": 1e6, "mil millones": 1e9, "millardo": 1e9,
           "millardos": 1e9, "billón": 1e12, "billones": 1e12},
    "pt": {"mil": 1e3, "milhão": 1e6, "milhões": 1e6, "milhao": 1e6, "milhoes": 1e6,
           "bilhão": 1e9, "bilhões": 1e9, "mil milhões": 1e9},
    "it": {"mila": 1e3, "milione": 1e6, "milioni": 1e6, "miliardo": 1e9, "miliardi": 1e9},
    "fr": {"mille": 1e3, "million": 1e6, "millions": 1e6, "milliard": 1e9, "milliards": 1e9,
           "billion": 1e12, "billions": 1e12},
    "de": {"tausend": 1e3, "million": 1e6, "millionen": 1e6, "mio": 1e6, "milliarde": 1e9,
           "milliarden": 1e9, "mrd": 1e9, "billion": 1e12, "billionen": 1e12},
    "ru": {"тыс": 1e3, "тысяча": 1e3, "тысячи": 1e3, "тысяч": 1e3, "млн": 1e6, "миллион": 1e6,
           "миллиона": 1e6, "миллионов": 1e6, "млрд": 1e9, "миллиард": 1e9, "миллиарда": 1e9,
           "миллиардов": 1e9},
}
"""Scale words after a number, per language ("billion" is 10⁹ in English, 10¹² in German;
"mil" is a thousand in Spanish and Portuguese); a language not listed uses
:data:`_SCALE_WORDS` only."""

_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "dozen"], key=len, reverse=True))
_WORDNUM = (
    rf"(?:an?\s+(?=(?:dozen|hundred|thousand|million|billion|trillion)\b))?"
    rf"(?:{_NUMBER_WORD})(?:(?:\s*-\s*|\s+and\s+|\s+)(?:{_NUMBER_WORD}))*"
)
_WORD_TOKENS: dict[str, tuple[str, str]] = {
    "fr": (r"zéro|une?|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|"
           r"quatorze|quinze|seize|vingts?|trente|quarante|cinquante|soixante|cents?|mille|"
           r"millions?|milliards?", r"et"),
    "es": (r"cero|uno?|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|"
           r"catorce|quince|dieci\w+|veinti\w+|veinte|treinta|cuarenta|cincuenta|sesenta|"
           r"setenta|ochenta|noventa|cien|ciento|\w+cientos|\w+cientas|quinientos|quinientas|"
           r"mil|millón|millones", r"y"),
    "pt": (r"um|uma|dois|duas|três|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|treze|"
           r"catorze|quatorze|quinze|dez\w+|vinte|trinta|quarenta|cinquenta|sessenta|setenta|"
           r"oitenta|noventa|cem|cento|duzent[oa]s|trezent[oa]s|quatrocent[oa]s|quinhent[oa]s|"
           r"seiscent[oa]s|setecent[oa]s|oitocent[oa]s|novecent[oa]s|mil|milhão|milhões|"
           r"bilhão|bilhões", r"e"),
    "it": (r"(?:un|uno|una|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|"
           r"tredici|quattordici|quindici|sedici|diciassette|diciotto|diciannove|venti|vent|"
           r"trenta|trent|quaranta|quarant|cinquanta|cinquant|sessanta|sessant|settanta|settant|"
           r"ottanta|ottant|novanta|novant|cento|mille|mila)+|milion[ei]|miliard[oi]", r"e"),
    "de": (r"(?!und\b)(?:ein|eins|zwei|drei|vier|fünf|sechs|sech|sieben|sieb|acht|neun|zehn|elf|zwölf|"
           r"zwanzig|dreißig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig|hundert|tausend|"
           r"und)+|eine[rnm]?|millionen|million|milliarden|milliarde", r""),
}
"""Number words per language read with text2num (``drei Millionen``, ``deux cents``,
``sesenta mil``): the words and the conjunction inside numbers. Russian has no reader."""
_ONE_WORDS = frozenset(["un", "une", "uno", "una", "um", "uma", "ein", "eine", "einer", "einen", "einem", "eins"])
""""one" words that are also the indefinite article: a number only before a scale word."""


@cache
def _word_number(lang: str) -> str:
    if lang == "en" or lang not in _WORD_TOKENS:
        return _WORDNUM
    tokens, conjunction = _WORD_TOKENS[lang]
    joint = rf"(?:-|\s+(?:{conjunction}\s+)?)" if conjunction else r"(?:-|\s+)"
    return rf"(?:{tokens})(?:{joint}(?:{tokens}))*"


def parse_words(raw: str, lang: str) -> float | None:
    """The value of number words in ``lang`` (English: :func:`parse_number_words`; fr es pt
    it de: text2num); None when they are not one number or a lone "one" word
    (``une``, ``ein``: an article)."""
    if lang == "en":
        return parse_number_words(raw)
    if lang not in _WORD_TOKENS:
        return None
    words = raw.lower().split()
    if len(words) == 1 and (words[0] in _ONE_WORDS or words[0] in _VAGUE_PLURALS):
        return None
    if lang == "de":
        words = ["ein" if w in _ONE_WORDS else w for w in words]
    if all(w in ("und", "et", "y", "e") for w in words):
        return None
    from text_to_num import text2num

    try:
        return float(text2num(" ".join(words), lang))
    except ValueError:
        return None


_FRACTION = (
    r"(?:(?:one|a|two|three|four|five|six|seven|eight|nine)[\s-]+"
    r"(?:halves|half|thirds|third|quarters|quarter|fifths|fifth|sixths|sixth|sevenths|"
    r"seventh|eighths|eighth|ninths|ninth|tenths|tenth)|half)"
)
_SEPARATORS = (",", r"\.", "'", "’", "\u00a0", "\u202f", "\u2009")
"""Group separators (a plain space too, outside English): comma, point, apostrophe (Swiss),
no-break and thin spaces."""
_CONVENTION: dict[str, str] = {
    **dict.fromkeys(["en", "zh", "ja", "ko", "hi", "th", "he", "ms", "ga", "mt"], "point"),
    **dict.fromkeys(["de", "es", "it", "pt", "nl", "tr", "da", "id", "ro", "el", "vi", "sl", "hr", "sr", "is"], "comma"),
    **dict.fromkeys(["fr", "ru", "uk", "pl", "cs", "sk", "sv", "nb", "nn", "no", "fi", "hu", "bg", "et", "lv", "lt", "be", "kk", "ka"], "space"),
}
"""How a language writes 1234.5 and 1234: ``point`` 1,234.5 (comma groups), ``comma``
1.234,5 (point groups), ``space`` 1 234,5 (space groups, a point is not used). A language
not listed has no convention: only unambiguous numbers are read."""


@cache
def _digits(lang: str) -> str:
    """The regular expression of a written number (without its sign) for ``lang``."""
    separators = [*_SEPARATORS, *([] if lang == "en" else [" "])]
    grouped = "|".join(rf"\d{{1,3}}(?:{sep}\d{{3}})+" for sep in separators)
    return rf"\d{{1,2}}(?:,\d{{2}})+,\d{{3}}(?:\.\d+)?|(?:{grouped})(?:[.,]\d+)?|\d+(?:[.,]\d+)?"


_CURRENCY_PREFIX = r"US\$|A\$|C\$|\$|€|£|¥|(?:USD|EUR|GBP|CHF|JPY|CNY|RUB|UAH)\s?"
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
_MEASURES = {
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
        (re.escape(w) for w in [*_TIME_UNITS, *(f"{u}s" for u in _TIME_UNITS if u.isascii()), *_MEASURES]),
        key=len,
        reverse=True,
    )
)
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
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")

_FUNCTION_WORDS = _set(
    """
    a an the of to in on at by for from with without and or but nor as than that this these
    those it its it's is are was were be been being has have had do does did will would shall
    should can could may might must not no per more most less least other another such so
    very about over under into onto out up down off than then there their they them he she
    him her his hers we us our you your i me my which who whom whose what when where why how
    all any each every both either neither some several many much few fewer times time
    percent per cent pc if while after before since until during against among between
    through across toward towards around also just only even still again ago later earlier
    said says say told according including include includes
    de des du la le les et ou en à au aux pour par sur dans avec sans un une ce ces cette
    qui que dont plus moins ont sont été est était
    der die das den dem des ein eine einer einem einen und oder mit von zu zum zur im in auf
    für bei nach aus über unter vor seit bis als wie sind ist war waren wurden wurde hat haben
    mehr weniger prozent
    el los las y o del al por para con sin sobre entre desde hasta según más menos es son fue
    fueron ha han se su sus
    il lo gli i di della delle degli dei da dal nel nella e che per con non più meno è sono
    os do da dos das no na nos nas em um uma e ou com sem mais menos foi foram
    и в на с по за из от до не что как это а но или
    """
)
_MODIFIERS = _set(
    """
    more new other additional extra further separate different consecutive straight
    successive previous major small large big key senior young old top leading main
    derniers dernières premiers premières prochains prochaines autres nouveaux nouvelles
    grands grandes petits petites weitere weiteren neue neuen letzten ersten großen kleinen
    últimos últimas primeros primeras nuevos nuevas otros otras ultimi ultime primi prime
    nuovi nuove altri altre últimos primeiros novos novas outros outras
    """
)
_IRREGULAR_PLURALS = _set(
    "people children men women police staff personnel cattle troops sheep fish deer "
    "aircraft mice geese feet teeth"
)
_DETERMINERS = _set(
    "the a an its their his her our your this these those all some les la le des du de l' "
    "der die das den dem des los las el lo gli il i os as o"
)


@cache
def _number_pattern(lang: str) -> re.Pattern[str]:
    digits = _digits(lang)
    return re.compile(
        rf"(?<![\w.,/:'’-])(?<![\w][.,'’])"
        rf"(?:(?P<cur>{_CURRENCY_PREFIX})(?P<curnum>{digits})(?P<cursuf>bn|mn|tn|m|k|b)?"
        rf"|(?P<frac>\b{_FRACTION})"
        rf"|(?P<num>{digits})(?P<suf>bn|mn|tn|k)?"
        rf"|(?P<word>\b{_word_number(lang)}))"
        rf"(?![\w]|[.,]\d)",
        re.IGNORECASE,
    )


_PERCENT = re.compile(
    r"\s?%|\s+(?:per\s?cent|percent|pc|pour\s?cent|prozent|por\s+ciento|por\s+cento|"
    r"per\s+cento|procento|процент(?:а|ов)?)(?![\w])(?!age)",
    re.IGNORECASE,
)
_POINTS = re.compile(r"\s+percentage\s+points?\b|\s+prozentpunkte?n?\b|\s+points?\s+de\s+pourcentage\b", re.IGNORECASE)


@cache
def _scale_pattern(lang: str) -> tuple[re.Pattern[str], dict[str, float]]:
    """The scale words of ``lang`` after a number ("3.2 million", "60 mil", "5 Mrd.")."""
    words = {**_SCALE_WORDS, **_SCALE_WORDS_BY_LANGUAGE.get(lang, {})}
    if "billion" not in _SCALE_WORDS_BY_LANGUAGE.get(lang, {}):
        words.pop("billion")  # 10⁹ in English, 10¹² in French and German: ambiguous elsewhere
    alternation = "|".join(re.escape(w).replace("\\ ", "\\s+")
                           for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"\s+({alternation})\.?(?![\w])", re.IGNORECASE)
    return pattern, words


def _scale_at(text: str, pos: int, lang: str) -> tuple[float, int] | None:
    """(factor, end) of a scale word right after ``pos``, or None."""
    pattern, words = _scale_pattern(lang)
    m = pattern.match(text, pos)
    if m is None:
        return None
    return words[re.sub(r"\s+", " ", m.group(1).lower())], m.end()

_CURRENCY_AFTER = re.compile(
    r"\s+(?:US\s+)?(dollars?|euros?|pounds?(?:\s+sterling)?|yen|yuan|roubles?|rubles?|"
    r"hryvnias?|francs?\s+suisses|francs?|franken|franchi\s+svizzeri|usd|eur|gbp|chf|jpy|"
    r"cny|rub|uah|dólares|dólar|dolares|dolar|dollari|dólares|libras?\s+esterlinas|"
    r"sterline|reais|yenes|yuanes|rublos|rubli|долларов|доллара|доллар|евро|рублей|рубля|"
    r"рубль|гривен|гривны|гривна|гривень|фунтов)(?![\w])|\s?(€|\$|£)",
    re.IGNORECASE,
)
_HYPHEN_UNIT = re.compile(
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
def _space_unit(lang: str) -> tuple[re.Pattern[str], dict[str, str]]:
    """The unit-after-a-number pattern for ``lang`` and its extra words."""
    extra = _UNITS_BY_LANGUAGE.get(lang)
    if not extra:
        return _SPACE_UNIT, {}
    words = "|".join(sorted((re.escape(w) for w in extra), key=len, reverse=True))
    return re.compile(rf"\s*(?P<unit>{words}|{_UNIT_WORDS})(?![\w])", re.IGNORECASE), extra
_OF = re.compile(
    r"\s+(?:(?:of|de|des|du|der|von|di|del|della|delle|degli|dei|do|da|dos|das)\b\s*|d['’])",
    re.IGNORECASE,
)
_OF_CURRENCY = re.compile(r"\s+(?:de|di|of|d['’])\s*(?=[^\W\d_])", re.IGNORECASE)
"""Between a scaled amount and its currency: "3 millions d'euros", "60 millones de dólares"."""
_IN_OF = re.compile(r"\s+(?:in|of|for|worth\s+of)\s", re.IGNORECASE)
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
_VAGUE_PLURALS = frozenset(
    ["millionen", "milliarden", "millions", "milliards", "millones", "milioni", "miliardi",
     "milhões", "bilhões", "tausende", "hunderte", "zehntausende", "hunderttausende", "milliers",
     "centaines", "miles", "cientos", "migliaia", "centinaia", "milhares", "centenas"]
)
"""A scale word alone in the plural is vague ("Millionen Arbeitsplätze": millions of jobs)."""
_PERIOD_HALF = re.compile(r"\b(?:first|second|latter|former|other|the)\s+$", re.IGNORECASE)


def _language(article: Article) -> str:
    """The article's primary language subtag ("" when unknown: only unambiguous numbers)."""
    return _code(article.language)


_LAKH = re.compile(r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?")
_GROUPS = re.compile(r"(\d{1,3}(?:([ ',.])\d{3})(?:\2\d{3})*)(?:([.,])(\d+))?")
_DECIMAL = re.compile(r"(\d+)([.,])(\d+)")


def parse_number(raw: str, lang: str | None = "en") -> float | None:
    """The value of a digit string as ``lang`` writes numbers; None when it is ambiguous.

    Unambiguous anywhere: ``12'480`` and ``1'750'000`` (Swiss), ``12 345`` with a space,
    thin or no-break space, ``1.234.567,89`` and ``1,234,567.89`` (two group marks, or a
    group mark and a different decimal mark), ``1,50,000`` (Indian lakh grouping), ``3.5``.
    By the language's convention (:data:`_CONVENTION`): one group mark and no decimal
    (``1,234``, ``770.000``) and a decimal comma (``1,8``); a language without a
    convention leaves those out (None).
    """
    s = re.sub("[\u00a0\u202f\u2009]", " ", raw).replace("’", "'")
    convention = _CONVENTION.get(_code(lang))
    if s.isdigit():
        return float(s)
    if _LAKH.fullmatch(s):
        return float(s.replace(",", ""))
    m = _GROUPS.fullmatch(s)
    if m:
        group, sep, dec, frac = m.groups()
        integer = float(group.replace(sep, ""))
        fraction = float(f"0.{frac}") if frac else 0.0
        if dec is not None and dec == sep:
            return None
        if sep in " '" or dec is not None or group.count(sep) > 1:
            return integer + fraction
        if (sep == "," and convention == "point") or (sep == "." and convention == "comma"):
            return integer  # one group mark: "1,234" in English, "770.000" in German
        if sep == "," and convention in ("comma", "space"):
            return float(s.replace(",", "."))  # "1,234" in German or French: a decimal
        if sep == "." and convention == "point":
            return float(s)
        return None
    m = _DECIMAL.fullmatch(s)
    if m:
        if m.group(2) == ".":
            return float(s)
        return float(s.replace(",", ".")) if convention in ("comma", "space") else None
    return None


def parse_digits(raw: str, lang: str = "en") -> float:
    """The value of a digit string written with ``lang``'s separators.

    Raises ValueError when it is ambiguous or not a number (see :func:`parse_number`)."""
    value = parse_number(raw, lang)
    if value is None:
        raise ValueError(f"{raw!r} is not an unambiguous number in {lang!r}")
    return value


def _code(lang: str | None) -> str:
    return primary_subtag(lang)


def parse_number_words(raw: str) -> float | None:
    """The value of English number words (``twenty-five``, ``a dozen``, ``three hundred and
    fifty thousand``); ``None`` if they do not make one number."""
    tokens = [t for t in re.split(r"[\s-]+", raw.lower()) if t and t not in {"and", "a", "an"}]
    if not tokens:
        return None
    if raw.lower().startswith(("a ", "an ")) and tokens[0] not in {"dozen", *_SCALES}:
        return None
    total = 0.0
    current = 0.0
    seen_any = False
    last_small: int | None = None
    for token in tokens:
        if token == "dozen":
            current = (current or 1) * 12
        elif token in _UNITS or token in _TENS:
            value = _UNITS.get(token, _TENS.get(token, 0))
            # "one two" or "five six" is a list, not a number
            if last_small is not None and not (last_small >= 20 and last_small % 10 == 0 and value < 10):
                return None
            current += value
            last_small = value
        elif token == "hundred":
            current = (current or 1) * 100
            last_small = None
        else:
            scale = _SCALES[token]
            total += (current or 1) * scale
            current = 0.0
            last_small = None
        seen_any = True
    return total + current if seen_any else None


def _fraction_value(raw: str) -> float:
    parts = re.split(r"[\s-]+", raw.lower())
    if parts == ["half"]:
        return 0.5
    numerator = 1 if parts[0] in {"a", "one"} else _UNITS[parts[0]]
    return numerator / _DENOMINATORS[parts[-1]]


def _words_after(text: str, pos: int, limit: int = 5) -> list[tuple[str, int, int]]:
    """Up to ``limit`` words right after ``pos``, separated by single spaces only (a comma or
    other punctuation ends the run)."""
    out: list[tuple[str, int, int]] = []
    while len(out) < limit:
        m = re.match(r"[ \u00a0]", text[pos : pos + 1])
        if not m:
            break
        word = _WORD.match(text, pos + 1)
        if not word:
            break
        out.append((word.group(), word.start(), word.end()))
        pos = word.end()
    return out


def _is_plural(word: str) -> bool:
    low = word.lower()
    return low in _IRREGULAR_PLURALS or (low.endswith("s") and not low.endswith(("ss", "us", "is")))


def _count_object(text: str, pos: int, lang: str, strict: bool = True) -> tuple[str, int] | None:
    """The counted noun right after ``pos`` and where it ends, or ``None``.

    A lone word ending in -ed ("3 killed", "the 22-year-old stepped") is refused; so is one
    ending in -ing/-ly when ``strict`` ("two remaining"): after a bare number they are more
    often verbs or adjectives than nouns, after "five-hour" nouns ("meeting")."""
    words = _words_after(text, pos, 3)
    if not words:
        return None
    low = [w.lower() for w, _, _ in words]
    if low[0] in _FUNCTION_WORDS:
        return None
    start = 0
    if low[0] in _MODIFIERS and len(words) > 1 and low[1] not in _FUNCTION_WORDS:
        start = 1
    if lang == "de":  # German nouns are capitalised: skip lower-case adjectives to the noun
        for word, _, word_end in words[start:start + 3]:
            if word[0].isupper():
                return word, word_end
            if word.lower() in _FUNCTION_WORDS or not word.lower().endswith(("e", "en", "er", "es", "em")):
                return None  # "dreiunddreißig geworden": a verb, not a counted noun
        return None
    first, _, first_end = words[start]
    capital_ok = False
    if start + 1 < len(words):
        second, _, second_end = words[start + 1]
        if (
            low[start + 1] not in _FUNCTION_WORDS
            and _is_plural(second)
            and not _is_plural(first)
            and second[0].islower()
        ):
            return text[words[start][1] : second_end], second_end
    if first[0].isupper() and not capital_ok:
        return None
    if low[start].endswith("ed") or (strict and low[start].endswith(("ing", "ly"))):
        return None
    return first, first_end


def _of_phrase(text: str, pos: int, preposition: re.Pattern[str] | None = None) -> tuple[str, int] | None:
    """The noun phrase after "of" (or ``preposition``) at ``pos``, determiners dropped."""
    m = (preposition or _OF).match(text, pos)
    if not m:
        return None
    words = _words_after(text, m.end() - 1 if text[m.end() - 1] == " " else m.end(), 5)
    if text[m.end() - 1] not in " \u00a0":  # "d'énergie": no space after the elision
        elided = _WORD.match(text, m.end())
        words = [(elided.group(), elided.start(), elided.end())] if elided else []
    while words and words[0][0].lower() in _DETERMINERS:
        words = words[1:]
    kept: list[tuple[str, int, int]] = []
    for word, start, end in words:
        if word.lower() in _FUNCTION_WORDS or len(kept) == 3:
            break
        kept.append((word, start, end))
        if _is_plural(word) and not word.endswith(("'s", "’s")):
            break  # the head of "incoming missiles and drones" is "missiles"
    if not kept:
        return None
    return text[kept[0][1] : kept[-1][2]], kept[-1][2]


def _is_year(raw: str, value: float) -> bool:
    return bool(re.fullmatch(r"\d{4}", raw)) and 1800 <= value <= 2100


def extract_quantities(text: str, language: str | None = "en") -> list[dict[str, Any]]:
    """All quantities in ``text`` (see the module docstring), in text order."""
    lang = _code(language)
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
    start, end = m.start(), m.end()
    before = text[max(0, start - 30) : start]
    unit: str | None = None
    obj: str | None = None
    raw = m.group()
    if m.group("frac") and lang != "en":
        return None  # English fractions only
    if m.group("frac"):
        value = _fraction_value(m.group("frac"))
        hyphenated = "-" in m.group("frac")
        if m.group("frac").lower() == "half" and _PERIOD_HALF.search(before):
            return None  # "the second half of next year" is a period
        of = _of_phrase(text, end)
        if of is None and not hyphenated:
            return None  # "a third day" is an ordinal
        unit = "fraction"
        obj = of[0] if of else None
        return _item(text, start, end, before, value, unit, obj)
    if m.group("cur"):
        parsed_amount = parse_number(m.group("curnum"), lang)
        if parsed_amount is None:
            return None  # ambiguous: no value rather than a wrong one
        value = parsed_amount
        suffix = (m.group("cursuf") or "").lower()
        value *= _SCALE_SUFFIX.get(suffix, 1)
        symbol = m.group("cur").strip().lower()
        unit = _CURRENCY_SYMBOL.get(symbol) or _CURRENCY_WORD.get(symbol, symbol.upper())
        scale = _scale_at(text, end, lang)
        if scale and not suffix:
            value *= scale[0]
            end = scale[1]
        obj_match = _count_object(text, end, lang)
        if obj_match and not _is_plural(obj_match[0]):
            obj = obj_match[0]  # "$1.5 billion loan"
            more = _words_after(text, obj_match[1], 2)
            if len(more) == 2 and " " not in obj and more[0][0][0].islower() \
                    and more[0][0].lower() not in _FUNCTION_WORDS \
                    and not more[0][0].lower().endswith(("ed", "ing", "ly")) \
                    and more[1][0].lower() in _FUNCTION_WORDS:
                obj = text[text.index(obj, end):more[0][2]]  # "€50bn support fund for"
        else:
            phrase = _of_phrase(text, end, _IN_OF)  # "$1.5 billion in aid"
            obj = phrase[0] if phrase else None
        return _item(text, start, end, before, value, unit, obj)

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
            value *= _SCALE_SUFFIX[suffix]
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
            and name.group(1).lower() not in _FUNCTION_WORDS
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
    points = _POINTS.match(text, end)
    if points:
        of = _of_phrase(text, points.end())
        return _item(text, start, points.end(), before, value, "percentage point", of[0] if of else None)
    percent = _PERCENT.match(text, end)
    if percent:
        of = _of_phrase(text, percent.end())
        return _item(text, start, percent.end(), before, value, "percent", of[0] if of else None)
    # a scale word: "3.2 million", "1.5bn"
    scale = _scale_at(text, end, lang)
    scaled = False
    if scale and m.group("word") is None:
        value *= scale[0]
        end = scale[1]
        year_like = False
        scaled = True
    # a currency after the amount: "500 euros", "5 Mrd. Euro", "10 €", "3 millions d'euros"
    currency = _CURRENCY_AFTER.match(text, end)
    joined = _OF_CURRENCY.match(text, end)
    if currency is None and joined is not None and (scaled or value >= 1e6):
        after = _CURRENCY_AFTER.match(" " + text[joined.end():joined.end() + 40])
        if after is not None:
            code = after.group(1) or after.group(2)
            unit = _CURRENCY_SYMBOL.get(code.lower()) or _CURRENCY_WORD.get(code.lower().split()[0], code.upper())
            return _item(text, start, joined.end() + after.end() - 1, before, value, unit, None)
    if currency:
        code = currency.group(1) or currency.group(2)
        unit = _CURRENCY_SYMBOL.get(code.lower()) or _CURRENCY_WORD.get(code.lower().split()[0], code.upper())
        return _item(text, start, currency.end(), before, value, unit, None)
    if year_like:
        return None
    # a hyphenated measure qualifying a noun: "five-hour meeting", "10-year-old boy"
    hyphen = _HYPHEN_UNIT.match(text, end)
    if hyphen:
        noun = _count_object(text, hyphen.end(), lang, strict=False)  # "five-hour meeting"
        unit = _unit_of(hyphen.group("unit"))
        obj = noun[0] if noun else None
        stop = noun[1] if noun else hyphen.end()
        return _item(text, start, stop, before, value, unit, obj)
    # a unit: "two days", "40 km", "5 degrees"
    space_unit, extra_units = _space_unit(lang)
    spaced = space_unit.match(text, end)
    if spaced and (spaced.group().startswith((" ", "\u00a0")) or spaced.group("unit").lower() in _MEASURES):
        unit = extra_units.get(re.sub(r"\s+", " ", spaced.group("unit").lower())) or _unit_of(spaced.group("unit"))
        of = _of_phrase(text, spaced.end())
        return _item(text, start, spaced.end(), before, value, unit, of[0] if of else None)
    # a count of things: "653 drones", "eight regions"
    if m.group("num") and proper_name and not scaled:
        return None
    counted = _count_object(text, end, lang)
    if counted is None and (scaled or value >= 1e6):
        counted = _of_phrase(text, end)  # "dois milhões de pessoas", "two million of them"
    if counted is None:
        return None
    if not scaled and not float(value).is_integer():
        return None  # "12.480 households": a count is whole; the number was misread
    return _item(text, start, counted[1], before, value, "count", counted[0])


def _unit_of(word: str) -> str:
    low = word.lower()
    if low in _MEASURES:
        return _MEASURES[low]
    if low in _TIME_UNITS:
        return _TIME_UNITS[low]
    return _TIME_UNITS.get(low[:-1], low)  # "hours" → "hour"


_SIGN = re.compile(r"(?:\b(?:minus|moins|menos|meno|минус)\s+|(?<![\w\d])−\s?)$", re.IGNORECASE)
"""A minus sign (U+2212) or word before a number; a hyphen or dash is a range, not a sign."""


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


QUANTITIES = register(
    Extractor(
        name="quantities",
        version=VERSION,
        fields=("quantities",),
        run=per_article(quantities),
        description="Counts and amounts (digits and English number words) with unit and counted noun.",
        requires=("language",),
    )
)
