"""``newsflow alerts`` from the command line (a real subprocess each), and the alerts that
``newsflow run`` runs after indexing the demo corpus (served on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import make_settings

from newsflow.alerts import run_alerts
from newsflow.models import FeedSource
from newsflow.state import StateStore


def newsflow(data_dir: Path, *args: str, code: int = 0, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    done = subprocess.run([sys.executable, "-m", "newsflow.cli", "--data-dir", str(data_dir), *args],
                          capture_output=True, text=True, timeout=600, env={**base, **env})
    assert done.returncode == code, (args, done.stdout[-2000:], done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    return done


def test_add_list_and_remove(tmp_path: Path) -> None:
    target = tmp_path / "floods.jsonl"
    added = newsflow(tmp_path, "alerts", "add", "floods", "river", "-bridge", "--filter", "language=en",
                     "--to", str(target), "--json")
    assert json.loads(added.stdout)["name"] == "floods"
    newsflow(tmp_path, "alerts", "add", "rates", "central bank", "--mode", "hybrid", "--min-score", "0.6",
             "--to", "https://hooks.example.org/news")
    listed = json.loads(newsflow(tmp_path, "alerts", "list", "--json").stdout)
    assert [(a["name"], json.loads(a["search"]), a["target"]) for a in listed] == [
        ("floods", {"text": "river -bridge", "filters": {"language": ["en"]}, "mode": "keyword"}, str(target)),
        ("rates", {"text": "central bank", "filters": {}, "mode": "hybrid", "min_score": 0.6},
         "https://hooks.example.org/news"),
    ]
    taken = newsflow(tmp_path, "alerts", "add", "floods", "x", "--to", str(target), code=1)
    assert "exists" in taken.stderr
    assert "removed" in newsflow(tmp_path, "alerts", "remove", "floods").stdout
    assert "no alert named" in newsflow(tmp_path, "alerts", "remove", "floods", code=1).stderr
    assert "rates" in newsflow(tmp_path, "alerts", "list").stdout


@pytest.mark.parametrize(("args", "words"), [
    (["bad name!", "flood", "--to", "x.jsonl"], "alert name"),
    (["floods", "flood", "--filter", "colour=red", "--to", "x.jsonl"], "cannot filter on colour"),
    (["floods", "-flood", "--mode", "semantic", "--to", "x.jsonl"], "needs query text"),
    (["floods", "flood", "--mode", "fuzzy", "--to", "x.jsonl"], "mode must be one of"),
    (["floods", "flood", "--mode", "semantic", "--min-score", "1.5", "--to", "x.jsonl"], "between 0 and 1"),
    (["floods", "flood", "--to", "/no/such/dir/x.jsonl"], "does not exist"),
    (["floods", "flood", "--to", "ftp://example.org/x"], "http(s) webhook URL or a file path"),
    (["floods", "flood"], "--to"),
])
def test_a_bad_alert_is_refused_saying_what_to_fix(tmp_path: Path, args: list[str], words: str) -> None:
    done = newsflow(tmp_path, "alerts", "add", *args, code=2)
    assert words in done.stderr, done.stderr
    assert StateStore(tmp_path / "state.db").alerts() == []


def test_newsflow_run_delivers_the_new_matches_unless_turned_off(tmp_path: Path, demo_feeds: list[FeedSource]) -> None:
    feed = demo_feeds[0]
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(yaml.safe_dump({"feeds": [{"name": feed.name, "url": feed.url, "language": "en"}]}))
    target = tmp_path / "ukraine.jsonl"
    newsflow(tmp_path, "alerts", "add", "ukraine", "Ukraine", "--to", str(target))
    env = {"NEWSFLOW_ALLOW_HOSTS": "127.0.0.1", "NEWSFLOW_EXTRACTORS": "keywords", "NEWSFLOW_WORKERS": "1"}
    newsflow(tmp_path, "run", "--feeds", str(feeds), NEWSFLOW_ALERTS_AFTER_RUN="false", **env)
    assert not target.exists()  # turned off: the matches wait
    done = newsflow(tmp_path, "run", "--feeds", str(feeds), **env)
    assert "alert ukraine:" in done.stderr
    ids = [json.loads(line)["document"]["id"] for line in target.read_text().splitlines()]
    assert ids and len(ids) == len(set(ids))
    settings = make_settings(tmp_path)
    assert run_alerts(settings).as_dict()["delivered"] == 0  # nothing new since
    searched = json.loads(newsflow(tmp_path, "search", "Ukraine", "--size", "100", "--json").stdout)
    assert sorted(ids) == sorted(hit["id"] for hit in searched["hits"])
