"""extractors.regex_guard: a guarded pattern finds exactly the matches of the plain one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.dates_lexicon import LANGUAGES, YEAR, patterns, relative_pattern
from extractors.entity_aliases import KNOWN_PERSON_PATTERN
from extractors.regex_guard import first_chars, guarded
from newsflow.main_text import _BOILERPLATE as BOILERPLATE

# words our patterns look for, their case variants, and characters whose case folding is
# special (Kelvin sign, long s, dotted capital I, sharp s), mixed with spaces and digits
_PIECES = st.sampled_from([
    "in", "IN", "In", "since", "last", "Next", "week", "yesterday", "Yesterday", "hier", "gestern",
    "Monday", "monday", "MONDAY", "lundi", "Montag", "понедельник", "в", "В", "2026", "1999", "19",
    "ago", "two", "days", "Jan", "janvier", "März", "Trump", "Zelensky", "Selenskyj", "Зеленський",
    "\u212a", "\u017f", "\u0130", "ß", "ẞ", "é", "É", " ", "  ", "\n", ".", ",", "-", "'", "’", "s",
    "Cookie", "NEWSLETTER", "sign up", "Abonnez", "suscríbete", "May", "mars", "декабря",
])
TEXTS = st.lists(_PIECES, max_size=40).map("".join)


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[tuple[int, int], str | None, tuple[str | None, ...]]]:
    return [(m.span(), m.lastgroup, m.groups()) for m in pattern.finditer(text)]


def _pairs() -> list[tuple[str, re.Pattern[str]]]:
    """(name, guarded pattern) of every pattern the dates and entities extractors guard."""
    out = [("YEAR", YEAR), ("KNOWN_PERSON_PATTERN", KNOWN_PERSON_PATTERN), ("main_text boilerplate", BOILERPLATE)]
    for lang in LANGUAGES:
        out.append((f"relative {lang}", relative_pattern(lang)[0]))
        out += [(f"{name} {lang}", getattr(patterns(lang), name)) for name in ("in_month", "weekday", "any_month")]
    return out


def _unguarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The plain pattern behind a guarded one (the source after the guard's lookahead)."""
    source = pattern.pattern
    assert source.startswith("(?=["), f"not guarded: {source[:40]}"
    at = source.find("])")
    while at >= 0:  # the guard is the prefix after which the rest guards to the same source
        rest = source[at + 2:]
        if rest.startswith("(?:") and rest.endswith(")") and guarded(rest[3:-1], pattern.flags).pattern == source:
            return re.compile(rest[3:-1], pattern.flags)
        at = source.find("])", at + 1)
    raise AssertionError(f"no plain pattern behind {source[:40]}")


@pytest.mark.parametrize(("name", "pattern"), _pairs(), ids=[name for name, _ in _pairs()])
@settings(max_examples=60, deadline=None)
@given(text=TEXTS)
def test_guarded_patterns_find_what_the_plain_ones_find(name: str, pattern: re.Pattern[str], text: str) -> None:
    assert _spans(pattern, text) == _spans(_unguarded(pattern), text)


def test_first_chars_bounds_alternations_and_gives_up_where_it_cannot() -> None:
    assert first_chars(r"\b(?:yesterday|today|last\s+week)\b") == "lty"
    assert first_chars(r"(?:the\s+)?day") == "dt"  # an optional first part: the next one counts too
    assert first_chars(r"\d{1,3}\s+days") == r"\d"
    assert first_chars(r"x?") is None  # can match the empty string
    assert first_chars(r".foo") is None
    assert first_chars(r"[^a]foo") is None
    assert first_chars(r"(?i:a)b") is None  # a group's own flags: not bounded here


def test_a_guard_keeps_the_case_insensitive_matches_of_special_characters() -> None:
    pattern = guarded(r"\b(?:kelvin|sun)\b", re.IGNORECASE)
    assert pattern.pattern.startswith("(?=[")
    for text in ("\u212aelvin", "\u017fun", "KELVIN and Sun"):
        assert _spans(pattern, text) == _spans(re.compile(r"\b(?:kelvin|sun)\b", re.IGNORECASE), text)
    assert pattern.findall("\u212aelvin \u017fun") == ["\u212aelvin", "\u017fun"]


def test_the_guard_stands_before_every_alternative_of_a_top_level_alternation() -> None:
    plain = re.compile(r"cookie|\bnewsletter|sign[- ]?up\b", re.IGNORECASE)
    pattern = guarded(plain.pattern, plain.flags)
    assert pattern.pattern == r"(?=[cns])(?:cookie|\bnewsletter|sign[- ]?up\b)"
    for text in ("Our NEWSLETTER", "sign up today", "a cookie", "\u017fign-up", "none here"):
        assert _spans(pattern, text) == _spans(plain, text)


def test_an_unboundable_pattern_is_compiled_as_it_is() -> None:
    assert guarded(r"(?i)abc").pattern == r"(?i)abc"  # global flags must come first: no guard
    assert guarded(r".+").pattern == r".+"
    with pytest.raises(re.error):
        guarded(r"(unclosed")
