"""Unit tests of :mod:`newsflow.dates`: feed date strings as the publisher meant them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsflow.dates import ZONES, entry_date, parse_date

# one line per named zone: (zone, UTC offset as written in ISO 8601)
NAMED = [
    ("CEST", "+02:00"), ("CET", "+01:00"), ("MEZ", "+01:00"), ("MESZ", "+02:00"), ("EET", "+02:00"),
    ("EEST", "+03:00"), ("BST", "+01:00"), ("IST", "+05:30"), ("MSK", "+03:00"), ("JST", "+09:00"),
    ("AEST", "+10:00"), ("AEDT", "+11:00"), ("NZST", "+12:00"), ("EST", "-05:00"), ("EDT", "-04:00"),
    ("PST", "-08:00"), ("PDT", "-07:00"), ("CST", "-06:00"), ("GMT", "+00:00"), ("UTC", "+00:00"),
    ("NST", "-03:30"), ("ACST", "+09:30"), ("NPT", "+05:45"), ("KST", "+09:00"), ("SGT", "+08:00"),
]


def _utc(offset: str) -> str:
    return datetime.fromisoformat("2025-06-24T08:57:00" + offset).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(("zone", "offset"), NAMED)
def test_named_zone_is_read_with_its_offset(zone: str, offset: str) -> None:
    found = parse_date(f"Tue, 24 Jun 2025 08:57:00 {zone}")
    assert found.offset == offset
    assert found.at == _utc(offset)
    assert found.day == "2025-06-24" and found.warning is None


def test_every_zone_of_the_table_parses() -> None:
    for zone, minutes in ZONES.items():
        found = parse_date(f"Tue, 24 Jun 2025 12:00:00 {zone}")
        assert found.offset is not None, zone
        sign, hours, mins = found.offset[0], int(found.offset[1:3]), int(found.offset[4:])
        assert (hours * 60 + mins) * (-1 if sign == "-" else 1) == minutes, zone


def test_cest_is_two_hours_ahead_not_utc() -> None:
    assert parse_date("Tue, 24 Jun 2025 08:57:00 CEST").at == "2025-06-24T06:57:00Z"


@pytest.mark.parametrize(("language", "offset"), [
    (None, "+05:30"), ("en", "+05:30"), ("en-IN", "+05:30"), ("en-IE", "+01:00"), ("ga", "+01:00"),
    ("he", "+02:00"), ("en_IL", "+02:00"),
])
def test_ambiguous_ist_follows_the_feed_language(language: str | None, offset: str) -> None:
    assert parse_date("Tue, 24 Jun 2025 08:57:00 IST", language).offset == offset


def test_ambiguous_cst_is_china_in_chinese_feeds() -> None:
    assert parse_date("Tue, 24 Jun 2025 08:57:00 CST", "zh-CN").offset == "+08:00"
    assert parse_date("Tue, 24 Jun 2025 08:57:00 CST", "en-US").offset == "-06:00"


LOCALIZED = [
    ("de", "Di, 24 Jun 2025 08:57:00 +0200"),
    ("de", "Dienstag, 24. Juni 2025 08:57:00 MESZ"),
    ("de", "Mi, 25 Juni 2025 08:57:00 MESZ"),
    ("fr", "mar., 24 juin 2025 08:57:00 +0200"),
    ("fr", "mardi 24 juin 2025 08:57 CEST"),
    ("es", "mar, 24 jun 2025 08:57:00 +0200"),
    ("es", "martes, 24 de junio de 2025 08:57 GMT+2"),
    ("it", "mar, 24 giu 2025 08:57:00 +0200"),
    ("it", "martedì 24 giugno 2025 08:57 +02:00"),
    ("pt", "ter, 24 jun 2025 08:57:00 +0200"),
    ("pt", "terça-feira, 24 de junho de 2025 08:57 +0200"),
    ("nl", "di, 24 jun 2025 08:57:00 +0200"),
    ("nl", "dinsdag 24 juni 2025 08:57 +0200"),
    ("ru", "Вт, 24 июн 2025 08:57:00 +0200"),
    ("ru", "вторник, 24 июня 2025 г., 08:57 +0200"),
]


@pytest.mark.parametrize(("language", "raw"), LOCALIZED)
def test_localized_day_and_month_names(language: str, raw: str) -> None:
    found = parse_date(raw, language)
    assert found.day == ("2025-06-25" if raw.startswith("Mi") else "2025-06-24"), raw
    assert found.offset == "+02:00" and found.warning is None
    assert found.at is not None and found.at.endswith("06:57:00Z")


@pytest.mark.parametrize(("language", "raw"), LOCALIZED)
def test_localized_names_are_read_without_a_declared_language(language: str, raw: str) -> None:
    assert parse_date(raw).day is not None, (language, raw)


def test_french_month_with_accent_and_abbreviation() -> None:
    assert parse_date("jeu., 13 févr. 2025 10:00 +0100", "fr").at == "2025-02-13T09:00:00Z"
    assert parse_date("13 fevr 2025", "fr").day == "2025-02-13"
    assert parse_date("1 août 2025", "fr").day == "2025-08-01"


@pytest.mark.parametrize("zone", ["XYZT", "CEDT", "ABC"])
def test_unknown_zone_gives_no_date_and_a_warning(zone: str) -> None:
    raw = f"Tue, 24 Jun 2025 08:57:00 {zone}"
    found = parse_date(raw)
    assert found.at is None and found.day is None and found.offset is None
    assert found.raw == raw
    assert found.warning is not None and f"unknown time zone {zone!r}" in found.warning


def test_unreadable_text_gives_a_warning_not_an_exception() -> None:
    for raw in ("yesterday at noon", "Tue, 31 Feb 2025 08:00 GMT", "2025-13-01", "Tue, 24 Jun 2025 08:57 +1900"):
        found = parse_date(raw)
        assert found.at is None and found.warning, raw


def test_time_without_zone_keeps_only_its_day_and_says_so() -> None:
    found = parse_date("2025-06-24 23:30:00")
    assert found.day == "2025-06-24" and found.at == "2025-06-24T00:00:00Z" and found.offset is None
    assert found.warning is not None and "no time zone" in found.warning


def test_day_only_has_no_warning() -> None:
    found = parse_date("2025-06-24")
    assert (found.at, found.day, found.offset, found.warning) == ("2025-06-24T00:00:00Z", "2025-06-24", None, None)


def test_local_midnight_stays_on_its_day() -> None:
    found = parse_date("2022-01-28T00:00:00+01:00")
    assert found.day == "2022-01-28" and found.at == "2022-01-27T23:00:00Z" and found.offset == "+01:00"
    assert parse_date("2022-01-28T00:00:00+0100").day == "2022-01-28"


@pytest.mark.parametrize(("raw", "at"), [
    ("June 24, 2025 8:57 PM EDT", "2025-06-25T00:57:00Z"),
    ("Tue, 24 Jun 25 08:57 GMT", "2025-06-24T08:57:00Z"),
    ("24.06.2025 08:57 MEZ", "2025-06-24T07:57:00Z"),
    ("2025-06-24T08:57:00.250Z", "2025-06-24T08:57:00Z"),
    ("Tue, 24 Jun 2025 08:57:00 -0330", "2025-06-24T12:27:00Z"),
])
def test_real_world_shapes(raw: str, at: str) -> None:
    assert parse_date(raw).at == at


def test_entry_date_reads_raw_strings_and_falls_back_to_updated() -> None:
    entry = {"published": "Tue, 24 Jun 2025 08:57:00 XYZT", "updated": "2025-06-25T10:00:00+02:00",
             "published_parsed": (2025, 6, 24, 8, 57, 0, 1, 175, 0)}
    found = entry_date(entry)
    assert found.at == "2025-06-25T08:00:00Z" and found.raw == "2025-06-25T10:00:00+02:00"
    assert found.warning is not None and "XYZT" in found.warning
    refused = entry_date({"published": "Tue, 24 Jun 2025 08:57:00 XYZT"})
    assert refused.at is None and refused.raw == "Tue, 24 Jun 2025 08:57:00 XYZT" and refused.warning
    assert entry_date({}).raw is None


@pytest.mark.parametrize("raw", ["Thu, 01 Jan 1970 00:00:00 +0000", "0001-01-01T00:00:00Z", "1900-01-01"])
def test_placeholder_dates_are_refused_with_a_warning(raw: str) -> None:
    found = parse_date(raw)
    assert found.at is None and found.day is None and found.raw == raw
    assert found.warning is not None and "placeholder" in found.warning


def test_future_dates_are_refused_but_a_slip_of_hours_is_kept() -> None:
    now = datetime(2025, 6, 24, 12, 0, tzinfo=UTC)
    assert parse_date("Tue, 24 Jun 2025 20:00:00 GMT", now=now).at == "2025-06-24T20:00:00Z"
    refused = parse_date("Fri, 27 Jun 2025 08:00:00 GMT", now=now)
    assert refused.at is None and refused.warning is not None and "future" in refused.warning


@pytest.mark.parametrize(("raw", "at", "offset"), [
    ("Tue, 24 Jun 2025 08:57:00 Europe/Berlin", "2025-06-24T06:57:00Z", "+02:00"),  # summer time
    ("Fri, 24 Jan 2025 08:57:00 Europe/Berlin", "2025-01-24T07:57:00Z", "+01:00"),  # winter time
    ("Mon, 26 Jan 2004 16:31:00 Etc/GMT", "2004-01-26T16:31:00Z", "+00:00"),
    ("Tue, 24 Jun 2025 08:57:00 (CEST)", "2025-06-24T06:57:00Z", "+02:00"),
    ("Tue, 24 Jun 2025 8:57:00 GMT+0200 (Central European Summer Time)", "2025-06-24T06:57:00Z", "+02:00"),
    ("24 Jun 2025 08:57:00 +0200 (UTC)", "2025-06-24T06:57:00Z", "+02:00"),  # the comment does not override
    ("Fri, 2006/09/15 08:19:53 EDT", "2006-09-15T12:19:53Z", "-04:00"),
    ("Κυρ, 11 Ιούλ 2004 12:00:00 EST", "2004-07-11T17:00:00Z", "-05:00"),
])
def test_iana_zones_comments_slashes_and_greek(raw: str, at: str, offset: str) -> None:
    found = parse_date(raw)
    assert (found.at, found.offset, found.warning) == (at, offset, None)


@pytest.mark.parametrize("raw", ["Tue, 24 Jun 2025 08:57:00 Mars/Olympus", "Tue, 24 Jun 2025 08:57 (ABCD)"])
def test_unknown_iana_or_commented_zone_gives_no_date(raw: str) -> None:
    found = parse_date(raw)
    assert found.at is None and found.warning is not None and "unknown time zone" in found.warning


def test_cldr_names_are_cached_on_disk_and_read_back_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsflow import dates

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    dates._names.cache_clear()
    built = dates._names()
    files = list((tmp_path / "newsflow").glob("date-names-*.json"))
    assert len(files) == 1
    dates._names.cache_clear()
    assert dates._names() == built == dates._build_names()
    files[0].write_text("{not json", encoding="utf-8")  # a broken cache is rebuilt, not fatal
    dates._names.cache_clear()
    assert dates._names() == built
    dates._names.cache_clear()
