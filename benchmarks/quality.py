"""Accuracy of the ``quotes`` and ``quantities`` extractors on English sets we wrote.

``benchmarks/data/quotes_en.yaml``: paragraphs whose quotations have a gold speaker. A
quotation is scored right when the extractor found it (its text starts with the gold
``starts``) and its speaker is the gold one (equal, or the gold name is a whole-word prefix
or suffix of it: "Trump" for "Donald Trump"). The baseline gives each found quotation the
person mention (the same spaCy parse, canonical names) nearest to it outside quotations.

``benchmarks/data/quantities_en.yaml``: sentences with their gold quantities (value, unit,
object). A gold quantity is right when one extracted quantity has that value (to 1e-6
relative), unit and object; an extracted quantity matching no gold one with the same text
start is a *wrong value* (worse than none, counted apart).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

from newsflow.models import Article

DATA = Path(__file__).resolve().parent / "data"


def _load(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ValueError(f"{DATA / name}: expected a mapping with a list 'items'")
    return items


def _article(text: str, language: str = "en") -> Article:
    return Article(id=uuid.uuid4().hex, url="https://bench.example/a", feed_url="", source="bench",
                   domain="bench.example", title="", text=text, fetched_at="", language=language)


def same_speaker(found: str | None, gold: str | list[str]) -> bool:
    """Whether ``found`` names the gold speaker (whole-word prefix or suffix counts; a list
    gives the forms a name may take, e.g. a Russian genitive)."""
    if not found:
        return False
    if isinstance(gold, list):
        return any(same_speaker(found, g) for g in gold)
    return found == gold or found.endswith(" " + gold) or found.startswith(gold + " ") \
        or gold.endswith(" " + found)


def quote_scores(name: str = "quotes_en.yaml", language: str | None = None) -> dict[str, Any]:
    """``{"quotes", "newsflow", "baseline", "misses", "backend"}``: counts of right speakers
    on the set ``name`` (only its items in ``language`` when given; an item's language
    defaults to English)."""
    from extractors import entities, quotes

    items = [i for i in _load(name) if language is None or i.get("language", "en") == language]
    articles = [_article(item["text"], item.get("language", "en")) for item in items]
    total = right = baseline = 0
    misses: list[str] = []
    backends: set[str] = set()
    found_by_item = quotes.extract_quotes(articles)
    for item, article, fields in zip(items, articles, found_by_item, strict=True):
        analysis = _analysis(article)
        backends.add(analysis.backend)
        mentions = entities.mentions(analysis)
        spans = quotes.find_quotes(item["text"])
        for gold in item["quotes"]:
            total += 1
            match = next((q for q in fields["quotes"] if q["text"].startswith(gold["starts"])), None)
            if match is not None and same_speaker(match["speaker"], gold["speaker"]):
                right += 1
            else:
                misses.append(f"{gold['starts']!r}: {match['speaker'] if match else 'not found'}"
                              f" (gold {gold['speaker']})")
            span = next((s for s in spans if s.text(item["text"]).startswith(gold["starts"])), None)
            if span is not None:
                persons = [m for m in mentions if m.label == "PERSON"
                           and not any(s.start <= m.start < s.end for s in spans)]
                nearest = min(persons, key=lambda m: min(abs(m.start - span.close_at),
                                                         abs(span.open_at - m.end)),
                              default=None)
                if nearest is not None and same_speaker(nearest.name, gold["speaker"]):
                    baseline += 1
    return {"quotes": total, "newsflow": right, "baseline": baseline, "misses": misses,
            "backend": ", ".join(sorted(backends))}


def _analysis(article: Article) -> Any:
    """The analysis the quotes extractor reads for ``article`` (nlp's, else its rules)."""
    from extractors import nlp

    analysis = nlp.analyses_for([article])[0]
    return analysis if analysis is not None else nlp.rule_analysis(article.text or "")


def quotes_section(_sizes: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The benchmark table: speaker accuracy of newsflow and the nearest-person baseline,
    English with the configured model and with the rule matcher, then each other language
    with what :mod:`extractors.nlp` gives it."""
    from extractors import nlp

    rows = []
    previous = nlp.configured_model()

    def row(s: dict[str, Any], what: str, goal: str) -> dict[str, Any]:
        share = s["newsflow"] / s["quotes"]
        return {"measure": f"quote speaker right ({s['quotes']} {what}, {s['backend']})",
                "newsflow": f"{share:.0%}", "nearest person": f"{s['baseline'] / s['quotes']:.0%}",
                "goal": goal, "met": ("yes" if share >= 0.9 else "NO") if goal != "–" else "–"}

    for model in (previous, "no-model:rules"):  # the configured model, then the rule matcher
        nlp.configure(model)
        rows.append(row(quote_scores(), "English quotes", "≥ 90%"))
    nlp.configure(previous)
    for language in ("de", "fr", "es", "it", "pt", "ru"):
        rows.append(row(quote_scores("quotes_multi.yaml", language), f"{language} quotes", "–"))
    return rows


def quantity_scores() -> dict[str, Any]:
    """``{"quantities", "right", "wrong_values", "misses"}`` on the English quantity set."""
    from extractors.quantities import extract_quantities

    total = right = wrong = 0
    misses: list[str] = []
    for item in _load("quantities_en.yaml"):
        found = extract_quantities(item["text"], "en")
        for gold in item["quantities"]:
            total += 1
            gold = {**gold, "value": float(gold["value"])}  # YAML reads 2.3e9 as a string
            here = [q for q in found if gold["text"] in q["text"]]
            ok = [q for q in here if abs(q["value"] - gold["value"]) <= 1e-6 * max(1.0, abs(gold["value"]))
                  and q["unit"] == gold["unit"] and q["object"] == gold["object"]]
            if ok:
                right += 1
                continue
            if any(abs(q["value"] - gold["value"]) > 1e-6 * max(1.0, abs(gold["value"]))
                   or q["unit"] != gold["unit"] for q in here):
                wrong += 1
            misses.append(f"{item['text']!r}: {[(q['value'], q['unit'], q['object']) for q in here]}"
                          f" (gold {gold['value']}, {gold['unit']}, {gold['object']})")
    return {"quantities": total, "right": right, "wrong_values": wrong, "misses": misses}


def quantities_section(_sizes: tuple[int, ...] = ()) -> list[dict[str, Any]]:
    """The benchmark table: quantities with value, unit and object right, and wrong values."""
    s = quantity_scores()
    return [
        {"measure": f"quantity value + unit + object right ({s['quantities']} English quantities)",
         "newsflow": f"{s['right'] / s['quantities']:.0%}", "goal": "≥ 95%",
         "met": "yes" if s["right"] >= 0.95 * s["quantities"] else "NO"},
        {"measure": "wrong value or unit given (worse than none)", "newsflow": str(s["wrong_values"]),
         "goal": "0", "met": "yes" if s["wrong_values"] == 0 else "NO"},
    ]
