"""The speech-verb lexicon: how each language frames reported speech.

Speech verbs ("said", "sagte", "a déclaré"), auxiliaries, "according to" phrases, pronouns
with the gender they tell, titles, organisation nouns ("the company") and first names, read
from ``extractors/data/speech.yaml`` (en, de, fr, es, it, pt, ru, uk). An article is read
with English plus its own language (:func:`frames`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from extractors.yaml_data import load_yaml
from newsflow.langtags import normalize_language

SPEECH_PATH = Path(__file__).parent / "data" / "speech.yaml"


@dataclass(frozen=True, slots=True)
class Frames:
    """Speech frames of one or more languages (see ``extractors/data/speech.yaml``)."""

    verbs: frozenset[str]
    auxiliaries: frozenset[str]
    according: tuple[tuple[str, ...], ...]
    pronouns: dict[str, str]
    """Pronoun → ``male``, ``female``, ``person`` or ``org``."""
    titles: dict[str, str | None]
    """Title word → the gender it tells (``male``/``female``) or None."""
    org_nouns: frozenset[str]
    """Nouns that, after "the", stand for the last organisation named ("the company")."""
    names_by_case: bool = True
    """Whether capitalised words are names (False where every noun is capitalised: German)."""
    pro_drop: bool = False
    """Whether a reporting verb without a subject stands for the last person named."""
    title_words: tuple[str, ...] = ()
    """The titles, longest first (hashable: the key of their compiled pattern)."""


@cache
def _speech_data() -> dict[str, Any]:
    data = load_yaml(SPEECH_PATH)
    if not isinstance(data, dict) or not isinstance(data.get("languages"), dict):
        raise ValueError(f"{SPEECH_PATH}: expected a mapping with 'languages'")
    return data


@cache
def frames(language: str | None = "en") -> Frames:
    """The speech frames for an article in ``language`` (English plus that language; every
    language in the data when ``language`` is unknown or has none)."""
    data = _speech_data()["languages"]
    code = normalize_language(language) or ""
    codes = ["en", code] if code in data else list(data) if code != "en" else ["en"]
    verbs: set[str] = set()
    auxiliaries: set[str] = set()
    according: list[tuple[str, ...]] = []
    pronouns: dict[str, str] = {}
    titles: dict[str, str | None] = {}
    org_nouns: set[str] = set()
    for c in dict.fromkeys(codes):
        entry = data[c]
        verbs.update(entry.get("verbs", []))
        auxiliaries.update(entry.get("auxiliaries", []))
        according.extend(tuple(p) for p in entry.get("according", []))
        pronouns.update(entry.get("pronouns", {}))
        org_nouns.update(entry.get("org_nouns", []))
        for gender, words in entry.get("titles", {}).items():
            for word in words:
                titles[str(word)] = gender if gender in ("male", "female") else None
    according.sort(key=len, reverse=True)
    names_by_case = not any(data[c].get("capitalised_nouns") for c in codes)
    pro_drop = bool(code in data and data[code].get("pro_drop"))  # the article's own language only
    return Frames(frozenset(verbs), frozenset(auxiliaries), tuple(according), pronouns, titles,
                  frozenset(org_nouns), names_by_case, pro_drop,
                  tuple(sorted(titles, key=lambda t: (-len(t), t))))


@cache
def first_names() -> dict[str, str]:
    """Lower-cased first name → ``male``/``female``."""
    names = _speech_data().get("first_names", {})
    return {n: g for g in ("male", "female") for n in names.get(g, [])}


@cache
def _title_regex(titles: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(re.escape(t).replace("\\-", "[-‑]") for t in titles)
    return re.compile(rf"(?<![\w.])({words})\.?\s+$", re.IGNORECASE)


def title_before(text: str, lo: int, at: int, frames: Frames) -> tuple[int, str] | None:
    """(offset, lower-cased title) of a title right before offset ``at`` (not before ``lo``)."""
    match = _title_regex(frames.title_words).search(text, max(lo, at - 20), at)
    if match is None:
        return None
    return match.start(), match.group(1).lower()

