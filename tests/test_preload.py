"""The Celery worker's preload: a process forked after :func:`newsflow.preload.preload` reads
articles in every installed language without loading a model, with the same output as a
process that loads them itself (real models, real demo pages; each side in its own process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newsflow.config import SEEDS_DIR

pytest.importorskip("spacy")

SITE = SEEDS_DIR / "demo" / "site"
PAGES = [
    SITE / "courrier-du-matin" / "societe" / "2025" / "12" / "12" / "tempete-bretagne-coupures.html",
    SITE / "continental-dispatch" / "espana" / "valencia-reconstruccion-dana-a202512131530.html",
]

CHILD = r"""
import json, os, sys
from datetime import UTC, datetime
from pathlib import Path

from extractors import nlp_models
from newsflow.config import load_settings
from newsflow.models import FeedEntry, FetchedPage
from newsflow.pipeline.process_stage import extractor_chain
from newsflow.preload import preload
from newsflow.workers import cpu_batch

mode, data_dir, *pages = sys.argv[1:]
settings = load_settings(data_dir=data_dir)
items = []
for number, path in enumerate(pages):
    url = f"http://news.test/{number}"
    html = Path(path).read_text(encoding="utf-8").replace("{{BASE}}", "http://news.test")
    page = FetchedPage(url, url, 200, "text/html", html, datetime(2025, 12, 14, tzinfo=UTC))
    items.append((FeedEntry(url=url, feed_url="", source="demo"), page))

def read() -> dict:
    result = cpu_batch(items, extractor_chain(settings))
    docs = {a.url: {"language": a.language, **{k: v for k, v in sorted(a.enrichments.items())}}
            for a in result.articles}
    return json.loads(json.dumps(docs, default=str, sort_keys=True))

if mode == "cold":
    print(json.dumps({"docs": read()}))
    sys.exit(0)

preloaded = preload(settings)
models = {language: id(nlp_models.load_model(language)) for language in preloaded}
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:  # what Airflow's task supervisor does: a bare fork of the worker
    os.close(read_end)
    import cProfile, pstats
    profile = cProfile.Profile()
    docs = profile.runcall(read)
    calls = {f"{path.rsplit('/', 1)[-1]}:{name}": row[1] for (path, _, name), row in pstats.Stats(profile).stats.items()}
    lazy = sorted(k for k in ("yaml_data.py:load_yaml", "utils.py:update_tld_names_container") if calls.get(k))
    after = {language: id(nlp_models.load_model(language)) for language in nlp_models.loaded_languages()}
    os.write(write_end, json.dumps({"docs": docs, "models_after": after, "lazy": lazy}).encode())
    os._exit(0)
os.close(write_end)
chunks = []
while chunk := os.read(read_end, 1 << 16):
    chunks.append(chunk)
os.waitpid(pid, 0)
child = json.loads(b"".join(chunks))
print(json.dumps({"preloaded": preloaded, "models_before": models, **child}))
"""


def run(mode: str, tmp_path: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(tmp_path / mode), *map(str, PAGES)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_forked_task_reads_french_and_spanish_without_loading_and_as_a_cold_process_does(tmp_path: Path) -> None:
    warm = run("warm", tmp_path)
    assert {"en", "fr", "es"} <= set(warm["preloaded"]), warm["preloaded"]
    # the task loaded nothing: the same model objects, no language added
    assert warm["models_after"] == warm["models_before"]
    # nor a data file the extractors read on first use (topics, name cues; the Public Suffix List)
    assert warm["lazy"] == []
    cold = run("cold", tmp_path)
    assert {doc["language"] for doc in cold["docs"].values()} >= {"fr", "es"}
    assert warm["docs"] == cold["docs"]
    assert all(doc.get("persons") or doc.get("places") for doc in warm["docs"].values())
