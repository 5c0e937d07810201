"""Newsflow's entities and places are never worse than the bare spaCy model, per type, on our
own annotated paragraphs (``benchmarks/data/entities_*.yaml``, scored by
:mod:`benchmarks.entities`); and the scorer counts what its docstring says."""

from __future__ import annotations

import pytest
from ci import unavailable

from benchmarks import entities as evaluation
from extractors import nlp


@pytest.fixture(scope="module")
def scores() -> dict[str, dict[str, evaluation.Score]]:
    nlp.configure(None)
    missing = [lang for lang in ("en", "fr", "es") if nlp.load_model(lang) is None]
    if missing:
        unavailable(f"no spaCy model for {', '.join(missing)}: pip install --no-deps --require-hashes "
                    "-r requirements/spacy-model.txt")
    return evaluation.evaluate()


def test_the_set_is_big_enough() -> None:
    paragraphs = evaluation.load()
    languages = {p.language for p in paragraphs}
    assert len(paragraphs) >= 60 and {"en", "de", "fr", "es"} <= languages
    assert all(any(p.gold[t] for t in evaluation.TYPES) for p in paragraphs)


@pytest.mark.parametrize("kind", evaluation.TYPES)
def test_never_worse_than_the_model_per_type(scores: dict[str, dict[str, evaluation.Score]],
                                             kind: str) -> None:
    for group in ("all", "en"):
        ours = scores[group]["newsflow"].by_type[kind].f1()
        bare = scores[group]["bare"].by_type[kind].f1()
        assert ours >= bare, (group, kind, ours, bare)


def test_english_micro_f1_goal(scores: dict[str, dict[str, evaluation.Score]]) -> None:
    assert scores["en"]["newsflow"].micro() >= 0.75


def test_every_language_gets_entities(scores: dict[str, dict[str, evaluation.Score]]) -> None:
    for language in ("de", "fr", "es"):
        for kind in evaluation.TYPES:
            assert scores[language]["newsflow"].by_type[kind].tp > 0, (language, kind)


def test_matching_rule() -> None:
    assert evaluation.matches("Zelensky", "Volodymyr Zelensky")  # whole-word suffix
    assert evaluation.matches("Keir", "Keir Starmer")  # whole-word prefix
    assert not evaluation.matches("Zelen", "Volodymyr Zelensky")  # not a whole word
    assert evaluation.matches("Selenskyj", "Volodymyr Zelensky")  # the alias table
    assert evaluation.matches("Moskau", "Moscow")  # the gazetteer
    assert not evaluation.matches("Moscow", "Kyiv")


def test_counts() -> None:
    score = evaluation.Score()
    gold = {"PER": frozenset({"Keir Starmer", "Olaf Scholz"}), "ORG": frozenset(), "LOC": frozenset({"Paris"})}
    evaluation.score_one(gold, {"PER": {"Starmer", "Mit Sicherheit"}, "LOC": {"Paris"}}, score)
    per = score.by_type["PER"]
    assert (per.tp, per.fp, per.fn) == (0, 2, 2)  # "Starmer" is not a prefix/suffix of anything gold
    evaluation.score_one(gold, {"PER": {"Keir Starmer"}}, score)
    assert (per.tp, per.fp, per.fn) == (1, 2, 3)
    assert score.by_type["LOC"].f1() == pytest.approx(2 / 3)
