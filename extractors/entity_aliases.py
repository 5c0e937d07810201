"""The alias table: curated canonical names of prominent people and organisations.

Read from ``extractors/data/aliases.yaml`` (:data:`KNOWN`): names the small models mislabel
or spell several ways, in every language we ingest ("Selenskyj", "Zelensky", "Зеленський" →
Volodymyr Zelensky). :func:`known_entity` looks a name up (case and spacing do not matter).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from extractors.regex_guard import guarded
from extractors.yaml_data import load_yaml

ALIASES_PATH = Path(__file__).parent / "data" / "aliases.yaml"


def _read_aliases(path: Path) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(canonical name, label, aliases) of each entry of the alias table at ``path``.

    Raises ValueError on an entry without a name or with a label other than PERSON/ORG.
    """
    entries = load_yaml(path) or []
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for entry in entries:
        name, label = str(entry.get("name") or "").strip(), entry.get("label")
        if not name or label not in ("PERSON", "ORG"):
            raise ValueError(f"{path}: bad alias entry {entry!r} (needs a name and label PERSON or ORG)")
        aliases = tuple(dict.fromkeys(str(a).strip() for a in entry.get("aliases") or () if str(a).strip()))
        out.append((name, label, aliases))
    return tuple(out)


KNOWN: tuple[tuple[str, str, tuple[str, ...]], ...] = _read_aliases(ALIASES_PATH)
"""Curated canonical names, labels and variants in every language we ingest (read from
``extractors/data/aliases.yaml``): prominent names the small models mislabel or spell several
ways ("Selenskyj", "Zelensky", "Зеленський" → Volodymyr Zelensky). Kept short on purpose;
everything else follows the rules."""
_SPACES = re.compile(r"\s+")


def _known_index() -> dict[str, tuple[str, str]]:
    index: dict[str, tuple[str, str]] = {}
    for canonical, label, aliases in KNOWN:
        for alias in (canonical, *aliases):
            index[alias.casefold()] = (canonical, label)
    return index


_KNOWN_INDEX = _known_index()
KNOWN_PERSON_NAMES = frozenset(
    alias for canonical, label, aliases in KNOWN if label == "PERSON"
    for alias in (canonical, *aliases) if len(alias) > 3
)
"""Every name (canonical or alias, over three characters) of a curated person."""


def names_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of ``names`` as whole words, longest first."""
    ordered = sorted(names, key=len, reverse=True)
    if not ordered:
        return re.compile(r"(?!)")
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in ordered) + r")\b")


KNOWN_PERSON_PATTERN = guarded(names_pattern(KNOWN_PERSON_NAMES).pattern)
"""Matches any of :data:`KNOWN_PERSON_NAMES` as whole words (behind a guard of their first
letters: run over every article, it otherwise tries each name at each word)."""


def known_entity(name: str) -> tuple[str, str] | None:
    """(canonical name, label) of a curated entity called ``name``, else None."""
    return _KNOWN_INDEX.get(_SPACES.sub(" ", name.strip()).casefold())
