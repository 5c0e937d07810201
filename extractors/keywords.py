"""``keywords``: YAKE key phrases of title + text, best first.

YAKE is unsupervised and per document; its stop-word list follows the article's language
(after the ``language`` extractor), falling back to English when YAKE has no list for it.
Scripts YAKE cannot segment (written without spaces: Chinese, Japanese, Thai …) get no
keywords rather than whole clauses. One YAKE extractor is built per language and reused.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path
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

_extractors: dict[str, Any] = {}
_lock = threading.Lock()
_SPACE = re.compile(r"\s+")


@cache
def yake_languages() -> frozenset[str]:
    """Languages YAKE ships a stop-word list for (empty if the layout is unknown)."""
    import yake

    root = Path(yake.__file__).parent
    return frozenset(p.stem.removeprefix("stopwords_") for p in root.rglob("stopwords_*.txt")) - {
        "noLang"
    }


def yake_language(language: str | None) -> str:
    """YAKE's ``lan`` for an article language (its primary subtag), else English."""
    code = normalize_language(language) or ""
    known = yake_languages()
    if code and (code in known or not known):
        return code
    return FALLBACK_LANGUAGE


def _extractor(lan: str) -> Any:
    with _lock:
        extractor = _extractors.get(lan)
        if extractor is None:
            import yake

            # ask for extra candidates: case-insensitive duplicates are dropped afterwards
            extractor = yake.KeywordExtractor(lan=lan, n=MAX_NGRAM, top=TOP * 2)
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
        scored = extractor.extract_keywords(text[:MAX_CHARS])
    out: list[str] = []
    seen: set[str] = set()
    for phrase, _score in sorted(scored, key=lambda item: item[1]):  # lower = better
        phrase = _SPACE.sub(" ", str(phrase)).strip()
        key = phrase.casefold()
        if phrase and key not in seen:
            seen.add(key)
            out.append(phrase)
        if len(out) >= top:
            break
    return out


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
        version="1",
        fields=("keywords",),
        run=per_article(extract_keywords),
        description=f"Top {TOP} YAKE key phrases (up to {MAX_NGRAM} words), language-aware.",
        requires=("language",),
    )
)
