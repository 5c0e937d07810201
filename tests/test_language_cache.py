"""py3langid's model is unpacked once per machine into the cache directory, then only read."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from py3langid.langid import LanguageIdentifier

from extractors import language

SAMPLES = (
    "The regional governor said air defences shot down most of the drones overnight.",
    "Der Bürgermeister kündigte am Dienstag neue Maßnahmen für den Hochwasserschutz an.",
    "Le gouvernement a présenté mardi un projet de loi sur la réforme des retraites.",
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(language, "_identifier", None)  # a fresh process, as far as it knows
    return tmp_path / "newsflow"


def _ranks() -> list[list[tuple[str, float]]]:
    return [language.rank_languages(text)[:3] for text in SAMPLES]


def test_unpacked_once_then_read_with_the_same_results(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _ranks()
    assert [r[0][0] for r in first] == ["en", "de", "fr"]
    stored = list(cache.glob("langid-*.npz"))
    assert len(stored) == 1 and stored[0].stat().st_size > 10_000_000

    def no_unpacking(*_: object, **__: object) -> None:
        raise AssertionError("the cached model should have been read, not unpacked again")

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", no_unpacking)
    monkeypatch.setattr(language, "_identifier", None)
    assert _ranks() == first


def test_a_corrupt_file_is_replaced_and_stale_versions_removed(
    cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _ranks()
    stored = next(cache.glob("langid-*.npz"))
    stored.write_bytes(b"PK\x03\x04 cut short")
    stale = cache / "langid-0.0.1.npz"
    stale.write_bytes(b"from an older py3langid")
    language._identifier = None
    with caplog.at_level(logging.WARNING, logger="extractors.language"):
        assert _ranks() == expected
    assert "unusable" in caplog.text
    assert stored.stat().st_size > 10_000_000
    assert not stale.exists()
    assert not list(cache.glob("*.partial"))


def test_an_unwritable_cache_still_classifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a cache directory cannot be created under a regular file")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(language, "_identifier", None)
    assert [r[0][0] for r in _ranks()] == ["en", "de", "fr"]
