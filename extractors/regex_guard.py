"""Regular expressions that skip, in one test, the places where no match can start.

Python's ``re`` tries a pattern at every position of the text. A case-insensitive pattern
that starts with ``\\b`` and an alternation of words ("yesterday|today|last week|…") is slow
at that: at every word boundary each alternative is entered in turn, and the engine has no
fast path for case-insensitive literals. :func:`guarded` puts a lookahead of the characters
a match can start with (``(?=[tylnd…])``) in front of such a pattern: one character-class
test rejects nearly every position, and where it passes the pattern runs as before. The
guard is a superset of the possible first characters, so the matches are the same ones.

The first characters are read off the parsed pattern (``re._parser``, the standard
library's own parser). A pattern whose first character cannot be bounded (``.``, a
negated class, a back-reference, a group with flags of its own, a pattern that can match
the empty string) is compiled unchanged, and so is every pattern if that private parser
is missing or changes shape.
"""

from __future__ import annotations

import re
from typing import Any

_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_WORD": r"\w", "CATEGORY_SPACE": r"\s"}
"""Class escapes a guard may hold for the categories that can start a match."""
_MAX_RANGE = 512
"""A range wider than this (code points) is not spelled out: the guard is given up."""


class _Unbounded(Exception):
    """A pattern's first character cannot be bounded by a small class."""


def guarded(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, behind a lookahead of its possible first characters
    when those can be bounded (see the module docstring); the same matches either way.

    Raises ``re.error`` for an invalid ``pattern``, as ``re.compile`` does."""
    plain = re.compile(pattern, flags)
    guard = first_chars(pattern, flags)
    if guard is None:
        return plain
    try:  # the group makes the guard precede every alternative of a top-level alternation
        return re.compile(f"(?=[{guard}])(?:{pattern})", flags)
    except re.error:  # e.g. global inline flags, which must come first
        return plain


def first_chars(pattern: str, flags: int = 0) -> str | None:
    """The body of a character class holding every character a non-empty match of
    ``pattern`` can start with (under ``flags``), or None when there is no such small class
    or the pattern can match the empty string."""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern, flags)
        chars, nullable = _first(list(parsed), _constants)
    except (_Unbounded, ImportError, AttributeError, TypeError, ValueError):
        return None
    if nullable or not chars:
        return None
    return "".join(sorted(c if c in _CATEGORIES.values() else re.escape(c) for c in chars))


def _first(items: list[tuple[Any, Any]], c: Any) -> tuple[set[str], bool]:
    """(first characters, whether the sequence can match the empty string)."""
    out: set[str] = set()
    for op, av in items:
        chars, nullable = _one(op, av, c)
        out |= chars
        if not nullable:
            return out, False
    return out, True


def _one(op: Any, av: Any, c: Any) -> tuple[set[str], bool]:
    if op is c.LITERAL:
        return {chr(av)}, False
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero-width: the next item starts the match
        return set(), True
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:
            raise _Unbounded
        return _first(list(sub), c)
    if op is c.BRANCH:
        out: set[str] = set()
        nullable = False
        for branch in av[1]:
            chars, empty = _first(list(branch), c)
            out |= chars
            nullable = nullable or empty
        return out, nullable
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, _high, sub = av
        chars, nullable = _first(list(sub), c)
        return chars, nullable or low == 0
    if op is c.IN:
        return _class(av, c), False
    raise _Unbounded


def _class(items: list[tuple[Any, Any]], c: Any) -> set[str]:
    out: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            out.add(chr(av))
        elif op is c.RANGE and av[1] - av[0] <= _MAX_RANGE:
            out.update(chr(code) for code in range(av[0], av[1] + 1))
        elif op is c.CATEGORY and getattr(av, "name", None) in _CATEGORIES:
            out.add(_CATEGORIES[av.name])
        else:  # a negated class, a wide range, another category
            raise _Unbounded
    return out
