"""Compile the query tree of :mod:`newsflow.index.query` into Elasticsearch's query DSL.

Terms are only ever analysed (``multi_match`` of type ``phrase``), never parsed by
Elasticsearch, so no user input is a syntax error there.
"""

from __future__ import annotations

from typing import Any

from newsflow.index.query import ParsedQuery, Term

TEXT_FIELDS = ("title^3", "text")
"""The analysed fields query text searches, with their boosts."""


def _term_query(term: Term) -> dict[str, Any]:
    """A word or phrase: its analysed tokens next to each other, in order, in any text field;
    the score sums over the fields (``tie_breaker`` 1), so a title match adds to text matches."""
    return {"multi_match": {"query": term.text, "type": "phrase", "fields": list(TEXT_FIELDS),
                            "tie_breaker": 1.0}}


def compile_query(query: ParsedQuery) -> dict[str, Any] | None:
    """The query tree as a ``bool`` query, or ``None`` when it puts no condition on the text:
    every group must match (a group is its terms ORed), no excluded term may."""
    if query.empty:
        return None
    must = [
        _term_query(g[0]) if len(g) == 1
        else {"bool": {"should": [_term_query(t) for t in g], "minimum_should_match": 1}}
        for g in query.groups
    ]
    return {"bool": {"must": must or [{"match_all": {}}],
                     "must_not": [_term_query(t) for t in query.excluded]}}
