"""What a quantity counts or measures, for the ``quantities`` extractor.

The counted noun after a number (``653 drones``, ``51 attack drones``; :func:`count_object`)
or the noun phrase after "of" (``80% of the incoming missiles``; :func:`of_phrase`), found
with small word lists (function words, modifiers, determiners, irregular plurals), not a
parser: a heuristic good for news prose.
"""

from __future__ import annotations

import re


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")

FUNCTION_WORDS = _set(
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
_OF = re.compile(
    r"\s+(?:(?:of|de|des|du|der|von|di|del|della|delle|degli|dei|do|da|dos|das)\b\s*|d['’])",
    re.IGNORECASE,
)
IN_OF = re.compile(r"\s+(?:in|of|for|worth\s+of)\s", re.IGNORECASE)


def words_after(text: str, pos: int, limit: int = 5) -> list[tuple[str, int, int]]:
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


def is_plural(word: str) -> bool:
    """Whether an English noun looks plural (``drones``, ``people``; not ``gas``, ``virus``)."""
    low = word.lower()
    return low in _IRREGULAR_PLURALS or (low.endswith("s") and not low.endswith(("ss", "us", "is")))


def count_object(text: str, pos: int, lang: str, strict: bool = True) -> tuple[str, int] | None:
    """The counted noun right after ``pos`` and where it ends, or ``None``.

    A lone word ending in -ed ("3 killed", "the 22-year-old stepped") is refused; so is one
    ending in -ing/-ly when ``strict`` ("two remaining"): after a bare number they are more
    often verbs or adjectives than nouns, after "five-hour" nouns ("meeting")."""
    words = words_after(text, pos, 3)
    if not words:
        return None
    low = [w.lower() for w, _, _ in words]
    if low[0] in FUNCTION_WORDS:
        return None
    start = 0
    if low[0] in _MODIFIERS and len(words) > 1 and low[1] not in FUNCTION_WORDS:
        start = 1
    if lang == "de":  # German nouns are capitalised: skip lower-case adjectives to the noun
        for word, _, word_end in words[start:start + 3]:
            if word[0].isupper():
                return word, word_end
            if word.lower() in FUNCTION_WORDS or not word.lower().endswith(("e", "en", "er", "es", "em")):
                return None  # "dreiunddreißig geworden": a verb, not a counted noun
        return None
    first, _, first_end = words[start]
    capital_ok = False
    if start + 1 < len(words):
        second, _, second_end = words[start + 1]
        if (
            low[start + 1] not in FUNCTION_WORDS
            and is_plural(second)
            and not is_plural(first)
            and second[0].islower()
        ):
            return text[words[start][1] : second_end], second_end
    if first[0].isupper() and not capital_ok:
        return None
    if low[start].endswith("ed") or (strict and low[start].endswith(("ing", "ly"))):
        return None
    return first, first_end


def of_phrase(text: str, pos: int, preposition: re.Pattern[str] | None = None) -> tuple[str, int] | None:
    """The noun phrase after "of" (or ``preposition``) at ``pos``, determiners dropped."""
    m = (preposition or _OF).match(text, pos)
    if not m:
        return None
    words = words_after(text, m.end() - 1 if text[m.end() - 1] == " " else m.end(), 5)
    if text[m.end() - 1] not in " \u00a0":  # "d'énergie": no space after the elision
        elided = _WORD.match(text, m.end())
        words = [(elided.group(), elided.start(), elided.end())] if elided else []
    while words and words[0][0].lower() in _DETERMINERS:
        words = words[1:]
    kept: list[tuple[str, int, int]] = []
    for word, start, end in words:
        if word.lower() in FUNCTION_WORDS or len(kept) == 3:
            break
        kept.append((word, start, end))
        if is_plural(word) and not word.endswith(("'s", "’s")):
            break  # the head of "incoming missiles and drones" is "missiles"
    if not kept:
        return None
    return text[kept[0][1] : kept[-1][2]], kept[-1][2]
