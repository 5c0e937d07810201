"""A synthetic, seeded corpus of news-like documents for index benchmarks at 100k and more.

Nothing here comes from a real page. Each language has its own made-up vocabulary (Latin or
Cyrillic syllables), whose words are drawn with a Zipf–Mandelbrot law, so a few words are in
most articles and most words in few, as in real text; texts are ~400 words (log-normal, 80 to
3,000), titles 6–12 words. Each outlet (domain) writes in one language; persons,
organisations, places, countries and topics come from pools drawn with a Zipf law too (a few
names in the news every day, a long tail), and the persons and places also appear in the
text. Dates are spread over one year (2025). ``embedding`` is a random unit vector of
:data:`newsflow.semantic.DIMS` dimensions: embedding 100k articles would take hours on this
machine, and an exact scan costs the same whatever the vectors hold.

Same seed, same documents: document ``i`` depends only on the seed and its batch, so the
first 10k documents of a 100k corpus are the 10k corpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from newsflow.models import Document
from newsflow.semantic import DIMS

SEED = 16
BATCH = 1000
"""Documents generated per random stream (document ``i`` is in batch ``i // BATCH``)."""
VOCABULARY = 20_000
"""Words per language."""
LANGUAGES: dict[str, tuple[float, str]] = {
    # language: (share of outlets, syllable alphabet)
    "en": (0.30, "latin"), "de": (0.14, "latin"), "fr": (0.12, "latin"), "es": (0.10, "latin"),
    "ru": (0.10, "cyrillic"), "uk": (0.09, "cyrillic"), "it": (0.08, "latin"), "pt": (0.07, "latin"),
}
TOPICS = ("politics", "economy", "conflict", "crime", "health", "science", "technology",
          "environment", "sport", "culture", "education", "religion", "labour", "disaster",
          "lifestyle", "weather", "human interest")
_CONSONANTS = {"latin": ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "sh", "st", "tr"],
               "cyrillic": ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "х", "ц", "ч", "ш"]}
_VOWELS = {"latin": ["a", "e", "i", "o", "u", "ia", "ou", "ei"], "cyrillic": ["а", "е", "и", "о", "у", "я", "ю", "ы"]}
YEAR_START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
YEAR_SECONDS = 365 * 86400


def zipf_weights(n: int, s: float = 1.0, q: float = 2.7) -> np.ndarray:
    """Zipf–Mandelbrot probabilities of ranks 1..n: ``1 / (rank + q) ** s``, normalised."""
    weights = 1.0 / (np.arange(1, n + 1) + q) ** s
    return weights / weights.sum()


def _words(rng: np.random.Generator, alphabet: str, n: int, *, capital: bool = False) -> list[str]:
    """``n`` distinct made-up words; the earlier (more frequent) ones are shorter."""
    cons, vows = _CONSONANTS[alphabet], _VOWELS[alphabet]
    out: dict[str, None] = {}
    while len(out) < n:
        rank = len(out)
        syllables = 1 + min(3, int(rng.integers(0, 2 + 4 * rank // n)))
        c = rng.integers(0, len(cons), syllables + 1)
        v = rng.integers(0, len(vows), syllables)
        word = "".join(cons[c[k]] + vows[v[k]] for k in range(syllables))
        if rng.random() < 0.4:
            word += cons[c[-1]]
        out[word.capitalize() if capital else word] = None
    return list(out)


@dataclass(frozen=True)
class Pools:
    """Everything documents are drawn from (built once per seed, ≈1 s)."""

    vocab: dict[str, list[str]]
    """Language → words, most frequent first."""
    domains: list[tuple[str, str]]
    """(domain, language), most prolific outlet first."""
    persons: list[str]
    organizations: list[str]
    places: list[str]
    countries: list[str]


def pools(seed: int = SEED) -> Pools:
    rng = np.random.default_rng([seed, 0])
    vocab = {lang: _words(rng, alphabet, VOCABULARY) for lang, (_, alphabet) in LANGUAGES.items()}
    langs = list(LANGUAGES)
    shares = np.array([share for share, _ in LANGUAGES.values()])
    names = _words(rng, "latin", 6000, capital=True)
    domains = [(f"{name.lower()}-news.example", str(rng.choice(langs, p=shares / shares.sum())))
               for name in names[:400]]
    persons = [f"{a} {b}" for a, b in zip(names[400:3400], names[3000:6000][::-1], strict=True)]
    organizations = [f"{w} {suffix}" for w, suffix in zip(
        names[1000:3000], ["Group", "Party", "Ministry", "Council", "Bank", "Union"] * 400, strict=False)]
    places = _words(rng, "latin", 3000, capital=True)
    countries = sorted({(a[0] + b[0]).upper() for a, b in zip(names[:400], names[400:800], strict=True)})[:80]
    return Pools(vocab, domains, persons, organizations, places, countries)


def _draw(rng: np.random.Generator, cdf: np.ndarray, k: int) -> np.ndarray:
    """``k`` ranks (from 0) drawn by the cumulative distribution ``cdf``."""
    return np.minimum(np.searchsorted(cdf, rng.random(k)), len(cdf) - 1)


def _pick(rng: np.random.Generator, pool: list[str], cdf: np.ndarray, k: int) -> list[str]:
    """``k`` distinct values of ``pool`` drawn by ``cdf`` (fewer if the draws repeat)."""
    return list(dict.fromkeys(pool[i] for i in _draw(rng, cdf, k)))


class _Weights:
    """The cumulative Zipf distribution of each pool (computed once per corpus)."""

    def __init__(self, p: Pools) -> None:
        self.words = np.cumsum(zipf_weights(VOCABULARY))
        self.title = np.cumsum(zipf_weights(VOCABULARY - 100))  # titles skip the 100 commonest words
        self.domains = np.cumsum(zipf_weights(len(p.domains), 0.9))
        self.persons = np.cumsum(zipf_weights(len(p.persons), 1.1))
        self.organizations = np.cumsum(zipf_weights(len(p.organizations), 1.1))
        self.places = np.cumsum(zipf_weights(len(p.places), 1.0))
        self.countries = np.cumsum(zipf_weights(len(p.countries), 1.2))
        self.topics = np.cumsum(zipf_weights(len(TOPICS), 0.8, 1.0))
        self.authors = np.cumsum(zipf_weights(1000))


def _text(rng: np.random.Generator, words: list[str], w: _Weights, mentions: list[str]) -> str:
    """Paragraphs of sentences of 8–25 words, with each name of ``mentions`` in one sentence."""
    length = int(np.clip(rng.lognormal(6.0, 0.5), 80, 3000))
    tokens = [words[i] for i in _draw(rng, w.words, length)]
    sentences: list[str] = []
    start = 0
    while start < length:
        end = start + int(rng.integers(8, 26))
        sentence = tokens[start:end]
        sentences.append(" ".join([sentence[0].capitalize(), *sentence[1:]]) + ".")
        start = end
    for name in mentions:
        at = int(rng.integers(0, len(sentences)))
        sentences[at] = f"{name} {sentences[at][0].lower()}{sentences[at][1:]}"
    paragraphs = [" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
    return "\n\n".join(paragraphs)


def _document(i: int, rng: np.random.Generator, p: Pools, w: _Weights, vector: np.ndarray) -> Document:
    domain, language = p.domains[int(_draw(rng, w.domains, 1)[0])]
    words = p.vocab[language]
    persons = _pick(rng, p.persons, w.persons, int(rng.poisson(2.0)))
    places = _pick(rng, p.places, w.places, 1 + int(rng.poisson(1.2)))
    title_words = [words[100 + j] for j in _draw(rng, w.title, int(rng.integers(6, 13)))]
    title = " ".join(title_words).capitalize()
    published = YEAR_START + dt.timedelta(seconds=int(rng.integers(0, YEAR_SECONDS)))
    stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    doc_id = f"syn{i:08d}"
    return {
        "id": doc_id, "url": f"https://{domain}/{published:%Y/%m/%d}/{doc_id}",
        "feed_url": f"https://{domain}/feed.xml", "source": domain.split(".")[0], "domain": domain,
        "language": language, "title": title,
        "text": _text(rng, words, w, [*persons, *places]),
        "authors": _pick(rng, p.persons[-1000:], w.authors, int(rng.integers(0, 3))),
        "published_at": stamp, "published_day": stamp[:10], "fetched_at": stamp,
        "persons": persons,
        "organizations": _pick(rng, p.organizations, w.organizations, int(rng.poisson(1.5))),
        "places": places,
        "countries": _pick(rng, p.countries, w.countries, 1 + int(rng.poisson(0.5))),
        "topics": _pick(rng, list(TOPICS), w.topics, 1 + int(rng.integers(0, 3))),
        "paywalled": bool(rng.random() < 0.1), "cluster_id": doc_id,
        "embedding": vector.tolist(),
    }


def documents(n: int, seed: int = SEED, start: int = 0, p: Pools | None = None) -> Iterator[Document]:
    """Documents ``start`` … ``n - 1`` of the corpus of ``seed`` (streamed a batch at a time)."""
    p = p or pools(seed)
    w = _Weights(p)
    for batch in range(start // BATCH, (n + BATCH - 1) // BATCH):
        rng = np.random.default_rng([seed, 1, batch])
        vectors = rng.standard_normal((BATCH, DIMS)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        for j in range(BATCH):
            i = batch * BATCH + j
            doc = _document(i, rng, p, w, vectors[j])
            if start <= i < n:
                yield doc
