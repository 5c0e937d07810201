"""``reading``: word count and reading time.

Words are runs of letters/digits (Unicode-aware, joined by apostrophes, hyphens or a
decimal point: ``don't``, ``well-known``, ``3.5`` are one word each). Scripts written
without spaces (Chinese, Japanese kana and kanji) count one word per character, as word
processors do. Reading time assumes :data:`WORDS_PER_MINUTE`.
"""

from __future__ import annotations

import re

from extractors.base import Fields
from extractors.registry import register_per_article
from newsflow.models import Article

WORDS_PER_MINUTE = 230

_CJK = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]"
)
_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")


def count_words(text: str) -> int:
    """Number of words in ``text`` (each CJK character counts as one)."""
    cjk = len(_CJK.findall(text))
    rest = _CJK.sub(" ", text) if cjk else text
    return cjk + len(_WORD.findall(rest))


def reading_time(words: int, wpm: int = WORDS_PER_MINUTE) -> float:
    """Minutes to read ``words``, one decimal; at least 0.1 when there is any text."""
    if words <= 0:
        return 0.0
    return max(0.1, round(words / wpm, 1))


def measure(article: Article) -> Fields:
    """Word count and reading time of the article's main text."""
    words = count_words(article.text or "")
    return {"word_count": words, "reading_time_min": reading_time(words)}


READING = register_per_article(
    measure, name="reading", version="1", fields=("word_count", "reading_time_min"),
    description=f"Word count and reading time at {WORDS_PER_MINUTE} words per minute.")
