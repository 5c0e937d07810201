"""Story threads (:mod:`newsflow.stories`) in the state store, on both backends (``state_target``
is a SQLite file and a real PostgreSQL database): threads grow, merge, split, record their
evidence, and any order of batches (or two processes at once) gives the same ids.

Vectors here are ones we make: unit vectors near one of a few directions, so that which
articles are close is known; the real model is measured on the labelled set
(``tests/test_stories_quality.py``).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newsflow.state import StateStore
from newsflow.stories import Rule, StoryItem, StoryStore, assign_stories
from newsflow.stories.evidence import fingerprint, title_words

HOUR = 3600.0
T0 = 1_772_000_000.0  # 2026-02-25
RULE = Rule(window_hours=72, similarity=0.9, min_similarity=0.7, same_language_similarity=0.8)


def direction(n: int) -> np.ndarray:
    vector = np.zeros(384, dtype=np.float32)
    vector[n] = 1.0
    return vector


def near(n: int, cosine: float, other: int = 383) -> bytes:
    """A unit vector at ``cosine`` to direction ``n`` (leaning towards direction ``other``)."""
    vector = cosine * direction(n) + np.sqrt(1 - cosine**2) * direction(other)
    return vector.astype(np.float32).tobytes()


def item(doc_id: str, *, vector: bytes | None, hours: float = 0.0, names: tuple[str, ...] = (),
         domain: str = "a.test", language: str = "en", title: str = "", cluster: str | None = None) -> StoryItem:
    title = title or f"Title of {doc_id}"
    words = title_words(title)
    key = fingerprint(cluster or doc_id, T0 + hours * HOUR, domain, language, title, names, words, vector or b"")
    return StoryItem(doc_id, cluster or doc_id, T0 + hours * HOUR, domain, language, title, names, words, vector,
                     key)


def flood() -> list[StoryItem]:
    """One event told by three outlets (two languages), a copy of one of them, and two other
    events on the same day."""
    return [
        item("b-flood-en", vector=near(1, 0.99), hours=1, names=("Danube", "Passau"), domain="one.test",
             title="The Danube floods Passau"),
        item("d-flood-de", vector=near(1, 0.97, 382), hours=3, names=("Passau",), domain="two.test", language="de",
             title="Hochwasser in Passau"),
        item("f-flood-fr", vector=near(1, 0.95, 381), hours=5, names=("Danube",), domain="three.test",
             language="fr", title="Crue du Danube"),
        item("c-flood-copy", vector=near(1, 0.99), hours=2, names=("Danube", "Passau"), domain="four.test",
             title="The Danube floods Passau", cluster="b-flood-en"),
        item("a-fire", vector=near(2, 0.99), hours=2, names=("Passau",), domain="one.test", title="Barn fire"),
        item("e-vote", vector=near(3, 0.99), hours=4, names=("Berlin",), domain="two.test", title="A vote"),
    ]


def assign(target: str, batches: list[list[StoryItem]], rule: Rule = RULE) -> dict[str, str]:
    with StoryStore(target) as store:
        for batch in batches:
            assign_stories(store, batch, rule)
        return store.story_ids([i.doc_id for b in batches for i in b])


def test_one_event_across_outlets_and_languages_is_one_thread_with_its_summary(state_target: str) -> None:
    got = assign(state_target, [flood()])
    flood_ids = {got[d] for d in ("b-flood-en", "d-flood-de", "f-flood-fr", "c-flood-copy")}
    assert flood_ids == {"b-flood-en"}, "named by its smallest doc id"
    assert got["a-fire"] == "a-fire" and got["e-vote"] == "e-vote", "same day, same place, other events"
    with StoryStore(state_target) as store:
        thread = store.thread("b-flood-en")
        assert thread is not None
        assert thread.title == "The Danube floods Passau" and thread.size == 4
        assert thread.outlets == ("four.test", "one.test", "three.test", "two.test")
        assert thread.languages == ("de", "en", "fr")
        assert thread.entities[:2] == ("Danube", "Passau")
        assert thread.first_seen == T0 + HOUR and thread.last_seen == T0 + 5 * HOUR
        assert [t.story_id for t in store.active(72, min_size=2)] == ["b-flood-en"]
        assert {t.story_id for t in store.threads(min_size=1)} == {"b-flood-en", "a-fire", "e-vote"}
    StateStore(state_target).close()  # the tables are part of the state schema: it opens the same database


def test_each_decision_is_recorded_with_its_evidence(state_target: str) -> None:
    assign(state_target, [flood()[:3]])
    with StoryStore(state_target) as store:
        first, second, third = store.decisions()
        assert (first.doc_id, first.action, first.evidence) == ("b-flood-en", "new", {"links": []})
        assert (second.doc_id, second.action, second.story_id) == ("d-flood-de", "join", "b-flood-en")
        (link,) = second.evidence["links"]
        assert link["doc_id"] == "b-flood-en" and link["via"] == "embedding"
        assert link["shared"] == ["Passau"] and link["gap_hours"] == 2.0
        assert link["similarity"] == pytest.approx(0.99 * 0.97, abs=1e-3)
        assert third.action == "join" and store.decisions("f-flood-fr") == [third]


def test_a_late_article_merges_two_threads_and_reports_the_moved_members(state_target: str) -> None:
    # two reports too far apart in meaning to link, then one close to both
    left = item("m-2", vector=near(5, 0.9, 6), hours=0, names=("Oslo",))
    right = item("m-3", vector=near(6, 0.9, 5), hours=1, names=("Oslo",))
    bridge_vector = (direction(5) + direction(6)) / np.sqrt(2)
    bridge = item("m-1", vector=bridge_vector.astype(np.float32).tobytes(), hours=2, names=("Oslo",))
    with StoryStore(state_target) as store:
        first = assign_stories(store, [left, right], RULE)
        assert first.story_ids == {"m-2": "m-2", "m-3": "m-3"}
        merged = assign_stories(store, [bridge], RULE)
        assert merged.story_ids == {"m-1": "m-1"}
        assert merged.moved == {"m-2": "m-1", "m-3": "m-1"}, "the index rewrites these"
        (decision,) = merged.decisions
        assert decision.action == "merge" and [x["story_id"] for x in decision.evidence["links"]] == ["m-2", "m-3"]
        assert store.thread("m-2") is None and store.thread("m-3") is None
        thread = store.thread("m-1")
        assert thread is not None and thread.size == 3


def test_any_order_of_batches_gives_the_same_threads(state_target: str, tmp_path: Path) -> None:
    items = flood()
    reference = assign(str(tmp_path / "reference.db"), [items])
    for n, order in enumerate(itertools.islice(itertools.permutations(items), 0, None, 97)):
        batches = [list(order[:2]), list(order[2:3]), list(order[3:])]
        assert assign(str(tmp_path / f"order-{n}.db"), batches) == reference, [i.doc_id for i in order]
    assert assign(state_target, [[i] for i in reversed(items)]) == reference


def test_unchanged_articles_keep_their_thread_and_a_changed_one_splits_it(state_target: str) -> None:
    bridge = ((direction(7) + direction(8)) / np.sqrt(2)).astype(np.float32).tobytes()
    chain = [item("s-1", vector=bridge, names=("Rome",)),
             item("s-2", vector=near(7, 0.9, 8), hours=1, names=("Rome",)),
             item("s-3", vector=near(8, 0.9, 7), hours=2, names=("Rome",))]
    with StoryStore(state_target) as store:
        assert set(assign_stories(store, chain, RULE).story_ids.values()) == {"s-1"}
        again = assign_stories(store, chain, RULE)
        assert again.story_ids == dict.fromkeys(("s-1", "s-2", "s-3"), "s-1") and not again.decisions
        # s-1, the only link between s-2 and s-3, is rewritten about something else
        edited = item("s-1", vector=near(10, 0.99), names=("Lima",), title="Another event")
        out = assign_stories(store, [edited], RULE)
        assert out.story_ids == {"s-1": "s-1"} and out.moved == {"s-2": "s-2", "s-3": "s-3"}
        assert [(d.doc_id, d.action, d.story_id) for d in out.decisions] == [
            ("s-1", "split", "s-2"), ("s-1", "split", "s-3"), ("s-1", "new", "s-1")]
        assert store.story_ids(["s-1", "s-2", "s-3"]) == {"s-1": "s-1", "s-2": "s-2", "s-3": "s-3"}
        thread = store.thread("s-1")
        assert thread is not None and thread.title == "Another event" and thread.size == 1
        assert {t.story_id for t in store.threads()} == {"s-1", "s-2", "s-3"}


def test_the_window_bounds_links_but_copies_join_whatever_the_gap(state_target: str) -> None:
    first = item("w-1", vector=near(11, 0.99), names=("Kyiv",))
    later = item("w-2", vector=near(11, 0.99), hours=73, names=("Kyiv",))
    copy = item("w-3", vector=near(11, 0.99), hours=200, cluster="w-1")
    got = assign(state_target, [[first, later, copy]])
    assert got == {"w-1": "w-1", "w-2": "w-2", "w-3": "w-1"}


def test_without_vectors_names_and_title_words_link_and_it_is_said_once(
    state_target: str, caplog: pytest.LogCaptureFixture
) -> None:
    from newsflow.stories import step

    a = item("v-1", vector=None, names=("Porto", "FC Porto"), title="Porto wins the derby")
    b = item("v-2", vector=None, hours=30, names=("Porto", "FC Porto"), title="Porto derby: the winning goal")
    c = item("v-3", vector=None, hours=60, names=("Porto", "FC Porto"), title="Budget talks stall")
    d = item("v-4", vector=None, hours=2, names=("Porto", "FC Porto"), title="Stadium plans")
    got = assign(state_target, [[a, b, c, d]])
    assert got["v-2"] == got["v-1"] == got["v-4"] == "v-1", "title words, or close in time"
    assert got["v-3"] == "v-3", "30 h or more apart, only names in common"
    step._warned = False
    with caplog.at_level(logging.WARNING, logger="newsflow.stories.step"):
        step._warn_without_vectors(2, 4)
        step._warn_without_vectors(3, 4)
    assert len([r for r in caplog.records if "no embedding" in r.getMessage()]) == 1


WORKER = """
import json, sys
from newsflow.stories import StoryItem, StoryStore, assign_stories
from newsflow.stories.evidence import Rule
target, items = sys.argv[1], [StoryItem(*i[:8], bytes.fromhex(i[8]) if i[8] else None, i[9])
                              for i in json.loads(sys.stdin.read())]
with StoryStore(target) as store:
    for start in range(0, len(items), 2):
        assign_stories(store, items[start:start + 2], Rule(similarity=0.9, min_similarity=0.7,
                                                           same_language_similarity=0.8))
"""


def test_two_processes_in_opposite_orders_give_the_single_process_threads(
    state_target: str, tmp_path: Path
) -> None:
    items = flood()
    reference = assign(str(tmp_path / "reference.db"), [items])
    StateStore(state_target).close()
    rows = [[i.doc_id, i.cluster_id, i.seen_at, i.domain, i.language, i.title, list(i.entities), list(i.words),
             i.vector.hex() if i.vector else None, i.fingerprint] for i in items]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, state_target], stdin=subprocess.PIPE, env=env,
                              text=True) for _ in range(2)]
    for proc, order in zip(procs, [rows, list(reversed(rows))], strict=True):
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(order))
        proc.stdin.close()
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    with StoryStore(state_target) as store:
        assert store.count() == len(items)
        assert store.story_ids([i.doc_id for i in items]) == reference


def test_a_version_8_state_file_gains_the_story_tables_and_keeps_its_rows(tmp_path: Path) -> None:
    import sqlite3

    from newsflow.state import SCHEMA_VERSION

    path = tmp_path / "state.db"
    store = StateStore(path)
    store.store_robots("http://a.test", 200, "User-agent: *", ttl=3600)
    store.close()
    with sqlite3.connect(path) as raw:  # as the version-8 newsflow left it
        for table in ("story_articles", "stories", "story_decisions"):
            raw.execute(f"DROP TABLE {table}")
        raw.execute("PRAGMA user_version = 8")
    assert assign(str(path), [flood()[:2]]) == {"b-flood-en": "b-flood-en", "d-flood-de": "b-flood-en"}
    store = StateStore(path)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10


def test_a_version_5_postgres_database_gains_the_story_tables(pg_url: str) -> None:
    import psycopg

    from newsflow.state.postgres import MIGRATIONS

    with psycopg.connect(pg_url, autocommit=True) as raw:  # as the version-5 newsflow created it
        for version in (1, 2, 3, 4, 5):
            for statement in MIGRATIONS[version]:
                raw.execute(statement)
        raw.execute("CREATE TABLE schema_version (version integer NOT NULL)")
        raw.execute("INSERT INTO schema_version (version) VALUES (5)")
        raw.execute("INSERT INTO robots VALUES ('http://a.test', 200, 'User-agent: *', 0, 1e12)")
    assert assign(pg_url, [flood()[:2]]) == {"b-flood-en": "b-flood-en", "d-flood-de": "b-flood-en"}
    store = StateStore(pg_url)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
    finally:
        store.close()
    with psycopg.connect(pg_url) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(7,)]


def test_an_article_given_twice_in_one_batch_gets_the_answer_of_its_last_version(state_target: str) -> None:
    """A batch may hold one article twice (two feed entries of one page), edited in between:
    its last version counts, as if given alone, and the batch does not fail."""
    first = item("t-1", vector=near(1, 0.99), names=("Passau",), title="The Danube floods Passau")
    other = item("t-2", vector=near(2, 0.99), hours=1, names=("Lima",), title="A vote in Lima")
    edited = item("t-1", vector=near(2, 0.98, 381), hours=1, names=("Lima",), title="Lima votes")
    with StoryStore(state_target) as store:
        out = assign_stories(store, [first, other, edited], RULE)
        assert out.story_ids == {"t-1": "t-1", "t-2": "t-1"}
        assert [d.doc_id for d in out.decisions].count("t-1") == 1
    assert assign(state_target, [[other, edited]]) == out.story_ids
