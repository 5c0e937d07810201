"""Story threads on our labelled set (``python -m benchmarks --only stories``).

``seeds/stories/articles.yaml`` (written for newsflow) holds six events, each reported by three
or four outlets in two to four languages, and eleven distractors: the same topics (another
earthquake, strike, central bank, wildfire, train accident, rocket launch), other events. Each
article is enriched by the real extractors (language, entities, places, simhash, embedding),
clustered and placed in story threads by :mod:`newsflow.stories` in a fresh state store, in
batches of :data:`BATCH`; the pairwise precision and recall of "same story" against the gold
labels are measured with the embedding and without it (the fallback on names and title words),
and the ids of a run in reversed batch order are compared with the run in order.
"""

from __future__ import annotations

import itertools
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from newsflow.config import SEEDS_DIR
from newsflow.models import Article
from newsflow.stories.evidence import Rule

LABELLED = SEEDS_DIR / "stories" / "articles.yaml"
HELD_OUT = SEEDS_DIR / "stories" / "heldout.yaml"
"""Written after the thresholds were chosen on :data:`LABELLED`, never used to choose them; its
one miss has since been studied, so it no longer measures how the rule generalises."""
HELD_OUT_2 = SEEDS_DIR / "stories" / "heldout2.yaml"
"""Written after :data:`HELD_OUT` was studied and before any change made because of it (small
towns and local officials), never used to choose anything."""
BATCH = 5
"""Articles per batch: threads grow over several batches, as in a run."""
EXTRACTORS = ("language", "entities", "places", "simhash")
RUNS = 80
"""Mention runs per synthetic article in the cost row (a news article's title and first 4,000
characters hold some 30 to 120: German capitalises every noun)."""


def load(path: Path = LABELLED) -> list[dict[str, Any]]:
    """The labelled articles: ``id``, ``story`` (gold label), ``domain``, ``language``,
    ``published_at``, ``title``, ``text``."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["articles"])


def articles(records: Sequence[dict[str, Any]], *, vectors: bool = True) -> list[Article]:
    """The records as articles enriched by the real extractor chain (``embedding`` too when
    ``vectors``). Raises ``RuntimeError`` when an extractor fails."""
    from extractors import resolve, run_extractors

    built = [
        Article(id=r["id"], url=f"http://{r['domain']}/{r['id']}", feed_url=f"http://{r['domain']}/feed.xml",
                source=r["domain"], domain=r["domain"], title=r["title"], text=r["text"],
                fetched_at=r["published_at"], published_at=r["published_at"], language=r["language"])
        for r in records
    ]
    chain = resolve([*EXTRACTORS, *(("embedding",) if vectors else ())])
    failures = run_extractors(built, chain)
    if failures:
        raise RuntimeError(f"extractors failed on the labelled set: {failures[:3]}")
    return built


def assign(enriched: Sequence[Article], directory: Path, *, rule: Rule | None = None,
           batch: int = BATCH, reverse: bool = False) -> dict[str, str]:
    """doc id → story id after clustering and threading ``enriched`` in batches (last batch
    first when ``reverse``) in a fresh state file under ``directory``."""
    from newsflow.clustering import ClusterStore, assign_clusters
    from newsflow.stories import StoryStore, assign_stories
    from newsflow.stories.step import item_of

    batches = [list(enriched[i:i + batch]) for i in range(0, len(enriched), batch)]
    if reverse:
        batches = [list(reversed(b)) for b in reversed(batches)]
    target = directory / f"state-{time.monotonic_ns()}.db"
    story: dict[str, str] = {}
    with ClusterStore(target) as clusters, StoryStore(target) as stories:
        for part in batches:
            ids = assign_clusters(clusters, [(a.id, a.enrichments.get("simhash"), a.published_at) for a in part])
            for a in part:
                a.enrichments["cluster_id"] = ids[a.id]
            assign_stories(stories, [item_of(a) for a in part], rule)
        story.update(stories.story_ids([a.id for a in enriched]))
    return story


def pairwise(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, int, int]:
    """(precision, recall, gold same-story pairs, predicted same-story pairs) over every pair
    of articles: a pair is positive when both are in one story."""
    true_pairs = predicted_pairs = hits = 0
    for a, b in itertools.combinations(sorted(gold), 2):
        same_gold = gold[a] == gold[b]
        same_predicted = predicted[a] == predicted[b]
        true_pairs += same_gold
        predicted_pairs += same_predicted
        hits += same_gold and same_predicted
    precision = hits / predicted_pairs if predicted_pairs else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    return precision, recall, true_pairs, predicted_pairs


def measure(*, vectors: bool = True, path: Path = LABELLED) -> dict[str, Any]:
    """One row: a labelled set threaded in order and in reverse, with or without vectors."""
    records = load(path)
    gold = {r["id"]: r["story"] for r in records}
    with tempfile.TemporaryDirectory(prefix="newsflow-stories-") as tmp:
        enriched = articles(records, vectors=vectors)
        started = time.perf_counter()
        forward = assign(enriched, Path(tmp))
        assign_s = time.perf_counter() - started
        backward = assign(articles(records, vectors=vectors), Path(tmp), reverse=True)
    precision, recall, true_pairs, predicted_pairs = pairwise(forward, gold)
    events = [s for s, n in _sizes(gold).items() if n > 1]
    return {
        "set": path.name,
        "evidence": "embedding + names" if vectors else "names + title words (no vectors)",
        "articles": len(records), "events": len(events), "distractors": sum(1 for n in _sizes(gold).values() if n == 1),
        "gold_pairs": true_pairs, "predicted_pairs": predicted_pairs,
        "precision": round(precision, 3), "recall": round(recall, 3),
        "same_ids_reversed": forward == backward,
        "threads": len(set(forward.values())),
        "threading_ms": round(assign_s * 1000, 1),
    }


def _sizes(gold: dict[str, str]) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for label in gold.values():
        sizes[label] = sizes.get(label, 0) + 1
    return sizes


def cost(stored: int = 5000, batch: int = 32, *, vectors: bool = True) -> dict[str, Any]:
    """A row: the time to thread one batch of ``batch`` articles against ``stored`` articles
    already in the window (random unit vectors, or none without ``vectors``; one name out of 50
    each, :data:`RUNS` mention runs of one to three made-up words each, 20 s apart, one title
    word in common: with the old whole-window comparison every stored article was a
    candidate), median of 5 batches."""
    import numpy as np

    from newsflow.stories import StoryItem, StoryStore, assign_stories

    rng = np.random.default_rng(16)

    def item(n: int) -> StoryItem:
        vector = rng.standard_normal(384).astype(np.float32)
        vector /= np.linalg.norm(vector)
        runs = tuple(sorted({" ".join(f"w{w}" for w in rng.integers(0, 5000, size=int(rng.integers(1, 4))))
                             for _ in range(RUNS)}))
        return StoryItem(f"d{n:07d}", f"d{n:07d}", 1.77e9 + n * 20.0, "x.test", "en", f"Title {n}",
                         (f"Name {n % 50}",), ("title",), vector.tobytes() if vectors else None, f"key-{n}", runs)

    times = []
    with tempfile.TemporaryDirectory(prefix="newsflow-stories-") as tmp, StoryStore(Path(tmp) / "s.db") as store:
        for start in range(0, stored, 500):
            assign_stories(store, [item(n) for n in range(start, min(stored, start + 500))])
        for k in range(5):
            part = [item(stored + k * batch + n) for n in range(batch)]
            started = time.perf_counter()
            assign_stories(store, part)
            times.append(time.perf_counter() - started)
    return {"set": "synthetic", "evidence": f"cost: a batch of {batch} against {stored:,} stored articles in the window"
                                            f" ({RUNS} mention runs each{'' if vectors else ', no vectors'})",
            "threading_ms": round(sorted(times)[2] * 1000, 1)}


def run(_sizes_arg: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The section's rows: the labelled set with the embedding and without it, the two held-out
    sets likewise, then the cost with vectors and without."""
    return [measure(vectors=vectors, path=path) for path in (LABELLED, HELD_OUT, HELD_OUT_2)
            for vectors in (True, False)] + [cost(), cost(vectors=False)]
