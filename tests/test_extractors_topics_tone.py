"""The ``topics`` (taxonomy, lexicon scoring) and ``tone`` (VADER) extractors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from extractors.tone import NEWS_LEXICON, extract_tone, tone_of
from extractors.topics import (
    LEXICON_PATH,
    THRESHOLD,
    extract_topics,
    labels,
    load_taxonomy,
    pick_topics,
    score_topics,
)
from newsflow.models import Article

TAXONOMY = (
    "conflict", "diplomacy", "politics", "economy", "sanctions", "energy", "disaster",
    "humanitarian", "health", "science_tech", "environment", "crime_justice", "sport", "culture",
)


def article(title: str, text: str, language: str | None = "en") -> Article:
    values: dict[str, Any] = {
        "id": uuid.uuid4().hex[:20], "url": "https://news.example/a", "feed_url": "https://news.example/rss",
        "source": "Example", "domain": "news.example", "title": title, "text": text,
        "fetched_at": "2025-12-06T10:00:00Z", "language": language,
    }
    return Article(**values)


# --------------------------------------------------------------------------- topics


def test_taxonomy_is_fixed_and_every_topic_has_terms_in_every_language() -> None:
    assert tuple(labels()) == TAXONOMY
    data = load_taxonomy(LEXICON_PATH)["topics"]
    for topic, spec in data.items():
        assert spec["label"] and spec["iptc"], topic
        for language in ("en", "fr", "de", "es", "it", "pt", "ru"):
            assert len(spec[language]) >= 4, (topic, language)
            assert all(0 < float(w) <= 3 for w in spec[language].values()), (topic, language)


@pytest.mark.parametrize(
    ("title", "text", "language", "expected"),
    [
        (
            "Missiles hit power plants as peace talks stall",
            "Russian forces launched missiles and drones at power plants overnight, and air "
            "defences intercepted most of them. Negotiators said the peace talks with the US "
            "envoy would resume, while the energy ministry reported blackouts in six regions.",
            "en",
            {"conflict", "diplomacy", "energy"},
        ),
        (
            "Late try gives Raiders derby win",
            "The fly-half kicked two penalties before the winger scored a try in the derby, and "
            "the home fans at the stadium celebrated a third league win of the season.",
            "en",
            {"sport"},
        ),
        (
            "Flu cases climb",
            "Hospitals opened extra beds as influenza infections rose; doctors urged patients "
            "to get vaccinated and the health service warned of pressure on intensive care.",
            "en",
            {"health"},
        ),
        (
            "Rugby : Toulouse s'impose",
            "Le Stade Toulousain a remporté le match du championnat avec le bonus offensif, "
            "en inscrivant cinq essais devant ses supporters.",
            "fr",
            {"sport"},
        ),
        (
            "Bundestag beschließt Haushalt",
            "Der Bundestag hat den Haushalt verabschiedet; die Koalition setzte sich gegen die "
            "Opposition durch, die Abgeordneten stritten über Steuern und Schulden.",
            "de",
            {"politics", "economy"},
        ),
        (
            "El Congreso aprueba los presupuestos",
            "Los diputados votaron la ley de presupuestos; el Gobierno de coalición ganó la "
            "votación frente a la oposición, y el partido mayoritario celebró el resultado.",
            "es",
            {"politics"},
        ),
        (
            "Alluvione in Emilia-Romagna",
            "Il maltempo ha provocato un'alluvione: i vigili del fuoco hanno evacuato centinaia "
            "di famiglie e la protezione civile ha diramato l'allerta rossa per la frana.",
            "it",
            {"disaster"},
        ),
        (
            "Flamengo vence o clássico",
            "O Flamengo venceu o jogo do campeonato com dois gols no estádio lotado; o treinador "
            "elogiou os jogadores depois da partida.",
            "pt",
            {"sport"},
        ),
        (
            "Ракетный удар по энергосистеме",
            "Армия выпустила ракеты и беспилотники по электростанциям; после обстрела в "
            "нескольких областях начались отключения электричества, энергосистема повреждена.",
            "ru",
            {"conflict", "energy"},
        ),
    ],
)
def test_topics(title: str, text: str, language: str, expected: set[str]) -> None:
    result = extract_topics(article(title, text, language))
    assert expected <= set(result["topics"]), result
    assert all(0 <= s <= 1 for s in result["topic_scores"].values())
    assert set(result["topic_scores"]) >= set(result["topics"])


def test_scoring_is_deterministic_ordered_and_thresholded() -> None:
    text = "Storm and floods forced evacuations; rescuers reached stranded drivers."
    first = score_topics("Storm floods coast", text, "en")
    assert first == score_topics("Storm floods coast", text, "en")
    topics = pick_topics(first)
    assert topics[0] == "disaster"
    assert all(first[t] >= THRESHOLD for t in topics)
    assert [first[t] for t in topics] == sorted((first[t] for t in topics), reverse=True)


def test_unrelated_text_gets_no_topic() -> None:
    result = extract_topics(article("A note", "The quick brown fox jumps over the lazy dog."))
    assert result["topics"] == []


def test_repetition_cannot_dominate() -> None:
    one = score_topics("", "The war. " + "filler words here " * 60, "en")["conflict"]
    many = score_topics("", "The war. " * 20 + "filler words here " * 60, "en")["conflict"]
    assert one < many < 0.9


def test_phrases_prefixes_and_hyphenated_words() -> None:
    assert score_topics("", "negotiations negotiators negotiated", "en")["diplomacy"] > 0.4
    assert score_topics("", "cessez-le-feu", "fr")["conflict"] > 0
    assert score_topics("", "the power grid", "en")["energy"] > score_topics("", "the grid", "en")["energy"]


def test_unknown_language_uses_all_lexicons() -> None:
    assert "sport" in extract_topics(article("", "Bundesliga Derby Stadion Fußball match league", "nl"))["topics"]


def test_empty_article() -> None:
    assert extract_topics(article("", "")) == {"topics": [], "topic_scores": {}}


# --------------------------------------------------------------------------- tone


def test_tone_scale_and_sign() -> None:
    bad = tone_of("Missiles killed ten civilians. The attack destroyed homes and caused blackouts.")
    good = tone_of("The team won a wonderful victory. Fans celebrated a great, happy night.")
    assert bad is not None and good is not None
    assert -10 <= bad < -2 < 2 < good <= 10


def test_news_lexicon_fills_vader_gaps() -> None:
    assert all(-4 <= v <= 4 for v in NEWS_LEXICON.values())
    assert (tone_of("Shelling and blackouts continued.") or 0) < 0


def test_tone_is_english_only() -> None:
    assert extract_tone(article("Guerre", "Les frappes ont tué dix personnes.", "fr")) == {"tone": None}
    assert extract_tone(article("War", "Strikes killed ten people.", "en-GB"))["tone"] < 0
    assert extract_tone(article("War", "Strikes killed ten people.", None))["tone"] < 0
    assert extract_tone(article("", "", "en")) == {"tone": None}
