"""The gazetteer's index: its records, the SQLite tables that hold them, and the lookups.

:class:`Place` is one gazetteer entry and :class:`Candidate` one answer to a name;
:func:`write` stores a built gazetteer (see :mod:`extractors.gazetteer_build`) in an empty
SQLite database and :class:`Gazetteer` reads one: normalised name → candidate places.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from extractors.gazetteer_names import normalise

_key = lru_cache(maxsize=65_536)(normalise)
"""The lookup key of a name as it is written, memoised: the extractors ask for the same
surface forms in article after article (≈ 60 lookups per article)."""

FEATURES = ("country", "region", "city", "facility")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry."""

    name: str
    country_code: str
    feature: str
    """``country``, ``region`` (state, province, oblast, historical region), ``city`` or
    ``facility``."""
    lat: float | None
    lon: float | None
    population: int = 0
    admin1: str | None = None
    """GeoNames admin1 code (``"TX"``, ``"ENG"``, ``"26"``) where known."""
    capital: bool = False
    curated: bool = False
    names: int = 30
    """How many names GeoNames knows the place by (its alternate names): a proxy for how
    widely it is written about. Countries and regions count as 30."""
    key: str = ""
    """A stable id: ``country:UA``, ``region:US:FL``, ``city:<geonameid>``, ``curated:<name>``."""


@dataclass(frozen=True, slots=True)
class Candidate:
    place: Place
    primary: bool
    """Whether the name asked for is the entry's own name (or curated alias), not one of
    GeoNames' alternate names."""


_PLACE_COLUMNS = ("name", "country_code", "feature", "lat", "lon", "population", "admin1", "capital",
                  "curated", "names", "key")


def write(db: sqlite3.Connection, places: Sequence[Place], names: Mapping[str, Iterable[Sequence[int]]],
          countries: Mapping[str, int], digest: str) -> None:
    """Store a built gazetteer in ``db`` (an empty database): ``places`` by position (their
    id), ``names`` (normalised name → ``[place id, primary]`` pairs in lookup order),
    ``countries`` (ISO code → place id) and the ``digest`` it was built from."""
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
        "CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT, country_code TEXT, feature TEXT, lat REAL,"
        " lon REAL, population INTEGER, admin1 TEXT, capital INTEGER, curated INTEGER, names INTEGER, key TEXT);"
        "CREATE TABLE names (name TEXT, seq INTEGER, place INTEGER, is_primary INTEGER,"
        " PRIMARY KEY (name, seq)) WITHOUT ROWID;"
        "CREATE TABLE countries (code TEXT PRIMARY KEY, place INTEGER) WITHOUT ROWID;"
    )
    db.executemany(f"INSERT INTO places VALUES (?, {', '.join('?' * len(_PLACE_COLUMNS))})",
                   ((i, *(getattr(p, c) for c in _PLACE_COLUMNS)) for i, p in enumerate(places)))
    db.executemany("INSERT INTO names VALUES (?, ?, ?, ?)",
                   ((name, seq, place, primary) for name, entries in names.items()
                    for seq, (place, primary) in enumerate(entries)))
    db.executemany("INSERT INTO countries VALUES (?, ?)", countries.items())
    db.execute("INSERT INTO meta VALUES ('digest', ?)", (digest,))
    db.commit()


class Gazetteer:
    """The index: normalised name → candidate places, read from a SQLite file (see :func:`extractors.gazetteer.load`).

    Lookups are memoised per process, already in :meth:`candidates`' order; places are built
    from their rows once.
    """

    MEMO_SIZE = 200_000

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._places: dict[int, Place] = {}
        self._memo: dict[str, tuple[Candidate, ...]] = {}
        rows = db.execute("SELECT c.code, p.* FROM countries c JOIN places p ON p.id = c.place").fetchall()
        self.countries: dict[str, Place] = {row[0]: self._place(row[1:]) for row in rows}
        self.country_names: dict[str, str] = {code: place.name for code, place in self.countries.items()}

    def _place(self, row: tuple[Any, ...]) -> Place:
        place = self._places.get(row[0])
        if place is None:
            values = dict(zip(_PLACE_COLUMNS, row[1:], strict=True))
            for flag in ("capital", "curated"):
                values[flag] = bool(values[flag])
            place = self._places[row[0]] = Place(**values)
        return place

    def _lookup(self, key: str) -> tuple[Candidate, ...]:
        found = self._memo.get(key)
        if found is None:
            with self._lock:
                rows = self._db.execute(
                    "SELECT n.is_primary, p.* FROM names n JOIN places p ON p.id = n.place"
                    " WHERE n.name = ? ORDER BY n.seq", (key,)).fetchall()
                found = tuple(sorted((Candidate(self._place(row[1:]), bool(row[0])) for row in rows),
                                     key=lambda c: not c.primary))
            if len(self._memo) >= self.MEMO_SIZE:
                self._memo.clear()
            self._memo[key] = found
        return found

    def candidates(self, name: str) -> list[Candidate]:
        """Every entry called ``name``, by its own name (or a curated alias) first."""
        return list(self._lookup(_key(name)))

    def country(self, code: str) -> Place | None:
        return self.countries.get(code.upper())

    def country_of_name(self, name: str) -> Place | None:
        """The country called ``name`` ("US", "the United States", "Britain"), if any."""
        for cand in self.candidates(name):
            if cand.place.feature == "country" and cand.primary:
                return cand.place
        return None

    def __contains__(self, name: str) -> bool:
        return bool(self._lookup(_key(name)))
