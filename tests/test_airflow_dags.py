"""The DAGs on a real Airflow 3: they parse cleanly and `airflow dags test` runs each one."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airflow_env import airflow, airflow_env, prepare
from conftest import DEMO_ARTICLES, require

from newsflow.config import SEEDS_DIR
from newsflow.demo_server import DemoServer
from newsflow.index import SearchQuery
from newsflow.index.embedded import EmbeddedBackend
from newsflow.state import StateStore
from newsflow.urls import doc_id

pytestmark = pytest.mark.airflow
SEED_PATH = "/meridian-post/world/2025/12/06/russia-strikes-fastiv.html"
DAG_IDS = {"newsflow_poll_feeds", "newsflow_process_articles", "newsflow_ingest", "newsflow_inbox",
           "newsflow_maintenance", "newsflow_index_stats", "newsflow_alerts"}


@pytest.fixture(scope="module")
def af(tmp_path_factory: pytest.TempPathFactory, demo_server: DemoServer) -> Iterator[dict[str, Any]]:
    require("airflow", "the Airflow tests")
    home = tmp_path_factory.mktemp("airflow-home")
    feeds = home / "feeds.yaml"
    feeds.write_text((SEEDS_DIR / "demo" / "feeds.yaml").read_text().replace("{{BASE}}", demo_server.base_url))
    env = airflow_env(home, home / "data", feeds)
    prepare(env)
    yield {"home": home, "env": env, "feeds": feeds, "base": demo_server.base_url}


def with_data_dir(af: dict[str, Any], data_dir: Path, **extra: str) -> dict[str, str]:
    return airflow_env(af["home"], data_dir, af["feeds"], **extra)


def test_dagbag_has_every_dag_without_errors_or_warnings(af: dict[str, Any]) -> None:
    dags_folder = af["env"]["AIRFLOW__CORE__DAGS_FOLDER"]
    script = (
        "import json; from airflow.dag_processing.dagbag import DagBag; "
        f"b = DagBag(dag_folder={dags_folder!r}); "
        "print(json.dumps({'errors': {k: str(v) for k, v in b.import_errors.items()}, 'ids': sorted(b.dag_ids), "
        "'warnings': sum(s.warning_num for s in b.dagbag_stats), "
        "'split': sorted(f'{d.dag_id}.{t.task_id}' for d in b.dags.values() for t in d.tasks if t.multiple_outputs), "
        "'seconds': {s.file: s.duration.total_seconds() for s in b.dagbag_stats}}))"
    )
    done = subprocess.run([sys.executable, "-c", script], env=af["env"], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["errors"] == {}
    assert set(report["ids"]) == DAG_IDS
    assert report["warnings"] == 0
    # a task returning a dict pushes it as one XCom, not one more per key (each key is an
    # execution-API call and a metadata row per task; nothing reads them)
    assert report["split"] == []
    for dag_id in DAG_IDS:
        assert f"{dag_id}.py" in report["seconds"]


PLUGIN_SCAN = (
    "import json, sys; from airflow import plugins_manager as pm; "
    "before = set(sys.modules); plugins, errors = pm._load_plugins_from_plugin_directory(pm.settings.PLUGINS_FOLDER); "
    "print(json.dumps({'plugins': [p.name for p in plugins], 'errors': errors, "
    "'modules': sorted(m for m in set(sys.modules) - before if not m.startswith(('airflow', '_')))}))"
)


def test_airflow_loads_no_plugin_modules_from_our_package(af: dict[str, Any]) -> None:
    """Airflow imports every ``.py`` below ``plugins/`` as a top-level module named by its stem,
    looking for AirflowPlugin classes; ``plugins/.airflowignore`` keeps our package out of that
    scan (once, ``newsflow/cli/__main__.py`` loaded as ``__main__`` replaced the airflow command).
    The package stays importable from plugins/ (every DAG test above imports it)."""
    done = subprocess.run([sys.executable, "-c", PLUGIN_SCAN], env=af["env"], capture_output=True, text=True,
                          check=True, timeout=120)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"plugins": [], "errors": {}, "modules": report["modules"]}
    ours = {path.stem for path in (Path(__file__).resolve().parents[1] / "plugins" / "newsflow").rglob("*.py")}
    assert not ours & set(report["modules"]), f"Airflow imported our modules as plugins: {ours & set(report['modules'])}"


OUR_AIRFLOW_FILES = ["dags/*.py", "plugins/newsflow/airflow_*.py"]
DEPRECATIONS = r"""
import ast, glob, importlib, json, os, sys, warnings
KINDS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)  # Airflow's DeprecatedImportWarning is a FutureWarning
root, patterns = sys.argv[1], json.loads(sys.argv[2])
files = sorted(p for pattern in patterns for p in glob.glob(os.path.join(root, pattern)))
found = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=os.path.join(root, "dags"))
found += [f"{w.filename}:{w.lineno}: {w.message}" for w in caught
          if issubclass(w.category, KINDS) and w.filename in files]
for path in files:  # imports inside task functions run only in tasks: import each one here
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "airflow":
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                module = importlib.import_module(node.module)
                for alias in node.names:
                    getattr(module, alias.name)
            found += [f"{path}:{node.lineno}: {w.message}" for w in caught
                      if issubclass(w.category, KINDS) and w.filename == "<string>"]
print(json.dumps({"files": len(files), "errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "deprecations": found}))
"""


def test_our_dags_and_adapters_use_no_deprecated_airflow_api(af: dict[str, Any]) -> None:
    """Parsing the DAG folder, and every Airflow import of our DAGs and adapters (also those
    inside task functions), raises no deprecation warning (e.g. ``airflow.exceptions.AirflowFailException``
    instead of ``airflow.sdk.exceptions``)."""
    root = str(Path(af["env"]["AIRFLOW__CORE__DAGS_FOLDER"]).parent)
    env = {**af["env"], "PYTHONWARNINGS": "always"}
    done = subprocess.run([sys.executable, "-c", DEPRECATIONS, root, json.dumps(OUR_AIRFLOW_FILES)], env=env,
                          capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["files"] >= len(DAG_IDS) + 2
    assert report["errors"] == {}
    assert report["deprecations"] == []


def test_poll_then_process_indexes_the_demo_corpus(af: dict[str, Any], tmp_path: Path) -> None:
    env = with_data_dir(af, tmp_path)
    airflow(env, "dags", "test", "newsflow_poll_feeds")
    state = StateStore(tmp_path / "state.db")
    assert state.counts()["pending"] == DEMO_ARTICLES
    state.close()
    assert not (tmp_path / "index.db").exists(), "polling alone indexes nothing"

    airflow(env, "dags", "test", "newsflow_process_articles")
    state = StateStore(tmp_path / "state.db")
    assert state.counts()["pending"] == 0 and state.counts()["done"] == DEMO_ARTICLES
    state.close()
    index = EmbeddedBackend(tmp_path / "index.db")
    assert index.count() == DEMO_ARTICLES
    assert index.get(doc_id(af["base"] + SEED_PATH)) is not None
    index.close()

    airflow(env, "dags", "test", "newsflow_poll_feeds")  # idempotent: a rerun adds no work
    state = StateStore(tmp_path / "state.db")
    assert state.counts()["pending"] == 0 and state.counts()["done"] == DEMO_ARTICLES
    state.close()


def test_manual_ingest_with_params(af: dict[str, Any], tmp_path: Path) -> None:
    env = with_data_dir(af, tmp_path)
    conf = {"article_urls": [af["base"] + SEED_PATH], "feed_urls": [af["base"] + "/northern-ledger/atom.xml"]}
    airflow(env, "dags", "test", "newsflow_ingest", "-c", json.dumps(conf))
    index = EmbeddedBackend(tmp_path / "index.db")
    assert index.count() == 1 + 8
    assert index.get(doc_id(af["base"] + SEED_PATH)) is not None
    sources = dict(index.search(SearchQuery(facets=("source",), size=0)).facets["source"])
    index.close()
    assert sources == {"The Northern Ledger": 8, "Meridian Post": 1}, "publishers' names, not URLs"


def test_manual_ingest_fails_when_every_url_is_refused(af: dict[str, Any], tmp_path: Path) -> None:
    env = with_data_dir(af, tmp_path)
    refused = ["http://192.168.0.1/private.html", af["base"] + "/meridian-post/gone.html"]
    done = airflow(env, "dags", "test", "newsflow_ingest", "-c", json.dumps({"article_urls": refused}), check=False)
    output = done.stdout + done.stderr
    assert done.returncode != 0, "not a success when nothing could be ingested"
    assert "nothing could be ingested: 2 URL(s) failed" in output
    assert all(url in output for url in refused)


def test_manual_ingest_rejects_bad_params_with_a_clear_message(af: dict[str, Any], tmp_path: Path) -> None:
    env = with_data_dir(af, tmp_path)
    done = airflow(env, "dags", "test", "newsflow_ingest", "-c", json.dumps({"article_urls": ["ftp://example.org/x"]}),
                   check=False)
    assert done.returncode != 0
    assert "'ftp://example.org/x' is not an http(s) URL" in done.stdout + done.stderr
    assert not (tmp_path / "index.db").exists()


def test_inbox_dag_ingests_dropped_url_lists(af: dict[str, Any], tmp_path: Path) -> None:
    env = with_data_dir(af, tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "batch1.txt").write_text(f"# from the newsroom\n{af['base']}{SEED_PATH}\n")
    airflow(env, "dags", "test", "newsflow_inbox")
    assert (inbox / "processed" / "batch1.txt").exists()
    assert not (inbox / "batch1.txt").exists()
    index = EmbeddedBackend(tmp_path / "index.db")
    assert index.get(doc_id(af["base"] + SEED_PATH)) is not None
    index.close()


def test_index_stats_reports_what_the_index_holds(af: dict[str, Any], tmp_path: Path) -> None:
    """The task takes its runtime context as a named argument (``triggering_asset_events``)."""
    env = with_data_dir(af, tmp_path, AIRFLOW__LOGGING__LOGGING_LEVEL="INFO")
    done = airflow(env, "dags", "test", "newsflow_index_stats")
    output = done.stdout + done.stderr
    assert "'documents': 0" in output and "'triggered_by': []" in output


def test_alerts_deliver_the_new_matches_after_an_index_update(af: dict[str, Any], tmp_path: Path) -> None:
    from newsflow.alerts import SavedSearch

    env = with_data_dir(af, tmp_path)
    target = tmp_path / "floods.jsonl"
    state = StateStore(tmp_path / "state.db")
    state.add_alert("floods", SavedSearch(text="flood").to_json(), str(target))
    state.close()
    index = EmbeddedBackend(tmp_path / "index.db")
    index.upsert([{"id": f"d{n}", "url": f"http://paper.test/{n}", "title": title, "text": title, "source": "P"}
                  for n, title in enumerate(["River flood in town", "Bank rates"])])
    index.close()
    for _ in range(2):  # the second index update finds nothing new
        airflow(env, "dags", "test", "newsflow_alerts")
    assert [json.loads(line)["document"]["id"] for line in target.read_text().splitlines()] == ["d0"]


def test_maintenance_retries_and_prunes(af: dict[str, Any], tmp_path: Path) -> None:
    env = with_data_dir(af, tmp_path)
    state = StateStore(tmp_path / "state.db")
    missing = af["base"] + "/meridian-post/gone.html"
    from newsflow.models import FeedEntry

    state.add_entries([FeedEntry(url=missing, feed_url="", source="t")], [doc_id(missing)])
    state.close()
    airflow(env, "dags", "test", "newsflow_maintenance")
    state = StateStore(tmp_path / "state.db")
    failures = state.failures()
    state.close()
    assert [(f.stage, f.error_class) for f in failures] == [("fetch", "NotFound")]


@pytest.mark.elasticsearch
def test_manual_ingest_into_elasticsearch_uses_the_airflow_connection(
    af: dict[str, Any], tmp_path: Path, es_url: str, es_client: Any
) -> None:
    from urllib.parse import urlsplit

    node = urlsplit(es_url)
    connection = json.dumps({"conn_type": "elasticsearch", "host": node.hostname, "port": node.port,
                             "extra": {"scheme": "http"}})
    alias = "airflow-articles"
    env = with_data_dir(af, tmp_path, AIRFLOW_CONN_ELASTICSEARCH_DEFAULT=connection,
                        NEWSFLOW_ES_URL="http://127.0.0.1:9",  # wrong on purpose: the connection wins
                        NEWSFLOW_ES_INDEX=alias)
    conf = {"article_urls": [af["base"] + SEED_PATH], "backend": "elasticsearch"}
    try:
        from newsflow.index.elastic import ElasticBackend

        ElasticBackend(es_url, index_alias=alias, setup=True).close()  # once, as an operator
        airflow(env, "dags", "test", "newsflow_ingest", "-c", json.dumps(conf))
        es_client.indices.refresh(index=alias)
        hits = es_client.search(index=alias, query={"match": {"text": "Fastiv"}})["hits"]
        assert hits["total"]["value"] == 1
        assert hits["hits"][0]["_id"] == doc_id(af["base"] + SEED_PATH)
        assert not (tmp_path / "index.db").exists(), "nothing went to the embedded index"
    finally:
        es_client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)


@pytest.mark.elasticsearch
def test_scheduled_dags_and_maintenance_on_elasticsearch(
    af: dict[str, Any], tmp_path: Path, es_url: str, es_client: Any
) -> None:
    alias = "airflow-scheduled"
    env = with_data_dir(af, tmp_path, NEWSFLOW_BACKEND="elasticsearch", NEWSFLOW_ES_URL=es_url,
                        NEWSFLOW_ES_INDEX=alias)
    try:
        # setup is explicit (the ingest DAGs never create indices): the CLI, as an operator
        subprocess.run([sys.executable, "-m", "newsflow.cli", "es", "setup"], env=env, check=True,
                       capture_output=True, text=True)
        airflow(env, "dags", "test", "newsflow_poll_feeds")
        airflow(env, "dags", "test", "newsflow_process_articles")
        es_client.indices.refresh(index=alias)
        assert es_client.count(index=alias)["count"] == DEMO_ARTICLES
        before = set(es_client.indices.get_alias(name=alias))
        airflow(env, "dags", "test", "newsflow_index_stats")
        airflow(env, "dags", "test", "newsflow_maintenance")  # reindex: new index behind the alias
        after = set(es_client.indices.get_alias(name=alias))
        assert after != before and len(after) == 1
        es_client.indices.refresh(index=alias)
        assert es_client.count(index=alias)["count"] == DEMO_ARTICLES
        assert not (tmp_path / "index.db").exists()
    finally:
        es_client.indices.delete(index=f"{alias}-*", ignore_unavailable=True)
