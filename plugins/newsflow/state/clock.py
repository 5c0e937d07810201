"""Time in the state store: one stored form, one Python form, and the conversion between them.

- **Stored**: UTC seconds since the Unix epoch, a float (SQLite ``REAL``). Sub-second, so a
  one-second lease is kept exactly; compared as numbers, so no string format has to stay
  fixed-width for ``<`` to mean "earlier". Read it in the ``sqlite3`` shell with
  ``datetime(col, 'unixepoch')``.
- **Python API**: ISO 8601 in UTC with a ``Z``, whole seconds (:func:`newsflow.models.iso`,
  the date format of documents, the CLI and its JSON), in every record the store returns;
  durations are given in seconds.

Only this module converts between the two.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from newsflow.models import iso

Stamp = float
"""A stored time: UTC seconds since the Unix epoch."""


def now() -> Stamp:
    """The current time, stored form."""
    return time.time()


def to_iso(stamp: Stamp | None) -> str | None:
    """A stored time as the API shows it (``2026-01-31T12:00:05Z``; None stays None)."""
    if stamp is None:
        return None
    return iso(datetime.fromtimestamp(stamp, UTC))


def from_iso(text: str) -> Stamp:
    """An ISO 8601 time (``Z`` or an offset; none means UTC) in stored form.

    Raises ``ValueError`` for a string that is not ISO 8601.
    """
    parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def stored(value: str | float | int | None) -> Stamp | None:
    """Any time a state file has held (ISO text before schema version 4, or a number) in stored form."""
    if value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return float(value)
    return from_iso(value)


def seconds_until(when: str | None) -> float | None:
    """Seconds from now until the API time ``when`` (negative when past; None stays None)."""
    if not when:
        return None
    return from_iso(when) - now()
