"""The date words of the ``dates`` extractor, kept as data in ``extractors/data/dates.yaml``."""

from __future__ import annotations

import re
from datetime import date

import yaml

from extractors.dates import extract_dates
from extractors.dates_lexicon import LANGUAGES, LEXICON_PATH, MONTHS, WEEKDAYS, lexicon_language

KINDS = {"day", "week", "month", "year", "relative"}


def test_every_language_block_is_complete() -> None:
    data = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    assert next(iter(data)) == "en"  # English first: its words count in every language
    for lang, words in data.items():
        assert len(words["months"]) == 12, lang
        assert len(words["weekdays"]) == 7, lang
        assert isinstance(words["lower_case_months"], bool), lang
        assert words["future"].split() and words["past"].split(), lang
        for kind, amount, pattern in words["relative"]:
            assert kind in KINDS and isinstance(amount, int), (lang, pattern)
            assert "(?P<" not in pattern, (lang, pattern)  # groups are numbered by the extractor
            re.compile(pattern)


def test_names_map_to_their_month_and_weekday() -> None:
    assert set(LANGUAGES) == {"en", "fr", "de", "es", "it", "pt", "ru"}
    assert (MONTHS["december"], MONTHS["décembre"], MONTHS["dezember"], MONTHS["декабря"]) == (12, 12, 12, 12)
    assert (MONTHS["mai"], MONTHS["sept"]) == (5, 9)
    assert (WEEKDAYS["monday"], WEEKDAYS["sonnabend"], WEEKDAYS["воскресенье"]) == (0, 5, 6)


def test_a_language_without_a_block_reads_english_only() -> None:
    assert lexicon_language("pt-BR") == "pt"
    assert lexicon_language("nl") == "en"
    assert lexicon_language(None) == "en"
    saturday = date(2025, 12, 6)
    assert [m["date"] for m in extract_dates("gisteren en yesterday", saturday, "nl")] == ["2025-12-05"]
    assert [m["text"] for m in extract_dates("ayer llegó", saturday, "nl")] == []
    assert [m["date"] for m in extract_dates("ayer llegó", saturday, "es")] == ["2025-12-05"]
