"""The opaque ``search_after`` cursor of Elasticsearch searches: where a page ended.

A cursor is URL-safe base64 of ``{"s": sort, "v": sort values of the last hit, "n": hits
before it}``; it is only valid for the sort order it was made for.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

from newsflow.errors import QueryError


def encode_cursor(sort: str, values: Sequence[Any], seen: int = 0) -> str:
    """Opaque cursor: the sort values of the last hit and how many hits came before it."""
    raw = json.dumps({"s": sort, "v": list(values), "n": seen}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor_position(cursor: str, sort: str) -> tuple[list[Any], int]:
    """(sort values, hits before) of a cursor made by :func:`encode_cursor` for ``sort``.

    Raises :class:`QueryError` for a cursor that is malformed or of another sort order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values = data["v"]
        seen = int(data.get("n", 0))
        if data["s"] != sort or not isinstance(values, list):
            raise ValueError("cursor of another sort order")
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise QueryError(
            f"invalid search_after cursor ({exc}); use the next_cursor of a previous search "
            "with the same sort order"
        ) from exc
    return values, seen


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """The sort values of the last hit (see :func:`decode_cursor_position`)."""
    return decode_cursor_position(cursor, sort)[0]
