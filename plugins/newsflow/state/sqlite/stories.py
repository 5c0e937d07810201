"""Story threads: the ``story_articles``, ``stories`` and ``story_decisions`` tables (SQLite).

Their methods are :mod:`newsflow.state.tables.stories`'; on SQLite the caller's
``BEGIN IMMEDIATE`` is the lock. Added in state schema version 9; ``story_articles.mentions``
in version 10.
"""

from __future__ import annotations

from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import stories as shared

ARTICLES = Table(
    "story_articles",
    """
    CREATE TABLE IF NOT EXISTS story_articles (
        doc_id TEXT PRIMARY KEY,
        story_id TEXT NOT NULL,
        cluster_id TEXT NOT NULL,
        seen_at REAL NOT NULL,
        domain TEXT NOT NULL,
        language TEXT,
        title TEXT NOT NULL,
        entities TEXT NOT NULL,
        words TEXT NOT NULL,
        vector BLOB,
        fingerprint TEXT NOT NULL,
        mentions TEXT NOT NULL DEFAULT '[]'
    )""",
    indexes=(
        "CREATE INDEX IF NOT EXISTS story_articles_seen ON story_articles (seen_at)",
        "CREATE INDEX IF NOT EXISTS story_articles_story ON story_articles (story_id)",
        "CREATE INDEX IF NOT EXISTS story_articles_cluster ON story_articles (cluster_id)",
    ),
    times=("seen_at",),
)
THREADS = Table(
    "stories",
    """
    CREATE TABLE IF NOT EXISTS stories (
        story_id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        size INTEGER NOT NULL,
        outlets TEXT NOT NULL,
        languages TEXT NOT NULL,
        entities TEXT NOT NULL,
        updated_at REAL NOT NULL
    )""",
    indexes=("CREATE INDEX IF NOT EXISTS stories_last_seen ON stories (last_seen)",),
    times=("first_seen", "last_seen", "updated_at"),
)
DECISIONS = Table(
    "story_decisions",
    """
    CREATE TABLE IF NOT EXISTS story_decisions (
        id INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL,
        story_id TEXT NOT NULL,
        action TEXT NOT NULL,
        evidence TEXT NOT NULL,
        decided_at REAL NOT NULL,
        UNIQUE (doc_id, story_id, action, decided_at)
    )""",
    indexes=("CREATE INDEX IF NOT EXISTS story_decisions_doc ON story_decisions (doc_id)",),
    times=("decided_at",),
)
TABLES = (ARTICLES, THREADS, DECISIONS)
ADD_MENTIONS = "ALTER TABLE story_articles ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]'"
"""Version 9 → 10: the mention runs; rows stored before have none (they link as before)."""


class Stories(shared.Stories, TableStore):
    """The story tables."""

    def lock(self) -> None:
        """Nothing to do: the caller's ``BEGIN IMMEDIATE`` already holds the file."""
