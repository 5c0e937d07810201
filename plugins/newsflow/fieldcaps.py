"""Length caps for text fields taken from feeds, the same as for fields taken from pages.

trafilatura cuts every metadata string of a page (title, author, description…) to
:data:`FIELD_MAX_CHARS` characters; a feed's fields get the same cap, so a 1 MB ``<title>``
in a feed entry never becomes a 1 MB document title (nor sits in the state store).
"""

from __future__ import annotations

FIELD_MAX_CHARS = 10_000
"""trafilatura's cap on a page's metadata strings (``Document.clean_and_trim``)."""
NAME_MAX_CHARS = 256
"""Cap on one author name or tag (longer ones are not names: they are dropped)."""
MAX_NAMES = 50
"""Most authors or tags kept from one entry."""


def cap_text(value: str | None, limit: int = FIELD_MAX_CHARS) -> str | None:
    """``value`` cut to ``limit`` characters (the last one an ellipsis), None when empty."""
    if not value:
        return None
    return value if len(value) <= limit else value[: limit - 1] + "…"


def cap_names(values: tuple[str, ...]) -> tuple[str, ...]:
    """At most :data:`MAX_NAMES` names, each at most :data:`NAME_MAX_CHARS` long."""
    return tuple(v for v in values if len(v) <= NAME_MAX_CHARS)[:MAX_NAMES]
