"""What the shared parse gives the extractors: entity spans and the analysis of one text.

:class:`Ent` is an entity span with a spaCy-style label (:data:`LABELS`), :class:`Analysis` the
text with its spans and the backend that found them (a spaCy model, slovnet, or the rule
matcher); see :mod:`extractors.nlp` for how articles get theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_LANGUAGE = "en"
"""The language of an article whose language is unknown."""
MAX_CHARS = 100_000
"""Longer texts are cut here (entities and quotes of a long article are in its start)."""

LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC")
"""Entity labels the extractors read (spaCy's English ones)."""


@dataclass(frozen=True, slots=True)
class Ent:
    """An entity span: character offsets into the article text and a spaCy-style label."""

    start: int
    end: int
    label: str
    text: str


@dataclass(slots=True)
class Analysis:
    """What the extractors read: the text and its entity spans."""

    text: str
    ents: list[Ent]
    backend: str
    """``spacy:<model name>`` or ``rules``."""
    doc: Any = None
    """The spaCy ``Doc`` (None with the rule matcher)."""
    derived: dict[str, Any] = field(default_factory=dict)
    """Results computed once from the parse and shared (e.g. canonical mentions)."""
    language: str = DEFAULT_LANGUAGE
    """The two-letter language the text was analysed as."""
