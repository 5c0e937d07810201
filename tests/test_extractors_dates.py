"""The ``dates`` extractor: explicit dates, weekdays by tense, relative expressions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from extractors.dates import (
    dates_mentioned,
    extract_dates,
    parse_day,
    reference_date,
    resolve_weekday,
)
from newsflow.models import Article

SATURDAY = date(2025, 12, 6)  # the seed article's publication day


def resolved(text: str, ref: date | None = SATURDAY, language: str = "en") -> dict[str, tuple[str | None, str]]:
    return {m["text"]: (m["date"], m["resolution"]) for m in extract_dates(text, ref, language)}


@pytest.mark.parametrize(
    ("text", "mention", "expected"),
    [
        # weekdays: future tense → the coming one, past → the previous one, own day → today
        ("Macron will travel to London on Monday.", "Monday", "2025-12-08"),
        ("Macron announced he would travel to London on Monday.", "Monday", "2025-12-08"),
        ("Leaders prepare to meet Zelensky in London on Monday.", "Monday", "2025-12-08"),
        ("The strike on Monday destroyed the station.", "Monday", "2025-12-01"),
        ("Officials said on Monday that talks had stalled.", "Monday", "2025-12-01"),
        ("Ukrainian officials said on Saturday the attack was one of the largest.", "Saturday", "2025-12-06"),
        ("Ferries are expected to resume on Friday.", "Friday", "2025-12-12"),
        ("Ferries resumed on Friday.", "Friday", "2025-12-05"),
        ("Travel is disrupted until Tuesday.", "Tuesday", "2025-12-09"),
        ("Nothing moved on Thursday.", "Thursday", "2025-12-04"),  # no marker: past
        ("They met last Monday.", "last Monday", "2025-12-01"),
        ("They meet next Saturday.", "next Saturday", "2025-12-13"),
        # relative days
        ("Russia fired 653 drones overnight.", "overnight", "2025-12-06"),
        ("Strikes continued during the night.", "during the night", "2025-12-06"),
        ("Sirens sounded last night.", "last night", "2025-12-05"),
        ("The vote was yesterday.", "yesterday", "2025-12-05"),
        ("The vote is today.", "today", "2025-12-06"),
        ("The vote is tomorrow.", "tomorrow", "2025-12-07"),
        ("It happened three days ago.", "three days ago", "2025-12-03"),
        # explicit dates
        ("The deadline is 2025-12-31.", "2025-12-31", "2025-12-31"),
        ("It was signed on 6 December 2025.", "6 December 2025", "2025-12-06"),
        ("It was signed on December 6, 2025.", "December 6, 2025", "2025-12-06"),
        ("It was signed on Dec. 6.", "Dec. 6", "2025-12-06"),
        ("The festival ends on December 7.", "December 7", "2025-12-07"),
        ("Talks resume on 5 January.", "5 January", "2026-01-05"),  # nearest year
        ("It happened on the 2nd of December.", "2nd of December", "2025-12-02"),
    ],
)
def test_day_resolution(text: str, mention: str, expected: str) -> None:
    found = resolved(text)
    assert found[mention] == (expected, "day"), found


@pytest.mark.parametrize(
    ("text", "mention", "expected", "resolution"),
    [
        ("He met Putin in Moscow earlier in the week.", "earlier in the week", "2025-12-01", "week"),
        ("Prices rose this week.", "this week", "2025-12-01", "week"),
        ("Prices rose last week.", "last week", "2025-11-24", "week"),
        ("Talks continue next week.", "next week", "2025-12-08", "week"),
        ("Sales fell last month.", "last month", "2025-11-01", "month"),
        ("Output grew in November.", "November", "2025-11-01", "month"),
        ("The rematch is in May.", "May", "2026-05-01", "month"),
        ("It was announced in December 2024.", "December 2024", "2024-12-01", "month"),
        ("Growth will pick up next year.", "next year", "2026-01-01", "year"),
        ("Imports end by 2027.", "2027", "2027-01-01", "year"),
        ("Attacks increased in recent weeks.", "in recent weeks", None, "relative"),
        ("Talks may resume in the coming days.", "in the coming days", None, "relative"),
    ],
)
def test_coarser_resolutions(text: str, mention: str, expected: str | None, resolution: str) -> None:
    found = resolved(text)
    assert found[mention] == (expected, resolution), found


def test_not_dates() -> None:
    assert resolved("You may go. We march on. The 2,025 people were counted.") == {}
    assert resolved("the monday meeting") == {}  # English weekdays are capitalised


def test_weekday_followed_by_its_date_is_one_mention() -> None:
    assert resolved("The summit opens on Monday, December 8.") == {"December 8": ("2025-12-08", "day")}


def test_without_a_reference_only_absolute_dates_resolve() -> None:
    found = resolved("On Monday, 6 December 2025, and yesterday and on 7 December.", ref=None)
    assert found["6 December 2025"] == ("2025-12-06", "day")
    assert found["yesterday"] == (None, "day")
    assert found["7 December"] == (None, "day")


def test_french_and_german() -> None:
    fr = resolved("Macron se rendra lundi à Londres ; vendredi, il a rencontré Merz. Hier soir, la tempête.", language="fr")
    assert fr["lundi"] == ("2025-12-08", "day")
    assert fr["vendredi"] == ("2025-12-05", "day")
    assert fr["Hier soir"] == ("2025-12-05", "day")
    assert resolved("Le 6 décembre 2025, la semaine prochaine.", language="fr") == {
        "6 décembre 2025": ("2025-12-06", "day"),
        "la semaine prochaine": ("2025-12-08", "week"),
    }
    de = resolved("Merz reist am kommenden Montag nach London. Gestern tagte der Bundestag.", language="de")
    assert de["kommenden Montag"] == ("2025-12-08", "day")
    assert de["Gestern"] == ("2025-12-05", "day")
    assert resolved("Am 23. Dezember schließen die Märkte.", language="de")["23. Dezember"] == ("2025-12-23", "day")


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("es", "Sánchez viajará a Bruselas el lunes. Ayer el Gobierno aprobó el plan.",
         {"lunes": ("2025-12-08", "day"), "Ayer": ("2025-12-05", "day")}),
        ("es", "El 6 de diciembre de 2025 llegó la tormenta; la semana pasada hubo elecciones.",
         {"6 de diciembre de 2025": ("2025-12-06", "day"), "la semana pasada": ("2025-11-24", "week")}),
        ("es", "Por la mañana llovió. El próximo año habrá elecciones.",
         {"El próximo año": ("2026-01-01", "year")}),
        ("it", "Il ministro partirà lunedì. Il governo si è riunito venerdì. Domani si vota.",
         {"lunedì": ("2025-12-08", "day"), "venerdì": ("2025-12-05", "day"),
          "Domani": ("2025-12-07", "day")}),
        ("it", "Il 23 dicembre chiudono i mercati, l'anno scorso no.",
         {"23 dicembre": ("2025-12-23", "day"), "l'anno scorso": ("2024-01-01", "year")}),
        ("pt", "O presidente viajará na segunda-feira. Ontem à noite houve um ataque.",
         {"segunda-feira": ("2025-12-08", "day"), "Ontem à noite": ("2025-12-05", "day")}),
        ("pt", "Em 6 de dezembro de 2025, no mês passado, na próxima semana.",
         {"6 de dezembro de 2025": ("2025-12-06", "day"), "no mês passado": ("2025-11-01", "month"),
          "na próxima semana": ("2025-12-08", "week")}),
        ("ru", "В понедельник Путин заявил о переговорах. В среду состоится встреча. Вчера вечером был удар.",
         {"понедельник": ("2025-12-01", "day"), "среду": ("2025-12-10", "day"),
          "Вчера вечером": ("2025-12-05", "day")}),
        ("ru", "6 декабря 2025 года, на прошлой неделе, в следующем году.",
         {"6 декабря 2025 года": ("2025-12-06", "day"), "на прошлой неделе": ("2025-11-24", "week"),
          "в следующем году": ("2026-01-01", "year")}),
    ],
)
def test_spanish_italian_portuguese_russian(language: str, text: str,
                                            expected: dict[str, tuple[str, str]]) -> None:
    assert resolved(text, language=language) == expected


def test_one_languages_tense_words_do_not_count_in_another() -> None:
    """Spanish "a" is "to", not the French past auxiliary: "viajará a Bruselas el lunes"."""
    assert resolved("Viajará a Bruselas el lunes.", language="es")["lunes"] == ("2025-12-08", "day")


def test_mentions_are_deduplicated_in_text_order_with_offsets() -> None:
    text = "On Monday they will meet. Leaders will meet on Monday. Yesterday it rained."
    mentions = extract_dates(text, SATURDAY, "en")
    assert [m["text"] for m in mentions] == ["Monday", "Yesterday"]
    for m in mentions:
        assert text[m["offset"] : m["offset"] + len(m["text"])] == m["text"]


def test_resolve_weekday_rule() -> None:
    assert resolve_weekday(0, SATURDAY, "future") == date(2025, 12, 8)
    assert resolve_weekday(0, SATURDAY, "past") == date(2025, 12, 1)
    assert resolve_weekday(0, SATURDAY, None) == date(2025, 12, 1)
    assert resolve_weekday(5, SATURDAY, "future") == SATURDAY


def test_reference_date_prefers_published_then_feed_then_fetched() -> None:
    values: dict[str, Any] = {
        "id": "d1", "url": "https://news.example/d", "feed_url": "https://news.example/rss",
        "source": "Example", "domain": "news.example", "title": "T",
        "text": "Zelensky will meet Macron on Monday.", "fetched_at": "2025-12-10T08:00:00Z",
        "language": "en",
    }
    article = Article(**values)
    assert reference_date(article) == date(2025, 12, 10)
    article.feed_published_at = "Sat, 06 Dec 2025 09:40:00 GMT"  # not ISO: skipped
    assert reference_date(article) == date(2025, 12, 10)
    article.feed_published_at = "2025-12-07T09:40:00Z"
    assert reference_date(article) == date(2025, 12, 7)
    article.published_at = "2025-12-06T23:30:00-05:00"  # the writer's calendar day
    assert reference_date(article) == SATURDAY
    assert dates_mentioned(article)["dates_mentioned"] == [
        {"text": "Monday", "date": "2025-12-08", "resolution": "day", "offset": 29}
    ]
    assert parse_day("not a date") is None


def test_a_night_named_by_its_days_is_not_the_reference_day() -> None:
    sunday = date(2025, 12, 7)
    de = resolved("In der Nacht zu Samstag griffen Drohnen an.", ref=sunday, language="de")
    assert de == {"Samstag": ("2025-12-06", "day")}
    fr = resolved("Dans la nuit de vendredi à samedi, la tempête a frappé.", ref=sunday, language="fr")
    assert fr == {"vendredi": ("2025-12-05", "day"), "samedi": ("2025-12-06", "day")}
    assert resolved("In der Nacht griffen Drohnen an.", ref=sunday, language="de") == {
        "In der Nacht": ("2025-12-07", "day")}

def test_reference_date_is_the_publishers_local_day() -> None:
    """Published at 00:30 in Berlin: UTC says the 5th, the writer's "yesterday" is the 5th."""
    article = Article(
        id="d2", url="https://news.example/e", feed_url="https://news.example/rss", source="Example",
        domain="news.example", title="T", text="The vote took place yesterday.", fetched_at="2025-12-06T08:00:00Z",
        language="en", published_at="2025-12-05T23:30:00Z", published_day="2025-12-06", published_offset="+01:00",
    )
    assert reference_date(article) == SATURDAY
    assert dates_mentioned(article)["dates_mentioned"][0]["date"] == "2025-12-05"
