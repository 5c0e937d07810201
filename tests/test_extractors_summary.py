"""The ``summary`` extractor and its sentence splitter."""

from __future__ import annotations

from typing import Any

import pytest

from extractors.summary import MAX_CHARS, extract_summary, split_sentences, summarize
from newsflow.models import Article

TITLE = "Port Ellis harbour reopens after storm"
PARAGRAPHS = [
    "Harbour reopens three days after the storm that flooded the waterfront.",  # standfirst
    "By Jane Doe — Published",  # byline: no sentence
    "The harbour of Port Ellis reopened on Monday after three days of closure, the port "
    "authority said, as crews cleared debris left by the storm that flooded the waterfront.",
    "Fishing boats returned to the quay by mid-morning and the ferry to the islands resumed "
    "its schedule.",
    "Port Ellis harbour reopens after storm.",  # the title again
    "The port authority said one pier would stay closed while inspectors check its pilings. "
    "Repairs to the harbour wall damaged by the storm would take several weeks, it said.",
    "Key facts:",
    "Local cafés reported a busy weekend. Dr. Alun Reece of the U.S. survey said the storm "
    "surge was the highest recorded at the harbour since 1987.",
    "Was it climate change? Nobody would say.",
    "Insurers have not yet estimated the cost of the damage to the waterfront and the harbour.",
]
TEXT = "\n".join(PARAGRAPHS)


def test_sentence_splitter_handles_abbreviations_quotes_and_lines() -> None:
    text = 'Dr. Reece said: "It rose fast." Then the U.S. team left. Mr. Smith, 42, stayed.\nNext line'
    assert [s for _, s in split_sentences(text)] == [
        'Dr. Reece said: "It rose fast."',
        "Then the U.S. team left.",
        "Mr. Smith, 42, stayed.",
        "Next line",
    ]
    for offset, sentence in split_sentences(text):
        assert text[offset : offset + len(sentence)] == sentence


def test_summary_is_two_or_three_sentences_of_the_text_in_order() -> None:
    summary = summarize(TITLE, TEXT, "en")
    assert summary is not None
    sentences = [s for _, s in split_sentences(summary)]
    assert 2 <= len(sentences) <= 3
    positions = [TEXT.index(s) for s in sentences]
    assert positions == sorted(positions)
    assert len(summary) <= MAX_CHARS


def test_summary_skips_title_bylines_lead_ins_questions_and_repeats() -> None:
    summary = summarize(TITLE, TEXT, "en") or ""
    assert "Port Ellis harbour reopens after storm." not in summary
    assert "By Jane Doe" not in summary
    assert "Key facts" not in summary
    assert "?" not in summary
    # the standfirst and the lede say the same thing: only one of them
    assert ("Harbour reopens three days after" in summary) + ("reopened on Monday after three days" in summary) == 1


def test_summary_is_deterministic() -> None:
    assert summarize(TITLE, TEXT, "en") == summarize(TITLE, TEXT, "en")


def test_short_texts_are_their_own_summary() -> None:
    assert summarize("T", "Only one sentence here in this short article.", "en") == (
        "Only one sentence here in this short article."
    )
    assert summarize("T", "", "en") is None


def test_french_summary_uses_french_stop_words() -> None:
    text = (
        "La tempête a privé d'électricité des dizaines de milliers de foyers en Bretagne.\n"
        "Des rafales supérieures à 140 km/h ont été enregistrées sur la pointe du Finistère.\n"
        "Plusieurs établissements scolaires sont restés fermés vendredi dans la région.\n"
        "Les équipes d'Enedis ont rétabli le courant dans la plupart des foyers samedi matin."
    )
    summary = summarize("Tempête en Bretagne", text, "fr")
    assert summary and summary.startswith("La tempête a privé")


def test_extractor_field() -> None:
    values: dict[str, Any] = {
        "id": "s1", "url": "https://news.example/s", "feed_url": "https://news.example/rss",
        "source": "Example", "domain": "news.example", "title": TITLE, "text": TEXT,
        "fetched_at": "2025-12-06T10:00:00Z", "language": "en",
    }
    assert extract_summary(Article(**values))["summary"] == summarize(TITLE, TEXT, "en")
    values["text"] = "   "
    assert extract_summary(Article(**values)) == {"summary": None}


def test_centrality_in_linear_time_equals_the_pairwise_sum() -> None:
    import random

    from extractors.summary import _centrality, _overlap

    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(40)]
    sets = [frozenset(rng.sample(vocabulary, rng.randint(0, 12))) for _ in range(300)]
    pairwise = [sum(_overlap(a, b) for j, b in enumerate(sets) if j != i) for i, a in enumerate(sets)]
    assert _centrality(sets) == pytest.approx(pairwise, rel=1e-9, abs=1e-12)
