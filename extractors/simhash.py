"""``simhash``: a 64-bit SimHash of the article text, for finding near-duplicates.

What is hashed is the article's *body*: its paragraphs (lines) of at least
``BODY_MIN_WORDS`` words, when they hold at least half of the text's words, else the
whole text. Not the title, nor the short blocks: syndicated copies of one wire story
differ exactly there, in the headline, the standfirst, the byline and the "distributed by
…" note, and those few lines would otherwise move a 64-bit SimHash by 6 to 10 bits (the two
syndicated pairs of the demo corpus), past any sensible near-duplicate threshold. The body
is normalised (Unicode NFKC, case-folded, every run of non-alphanumeric characters made
one space) and cut into
word 3-shingles ("russia hits fastiv", "hits fastiv rail", …; a text of fewer than three
words is one shingle). Each shingle is hashed to 64 bits (the first 8 bytes of BLAKE2b, so
the value is the same on every machine and Python run, unlike ``hash()``), and bit ``i`` of
the SimHash is set when more shingles (counting repeats) have bit ``i`` set than not.

Texts that share most of their shingles get SimHashes a few bits apart (a Hamming distance
≤ 3 is the usual near-duplicate threshold for 64 bits), unrelated texts about 32 bits apart.
The field is the SimHash as 16 lower-case hex digits (``None`` for an empty text);
:mod:`newsflow.clustering` groups articles by it into ``cluster_id``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter

import numpy as np

from extractors.base import Fields, bounded_text
from extractors.registry import register_per_article
from newsflow.models import Article

VERSION = "1"
BITS = 64
SHINGLE = 3
BODY_MIN_WORDS = 30

_NON_WORD = re.compile(r"[\W_]+")


def body(text: str) -> str:
    """The long paragraphs of ``text`` if they hold half its words, else ``text``."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    long = [p for p in paragraphs if len(p.split()) >= BODY_MIN_WORDS]
    if sum(len(p.split()) for p in long) * 2 >= sum(len(p.split()) for p in paragraphs):
        return "\n".join(long)
    return text


def normalize(text: str) -> list[str]:
    """The words of ``text`` after NFKC, case-folding and dropping punctuation."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split()


def shingles(words: list[str], size: int = SHINGLE) -> list[str]:
    if len(words) < size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def simhash(text: str) -> int | None:
    """The 64-bit SimHash of ``text``'s shingles, ``None`` when it has no words.

    ``text`` is hashed as given; :func:`extract_simhash` passes the article's :func:`body`.
    """
    counts = Counter(shingles(normalize(text)))
    if not counts:
        return None
    total = sum(counts.values())
    # per bit position (most significant first), how many shingles, with repeats, have that
    # bit set: the distinct shingles' 8-byte hashes as a matrix of bits, weighted by count
    # each distinct shingle's 8-byte BLAKE2b digest (its 64-bit hash, big-endian), in one comprehension
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(shingle.encode("utf-8"), digest_size=8).digest() for shingle in counts])
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8).reshape(len(counts), 8), axis=1)
    ones = np.fromiter(counts.values(), dtype=np.int64, count=len(counts)) @ bits.astype(np.int64)
    value = 0
    for bit in (2 * ones > total).tolist():
        value = (value << 1) | bit
    return value


def to_hex(value: int) -> str:
    return f"{value:016x}"


def from_hex(value: str) -> int:
    return int(value, 16)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def extract_simhash(article: Article) -> Fields:
    value = simhash(body(bounded_text(article)))
    return {"simhash": None if value is None else to_hex(value)}


SIMHASH = register_per_article(
    extract_simhash, name="simhash", version=VERSION, fields=("simhash",),
    description="64-bit SimHash over word 3-shingles of the normalised text (near-duplicates).")
