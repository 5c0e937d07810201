"""The query text syntax, parsed once into a small tree that each backend compiles.

Syntax (the same on every backend)::

    flood kyiv            words are ANDed
    "central bank"        a phrase: the words next to each other, in order
    earthquake OR fire    either term is enough; OR binds tighter than the implicit AND,
                          so ``a OR b c`` is ``(a OR b) AND c`` and ``a OR b OR c`` is one group
    -kyiv  -"city hall"   excluded word or phrase

Edge cases, decided once here (the contract suite checks both backends follow them):

* Every term, word or phrase, matches the *tokens* of its text next to each other, in order:
  ``shoot-out`` and ``"shoot out"`` are the same query. Apart from the leading ``-``, quotes
  and ``OR``, nothing is an operator: ``*``, ``(``, ``:``, ``AND``, ``NOT``, lowercase ``or``
  are plain text.
* A term with no letter or digit (``-`` alone, ``""``, ``*``, an emoji) is dropped before
  anything else, since no document could contain it.
* An unclosed quote runs to the end of the text: ``flood "city council`` is
  ``flood "city council"``.
* ``OR`` only joins two kept, positive terms. A dangling ``OR`` (first, last, next to an
  excluded term or to another ``OR``) is ignored: ``flood OR`` is ``flood``, ``a OR OR b`` is
  ``a OR b``, ``a OR -b`` is ``a -b``. Write ``"OR"`` to search the word itself.
* Text with no positive term (empty, operators only, exclusions only) puts no positive
  condition on the text: ``""`` and ``OR`` match every document, ``-flood`` every document
  without "flood".

Hence every text has a meaning and :func:`parse` never raises; :class:`~newsflow.errors.QueryError`
stays for the structured parts of a :class:`~newsflow.index.base.SearchQuery`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
"""A (possibly excluded) quoted phrase, unclosed at the end of the text, or a bare word."""

OR = "OR"


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase: its tokens must occur next to each other, in order."""

    text: str
    phrase: bool = False
    """Whether the user quoted it (kept for display; both kinds match the same way)."""


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """``AND(OR(terms) for each group) AND NOT(any excluded term)``."""

    groups: tuple[tuple[Term, ...], ...] = ()
    """Each group is one or more alternatives (OR); every group must match (AND)."""
    excluded: tuple[Term, ...] = ()
    """A document matching any of these is dropped."""

    @property
    def empty(self) -> bool:
        """No condition on the text at all: every document matches."""
        return not self.groups and not self.excluded


def searchable(text: str) -> bool:
    """Whether a term can match anything: it holds a letter or digit."""
    return any(ch.isalnum() for ch in text)


def _lex(text: str) -> list[tuple[Term | None, bool]]:
    """``(term, excluded)`` per token; ``(None, False)`` for ``OR``; unsearchable terms
    left out."""
    out: list[tuple[Term | None, bool]] = []
    for match in _TOKEN.finditer(text):
        sign, phrase, word = match.groups()
        if word is None:
            term, excluded = Term(phrase, phrase=True), bool(sign)
        elif word == OR:
            out.append((None, False))
            continue
        elif word.startswith("-"):
            term, excluded = Term(word[1:]), True
        else:
            term, excluded = Term(word), False
        if searchable(term.text):
            out.append((term, excluded))
    return out


def parse(text: str) -> ParsedQuery:
    """The query tree for ``text`` (see the module docstring); never raises."""
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False  # the previous token was an OR right after a positive term
    last_positive = False
    for term, negated in _lex(text):
        if term is None:
            joining = last_positive or joining
            continue
        if negated:
            excluded.append(term)
            last_positive = joining = False
        elif joining:
            groups[-1].append(term)
            joining, last_positive = False, True
        else:
            groups.append([term])
            last_positive = True
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded))


__all__ = ["ParsedQuery", "Term", "parse", "searchable"]
