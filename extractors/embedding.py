"""``embedding``: a dense vector of the article's title and lead, for semantic search.

What is embedded is the title and the first :data:`LEAD_CHARS` characters of the text (cut at
a word boundary): the lead says what the story is about, in any of the model's languages.
The model is :mod:`newsflow.semantic` (multilingual-e5-small, 384 dimensions, unit length).

Fields:

* ``embedding``: the vector as a list of :data:`~newsflow.semantic.DIMS` floats rounded to
  :data:`DECIMALS` places (``None`` for an article with neither title nor text);
* ``embedding_key``: 16 hex digits of SHA-256 over the model, this extractor's version and the
  embedded text. A re-run (``newsflow reprocess``) on an article whose key is unchanged keeps
  its vector and embeds nothing.

Without the ``semantic`` extra the extractor keeps whatever vector the article already has
(``None`` for a new one) and logs once that semantic search needs the extra: ingestion goes on,
keyword search is unchanged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from extractors.base import Extractor, Fields, bounded_text, bounded_title
from extractors.registry import register
from newsflow import semantic
from newsflow.models import Article

VERSION = "1"
LEAD_CHARS = 300
"""Characters of the text embedded after the title (≈ the first paragraph or two)."""
DECIMALS = 5
"""Places each component is rounded to: the stored JSON stays about 3 KB per vector, and the
cosine similarities move by less than 1e-4."""
FIELDS = ("embedding", "embedding_key")

log = logging.getLogger(__name__)
_warned: list[bool] = []


def passage(article: Article) -> str:
    """The text embedded for ``article``: its title, a newline, the lead of its text."""
    title = " ".join(bounded_title(article).split())
    text = " ".join(bounded_text(article)[: LEAD_CHARS * 2].split())
    if len(text) > LEAD_CHARS:
        cut = text.rfind(" ", 0, LEAD_CHARS)
        text = text[: cut if cut > 0 else LEAD_CHARS]
    return f"{title}\n{text}".strip()


def key_of(text: str) -> str:
    """The ``embedding_key`` of an embedded text (model, version and text)."""
    raw = f"{semantic.MODEL}\0{VERSION}\0{text}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def embed_articles(articles: Sequence[Article]) -> list[Fields]:
    """The fields for each article; only articles whose key changed reach the model."""
    texts = [passage(a) for a in articles]
    keys = [key_of(t) for t in texts]
    out: list[Fields] = []
    todo: list[int] = []
    for i, (article, text, key) in enumerate(zip(articles, texts, keys, strict=True)):
        known = article.enrichments.get("embedding")
        if not text:
            out.append({"embedding": None, "embedding_key": None})
        elif known is not None and article.enrichments.get("embedding_key") == key:
            out.append({"embedding": known, "embedding_key": key})
        else:
            out.append({})
            todo.append(i)
    if not todo:
        return out
    try:
        vectors = semantic.embed_passages([texts[i] for i in todo])
    except semantic.SemanticUnavailable as exc:
        if not _warned:
            log.warning("embedding: %s; articles are indexed without vectors", exc)
            _warned.append(True)
        for i in todo:
            e = articles[i].enrichments
            out[i] = {"embedding": e.get("embedding"), "embedding_key": e.get("embedding_key")}
        return out
    for i, vector in zip(todo, vectors, strict=True):
        out[i] = {"embedding": [round(float(x), DECIMALS) for x in vector], "embedding_key": keys[i]}
    return out


EMBEDDING = register(Extractor(
    "embedding", VERSION, FIELDS, embed_articles,
    description=f"{semantic.MODEL} vector ({semantic.DIMS} dims) of the title and lead, "
                "for semantic and hybrid search"))
