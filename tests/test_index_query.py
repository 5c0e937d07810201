"""The query text parser shared by every backend (``newsflow.index.query``)."""

from __future__ import annotations

import pytest

from newsflow.index.query import ParsedQuery, Term, parse


def w(text: str) -> Term:
    return Term(text)


def p(text: str) -> Term:
    return Term(text, phrase=True)


@pytest.mark.parametrize(("text", "groups", "excluded"), [
    ("flood kyiv", [[w("flood")], [w("kyiv")]], []),
    ('"central bank" rates', [[p("central bank")], [w("rates")]], []),
    ("a OR b c", [[w("a"), w("b")], [w("c")]], []),
    ("a OR b OR c", [[w("a"), w("b"), w("c")]], []),
    ('flood -kyiv -"city council"', [[w("flood")]], [w("kyiv"), p("city council")]),
    # edge cases, one rule each (see the module docstring)
    ('flood "city council', [[w("flood")], [p("city council")]], []),  # unclosed quote
    ("flood OR", [[w("flood")]], []),  # dangling OR
    ("OR flood", [[w("flood")]], []),
    ("a OR OR b", [[w("a"), w("b")]], []),
    ("a OR -b c", [[w("a")], [w("c")]], [w("b")]),
    ("a -b OR c", [[w("a")], [w("c")]], [w("b")]),
    ("a OR - b", [[w("a"), w("b")]], []),  # lone '-' dropped first
    ('a OR "" b', [[w("a"), w("b")]], []),
    ('"OR" or', [[p("OR")], [w("or")]], []),
    ("AND OR NOT", [[w("AND"), w("NOT")]], []),
    ("shoot-out --x", [[w("shoot-out")]], [w("-x")]),
    ('say"hi', [[w('say"hi')]], []),
])
def test_parse(text: str, groups: list[list[Term]], excluded: list[Term]) -> None:
    assert parse(text) == ParsedQuery(tuple(map(tuple, groups)), tuple(excluded))


@pytest.mark.parametrize("text", ["", "   ", "OR", "- OR -", '""', "* )( 😀", 'OR "'])
def test_nothing_searchable_is_no_condition(text: str) -> None:
    assert parse(text).empty
