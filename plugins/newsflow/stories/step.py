"""The pipeline's story step: after near-duplicate clustering, each article of a batch gets
the ``story_id`` of its thread (:func:`assign_story_ids`), and the indexed documents of other
batches that a merge or split moved are rewritten (by :mod:`newsflow.pipeline.index_stage`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from newsflow.models import Article
from newsflow.stories.evidence import (
    Rule,
    epoch,
    fingerprint,
    mentions,
    names,
    title_words,
    vector_bytes,
)
from newsflow.stories.threads import StoryItem, assign_stories

if TYPE_CHECKING:
    from newsflow.config import Settings
    from newsflow.pipeline.context import RunContext

log = logging.getLogger(__name__)
_warned = False


def rule_of(settings: Settings) -> Rule:
    """The linking rule the settings ask for (``story_window_hours``, ``story_similarity``,
    ``story_min_similarity``, ``story_same_language_similarity``)."""
    return Rule(window_hours=settings.story_window_hours, similarity=settings.story_similarity,
                min_similarity=settings.story_min_similarity,
                same_language_similarity=settings.story_same_language_similarity)


def item_of(article: Article) -> StoryItem:
    """What the story rules compare an article by: its time (published, else the feed's, else
    fetched), its ``cluster_id`` (else its own id), domain, language, title words, canonical
    names, embedding (None without the ``embedding`` extractor's vector) and the capitalised
    word runs of its title and lead (:func:`~newsflow.stories.evidence.mentions`)."""
    e = article.enrichments
    seen = epoch(article.published_at) or epoch(article.feed_published_at) or epoch(article.fetched_at) or 0.0
    cluster_id = str(e.get("cluster_id") or article.id)
    entities, words, vector = names(e), title_words(article.title), vector_bytes(e.get("embedding"))
    runs = mentions(article.title, article.text)
    key = fingerprint(cluster_id, seen, article.domain, article.language, article.title, entities, words,
                      vector or b"", runs)
    return StoryItem(article.id, cluster_id, seen, article.domain, article.language, article.title, entities,
                     words, vector, key, runs)


def assign_story_ids(ctx: RunContext, articles: Sequence[Article]) -> dict[str, str]:
    """Set ``story_id`` on each of ``articles`` (their enrichments) and return the indexed
    documents of other batches whose thread changed (doc id → new ``story_id``). Its wall
    time counts as stage ``stories``. Articles without a vector are linked by names and title
    words only: said once per process in a warning."""
    if not articles:
        return {}
    with ctx.summary.timed("stories"):
        items = [item_of(a) for a in articles]
        _warn_without_vectors(sum(1 for i in items if i.vector is None), len(items))
        result = assign_stories(ctx.res.stories, items, rule_of(ctx.settings))
        by_id = {a.id: a for a in articles}
        moved = dict(result.moved)
        for doc_id, story_id in result.story_ids.items():
            if doc_id in by_id:
                by_id[doc_id].enrichments["story_id"] = story_id
            else:
                moved[doc_id] = story_id
        return moved


def _warn_without_vectors(missing: int, total: int) -> None:
    global _warned
    if missing and not _warned:
        _warned = True
        log.warning(
            "story threads: %d of %d articles have no embedding (the semantic extra is not installed, or the "
            "embedding extractor is not run): they are linked by shared names and title words only, which "
            "cannot see across languages", missing, total)
