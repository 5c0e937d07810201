"""The ``quantities`` extractor: digits and number words, units, counted nouns, exclusions."""

from __future__ import annotations

from typing import Any

import pytest

from extractors.quantities import (
    extract_quantities,
    parse_digits,
    parse_number,
    parse_number_words,
    quantities,
)
from newsflow.models import Article


def found(text: str, language: str | None = "en") -> list[tuple[str, float, str, str | None]]:
    return [(q["text"], q["value"], q["unit"], q["object"]) for q in extract_quantities(text, language)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Russia fired 653 drones overnight.", ("653 drones", 653.0, "count", "drones")),
        ("They launched 51 missiles.", ("51 missiles", 51.0, "count", "missiles")),
        ("Strikes hit facilities in eight regions.", ("eight regions", 8.0, "count", "regions")),
        ("Turnout was 80% of voters.", ("80%", 80.0, "percent", "voters")),
        (
            "Defences intercepted approximately 80% of the incoming missiles and drones.",
            ("approximately 80%", 80.0, "percent", "incoming missiles"),
        ),
        (
            "Russia controls about one-fifth of Ukraine's territory, including Donbas.",
            ("about one-fifth", 0.2, "fraction", "Ukraine's territory"),
        ),
        ("He described his five-hour meeting with Putin.", ("five-hour meeting", 5.0, "hour", "meeting")),
        ("After two days of discussions, they left.", ("two days", 2.0, "day", "discussions")),
        ("The EU pledged $1.5 billion in aid.", ("$1.5 billion", 1.5e9, "USD", "aid")),
        ("Some 3.2 million people fled.", ("Some 3.2 million people", 3.2e6, "count", "people")),
        ("More than 80,000 customers lost power.", ("More than 80,000 customers", 80000.0, "count", "customers")),
        ("Twenty-five soldiers were hurt.", ("Twenty-five soldiers", 25.0, "count", "soldiers")),
        ("A dozen villages were cut off.", ("A dozen villages", 12.0, "count", "villages")),
        (
            "Three hundred and fifty thousand homes were dark.",
            ("Three hundred and fifty thousand homes", 350000.0, "count", "homes"),
        ),
        ("It bought 12 attack drones.", ("12 attack drones", 12.0, "count", "attack drones")),
        ("A €90bn loan was agreed.", ("€90bn", 9e10, "EUR", "loan")),
        ("Rates rose 0.25 percentage points.", ("0.25 percentage points", 0.25, "percentage point", None)),
        ("Prices fell 3 per cent.", ("3 per cent", 3.0, "percent", None)),
        ("The planet is 40 light years away.", ("40 light years", 40.0, "light-year", None)),
        ("Gusts reached 140 km/h.", ("140 km", 140.0, "km", None)),
        ("a 10-year-old boy was rescued", ("10-year-old boy", 10.0, "year", "boy")),
        ("Two-thirds of voters agreed.", ("Two-thirds", 2 / 3, "fraction", "voters")),
    ],
)
def test_quantity(text: str, expected: tuple[str, float, str, str | None]) -> None:
    results = found(text)
    assert len(results) == 1, results
    got = results[0]
    assert got[0] == expected[0]
    assert got[1] == pytest.approx(expected[1], rel=1e-5)
    assert got[2:] == expected[2:]


@pytest.mark.parametrize(
    "text",
    [
        "Talks entered a third day on Monday.",  # ordinal
        "The 21st round ended.",  # digit ordinal
        "It was one of the largest attacks.",  # pronoun "one of"
        "No one was hurt.",
        "The budget for 2026 was passed in 2025.",  # years
        "They met on 6 December and again on December 8.",  # dates
        "The match ended 3-1 at 10:30.",  # scores, times
        "The Stoxx 600 index fell.",  # part of a name
        "Boeing 737 jets were grounded.",  # a name at the start of a sentence too
        "COP30 and the G7 met; F-16 jets flew.",  # glued to letters
        "Dozens of missiles and hundreds of drones; several hundred people.",  # vague
        "They expect growth in the second half of next year.",  # a period, not a fraction
        "The gallery opens at ten o'clock.",
        "Three killed in the attack.",  # a verb after the number, no counted noun
    ],
)
def test_not_a_quantity(text: str) -> None:
    assert found(text) == []


def test_offsets_point_into_the_text() -> None:
    text = "Officials said 653 drones and 51 missiles were fired; about 80% were intercepted."
    for q in extract_quantities(text):
        assert text[q["offset"] : q["offset"] + len(q["text"])] == q["text"]


def test_a_scale_word_is_read_once() -> None:
    assert found("The £14 million restoration took years.") == [("£14 million", 1.4e7, "GBP", "restoration")]


def test_language_separators() -> None:
    assert parse_digits("1,500.5", "en") == 1500.5
    assert parse_digits("1\u202f500,5", "fr") == 1500.5
    assert parse_digits("1.500,5", "de") == 1500.5
    assert found("Il a coûté 1 500,5 euros pour 45 000 foyers.", "fr") == [
        ("1 500,5 euros", 1500.5, "EUR", None),
        ("45 000 foyers", 45000.0, "count", "foyers"),
    ]
    assert found("Vor 50.000 Zuschauern stieg die Produktion um 1,8 Prozent.", "de") == [
        ("50.000 Zuschauern", 50000.0, "count", "Zuschauern"),
        ("1,8 Prozent", 1.8, "percent", None),
    ]


def test_number_words_in_the_article_language() -> None:
    """Number words are read in the article's language only (English words in a French
    article are not), and a lone "one" word is an article, not a count."""
    assert found("Il y avait deux cents personnes et three drones.", "fr") == [
        ("deux cents personnes", 200.0, "count", "personnes")]
    assert found("Es kamen drei Millionen Menschen und eine Frau.", "de") == [
        ("drei Millionen Menschen", 3e6, "count", "Menschen")]
    assert found("Llegaron 60 mil personas.", "es") == [("60 mil personas", 6e4, "count", "personas")]
    assert found("Arrivarono tre milioni di euro.", "it") == [
        ("tre milioni di euro", 3e6, "EUR", None)]
    assert found("Vieram dois milhões de pessoas.", "pt") == [
        ("dois milhões de pessoas", 2e6, "count", "pessoas")]
    assert found("Une femme est venue.", "fr") == []


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Es gibt 12'480 Haushalte.", "de", ("12'480 Haushalte", 12480.0, "count", "Haushalte")),
        ("Kosten: 1'750'000 Franken.", "de", ("1'750'000 Franken", 1750000.0, "CHF", None)),
        ("Il y a 12 345 habitants.", "fr", ("12 345 habitants", 12345.0, "count", "habitants")),
        ("Il y a 12\u2009345 habitants.", "fr", ("12\u2009345 habitants", 12345.0, "count", "habitants")),
        ("There are 12\u00a0345 residents.", "en", ("12\u00a0345 residents", 12345.0, "count", "residents")),
        ("Costó 1.234.567,89 euros.", "es", ("1.234.567,89 euros", 1234567.89, "EUR", None)),
        ("Votaron 770.000 personas.", "es", ("770.000 personas", 770000.0, "count", "personas")),
        ("Sono arrivate 770.000 persone.", "it", ("770.000 persone", 770000.0, "count", "persone")),
        ("Rallies drew 1,50,000 people.", "en", ("1,50,000 people", 150000.0, "count", "people")),
        ("Obtuvo el 22 por ciento de los votos.", "es", ("22 por ciento", 22.0, "percent", "votos")),
        ("Er erhielt 22 Prozent der Stimmen.", "de", ("22 Prozent", 22.0, "percent", "Stimmen")),
        ("Il a obtenu 22 pour cent des voix.", "fr", ("22 pour cent", 22.0, "percent", "voix")),
        ("Pagaron 500 dólares.", "es", ("500 dólares", 500.0, "USD", None)),
        ("Il a reçu 3 millions d'euros.", "fr", ("3 millions d'euros", 3e6, "EUR", None)),
        ("Выделено 5 миллионов рублей.", "ru", ("5 миллионов рублей", 5e6, "RUB", None)),
        ("Поддержали 22 процента.", "ru", ("22 процента", 22.0, "percent", None)),
    ],
)
def test_locale_number_formats(text: str, language: str, expected: tuple[str, float, str, str | None]) -> None:
    results = found(text, language)
    assert len(results) == 1, results
    assert results[0][0] == expected[0]
    assert results[0][1] == pytest.approx(expected[1], rel=1e-9)
    assert results[0][2:] == expected[2:]


@pytest.mark.parametrize(
    ("raw", "language"),
    [("1.234", None), ("1,234", None), ("1.234", "fr"), ("1,5", "en"), ("1,5", None),
     ("1.234,5.6", "de")],
)
def test_ambiguous_numbers_have_no_value(raw: str, language: str | None) -> None:
    assert parse_number(raw, language) is None
    assert found(f"There were {raw} cases.", language) == []


def test_a_count_is_a_whole_number() -> None:
    assert found("The census counted 12.480 households.") == []  # an English decimal count: misread


def test_units_only_where_they_are_units() -> None:
    assert found("She bought a 360-degree camera.") == [
        ("360-degree camera", 360.0, "degree", "camera")]
    assert found("The fridge has 58.4 cu. ft. of space.") == [
        ("58.4 cu. ft.", 58.4, "cubic foot", "space")]
    assert found("It reached 41 degrees Celsius.") == [("41 degrees Celsius", 41.0, "celsius", None)]


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("twenty-five", 25), ("a dozen", 12), ("three hundred and fifty", 350),
        ("two million", 2e6), ("one hundred thousand", 1e5), ("ninety nine", 99),
    ],
)
def test_number_words(words: str, value: float) -> None:
    assert parse_number_words(words) == value


def test_number_word_lists_are_not_numbers() -> None:
    assert parse_number_words("five six") is None


def test_extractor_reads_article_text_and_language() -> None:
    values: dict[str, Any] = {
        "id": "q1", "url": "https://news.example/q", "feed_url": "https://news.example/rss",
        "source": "Example", "domain": "news.example", "title": "Ten drones downed",
        "text": "Crews repaired 12 lines.", "fetched_at": "2025-12-06T10:00:00Z", "language": "en",
    }
    result = quantities(Article(**values))
    assert [q["text"] for q in result["quantities"]] == ["12 lines"]  # the title is not read


def test_english_evaluation_meets_its_goal() -> None:
    """benchmarks/data/quantities_en.yaml: ≥ 95% right and never a wrong value."""
    from benchmarks.quality import quantity_scores

    scores = quantity_scores()
    assert scores["quantities"] >= 40
    assert scores["right"] >= 0.95 * scores["quantities"], scores["misses"]
    assert scores["wrong_values"] == 0, scores["misses"]


def test_a_sign_belongs_to_the_value() -> None:
    assert found("Temperatures fell to minus 30 degrees Celsius.") == [
        ("minus 30 degrees Celsius", -30.0, "celsius", None)]
    assert found("Output changed by −4.5% last month.") == [("−4.5%", -4.5, "percent", None)]


def test_adjectives_before_the_counted_noun_in_other_languages() -> None:
    assert found("Toulouse a gagné les deux dernières saisons.", "fr") == [
        ("deux dernières saisons", 2.0, "count", "saisons")]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Die Reform werde Millionen Arbeitsplätze kosten.", "de"),  # a vague plural
        ("Vor mehreren Zehntausend Zuhörern sprach er.", "de"),  # "several tens of thousands"
        ("Als ich dreiunddreißig geworden bin, zog ich um.", "de"),  # a verb, not a noun
        ("Il y avait plusieurs centaines de personnes.", "fr"),
    ],
)
def test_vague_or_uncounted_in_other_languages(text: str, language: str) -> None:
    assert found(text, language) == []


def test_german_counted_noun_after_adjectives() -> None:
    assert found("Zwei geflochtene Zöpfe und drei Sätze.", "de") == [
        ("Zwei geflochtene Zöpfe", 2.0, "count", "Zöpfe"), ("drei Sätze", 3.0, "count", "Sätze")]


def test_clock_times_in_german_are_not_counts() -> None:
    assert found("Geöffnet von 10.00 Uhr bis 17.00 Uhr, rund 300 Besucher kamen.", "de") == [
        ("rund 300 Besucher", 300.0, "count", "Besucher")]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Las lluvias duraron tres días.", "es", ("tres días", 3.0, "day", None)),
        ("La riunione è durata cinque ore.", "it", ("cinque ore", 5.0, "hour", None)),
        ("A obra vai levar dois anos.", "pt", ("dois anos", 2.0, "year", None)),
        ("Колонна растянулась на 40 километров.", "ru", ("40 километров", 40.0, "km", None)),
        ("Hizo 41 grados celsius.", "es", ("41 grados celsius", 41.0, "celsius", None)),
    ],
)
def test_units_in_other_languages(text: str, language: str, expected: tuple[str, float, str, str | None]) -> None:
    assert found(text, language) == [expected]


def test_another_languages_unit_words_are_not_read_in_english() -> None:
    assert found("The mine produced 500 ore carts.") == [("500 ore carts", 500.0, "count", "ore carts")]
