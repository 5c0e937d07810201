"""Story threads across outlets: articles about one event, from several outlets, in different
words and languages, share a ``story_id``.

* :mod:`.evidence` — what two articles are compared by (embedding similarity, shared
  canonical names, title words, time gap) and the one rule that links them;
* :mod:`.threads` — the threads in the state store (:class:`StoryStore`), grown batch by
  batch and merged (:func:`assign_stories`), each decision recorded with its evidence;
* :mod:`.step` — the pipeline step after near-duplicate clustering: ``story_id`` on each
  document, and the indexed documents a merge moved rewritten.
"""

from newsflow.stories.evidence import Rule
from newsflow.stories.threads import Assignment, StoryItem, StoryStore, assign_stories, summarise

__all__ = ["Assignment", "Rule", "StoryItem", "StoryStore", "assign_stories", "summarise"]
