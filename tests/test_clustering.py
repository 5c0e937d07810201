"""SimHash signatures and near-duplicate clusters (``extractors.simhash``, ``newsflow.clustering``)."""

from __future__ import annotations

import itertools
import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from conftest import make_settings

from extractors.simhash import (
    body,
    extract_simhash,
    from_hex,
    hamming,
    normalize,
    shingles,
    simhash,
    to_hex,
)
from newsflow.cleaning import clean_page
from newsflow.clustering import ClusterStore, assign_clusters, bands
from newsflow.config import SEEDS_DIR
from newsflow.demo_server import DemoServer
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import Article, FeedEntry, FetchedPage
from newsflow.pipeline import ingest_urls
from newsflow.urls import doc_id

DEMO = SEEDS_DIR / "demo"
BASE = "http://127.0.0.1:8765"


def demo_article(path: str, published: str | None = None) -> Article:
    """A demo page cleaned as the pipeline cleans it (page and feed entry built by hand)."""
    url = BASE + path
    html = (DEMO / "site" / path.lstrip("/")).read_text(encoding="utf-8")
    page = FetchedPage(url, url, 200, "text/html", html, datetime(2025, 12, 16, tzinfo=UTC))
    entry = FeedEntry(url=url, feed_url=f"{BASE}/feed.xml", source="demo", published_at=published)
    return clean_page(page, entry)


@pytest.fixture(scope="module")
def demo() -> dict[str, Article]:
    expected = yaml.safe_load((DEMO / "expected.yaml").read_text(encoding="utf-8"))
    return {a["path"]: demo_article(a["path"], a["published"]) for a in expected["articles"]}


@pytest.fixture(scope="module")
def pairs() -> list[list[str]]:
    return yaml.safe_load((DEMO / "expected.yaml").read_text(encoding="utf-8"))["syndicated_pairs"]


# --------------------------------------------------------------------------- simhash


def test_simhash_is_64_bits_as_16_hex_digits_and_stable() -> None:
    text = "Russia fired hundreds of drones at Ukraine's energy grid overnight, officials said."
    value = simhash(text)
    assert value is not None and 0 <= value < 1 << 64
    assert to_hex(value) == f"{value:016x}" and len(to_hex(value)) == 16
    assert from_hex(to_hex(value)) == value
    assert simhash(text) == value  # no per-process hash seed
    assert simhash("") is None and simhash("  ,, ") is None


def test_normalisation_and_shingles() -> None:
    assert normalize("Kyiv’s GRID—hit!  Again") == ["kyiv", "s", "grid", "hit", "again"]
    assert shingles(["a", "b", "c", "d"]) == ["a b c", "b c d"]
    assert shingles(["a", "b"]) == ["a b"]
    assert simhash("Hello, WORLD: again!") == simhash("hello world again")


def test_small_edits_move_few_bits_and_other_texts_many() -> None:
    words = [f"w{i}" for i in range(400)]
    base = simhash(" ".join(words))
    edited = simhash(" ".join([*words[:200], "changed", *words[201:]]))
    other = simhash(" ".join(f"x{i}" for i in range(400)))
    assert base is not None and edited is not None and other is not None
    assert hamming(base, edited) <= 3
    assert hamming(base, other) > 16


def test_body_drops_short_blocks_when_long_paragraphs_hold_the_text() -> None:
    long = " ".join(["word"] * 40)
    assert body(f"A standfirst.\nBy a wire service.\n{long}\n{long}") == f"{long}\n{long}"
    short_only = "One short line.\nAnother short line."
    assert body(short_only) == short_only


def test_syndicated_demo_copies_are_near_duplicates(demo: dict[str, Article], pairs: list[list[str]]) -> None:
    signatures = {path: from_hex(extract_simhash(a)["simhash"]) for path, a in demo.items()}
    for first, second in pairs:
        assert hamming(signatures[first], signatures[second]) <= 3, (first, second)
    syndicated = {frozenset(p) for p in pairs}
    for a, b in itertools.combinations(signatures, 2):
        if frozenset((a, b)) not in syndicated:
            assert hamming(signatures[a], signatures[b]) > 8, (a, b)


# --------------------------------------------------------------------------- clusters


def sig(value: int) -> str:
    return f"{value:016x}"


def test_new_unique_documents_found_their_own_cluster(tmp_path: Path) -> None:
    with ClusterStore(tmp_path / "state.db") as store:
        got = assign_clusters(store, [("a", sig(0), "2025-12-01T00:00:00Z"), ("b", sig((1 << 64) - 1), None)])
        assert got == {"a": "a", "b": "b"}
        assert store.count() == 2


def test_near_signatures_share_a_cluster_named_by_its_smallest_doc_id(tmp_path: Path) -> None:
    base = 0x0123_4567_89AB_CDEF
    with ClusterStore(tmp_path / "state.db") as store:
        # "far" is 4 bits from "early" but 1 from "late": single-link puts all three together
        got = assign_clusters(
            store,
            [
                ("late", sig(base ^ 0b111), "2025-12-02T10:00:00Z"),  # 3 bits away
                ("early", sig(base), "2025-12-01T10:00:00+01:00"),
                ("far", sig(base ^ 0b1111), "2025-12-03T10:00:00Z"),  # 4 bits from early, 1 from late
                ("other", sig(~base & ((1 << 64) - 1)), "2025-12-01T00:00:00Z"),
            ],
        )
        assert got == {"late": "early", "early": "early", "far": "early", "other": "other"}
        # a later batch joins the stored cluster; a larger id does not rename it
        assert assign_clusters(store, [("next", sig(base ^ (1 << 63)), "2025-11-01T00:00:00Z")]) == {"next": "early"}
        assert {m.doc_id for m in store.members("early")} == {"early", "late", "far", "next"}
        # a smaller one does: every stored member is re-pointed and reported as moved
        got = assign_clusters(store, [("alpha", sig(base ^ (1 << 62)), "2025-12-09T00:00:00Z")])
        assert got == {"alpha": "alpha", "early": "alpha", "late": "alpha", "far": "alpha", "next": "alpha"}
        assert store.members("early") == []
        assert store.cluster_ids(["far", "other", "missing"]) == {"far": "alpha", "other": "other"}


def test_every_band_finds_candidates(tmp_path: Path) -> None:
    base = 0xFFFF_0000_FFFF_0000
    with ClusterStore(tmp_path / "state.db") as store:
        assign_clusters(store, [("a-root", sig(base), "2025-12-01T00:00:00Z")])
        for band in range(4):
            # flip one bit in each of three bands: only the fourth band still agrees
            flips = [1 << (16 * b + 5) for b in range(4) if b != band]
            value = base
            for flip in flips:
                value ^= flip
            assert bands(value)[3 - band] == bands(base)[3 - band]
            assert assign_clusters(store, [(f"d{band}", sig(value), "2025-12-02T00:00:00Z")]) == {
                f"d{band}": "a-root"
            }


def test_assigning_is_idempotent_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    items = [("a", sig(10), "2025-12-01T00:00:00Z"), ("b", sig(11), "2025-12-02T00:00:00Z")]
    with ClusterStore(path) as store:
        first = assign_clusters(store, items)
    with ClusterStore(path) as store:
        assert assign_clusters(store, items) == first == {"a": "a", "b": "a"}
        assert assign_clusters(store, list(reversed(items))) == first
        assert store.count() == 2


def test_an_edited_member_is_matched_again_and_its_old_cluster_renamed(tmp_path: Path) -> None:
    far = 0xFFFF_FFFF_FFFF_FFFF
    with ClusterStore(tmp_path / "state.db") as store:
        assign_clusters(store, [("a", sig(0), "2025-12-01T00:00:00Z"), ("b", sig(1), "2025-12-02T00:00:00Z")])
        assert assign_clusters(store, [("b", sig(far), "2025-12-02T00:00:00Z")]) == {"b": "b"}
        # "a" moves next to "b": one cluster again, named "a"; "b" (another batch's) is reported
        assert assign_clusters(store, [("a", sig(far ^ 1), "2025-12-01T00:00:00Z")]) == {"a": "a", "b": "a"}
        member = store.get("b")
        assert member is not None and member.simhash == far and member.cluster_id == "a"
        # "a" leaves again: what is left is named by its own smallest id
        assert assign_clusters(store, [("a", sig(0), "2025-12-01T00:00:00Z")]) == {"a": "a", "b": "b"}


def test_a_member_leaving_splits_its_cluster_into_components(tmp_path: Path) -> None:
    """a - b - c - d is a chain (each 3 bits from the next, 6 from the one after): without
    "b" it falls apart into {a} and {c, d}; without "c" (then) into {d}."""
    chain = [0, 0b111, 0b111111, 0b111111111]
    with ClusterStore(tmp_path / "state.db") as store:
        got = assign_clusters(store, [(name, sig(v), None) for name, v in zip("abcd", chain, strict=True)])
        assert got == dict.fromkeys("abcd", "a")
        assert store.remove("b") == {"c": "c", "d": "c"}
        assert store.cluster_ids("acd") == {"a": "a", "c": "c", "d": "c"}
        # an edit that takes "c" away from "d" leaves "d" alone
        assert assign_clusters(store, [("c", sig(0b1), None)]) == {"c": "a", "d": "d"}
        assert store.remove("zzz") == {}


def random_signatures(rng: random.Random, groups: int, size: int) -> list[tuple[str, int]]:
    """``groups`` families of near signatures, each a random walk (1 to 3 bits a step from a
    random earlier member: chains and stars that only single-link joins), with random ids."""
    out: list[tuple[str, int]] = []
    for _ in range(groups):
        family = [rng.getrandbits(64)]
        for _ in range(size - 1):
            value = rng.choice(family)
            for bit in rng.sample(range(64), rng.randint(1, 3)):
                value ^= 1 << bit
            family.append(value)
        out += [(f"doc-{rng.getrandbits(32):08x}", v) for v in family]
    return out


def run_in_batches(store: ClusterStore, items: list[tuple[str, int]], sizes: list[int]) -> dict[str, str]:
    """Assign ``items`` batch by batch and apply every answer, moved documents included, to a
    dict standing for the index: what the pipeline ends with."""
    index: dict[str, str] = {}
    start = 0
    for size in sizes:
        answer = assign_clusters(store, [(d, v, None) for d, v in items[start:start + size]])
        assert set(answer) >= {d for d, _ in items[start:start + size]}
        assert set(answer) - {d for d, _ in items[start:start + size]} <= set(index), "moved: already indexed"
        index.update(answer)
        start += size
    assert start == len(items)
    return index


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cluster_ids_do_not_depend_on_the_order_or_the_batches(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    items = random_signatures(rng, groups=6, size=8)
    with ClusterStore(tmp_path / "one.db") as store:
        reference = run_in_batches(store, items, [len(items)])
    assert len(set(reference.values())) < len(items) - 6, "the families are clusters"
    for name in ("a", "b", "c"):
        shuffled = rng.sample(items, len(items))
        sizes = []
        while sum(sizes) < len(items):
            sizes.append(min(rng.randint(1, 7), len(items) - sum(sizes)))
        with ClusterStore(tmp_path / f"{name}.db") as store:
            assert run_in_batches(store, shuffled, sizes) == reference
            assert store.cluster_ids([d for d, _ in items]) == reference
    for cluster_id in set(reference.values()):
        assert cluster_id == min(d for d, c in reference.items() if c == cluster_id)


def test_documents_without_text_are_their_own_cluster_and_not_stored(tmp_path: Path) -> None:
    with ClusterStore(tmp_path / "state.db") as store:
        assert assign_clusters(store, [("empty", None, None)]) == {"empty": "empty"}
        assert store.count() == 0


def test_one_table_in_the_given_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with ClusterStore(path, max_distance=2) as store:
        assign_clusters(store, [("a", 5, datetime(2025, 12, 1, tzinfo=UTC))])
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"simhash_clusters"}
    with pytest.raises(ValueError):
        ClusterStore(path, max_distance=64)
    with ClusterStore(path) as store, pytest.raises(ValueError):
        assign_clusters(store, [("x", "not-hex", None)])


def test_demo_syndicated_pairs_share_a_cluster_and_others_do_not(
    tmp_path: Path, demo: dict[str, Article], pairs: list[list[str]]
) -> None:
    items = [
        (a.id, extract_simhash(a)["simhash"], a.published_at or a.feed_published_at) for a in demo.values()
    ]
    with ClusterStore(tmp_path / "state.db") as store:
        clusters = assign_clusters(store, items)
    ids = {path: a.id for path, a in demo.items()}
    paired: set[str] = set()
    for first, second in pairs:
        assert clusters[ids[first]] == clusters[ids[second]], (first, second)
        # the cluster id is the smaller member id
        assert clusters[ids[first]] == min(ids[first], ids[second])
        paired |= {first, second}
    singles = [path for path in demo if path not in paired]
    assert all(clusters[ids[path]] == ids[path] for path in singles)
    assert len(set(clusters.values())) == len(demo) - len(pairs)


# --------------------------------------------------------------------------- pipeline


def test_a_later_run_renames_an_indexed_cluster_in_the_index(
    tmp_path: Path, demo_server: DemoServer, pairs: list[list[str]]
) -> None:
    """The copy with the larger id is indexed first, alone; a later run brings the copy with
    the smaller id: the cluster takes that id and the first copy is rewritten in the index."""
    for pair in pairs:
        urls = sorted((demo_server.base_url + path for path in pair), key=doc_id)
        small, large = (doc_id(url) for url in urls)
        settings = make_settings(tmp_path / small)
        ingest_urls(settings, [urls[1]])
        with EmbeddedBackend(settings.index_file) as index:
            first = index.get(large)
        assert first is not None and first["cluster_id"] == large
        summary = ingest_urls(settings, [urls[0]])
        assert summary.articles_new == 1 and summary.articles_updated == 0
        with EmbeddedBackend(settings.index_file) as index:
            docs = [index.get(large), index.get(small)]
        assert [d["cluster_id"] if d else None for d in docs] == [small, small]
        # copies are one story thread too, named by the same smallest id
        assert [d["story_id"] if d else None for d in docs] == [small, small]
        moved = ("cluster_id", "story_id", "indexed_at")
        assert docs[0] is not None and {k: v for k, v in docs[0].items() if k not in moved} == {
            k: v for k, v in first.items() if k not in moved}
