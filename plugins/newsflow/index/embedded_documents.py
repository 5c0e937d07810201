"""Documents on their way into and out of the embedded index: validated, hashed, and split into
the facet, point and vector rows the index keeps beside the JSON body.

Which fields become facet rows and point rows is the schema's
(:data:`~newsflow.schema.FACET_FIELDS`, :data:`~newsflow.schema.GEO_FIELD`), and the time
column holds :data:`~newsflow.schema.TIME_FIELD`; the vector row holds
:data:`~newsflow.schema.VECTOR_FIELD` as unit-length float32 bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from newsflow.index.base import reject_reason
from newsflow.models import Document, iso
from newsflow.schema import FACET_FIELDS, GEO_FIELD, TIME_FIELD, VECTOR, VECTOR_FIELD

DIMS: int = VECTOR["dims"]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated document ready to write."""

    id: str
    content: dict[str, Any]
    content_hash: str
    published_at: str | None
    """The time field, normalised by :func:`normalise_date` (the ``documents`` column)."""
    facets: list[tuple[str, str]]
    points: list[tuple[float, float]]
    vector: bytes | None
    """The embedding as :data:`DIMS` little-endian float32 of unit length, or ``None``."""


def normalise_date(value: Any) -> str | None:
    """The time field (``published_at``) as ISO 8601 UTC ``Z`` so string order is time order.

    Raises ``ValueError`` for a value that is present but not an ISO 8601 date.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"published_at must be an ISO 8601 string, not {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"published_at {value!r} is not an ISO 8601 date") from exc
    return iso(parsed)


def _facet_values(value: Any) -> list[str]:
    """The keyword values of one facet field: a string, or a list of strings (or ints); a
    boolean is ``true``/``false``, as Elasticsearch counts it."""
    if isinstance(value, bool):
        return ["true" if value else "false"]
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            continue
        text = str(item)
        if text and text not in out:
            out.append(text)
    return out


def _facet_rows(doc: Document) -> list[tuple[str, str]]:
    return [(f, v) for f in FACET_FIELDS for v in _facet_values(doc.get(f))]


def _points(value: Any) -> list[tuple[float, float]]:
    """Valid (lat, lon) pairs of a ``place_points`` value; anything malformed is skipped."""
    items = value if isinstance(value, list | tuple) else [value]
    out: list[tuple[float, float]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        lat, lon = item.get("lat"), item.get("lon")
        if isinstance(lat, bool) or isinstance(lon, bool) or not isinstance(lat, int | float) \
                or not isinstance(lon, int | float):
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) not in out:
            out.append((float(lat), float(lon)))
    return out


def vector_bytes(value: Any) -> bytes | None:
    """The embedding as unit-length little-endian float32 bytes (``None`` for no embedding).

    Raises ``ValueError`` for anything but a list of :data:`DIMS` finite numbers, not all zero
    (what Elasticsearch's ``dense_vector`` with cosine similarity refuses too).
    """
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != DIMS or not all(
            isinstance(x, int | float) and not isinstance(x, bool) for x in value):
        raise ValueError(f"{VECTOR_FIELD} must be a list of {DIMS} numbers")
    array = np.asarray(value, dtype="<f4")
    norm = float(np.linalg.norm(array))
    if not np.isfinite(norm) or norm == 0.0:
        raise ValueError(f"{VECTOR_FIELD} must be finite and not all zero")
    return (array / norm).astype("<f4").tobytes()


def _canonical_json(doc: Document) -> str:
    """Key-sorted compact JSON: equal documents give equal strings, hence equal hashes."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))


def prepare(doc: Any) -> Prepared | str:
    """Validate and hash one document; a string return value is the rejection reason."""
    reason = reject_reason(doc)
    if reason is not None:
        return reason
    content = {k: v for k, v in doc.items() if k != "indexed_at"}
    try:
        canonical = _canonical_json(content)
        published_at = normalise_date(content.get(TIME_FIELD))
        vector = vector_bytes(content.get(VECTOR_FIELD))
    except (TypeError, ValueError) as exc:
        return f"not indexable: {exc}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return Prepared(doc["id"], content, digest, published_at, _facet_rows(content),
                    _points(content.get(GEO_FIELD)), vector)


def loads(body: str) -> Document:
    """A stored JSON body as a document."""
    doc: Document = json.loads(body)
    return doc


def id_of(doc: Any) -> str:
    """The id to report for a refused document, whatever shape it has."""
    value = doc.get("id") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else ""
