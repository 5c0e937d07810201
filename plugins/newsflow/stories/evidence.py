"""What two articles have in common, and whether that makes them one story.

An article is compared by its :class:`Features`: the time it was published (else seen), its
near-duplicate ``cluster_id``, its canonical entity and place names (the ``entities`` and
``places`` extractors' ``persons``, ``organizations`` and ``places``: "Selenskyj" and
"Zelensky" are one name there, so the names match across languages), the content words of
its title, and its embedding (the ``embedding`` extractor's unit vector, multilingual-e5-small,
:mod:`newsflow.semantic`: the same event told in two languages lands close).

:func:`link` is the one rule, symmetric and depending only on the two articles, so that the
threads (connected components of the links, :mod:`newsflow.stories.threads`) do not depend
on the order articles arrive in:

* two copies (the same ``cluster_id``) are always one story: a copy is not a new story;
* otherwise they must be published within :attr:`Rule.window_hours` of each other, and
* with both vectors: cosine similarity ≥ :attr:`Rule.similarity`, or, with at least
  :attr:`Rule.min_shared` shared names (below), ≥ :attr:`Rule.min_similarity` across languages and ≥
  :attr:`Rule.same_language_similarity` within one language (E5 scores two texts of one language
  higher than a translation: on our labelled set, the ECB's rate cut told in German and in
  Spanish scores 0.86, the same German outlet's rate cut and, two days later, Lagarde's speech on
  the digital euro 0.89);
* without a vector on either side (no ``semantic`` extra): at least
  :attr:`Rule.fallback_shared` shared names, and either a title-word overlap (Jaccard) ≥
  :attr:`Rule.title_overlap` or a time gap ≤ :attr:`Rule.fallback_hours` (names alone are
  weaker evidence than meaning, so they link only articles close in time). Title words cannot
  see across languages; names mostly can (they are canonical).

A name is shared when both articles' extractors found it, or when one article's extractors
found it and it is *mentioned* in the other: it occurs there as whole words, capitalised, in
the article's title or lead (:func:`mentions`; accents and case folded, so "Grindavik" in one and
"Grindavík" in the other match, "Carlingford" or "carling" do not match "Carling"). The second kind
needs no name recognition in the other article's language: a German report in which no German
model finds "Reykjanes" still mentions it. Countries count like any other name (as they do when
both extractors find them): on the labelled set, where this was decided, the only distractor
pair to which a mention adds a name is a port strike and a rocket launch that both write
"Europe", 0.77 apart in meaning and five days apart in time. Similarity still decides: a
mention only lets the lower threshold apply.

The evidence (similarity, shared names, the names found only as a mention, time gap, how) is
returned as a dict, recorded with each decision in the state store.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

WORD = re.compile(r"[^\W\d_]{4,}")
"""A title word that counts: four letters or more (drops most function words in every script)."""
LETTERS = re.compile(r"[^\W\d_]+")
"""A word of a name or a mention: letters only (hyphens, apostrophes and slashes split words)."""
JOINER = re.compile(r"[ \t\n'’/-]*")
"""What may stand between two words of one name: spaces, hyphens, apostrophes, slashes (a
comma, a full stop, a dash or any other punctuation ends a run)."""
MENTION_CHARS = 4000
"""The lead of the text searched for mentions (characters after the title): the event's own
names come early; it bounds what is stored per article."""


@dataclass(frozen=True, slots=True)
class Rule:
    """When two articles are one story (see the module docstring); from the settings
    ``story_window_hours``, ``story_similarity``, ``story_min_similarity`` and
    ``story_same_language_similarity``."""

    window_hours: float = 72.0
    similarity: float = 0.915
    min_similarity: float = 0.86
    same_language_similarity: float = 0.9
    min_shared: int = 1
    fallback_shared: int = 2
    title_overlap: float = 0.2
    fallback_hours: float = 24.0

    @property
    def window_seconds(self) -> float:
        return self.window_hours * 3600.0


@dataclass(frozen=True, slots=True)
class Features:
    """What an article is compared by. ``seen_at``: UTC epoch seconds; ``vector``: a unit
    float32 vector or None."""

    doc_id: str
    cluster_id: str
    seen_at: float
    language: str | None
    entities: frozenset[str]
    words: frozenset[str]
    vector: np.ndarray | None
    mentions: tuple[str, ...] = ()
    """Its :func:`mentions`."""


def title_words(title: str) -> tuple[str, ...]:
    """The title's distinct content words, lowercased and sorted."""
    return tuple(sorted({w.casefold() for w in WORD.findall(title or "")}))


def names(enrichments: Mapping[str, Any]) -> tuple[str, ...]:
    """The article's canonical person, organisation and place names, sorted (countries as
    ISO codes are left out: a country is shared by too many unrelated events)."""
    found: set[str] = set()
    for field in ("persons", "organizations", "places"):
        for name in enrichments.get(field) or ():
            if isinstance(name, str) and name.strip():
                found.add(name.strip())
    return tuple(sorted(found))


@functools.lru_cache(maxsize=1 << 16)
def fold(word: str) -> str:
    """``word`` without accents, case folded ("Kötzting" → "kotzting"). Memoised: the same
    capitalised words come back in article after article."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """A name as a mention is matched: its words folded, joined by one space
    ("L'Hôpital" → "l hopital", "Saint-Avold" → "saint avold"). Memoised: a batch compares
    the same names with every article of the window."""
    return " ".join(fold(w) for w in LETTERS.findall(name))


def mentions(title: str, text: str) -> tuple[str, ...]:
    """The runs of capitalised words in ``title`` and the first :data:`MENTION_CHARS` of
    ``text``, folded (:func:`name_key`), distinct, sorted: where names can be, in any language
    written in a cased script. A run is capitalised words joined only by spaces, hyphens,
    apostrophes or slashes, with at most one short lowercase word (three letters or fewer: "de",
    "am", "di") between two of them ("Sanlúcar de Barrameda" → "sanlucar de barrameda")."""
    found: set[str] = set()
    for part in (title or "", (text or "")[:MENTION_CHARS]):
        run: list[str] = []
        pending: str | None = None
        end = None
        for match in LETTERS.finditer(part):
            word = match.group()
            joined = end is not None and JOINER.fullmatch(part, end, match.start()) is not None
            end = match.end()
            if word[0].isupper():
                if run and joined:
                    run += [pending, word] if pending else [word]
                else:
                    _keep(run, found)
                    run = [word]
                pending = None
            elif run and joined and pending is None and len(word) <= 3:
                pending = word
            else:
                _keep(run, found)
                run, pending = [], None
        _keep(run, found)
    return tuple(sorted(found))


def _keep(run: list[str], found: set[str]) -> None:
    if run:
        found.add(" ".join(fold(w) for w in run))


def mentioned(names_: Iterable[str], runs: Sequence[str]) -> set[str]:
    """The names of ``names_`` that occur in ``runs`` (an article's :func:`mentions`) as one or
    more whole words of a run (:func:`name_key`)."""
    if not runs:
        return set()
    haystack = _haystack(tuple(runs))
    return {n for n in names_ if (key := _spaced(n)) and key in haystack}


@functools.lru_cache(maxsize=1 << 16)
def _spaced(name: str) -> str:
    """``name``'s :func:`name_key` between spaces, as it is looked up in a haystack ("" when it has no letters)."""
    key = name_key(name)
    return f" {key} " if key else ""


@functools.lru_cache(maxsize=1 << 13)
def _haystack(runs: tuple[str, ...]) -> str:
    """The runs, each between spaces, one per line: a key (" word … ", no line break) is in
    it exactly when it is a whole-word part of one run."""
    return "\n".join(f" {run} " for run in runs)


def epoch(value: str | datetime | None) -> float | None:
    """An ISO 8601 time (or datetime) as UTC epoch seconds; None when missing or unreadable
    (a time without a zone is read as UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def vector_bytes(vector: Iterable[float] | None) -> bytes | None:
    """An embedding as the float32 bytes stored (None: no vector)."""
    if vector is None:
        return None
    array = np.asarray(list(vector), dtype=np.float32)
    return array.tobytes() if array.size else None


def as_vector(data: bytes | None) -> np.ndarray | None:
    return None if data is None else np.frombuffer(data, dtype=np.float32)


def fingerprint(*parts: object) -> str:
    """A digest of everything an article is compared by: unchanged, it is not compared again."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else json.dumps(part, ensure_ascii=False).encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def link(a: Features, b: Features, rule: Rule) -> dict[str, Any] | None:
    """The evidence that ``a`` and ``b`` are one story, or None (see the module docstring)."""
    seconds = abs(a.seen_at - b.seen_at)
    gap = round(seconds / 3600.0, 2)
    if a.cluster_id == b.cluster_id:
        return {"via": "copy", "cluster_id": a.cluster_id, "gap_hours": gap}
    if seconds > rule.window_seconds:
        return None
    if a.vector is not None and b.vector is not None:
        similarity = float(np.dot(a.vector, b.vector))
        with_names = rule.same_language_similarity if a.language == b.language else rule.min_similarity
        if similarity < min(rule.similarity, with_names):  # no name can help: not looked up
            return None
        shared, only_mentioned = shared_names(a, b)
        if similarity >= rule.similarity or len(shared) >= rule.min_shared:
            return {"via": "embedding", "similarity": round(similarity, 4), "shared": shared,
                    "mentioned": only_mentioned, "gap_hours": gap}
        return None
    union = a.words | b.words
    overlap = len(a.words & b.words) / len(union) if union else 0.0
    close = seconds <= rule.fallback_hours * 3600.0
    if not (overlap >= rule.title_overlap or close):  # no name can help: not looked up
        return None
    shared, only_mentioned = shared_names(a, b)
    if len(shared) >= rule.fallback_shared:
        return {"via": "names+title", "title_overlap": round(overlap, 3), "shared": shared,
                "mentioned": only_mentioned, "gap_hours": gap}
    return None


def shared_names(a: Features, b: Features) -> tuple[list[str], list[str]]:
    """(the names ``a`` and ``b`` share, those of them found by one side's extractors only and
    mentioned by the other), each sorted."""
    both = a.entities & b.entities
    only_mentioned = mentioned(a.entities - both, b.mentions) | mentioned(b.entities - both, a.mentions)
    return sorted(both | only_mentioned), sorted(only_mentioned)
