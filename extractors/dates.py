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

Relative expressions are listed per language in :data:`_FIXED` (en, fr, de, es, it, pt, ru;
an article in another language uses the English ones only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from extractors.base import Extractor, Fields, bounded_text, per_article
from extractors.registry import register
from newsflow.langtags import primary_subtag
from newsflow.models import Article

VERSION = "2"


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_MONTH_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("january jan", "february feb", "march mar", "april apr", "may", "june jun",
           "july jul", "august aug", "september sep sept", "october oct", "november nov",
           "december dec"),
    "fr": ("janvier janv", "février févr", "mars", "avril avr", "mai", "juin", "juillet juil",
           "août", "septembre sept", "octobre", "novembre", "décembre déc"),
    "de": ("januar jän", "februar", "märz", "april", "mai", "juni", "juli", "august",
           "september", "oktober okt", "november", "dezember dez"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre setiembre", "octubre", "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"),
    "ru": ("января январь январе", "февраля февраль феврале", "марта март марте",
           "апреля апрель апреле", "мая май мае", "июня июнь июне", "июля июль июле",
           "августа август августе", "сентября сентябрь сентябре", "октября октябрь октябре",
           "ноября ноябрь ноябре", "декабря декабрь декабре"),
}
"""Month names and abbreviations (every case form for Russian), January first."""
_WEEKDAY_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "de": ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag sonnabend",
           "sonntag"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "it": ("lunedì lunedi", "martedì martedi", "mercoledì mercoledi", "giovedì giovedi",
           "venerdì venerdi", "sabato", "domenica"),
    "pt": ("segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira",
           "sábado", "domingo"),
    "ru": ("понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"),
}
"""Weekday names, Monday first (Russian in the accusative of "в среду": "среда" is also
"environment")."""

_MONTHS: dict[str, int] = {}
for _names_of in _MONTH_NAMES.values():
    for _number, _names in enumerate(_names_of, start=1):
        for _name in _names.split():
            _MONTHS.setdefault(_name, _number)
_WEEKDAYS: dict[str, int] = {}
for _names_of in _WEEKDAY_NAMES.values():
    for _number, _names in enumerate(_names_of):
        for _name in _names.split():
            _WEEKDAYS.setdefault(_name, _number)


def _alternation(table: dict[str, tuple[str, ...]], lang: str) -> str:
    names = {n for code in dict.fromkeys(["en", lang]) if code in table
             for entry in table[code] for n in entry.split()}
    return "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))


@dataclass(frozen=True, slots=True)
class _Patterns:
    """The month and weekday patterns of one language (English names always included)."""

    day_month: re.Pattern[str]
    month_day: re.Pattern[str]
    month_year: re.Pattern[str]
    in_month: re.Pattern[str]
    weekday: re.Pattern[str]
    date_after: re.Pattern[str]


@cache
def _patterns(lang: str) -> _Patterns:
    month = _alternation(_MONTH_NAMES, lang)
    weekday = _alternation(_WEEKDAY_NAMES, lang)
    initials = "".join(sorted({n[0] for n in month.split("|")}))  # a fast first filter
    return _Patterns(
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
        in_month=re.compile(
            rf"\b(?:(last|next|this|early|late|mid-?|in|since|until|by|from|en|depuis|im|seit|"
            rf"bis|fin|début|ende|anfang|mitte|desde|hasta|a\s+finales\s+de|a\s+principios\s+de|"
            rf"a\s+fine|a\s+inizio|dal|fino\s+a|em|até|no\s+final\s+de|в|с|до|к)\s+)({month})\b"
            rf"(?:\s+(dernier|prochain|pasado|próximo|scorso|prossimo|passado))?",
            re.IGNORECASE,
        ),
        weekday=re.compile(
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
    )


_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_YEAR = re.compile(
    r"\b(?:in|since|by|until|before|after|during|from|through|early|late|mid-?|en|depuis|"
    r"avant|après|im\s+jahr|seit|bis|ab|für|desde|hasta|nel|dal|fino\s+al|em|até|в|с|до)\s+"
    r"((?:19|20)\d{2})\b(?!\s*(?:%|[.,]\d))",
    re.IGNORECASE,
)
_LAST = frozenset(["last", "past", "vergangenen", "letzten", "dernier", "pasado", "passada",
                   "passado", "scorso", "scorsa", "прошлый", "прошлую", "прошлое"])
_NEXT = frozenset(["next", "coming", "kommenden", "nächsten", "prochain", "próximo", "próxima",
                   "que viene", "prossimo", "prossima", "que vem", "следующий", "следующую",
                   "следующее"])
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
        (r"aujourd['’]hui|ce\s+(?:matin|soir|midi)|cette\s+nuit|dans\s+la\s+nuit(?!\s+d[eu]\s)", "day", 0),
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
        (r"heute(?:\s+(?:morgen|früh|abend))?|in\s+der\s+nacht(?!\s+(?:zu|zum|auf|von)\b)|über\s+nacht", "day", 0),
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
    "es": [
        (r"anteayer|antier", "day", -2),
        (r"pasado\s+mañana", "day", 2),
        (r"hoy|esta\s+(?:mañana|tarde|noche)|durante\s+la\s+noche|de\s+madrugada", "day", 0),
        (r"ayer|anoche", "day", -1),
        (r"(?<!la\s)(?<!esta\s)(?<!de\s)(?<!por\s)mañana", "day", 1),
        (r"esta\s+semana|a\s+(?:principios|comienzos)\s+de\s+(?:esta\s+|la\s+)?semana", "week", 0),
        (r"la\s+semana\s+pasada", "week", -1),
        (r"la\s+(?:próxima\s+semana|semana\s+(?:próxima|que\s+viene))", "week", 1),
        (r"este\s+mes", "month", 0),
        (r"el\s+mes\s+pasado", "month", -1),
        (r"el\s+(?:próximo\s+mes|mes\s+(?:próximo|que\s+viene))", "month", 1),
        (r"este\s+año", "year", 0),
        (r"el\s+año\s+pasado", "year", -1),
        (r"el\s+(?:próximo\s+año|año\s+(?:próximo|que\s+viene))", "year", 1),
        (r"recientemente|en\s+(?:los\s+últimos|los\s+próximos)\s+(?:días|meses)|en\s+las\s+"
         r"(?:últimas|próximas)\s+semanas|(?:este|el)\s+fin\s+de\s+semana", "relative", 0),
    ],
    "it": [
        (r"l['’]altro\s+ieri|altroieri", "day", -2),
        (r"dopodomani", "day", 2),
        (r"oggi|stamattina|stamani|stasera|stanotte|questa\s+(?:mattina|sera|notte)|"
         r"nella\s+notte(?!\s+(?:tra|fra|di)\b)|durante\s+la\s+notte", "day", 0),
        (r"ieri(?:\s+sera)?", "day", -1),
        (r"domani", "day", 1),
        (r"questa\s+settimana|all['’]inizio\s+della\s+settimana", "week", 0),
        (r"la\s+(?:settimana\s+scorsa|scorsa\s+settimana)", "week", -1),
        (r"la\s+(?:prossima\s+settimana|settimana\s+prossima)", "week", 1),
        (r"questo\s+mese", "month", 0),
        (r"il\s+mese\s+scorso|lo\s+scorso\s+mese", "month", -1),
        (r"il\s+(?:mese\s+prossimo|prossimo\s+mese)", "month", 1),
        (r"quest['’]anno", "year", 0),
        (r"l['’]anno\s+scorso|lo\s+scorso\s+anno", "year", -1),
        (r"l['’]anno\s+prossimo|il\s+prossimo\s+anno", "year", 1),
        (r"recentemente|di\s+recente|negli\s+ultimi\s+(?:giorni|mesi)|nelle\s+ultime\s+settimane|"
         r"nei\s+prossimi\s+giorni|(?:nel|questo)\s+fine\s+settimana", "relative", 0),
    ],
    "pt": [
        (r"anteontem", "day", -2),
        (r"depois\s+de\s+amanhã", "day", 2),
        (r"hoje|(?:n?esta)\s+(?:manhã|tarde|noite)|durante\s+a\s+noite|de\s+madrugada", "day", 0),
        (r"ontem(?:\s+à\s+noite)?", "day", -1),
        (r"amanhã", "day", 1),
        (r"n?esta\s+semana", "week", 0),
        (r"(?:na|a)\s+semana\s+passada", "week", -1),
        (r"(?:na|a)\s+(?:próxima\s+semana|semana\s+que\s+vem)", "week", 1),
        (r"n?este\s+mês", "month", 0),
        (r"(?:no|o)\s+mês\s+passado", "month", -1),
        (r"(?:no|o)\s+(?:próximo\s+mês|mês\s+que\s+vem)", "month", 1),
        (r"n?este\s+ano", "year", 0),
        (r"(?:no|o)\s+ano\s+passado", "year", -1),
        (r"(?:no|o)\s+(?:próximo\s+ano|ano\s+que\s+vem)", "year", 1),
        (r"recentemente|n[oa]s\s+(?:últimos|próximos)\s+dias|nas\s+(?:últimas|próximas)\s+semanas|"
         r"n[oe]s?t?e?\s+fim\s+de\s+semana", "relative", 0),
    ],
    "ru": [
        (r"позавчера", "day", -2),
        (r"послезавтра", "day", 2),
        (r"сегодня(?:\s+утром|\s+вечером)?|этой\s+ночью|этим\s+утром", "day", 0),
        (r"вчера(?:\s+вечером)?", "day", -1),
        (r"завтра", "day", 1),
        (r"на\s+этой\s+неделе", "week", 0),
        (r"на\s+прошлой\s+неделе", "week", -1),
        (r"на\s+следующей\s+неделе", "week", 1),
        (r"в\s+этом\s+месяце", "month", 0),
        (r"в\s+прошлом\s+месяце", "month", -1),
        (r"в\s+следующем\s+месяце", "month", 1),
        (r"в\s+этом\s+году", "year", 0),
        (r"в\s+прошлом\s+году", "year", -1),
        (r"в\s+следующем\s+году", "year", 1),
        (r"недавно|в\s+последние\s+дни|в\s+ближайшие\s+дни|на\s+выходных", "relative", 0),
    ],
}

_TENSE_WORDS: dict[str, tuple[str, str]] = {
    "en": (
        """will would 'll ’ll shall won't won’t expected due set scheduled plans plan planned
        planning prepare prepares preparing intends intend intending hopes hope aims aim going
        upcoming later next coming until till could may might should can must likely expect
        expects forecast forecasts""",
        """said was were had did met told went came took gave made held left saw spoke wrote
        began won lost fell struck sent brought ran sat stood rose ago last previous earlier""",
    ),
    "fr": ("""va vont doit doivent devrait devraient prévu prévue prévus attendu attendue attendus
           sera seront prochain prochaine""",
           "a ont avait avaient était étaient été dernier dernière"),
    "de": ("wird werden soll sollen will wollen plant geplant kommenden nächsten bis",
           "hat haben hatte hatten war waren wurde wurden sagte sagten vergangenen letzten"),
    "es": ("será serán va van irá irán habrá prevé previsto prevista próximo próxima hasta",
           "dijo fue fueron era eran ha han había habían hubo pasado pasada"),
    "it": ("sarà saranno andrà prevede previsto prevista prossimo prossima dovrebbe fino",
           "disse è ha hanno era erano fu aveva avevano scorso scorsa"),
    "pt": ("será serão vai vão irá deverá previsto prevista próximo próxima até",
           "disse foi foram era tinha tinham havia passado passada"),
    "ru": ("будет будут состоится планирует планируется следующий следующую предстоит до",
           "был была было были прошлый прошлую прошлой"),
}
"""Words marking a clause's tense (future, past) per language; English ones count in every
language. One language's words never count in another's ("a" is French "has", Spanish
"to")."""


@cache
def _tense_words(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    future, past = _TENSE_WORDS["en"]
    own = _TENSE_WORDS.get(lang, ("", "")) if lang != "en" else ("", "")
    return _set(f"{future} {own[0]}"), _set(f"{past} {own[1]}") - _set(own[0])
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
    code = primary_subtag(language or "en")
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


_FUTURE_ENDINGS: dict[str, tuple[str, ...]] = {
    "fr": ("ra", "ront", "rait", "raient"), "es": ("rá", "rán", "ría", "rían"),
    "it": ("rà", "ranno", "rebbe", "rebbero"), "pt": ("rá", "rão", "ria", "riam"),
}
_PAST_ENDINGS: dict[str, tuple[str, ...]] = {
    "es": ("ó", "aron", "ieron"), "it": ("ò",), "pt": ("ou", "aram", "eram", "iu"),
    "ru": ("ал", "ял", "ил", "ел", "ала", "яла", "ила", "ела", "али", "яли", "или", "ели",
           "ался", "алась", "ались", "ился", "илась", "ились"),
}
"""Verb endings that mark the tense of a clause (future/conditional, simple past), per
language: "se rendra", "viajará", "anunció", "è arrivato", "anunciou", "заявил"."""


def _tense(text: str, start: int, end: int, lang: str = "en") -> str | None:
    """``future``, ``past`` or ``None``: the nearest tense marker in the sentence, looking
    back from the expression first, then forward."""
    sentence_start = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 400), start):
        sentence_start = m.end()
    stop = _SENTENCE_END.search(text, end)
    sentence_end = stop.start() if stop else len(text)
    future_words, past_words = _tense_words(lang)
    before = _TOKEN.findall(text[sentence_start:start])
    after = _TOKEN.findall(text[end:sentence_end])
    for tokens in (reversed(before), iter(after)):
        for token in tokens:
            word = token.lower()
            if word in future_words:
                return "future"
            if word in past_words or (word.endswith("ed") and len(word) > 4):
                return "past"
            endings = _FUTURE_ENDINGS.get(lang)
            if (endings and len(word) > 4 and word.endswith(endings)) or \
                    (not endings and len(word) > 5 and word.endswith(_FUTURE_ENDINGS["fr"])):
                return "future"  # "se rendra", "viajará"
            if len(word) > 3 and word.endswith(_PAST_ENDINGS.get(lang, ())):
                return "past"  # "anunció", "anunciou", "заявил"
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
    patterns = _patterns(lang)
    for pattern in (patterns.day_month, patterns.month_day):
        for m in pattern.finditer(text):
            first, second, year = m.groups()
            day_s, month_s = (first, second) if pattern is patterns.day_month else (second, first)
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
    for m in patterns.month_year.finditer(text):
        if _month_ok(m.group(1), lang):
            yield from take(m, date(int(m.group(2)), _MONTHS[m.group(1).lower()], 1), "month")
    for m in patterns.in_month.finditer(text):
        modifier = (m.group(1) or m.group(3) or "").lower()
        if not _month_ok(m.group(2), lang) or len(m.group(2)) < 3:
            continue
        month = _MONTHS[m.group(2).lower()]
        when = None
        if ref is not None:
            candidates = [date(y, month, 1) for y in (ref.year - 1, ref.year, ref.year + 1)]
            this_month = _month_start(ref, 0)
            if modifier in _LAST:
                when = max(d for d in candidates if d < this_month)
            elif modifier in _NEXT:
                when = min(d for d in candidates if d > this_month)
            else:
                when = min(candidates, key=lambda d: (abs((d - this_month).days), d > this_month))
        span = re.search(rf"(?i)\b{re.escape(m.group(2))}\b.*", m.group())
        start = m.start() + (span.start() if span and modifier not in _LAST | _NEXT | {"this"} else 0)
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
    for m in patterns.weekday.finditer(text):
        name = m.group(2)
        if lang == "en" and not name[0].isupper():
            continue
        if not free(m.start(), m.end()) or patterns.date_after.match(text, m.end()):
            continue  # "Monday, December 8" is read as the date
        weekday = _WEEKDAYS[name.lower()]
        when = None
        if ref is not None:
            modifier = (m.group(1) or m.group(3) or "").lower()
            modifier = re.sub(r"\s+", " ", modifier)
            if modifier in _LAST:
                when = ref - timedelta(days=(ref.weekday() - weekday) % 7 or 7)
            elif modifier in _NEXT:
                when = ref + timedelta(days=(weekday - ref.weekday()) % 7 or 7)
            else:
                when = resolve_weekday(weekday, ref, _tense(text, m.start(), m.end(), lang))
        yield from take(m, when, "day")


_LOWER_MONTHS: dict[str, frozenset[str]] = {
    "fr": _set("janvier janv février févr mars avril avr mai juin juillet juil août septembre "
               "sept octobre novembre décembre déc"),
    "es": _set("enero febrero marzo abril mayo junio julio agosto septiembre setiembre "
               "octubre noviembre diciembre"),
    "it": _set("gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
               "novembre dicembre"),
    "pt": _set("janeiro fevereiro março abril maio junho julho agosto setembro outubro "
               "novembro dezembro"),
    "ru": frozenset(n for n in _MONTHS if "а" <= n[0] <= "я"),
}
"""Month names written in lower case in each language (English and German capitalise)."""


def _month_ok(name: str, lang: str) -> bool:
    """A month name is capitalised ("may", "march", "mar" are words too) unless it is one
    the article's language writes in lower case ("décembre", "diciembre", "декабря")."""
    return name[0].isupper() or name.lower() in _LOWER_MONTHS.get(lang, frozenset())


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
    return {"dates_mentioned": extract_dates(bounded_text(article), reference_date(article), article.language)}


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
