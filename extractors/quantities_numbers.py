"""Numbers as news text writes them, for the ``quantities`` extractor.

Digits read by the article language's convention for group and decimal marks
(:func:`parse_number`, :data:`_CONVENTION`), English number words (:func:`parse_number_words`),
number words of fr/es/pt/it/de through text2num (:func:`parse_words`), fractions
("one-fifth") and scale words after a number ("3.2 million", "60 mil", "5 Mrd.";
:func:`scale_at`). A number that is ambiguous in the language gives None: a wrong number is
worse than none.
"""

from __future__ import annotations

import re
from functools import cache

from newsflow.langtags import normalize_language

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
SCALE_SUFFIX = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
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
def word_number_pattern(lang: str) -> str:
    """The regular expression of number words in ``lang`` (English for a language without
    a reader)."""
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


FRACTION = (
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
def digits_pattern(lang: str) -> str:
    """The regular expression of a written number (without its sign) for ``lang``."""
    separators = [*_SEPARATORS, *([] if lang == "en" else [" "])]
    grouped = "|".join(rf"\d{{1,3}}(?:{sep}\d{{3}})+" for sep in separators)
    return rf"\d{{1,2}}(?:,\d{{2}})+,\d{{3}}(?:\.\d+)?|(?:{grouped})(?:[.,]\d+)?|\d+(?:[.,]\d+)?"

_VAGUE_PLURALS = frozenset(
    ["millionen", "milliarden", "millions", "milliards", "millones", "milioni", "miliardi",
     "milhões", "bilhões", "tausende", "hunderte", "zehntausende", "hunderttausende", "milliers",
     "centaines", "miles", "cientos", "migliaia", "centinaia", "milhares", "centenas"]
)
"""A scale word alone in the plural is vague ("Millionen Arbeitsplätze": millions of jobs)."""

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
    return normalize_language(lang) or ""


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


def fraction_value(raw: str) -> float:
    """The value of an English fraction matched by :data:`FRACTION` ("one-fifth" → 0.2)."""
    parts = re.split(r"[\s-]+", raw.lower())
    if parts == ["half"]:
        return 0.5
    numerator = 1 if parts[0] in {"a", "one"} else _UNITS[parts[0]]
    return numerator / _DENOMINATORS[parts[-1]]


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


def scale_at(text: str, pos: int, lang: str) -> tuple[float, int] | None:
    """(factor, end) of a scale word right after ``pos``, or None."""
    pattern, words = _scale_pattern(lang)
    m = pattern.match(text, pos)
    if m is None:
        return None
    return words[re.sub(r"\s+", " ", m.group(1).lower())], m.end()
