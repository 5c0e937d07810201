"""What a task's settings are under Airflow: the Elasticsearch connection through
``NewsflowElasticsearchHook`` (resolved by Airflow's own secrets backends from a real
``AIRFLOW_CONN_*`` variable) and ``workers`` chosen by the Airflow adapter, not the library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from airflow_env import airflow_env
from conftest import require

pytestmark = pytest.mark.airflow

TASK_SETTINGS = """
import json, sys
from newsflow.airflow_support import settings
from newsflow.errors import ConfigError
try:
    s = settings(**json.loads(sys.argv[1]))
except ConfigError as exc:
    print(json.dumps({"ConfigError": str(exc)}))
else:
    print(json.dumps({k: str(v) for k, v in
                      ((f, getattr(s, f)) for f in ("es_url", "es_username", "es_password", "es_api_key",
                                                     "es_verify_certs", "workers"))}))
"""


def task_settings(tmp_path: Path, overrides: dict[str, Any] | None = None, **env: str) -> dict[str, str]:
    """``airflow_support.settings(**overrides)`` in a fresh process with Airflow's environment plus ``env``."""
    require("airflow", "the Airflow adapter")
    full = airflow_env(tmp_path / "home", tmp_path / "data", tmp_path / "feeds.yaml",
                       NEWSFLOW_ES_URL="http://127.0.0.1:9299", **env)
    done = subprocess.run([sys.executable, "-c", TASK_SETTINGS, json.dumps(overrides or {})], env=full,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


ES = {"backend": "elasticsearch"}


def test_no_connection_means_the_configured_settings(tmp_path: Path) -> None:
    got = task_settings(tmp_path, ES)
    assert got["es_url"] == "http://127.0.0.1:9299"
    assert got["es_username"] == "None"


def test_connection_in_uri_form_overrides_url_credentials_and_extras(tmp_path: Path) -> None:
    uri = "elasticsearch://reader:s3cret%40pw@127.0.0.1:9201?scheme=https&verify_certs=false&api_key=key-1"
    got = task_settings(tmp_path, ES, AIRFLOW_CONN_ELASTICSEARCH_DEFAULT=uri)
    assert got["es_url"] == "https://127.0.0.1:9201"
    assert (got["es_username"], got["es_password"]) == ("reader", "s3cret@pw")
    assert (got["es_api_key"], got["es_verify_certs"]) == ("key-1", "False")


def test_connection_in_json_form_takes_the_scheme_from_schema_like_the_provider(tmp_path: Path) -> None:
    conn = json.dumps({"conn_type": "elasticsearch", "host": "127.0.0.1", "port": 9202, "schema": "https",
                       "login": "writer", "password": "pw-2"})
    got = task_settings(tmp_path, ES, AIRFLOW_CONN_ELASTICSEARCH_DEFAULT=conn)
    assert got["es_url"] == "https://127.0.0.1:9202"
    assert (got["es_username"], got["es_password"]) == ("writer", "pw-2")


def test_connection_is_ignored_on_the_embedded_backend(tmp_path: Path) -> None:
    conn = json.dumps({"conn_type": "elasticsearch", "host": "127.0.0.1", "port": 9203})
    got = task_settings(tmp_path, {"backend": "embedded"}, AIRFLOW_CONN_ELASTICSEARCH_DEFAULT=conn)
    assert got["es_url"] == "http://127.0.0.1:9299"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[1, 2]", "extra must be a JSON object, not list"),
        ("{not json", "extra is not valid JSON"),
        ('{"verify_certs": "perhaps"}', "verify_certs"),
        ('{"scheme": "ftp"}', "is not an http(s) URL"),
    ],
)
def test_an_unusable_connection_is_a_config_error_not_a_silent_fallback(tmp_path: Path, extra: str, message: str) -> None:
    conn = json.dumps({"conn_type": "elasticsearch", "host": "127.0.0.1", "port": 9204, "extra": extra})
    got = task_settings(tmp_path, ES, AIRFLOW_CONN_ELASTICSEARCH_DEFAULT=conn)
    assert "ConfigError" in got, got
    assert message in got["ConfigError"]


def test_tasks_use_one_worker_process_unless_configured(tmp_path: Path) -> None:
    assert task_settings(tmp_path)["workers"] == "1"
    assert task_settings(tmp_path, NEWSFLOW_WORKERS="3")["workers"] == "3"


def test_the_library_does_not_detect_airflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Auto workers are the same inside and outside an Airflow task: the adapter decides."""
    import os

    from newsflow.workers import resolve_workers

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    outside = resolve_workers(0)
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "newsflow_process_articles")
    assert resolve_workers(0) == outside
