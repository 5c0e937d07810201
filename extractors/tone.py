"""``tone``: how positive or negative the article reads, from −10 to +10.

VADER (``vaderSentiment`` on PyPI: a lexicon of ~7,500 rated English words with rules for
negation, intensifiers, "but" and capitals) scores each sentence of title + text
(:func:`extractors.text.split_sentences`) with its ``compound`` in −1..+1; ``tone`` is the
mean over sentences × 10, rounded to 2 decimals: the scale of GDELT's average tone, where
hard news usually sits between −5 and +2 (strikes, deaths, disasters are negative; a
record, a win, a recovery positive). Sentences VADER finds neutral count as 0, so a long
factual article is pulled towards 0, as GDELT's tone is.

VADER's lexicon was built from social-media text and misses the vocabulary hard news
carries its negativity in (it has "attack" and "killed" but not "missiles", "shelling",
"blackouts", "casualties", "flooding"), so a report of a night of missile strikes scored
about neutral. :data:`NEWS_LEXICON` adds ~60 such news words to VADER's lexicon, rated on
VADER's own −4..+4 scale, conservatively (weapons −1, harm to people −2 to −3); VADER's own
ratings are left as they are.

VADER is English only: an article whose language (after the ``language`` extractor) is not
English gets ``None`` rather than a score of its words read as English. An article with no
language at all is scored (the language extractor sets one whenever there is text).

``None`` means *not measured*, never neutral. No multilingual lexicon or model on the
package registries fits (checked for de, fr, es, it, pt, ru, by their PyPI descriptions):
``vader-multi`` translates every text through an online service; ``polyglot``/``polyglot3``
download their per-language polarity lexicons from their own server, not a registry;
``germansentiment``, ``feel-it`` (Italian), ``pysentimiento`` (Spanish, Italian, Portuguese)
and ``dostoevsky`` (Russian) are one-language classifiers of social-media or review text,
most on PyTorch (several GB); ``textblob-de``/``textblob-fr`` are unmaintained (2019/2013)
product-review lexicons. A score from any of them would not be the same measure as the
English one, so other languages stay without tone rather than with a different one.
"""

from __future__ import annotations

import threading
from typing import Any

from extractors.base import Fields
from extractors.registry import register_per_article
from extractors.text import split_sentences
from newsflow.langtags import normalize_language
from newsflow.models import Article

VERSION = "1"
MAX_CHARS = 50_000

NEWS_LEXICON: dict[str, float] = {
    # armed conflict
    "missile": -1.0, "missiles": -1.0, "drone": -0.5, "drones": -0.5, "airstrike": -2.0,
    "airstrikes": -2.0, "shelling": -2.3, "bombardment": -2.5, "bombardments": -2.5,
    "barrage": -1.5, "invasion": -2.3, "invaded": -2.3, "occupation": -1.2, "escalation": -1.5,
    "casualties": -2.5, "wounded": -2.3, "hostages": -2.5, "wartime": -1.5, "frontline": -1.0,
    "shell": -1.0, "shells": -1.0, "explosion": -2.0, "explosions": -2.0, "blast": -1.8,
    "blasts": -1.8, "detained": -1.5, "displaced": -1.8, "evacuated": -1.5, "evacuation": -1.2,
    "deaths": -2.9, "fatalities": -2.9, "heaviest": -0.8, "meaningless": -1.8,
    # disasters, outages, hardship
    "blackout": -1.5, "blackouts": -1.5, "outage": -1.2, "outages": -1.2, "flooding": -2.0,
    "flood": -2.0, "floods": -2.0, "flooded": -2.0, "drought": -2.0, "famine": -3.0,
    "earthquake": -2.5, "hurricane": -2.0, "wildfire": -2.0, "wildfires": -2.0,
    "landslide": -2.0, "derailed": -2.0, "storm": -1.0, "storms": -1.0, "blizzard": -1.2,
    "shortage": -1.5, "shortages": -1.5, "recession": -2.0, "layoffs": -2.0, "bankruptcy": -2.3,
    "outbreak": -1.8, "epidemic": -2.3, "pandemic": -2.3, "infections": -1.5,
    "disrupted": -1.5, "disruption": -1.5, "disruptions": -1.5, "stranded": -1.8,
    "cancelled": -1.0, "canceled": -1.0, "collapsed": -2.0, "damage": -1.9,
}
"""News words VADER lacks, on its −4..+4 scale (see the module docstring)."""

_analyzer: Any = None
_lock = threading.Lock()


def _vader() -> Any:
    global _analyzer
    with _lock:
        if _analyzer is None:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            _analyzer = SentimentIntensityAnalyzer()
            for word, valence in NEWS_LEXICON.items():
                _analyzer.lexicon.setdefault(word, valence)
        return _analyzer


def tone_of(text: str) -> float | None:
    """The tone (−10..+10) of English ``text``; ``None`` when it has no sentence."""
    sentences = [s for _, s in split_sentences(text[:MAX_CHARS])]
    if not sentences:
        return None
    analyzer = _vader()
    total = sum(float(analyzer.polarity_scores(s)["compound"]) for s in sentences)
    return round(10.0 * total / len(sentences), 2)


def is_english(language: str | None) -> bool:
    code = normalize_language(language) or ""
    return code in {"", "en"}


def extract_tone(article: Article) -> Fields:
    if not is_english(article.language):
        return {"tone": None}
    title = (article.title or "").strip()
    if title and title[-1].isalnum():
        title += "."
    return {"tone": tone_of(f"{title}\n{article.text or ''}")}


TONE = register_per_article(
    extract_tone, name="tone", version=VERSION, fields=("tone",), requires=("language",),
    description="VADER sentence tone averaged ×10 (−10..+10), English only.")
