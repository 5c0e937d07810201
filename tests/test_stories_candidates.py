"""The candidates a batch compares a new article with (:mod:`newsflow.stories.candidates` and
``_Window.candidates``) against the definition: every stored article the window knows is
compared, and the threads are the connected components of :func:`link` over every pair, named by
their smallest doc id. Random articles with and without vectors, with shared and unshared names
and mentions (accents, hyphens, several words, runs with odd spacing), copies, times across the
72-hour window and the 24-hour fallback, batches of several sizes and edits; any difference in a
thread, a moved article or a decision (with its evidence) fails.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from test_stories import HOUR, RULE, T0, near

from newsflow.stories import StoryItem, StoryStore, assign_stories, threads
from newsflow.stories.candidates import NameIndex
from newsflow.stories.evidence import fingerprint, link, mentions, shared_names, title_words
from newsflow.stories.threads import features

NAMES = ("Oslo", "Bergen", "Saint-Avold", "L'Hôpital", "Grindavík", "Grindavik", "Reykjanes", "FC Porto", "Porto",
         "New York", "York", "Sanlúcar de Barrameda", "Ana Lima", "Lima", "European Central Bank", "Europe",
         "Zelensky", "Kyiv", "Jean-Luc Picard", "Picard")
"""Names that overlap as words (York / New York, Lima / Ana Lima), differ by an accent or a hyphen."""
FILLER = ("the", "river", "Storm", "Talks", "report", "Weather", "city", "de", "am", "in", "Bank", "Central")
TITLE = ("flood", "storm", "talks", "strike", "bank", "rates", "ferry", "vote", "fire", "quake", "Oslo", "Porto")
ODD_RUNS = ("new  york", " oslo", "porto ", "ana lima  picard", "saint avold\nlima", "")
"""Runs :func:`mentions` never makes (two spaces, an edge space, a line break, empty): a caller may store them."""


def random_item(rng: random.Random, doc_id: str, base_hours: float, clusters: list[str]) -> StoryItem:
    names = tuple(sorted(set(rng.sample(NAMES, rng.randint(0, 3)))))
    title = " ".join(w.capitalize() for w in rng.sample(TITLE, rng.randint(2, 4)))
    text = " ".join(rng.choice(NAMES + FILLER) + rng.choice((" ", " ", ", ", ". ")) for _ in range(rng.randint(0, 14)))
    runs = set(mentions(title, text))
    if rng.random() < 0.2:
        runs.add(rng.choice(ODD_RUNS))
    vector = None
    if rng.random() < 0.5:
        vector = near(rng.randint(1, 3), rng.uniform(0.8, 1.0), rng.randint(4, 8))
    cluster = rng.choice(clusters) if clusters and rng.random() < 0.15 else doc_id
    seen = T0 + (base_hours + rng.uniform(0, 150)) * HOUR
    words = title_words(title)
    language = rng.choice(("en", "de"))
    key = fingerprint(cluster, seen, "x.test", language, title, names, words, vector or b"", sorted(runs))
    return StoryItem(doc_id, cluster, seen, "x.test", language, title, names, words, vector, key,
                     tuple(sorted(runs)))


def batches_of(seed: int) -> list[list[StoryItem]]:
    """Some 30 articles in batches of one to six, then a few of them edited and one given again."""
    rng = random.Random(seed)
    clusters: list[str] = []
    items = []
    for n in range(rng.randint(20, 36)):
        made = random_item(rng, f"s{seed:02d}-{rng.randrange(10**6):06d}-{n}", seed * 1000.0, clusters)
        clusters.append(made.cluster_id)
        items.append(made)
    rng.shuffle(items)
    batches = []
    while items:
        size = rng.randint(1, 6)
        batches.append(items[:size])
        items = items[size:]
    every = [i for b in batches for i in b]
    chosen = rng.sample(every, 4)
    edits = [random_item(rng, old.doc_id, seed * 1000.0, clusters) for old in chosen[:3]]
    return [*batches, edits[:2], [edits[2], chosen[3]]]


def every_known(window: threads._Window, item: StoryItem, mine: object) -> list[str]:
    """The definition: compare with every stored article the window knows (the span, the copies)."""
    return sorted(d for d in window.story if d != item.doc_id)


def components(items: list[StoryItem]) -> dict[str, str]:
    """doc id → the smallest doc id of its connected component under :func:`link`."""
    feats = [features(i) for i in items]
    parent = {f.doc_id: f.doc_id for f in feats}

    def root(d: str) -> str:
        while parent[d] != d:
            d = parent[d]
        return d

    for n, a in enumerate(feats):
        for b in feats[n + 1:]:
            if link(a, b, RULE) is not None:
                ra, rb = root(a.doc_id), root(b.doc_id)
                parent[max(ra, rb)] = min(ra, rb)
    return {f.doc_id: root(f.doc_id) for f in feats}


def run(target: str, batches: list[list[StoryItem]]) -> list[tuple[object, ...]]:
    out = []
    with StoryStore(target) as store:
        for batch in batches:
            done = assign_stories(store, batch, RULE)
            out.append((done.story_ids, done.moved,
                        [(d.doc_id, d.story_id, d.action, d.evidence) for d in done.decisions]))
    return out


SEEDS = range(24)


def test_the_candidates_give_the_decisions_of_comparing_with_every_article(
    state_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = {seed: batches_of(seed) for seed in SEEDS}  # seeds 1,000 hours apart: one store for all
    fast = {seed: run(state_target, plan) for seed, plan in plans.items()}
    monkeypatch.setattr(threads._Window, "candidates", every_known)
    definition = {seed: run(str(tmp_path / "definition.db"), plan) for seed, plan in plans.items()}
    actions = set()
    for seed in SEEDS:
        assert fast[seed] == definition[seed], seed
        actions |= {d[2] for _, _, decisions in fast[seed] for d in decisions}
    assert actions == {"new", "join", "merge", "split"}, "the random plans reach every kind of decision"


def test_the_threads_are_the_components_of_link_over_every_pair(state_target: str) -> None:
    final: dict[str, StoryItem] = {}
    for seed in SEEDS:
        for batch in batches_of(seed):
            final.update((i.doc_id, i) for i in batch)
    run(state_target, [b for seed in SEEDS for b in batches_of(seed)])
    expected = components(list(final.values()))
    with StoryStore(state_target) as store:
        assert store.story_ids(list(final)) == expected
        sizes = [t.size for t in store.threads(limit=10**6)]
    assert max(sizes) >= 3 and sum(sizes) == len(final), "threads of several articles, each article in one"


def test_every_pair_that_shares_a_name_is_found_by_the_index() -> None:
    rng = random.Random(7)
    clusters: list[str] = []
    stored = [features(random_item(rng, f"x{n:04d}", 0.0, clusters)) for n in range(300)]
    index = NameIndex()
    for f in stored:
        index.add(f"key-{f.doc_id}", f)
    sharing_pairs = 0
    for n in range(300):
        mine = features(random_item(rng, f"y{n:04d}", 0.0, clusters))
        found = index.sharing(mine)
        assert found is not None
        for other in stored:
            if shared_names(mine, other)[0]:
                sharing_pairs += 1
                assert other.doc_id in found, (mine, other)
        assert len(found) < len(stored), "the index rules some out"
    assert sharing_pairs > 1000


def test_a_forgotten_or_replaced_article_leaves_no_trace_in_the_index() -> None:
    rng = random.Random(3)
    index = NameIndex()
    a = features(random_item(rng, "a", 0.0, []))
    index.add("one", a)
    assert index.get("a", "one") == a and index.get("a", "two") is None
    other = features(StoryItem("a", "a", T0, "x.test", "en", "Lima", ("Lima",), ("lima",), None, "two", ("lima",)))
    index.add("two", other)
    probe = features(StoryItem("b", "b", T0, "x.test", "en", "Lima", ("Lima",), (), None, "k", ()))
    assert index.sharing(probe) == {"a"}
    index.keep_only(["c"])
    assert index.sharing(probe) == set() and index.get("a", "two") is None
    assert not any(np.isnan(np.frombuffer(near(1, 0.9), dtype=np.float32)))
