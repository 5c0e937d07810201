"""Author names out of a page's author candidates: no job titles, no link text.

Pages give authors as a meta tag, a byline or an author box, and what trafilatura hands on
is often not a name: ``Senior Reporter``, ``Jane Roe; Senior Reporter`` (from "By Jane Roe,
Senior Reporter") or ``Jane Roe Transport Correspondent Email the author``. :func:`author_names`
splits the value into candidates, cuts each at the first role word or link text, drops the
beat or rank words just before a role word ("Transport" Correspondent, "Senior" Reporter)
and keeps what still looks like a name. Role words and link texts are listed for the
languages newsflow reads (English, German, French, Spanish, Italian, Portuguese, Dutch,
Russian); all lists apply to every page, since bylines often mix languages.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())

ROLE_WORDS = _words("""
reporter reporters correspondent correspondents editor editors writer writers columnist
contributor contributors journalist journalists staff author authors producer analyst critic
photographer photographers intern freelancer bureau desk team newsroom editorial presenter
anchor redakteur redakteurin redakteure redaktion korrespondent korrespondentin autor autorin
autoren reporterin journalistin chefredakteur chefredakteurin volontär volontärin ressortleiter
ressortleiterin online-redaktion nachrichtenredaktion journaliste rédacteur rédactrice rédaction
correspondant correspondante envoyé envoyée chroniqueur chroniqueuse periodista redactor
redactora corresponsal redacción columnista giornalista redattore redattrice corrispondente
inviato inviata redazione jornalista repórter redator redatora correspondente redação
verslaggever redacteur redactie корреспондент журналист журналистка редактор обозреватель
редакция admin administrator webmaster guest gast anonymous anonym unknown
""")
"""Job titles, collective names and CMS account placeholders ("admin") in lower case: where
one starts, the name has ended."""

LINK_WORDS = _words("""
email e-mail mail follow twitter facebook linkedin instagram profile contact more read
articles posts bio view all see stories about folgen kontakt mehr artikel alle beiträge
suivre contacter plus seguir contactar más segui contatta mais volg meer подписаться
""")
"""Words of link texts in author boxes ("Email the author", "Follow", "More articles")."""

MODIFIERS = _words("""
senior chief deputy assistant associate managing executive contributing special political
politics transport transportation business economics economic finance financial foreign
sports sport science health tech technology education environment environmental climate
culture arts home affairs security defence defense legal crime local city world europe
europe's us royal entertainment media investigative data digital news opinion features
travel food fashion music film social global national international regional state
white house washington london berlin paris brussels
leitender leitende stellvertretender stellvertretende politik wirtschaft sport kultur
freier freie spécial spéciale especial speciale
""")
"""Beat and rank words that stand before a role word ("Senior Reporter", "Transport Correspondent")."""

_PREFIX = re.compile(
    r"^(?:(?:written|posted|reported|text|words|story)\s+)?(?:by|von|par|por|di|door|от|text|texte|texto)\s*:?\s+",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"\s*(?:;|\||/|&|,|\+|\b(?:and|und|et|и)\b)\s*")
"""Separators between names; single-letter conjunctions (y, e, i) are left alone because
they also join the parts of one name ("Ortega y Gasset")."""
_LETTER = re.compile(r"[^\W\d_]")
MAX_NAME_WORDS = 5


def author_names(value: str | None) -> list[str]:
    """The distinct names in an author string (``;``/``,``/``and``… separated), in order.

    Candidates that are only job titles, collective names or link text are dropped; an
    empty list means the page gave no usable author (the caller falls back to the feed).
    """
    if not value:
        return []
    names = []
    for part in _SPLIT.split(" ".join(value.split())):
        name = _name(part)
        if name:
            names.append(name)
    return list(dict.fromkeys(names))


def _name(candidate: str) -> str | None:
    candidate = _PREFIX.sub("", candidate.strip(" ,.:-–—()[]")).strip()
    words = candidate.split()
    kept: list[str] = []
    cut_at_role = False
    for word in words:
        folded = word.lower().strip(".,:;()[]\"'«»")
        if "@" in word:  # RSS style "jane@example.com (Jane Roe)": skip the address
            continue
        if folded in ROLE_WORDS or folded in LINK_WORDS or folded.startswith(("http", "www.")):
            cut_at_role = folded in ROLE_WORDS
            break
        kept.append(word)
    if cut_at_role:
        while kept and kept[-1].lower().strip(".,") in MODIFIERS:
            kept.pop()
    if kept and kept[-1].lower() in ("the", "der", "die", "le", "la", "el", "il", "de"):
        kept.pop()
    name = " ".join(kept).strip(" ,.:-–—()[]")
    if not name or len(kept) > MAX_NAME_WORDS or len(name) >= 80 or not _LETTER.search(name):
        return None
    if all(w.lower().strip(".,") in MODIFIERS for w in kept):
        return None
    return name
