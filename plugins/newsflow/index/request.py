"""A :class:`~newsflow.index.base.SearchQuery` from the words a person gives: the options of
``newsflow search`` and the parameters of the web API's ``/api/search`` are read here, once,
so both accept the same values and say the same thing about a wrong one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from newsflow.errors import QueryError
from newsflow.index.base import FACET_FIELDS, SearchQuery

SORTS = ("relevance", "date")
INTERVALS = ("day", "week", "month", "year")


def parse_filters(pairs: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``FIELD=VALUE`` strings → :attr:`SearchQuery.filters` (values of one field ORed)."""
    filters: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise QueryError(f"filter {pair!r}: expected FIELD=VALUE, FIELD one of {', '.join(FACET_FIELDS)}")
        filters.setdefault(key.strip(), []).append(value.strip())
    return {k: tuple(v) for k, v in filters.items()}


def parse_near(value: str | None) -> tuple[float, float, float] | None:
    """``LAT,LON,KM`` → :attr:`SearchQuery.near` (the backend checks the ranges)."""
    if value is None or not value.strip():
        return None
    try:
        lat, lon, km = (float(part) for part in value.split(","))
    except ValueError as exc:
        raise QueryError(f"near {value!r}: expected LAT,LON,KM, e.g. 50.45,30.52,100") from exc
    return lat, lon, km


def utc(value: datetime | None) -> datetime | None:
    """A date as given, read as UTC when it carries no zone."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def search_request(text: str = "", *, filters: Sequence[str] = (), facets: Sequence[str] = (),
                   since: datetime | None = None, until: datetime | None = None,
                   sort: str = "relevance", size: int = 10, page: int = 1,
                   cursor: str | None = None, histogram: str | None = None,
                   near: str | None = None, mode: str = "keyword") -> SearchQuery:
    """The query these options describe; :class:`QueryError` saying what is accepted for a
    sort, histogram, filter or point it cannot be (fields, modes and the rest the backend
    checks when it runs the query)."""
    if sort not in SORTS:
        raise QueryError(f"sort must be {' or '.join(SORTS)}, not {sort!r}")
    if histogram is not None and histogram not in INTERVALS:
        raise QueryError(f"histogram must be {', '.join(INTERVALS)}, not {histogram!r}")
    if size < 0:
        raise QueryError("size must not be negative")
    return SearchQuery(
        text=text,
        filters=parse_filters(filters),
        since=utc(since),
        until=utc(until),
        facets=tuple(facets),
        sort=sort,  # type: ignore[arg-type]  # checked above
        size=size,
        offset=(max(page, 1) - 1) * size,
        search_after=cursor or None,
        histogram=histogram,  # type: ignore[arg-type]  # checked above
        near=parse_near(near),
        mode=mode,  # type: ignore[arg-type]  # checked by the backend (fusion.check_mode)
    )
