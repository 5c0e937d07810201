"""``keywords``: YAKE key phrases of title + text, best first.

YAKE is unsupervised and per document; its stop-word list follows the article's language
(after the ``language`` extractor), falling back to English when YAKE has no list for it.
Scripts YAKE cannot segment (written without spaces: Chinese, Japanese, Thai …) get no
keywords rather than whole clauses. One YAKE extractor is built per language and reused.

YAKE runs as ``yake-rust`` (the same algorithm and stop-word lists as the Python ``yake``
package, compiled): on the demo corpus it returns the same top ten phrases for 99% of them
in a sixth of the CPU time (``benchmarks/README.md``, issue 13 §6).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from extractors.base import Extractor, Fields, per_article
from extractors.registry import register
from newsflow.langtags import normalize_language
from newsflow.models import Article

TOP = 10
MAX_NGRAM = 3
MAX_CHARS = 50_000
"""YAKE's cost grows with the text; the start of a long article holds its key phrases."""
FALLBACK_LANGUAGE = "en"
UNSEGMENTED = frozenset({"ja", "zh", "yue", "wuu", "th", "lo", "km", "my", "bo", "dz"})
YAKE_LANGUAGES = frozenset({
    "ar", "bg", "br", "cz", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "hi", "hr", "hu", "hy",
    "id", "it", "ja", "lt", "lv", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "tr", "uk", "zh",
})
"""The stop-word lists ``yake-rust`` ships, by YAKE's names (read off version 1.2.1). Any
other name makes its constructor panic, so only these are ever passed."""
_YAKE_NAMES = {"cs": "cz", "nb": "no", "nn": "no"}
"""BCP 47 primary subtags YAKE names otherwise."""

_extractors: dict[str, Any] = {}
_lock = threading.Lock()
_SPACE = re.compile(r"\s+")


def yake_language(language: str | None) -> str:
    """YAKE's language name for an article language (its primary subtag), else English."""
    code = normalize_language(language) or ""
    code = _YAKE_NAMES.get(code, code)
    return code if code in YAKE_LANGUAGES else FALLBACK_LANGUAGE


def _extractor(lan: str) -> Any:
    with _lock:
        extractor = _extractors.get(lan)
        if extractor is None:
            import yake_rust

            extractor = yake_rust.Yake(language=lan, ngrams=MAX_NGRAM)
            _extractors[lan] = extractor
        return extractor


def key_phrases(text: str, language: str | None = None, top: int = TOP) -> list[str]:
    """Up to ``top`` key phrases of ``text``, best first, deduplicated case-insensitively."""
    text = text.strip()
    primary = normalize_language(language) or ""
    if not text or primary in UNSEGMENTED:
        return []
    lan = yake_language(language)
    extractor = _extractor(lan)
    with _lock:  # a YAKE extractor keeps per-call state; one call at a time
        # ask for extra candidates: case-insensitive duplicates are dropped below
        scored = extractor.get_n_best(text[:MAX_CHARS], n=top * 3)
    out: list[str] = []
    seen: set[str] = set()
    for phrase, _score in sorted(scored, key=_rank):
        phrase = _SPACE.sub(" ", str(phrase)).strip()
        key = phrase.casefold()
        if phrase and key not in seen:
            seen.add(key)
            out.append(phrase)
        if len(out) >= top:
            break
    return out


def _rank(item: tuple[str, float]) -> tuple[float, str, str]:
    """Sort key of a scored phrase, lower = better. yake-rust sums in hash order, which
    changes from process to process: equal scores come back in any order and differ in their
    last bits, so scores count to 9 significant digits and ties go alphabetically."""
    phrase, score = item
    return float(f"{score:.9g}"), str(phrase).casefold(), str(phrase)


def extract_keywords(article: Article) -> Fields:
    """Key phrases of the article's title and text."""
    if not (article.text or "").strip():
        return {"keywords": []}
    title = (article.title or "").strip()
    text = (
        f"{title}.\n{article.text}" if title and title[-1].isalnum() else f"{title}\n{article.text}"
    )
    return {"keywords": key_phrases(text, article.language)}


KEYWORDS = register(
    Extractor(
        name="keywords",
        version="2",
        fields=("keywords",),
        run=per_article(extract_keywords),
        description=f"Top {TOP} YAKE key phrases (up to {MAX_NGRAM} words), language-aware.",
        requires=("language",),
    )
)
