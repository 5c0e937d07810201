"""Names as mentions (:func:`newsflow.stories.evidence.mentions`): a name one article's
extractors found counts as shared when the other article writes it as whole, capitalised words,
so an article whose language has no name model still links to its story; and a same-topic
article about another event does not.

The articles are ours; their vectors are made (unit vectors at a chosen cosine) so that the
similarity is known: between the threshold with a shared name and the one without.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from newsflow.models import Article
from newsflow.state import StateStore
from newsflow.stories import Rule, StoryStore, assign_stories
from newsflow.stories.evidence import link, mentioned, mentions, name_key
from newsflow.stories.step import item_of
from newsflow.stories.threads import features

RULE = Rule()
BETWEEN = (RULE.min_similarity + RULE.similarity) / 2
"""A cross-language similarity that links only with a shared name."""


def vector(cosine: float) -> list[float]:
    """A unit vector at ``cosine`` to the first axis."""
    v = np.zeros(384, dtype=np.float32)
    v[0], v[1] = cosine, np.sqrt(1 - cosine**2)
    return [float(x) for x in v]


def article(doc_id: str, *, language: str, title: str, text: str, names: tuple[str, ...] = (),
            cosine: float = 1.0, hour: int = 6) -> Article:
    """An article as the extractors would leave it: ``names`` as its places (none: its
    language's extractor found nothing)."""
    when = f"2026-06-02T{hour:02d}:00:00+00:00"
    a = Article(id=doc_id, url=f"http://{doc_id}.test/a", feed_url=f"http://{doc_id}.test/feed", source=doc_id,
                domain=f"{doc_id}.test", title=title, text=text, fetched_at=when, published_at=when,
                language=language)
    a.enrichments.update({"places": list(names), "embedding": vector(cosine)})
    return a


ENGLISH = article("a-en", language="en", names=("Vallorbe", "Jura"),
                  title="Goods train derails at Vallorbe tunnel",
                  text="Six wagons of a goods train left the rails on Tuesday night at the entrance of the "
                       "Vallorbe tunnel in the Jura. The line to Lausanne is shut until Friday.")
GERMAN = article("b-de", language="de", cosine=BETWEEN, hour=8,
                 title="Güterzug entgleist vor dem Tunnel",
                 text="Am Dienstagabend sind vor dem Tunnel bei Vallorbe im Jura sechs Wagen eines "
                      "Güterzugs aus den Schienen gesprungen. Die Strecke bleibt bis Freitag gesperrt.")
OTHER_EVENT = article("c-de", language="de", cosine=BETWEEN, hour=9,
                      title="Güterzug entgleist im Bahnhof",
                      text="Im Bahnhof von Pontarlier sind am Dienstag zwei Wagen eines Güterzugs entgleist. "
                           "Ein Arbeiter der vallorbe-Linie sagte, verletzt worden sei niemand.")


def test_mentions_are_capitalised_runs_folded_and_joined_by_short_words() -> None:
    runs = mentions("Pesquero hundido frente a Sanlúcar de Barrameda",
                    "Carling-Saint-Avold, L'Hôpital y la comuna de Albula/Alvra: nada más.")
    assert "sanlucar de barrameda" in runs
    assert "carling saint avold" in runs  # hyphens join; the comma ends the run
    assert "l hopital" in runs
    assert "albula alvra" in runs
    assert not any("nada" in r for r in runs)  # lowercase words are not names
    assert mentioned({"Saint-Avold", "Sanlucar de Barrameda", "L'Hôpital", "Barrameda"}, runs) == {
        "Saint-Avold", "Sanlucar de Barrameda", "L'Hôpital", "Barrameda"}


def test_a_mention_is_whole_words_with_a_capital() -> None:
    found = mentions("", "Die Carlingford-Werft und eine carling genannte Sorte; Grindavík liegt im Süden.")
    assert mentioned({"Carling"}, found) == set()  # part of a longer word, or lowercase
    assert mentioned({"Grindavik"}, found) == {"Grindavik"}  # accents folded


def test_a_name_is_mentioned_exactly_when_its_words_are_whole_words_of_one_run() -> None:
    """The lookup (one joined string per article's runs) against the definition, run by run,
    on names and runs drawn from a small vocabulary, so that partial and cross-run matches occur."""
    rng = np.random.default_rng(7)
    words = ["saint", "avold", "carling", "carlingford", "bad", "kotzting", "de", "vals", "hang"]
    for _ in range(300):
        runs = tuple(" ".join(rng.choice(words, rng.integers(1, 4))) for _ in range(rng.integers(0, 5)))
        names = {" ".join(rng.choice(words, rng.integers(1, 3))).title() for _ in range(4)}
        want = {n for n in names if any(f" {name_key(n)} " in f" {run} " for run in runs)}
        assert mentioned(names, runs) == want, (names, runs)


def test_an_article_without_names_links_to_the_article_whose_names_it_mentions(tmp_path: Path) -> None:
    english, german = features(item_of(ENGLISH)), features(item_of(GERMAN))
    assert not german.entities  # no name model for German here: the old rule had no shared name
    evidence = link(english, german, RULE)
    assert evidence is not None and evidence["mentioned"] == ["Jura", "Vallorbe"]
    with StoryStore(tmp_path / "state.db") as store:  # the mentions are stored and read back
        assign_stories(store, [item_of(ENGLISH)], RULE)
        result = assign_stories(store, [item_of(GERMAN)], RULE)
        assert result.story_ids == {"b-de": "a-en"}
        assert store.decisions("b-de")[0].evidence["links"][0]["mentioned"] == ["Jura", "Vallorbe"]


def test_a_same_topic_article_about_another_place_does_not_link(tmp_path: Path) -> None:
    english, other = features(item_of(ENGLISH)), features(item_of(OTHER_EVENT))
    assert link(english, other, RULE) is None  # "vallorbe-Linie" is no capitalised mention of Vallorbe
    with StoryStore(tmp_path / "state.db") as store:
        assign_stories(store, [item_of(ENGLISH), item_of(OTHER_EVENT)], RULE)
        ids = store.story_ids(["a-en", "c-de"])
        assert ids["a-en"] != ids["c-de"]


def test_similarity_still_decides_when_a_name_is_mentioned() -> None:
    far = article("d-de", language="de", cosine=RULE.min_similarity - 0.05, hour=8, title=GERMAN.title,
                  text=GERMAN.text)
    assert link(features(item_of(ENGLISH)), features(item_of(far)), RULE) is None


def test_a_version_9_state_file_gains_the_mentions_column_and_its_rows_link_as_before(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with StoryStore(path) as store:
        assign_stories(store, [item_of(ENGLISH)], RULE)
    with sqlite3.connect(path) as raw:  # as the version-9 newsflow left it: no mentions column
        raw.execute("ALTER TABLE story_articles DROP COLUMN mentions")
        raw.execute("PRAGMA user_version = 9")
    StateStore(path).close()
    with StoryStore(path) as store:
        (stored,) = store.members("a-en")
        assert stored.mentions == ()
        assert features(stored).mentions == ()
        same_language = article("e-en", language="en", cosine=0.905, hour=7, names=("Vallorbe",),
                                title="Vallorbe line shut", text="The Vallorbe line stays shut.")
        assert assign_stories(store, [item_of(same_language)], RULE).story_ids == {"e-en": "a-en"}
