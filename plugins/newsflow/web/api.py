"""The JSON API under ``/api``: the same answers as the CLI's ``--json`` (``newsflow search``,
``newsflow show``, ``newsflow stories``) with the same field names, plus entity timelines. Only GET routes: nothing
here writes to the index. Errors are ``{"detail": "…"}`` with a 4xx/5xx status (see
:mod:`newsflow.web.app`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from newsflow import timelines
from newsflow.index import IndexBackend
from newsflow.index.request import search_request
from newsflow.stories.listing import DEFAULT_LIMIT, DEFAULT_MIN_SIZE, listing
from newsflow.web import stories as story_source

router = APIRouter(prefix="/api", tags=["api"])

MAX_SIZE = 100
MAX_PAGE = 1000
MAX_THREADS = 1000
MAX_SIZE_ARTICLES = 1_000_000_000


def index_of(request: Request) -> Iterator[IndexBackend]:
    """The index for one request (opened per request: a SQLite connection is per thread)."""
    with closing(request.app.state.open_index()) as index:
        yield index


Index = Annotated[IndexBackend, Depends(index_of)]


class ErrorOut(BaseModel):
    """Why a request could not be answered."""

    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A query the index cannot run (the reason says what is accepted)"},
    500: {"model": ErrorOut, "description": "An unexpected error (the server log has the details)"},
    503: {"model": ErrorOut, "description": "The index, the embedding model or the state store is not available"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such document"}}


class FacetCount(BaseModel):
    value: str
    count: int


class Bucket(BaseModel):
    date: str
    count: int


class HitOut(BaseModel):
    id: str
    score: float
    highlights: dict[str, list[str]]
    document: dict[str, Any]


class SearchOut(BaseModel):
    """What ``newsflow search --json`` prints."""

    total: int
    hits: list[HitOut]
    facets: dict[str, list[FacetCount]]
    histogram: list[Bucket]
    next_cursor: str | None


class QuoteOut(BaseModel):
    text: str
    doc_id: str
    title: str
    published_at: str | None


class PlaceOut(BaseModel):
    name: str
    lat: float
    lon: float
    count: int


class TimelineOut(BaseModel):
    kind: str
    name: str
    total: int
    per_day: list[Bucket]
    co_occurring: dict[str, list[FacetCount]]
    quotes: list[QuoteOut]
    places: list[PlaceOut]


@router.get("/search", response_model=SearchOut, responses=ERRORS,
            summary="Search the index (as newsflow search --json)")
def search(
    index: Index,
    q: Annotated[str, Query(description='Words (ANDed), "phrases", OR, -excluded.')] = "",
    filter_: Annotated[list[str], Query(alias="filter", description="FIELD=VALUE (repeatable).")] = [],  # noqa: B006
    facet: Annotated[list[str], Query(description="Facet field (repeatable).")] = [],  # noqa: B006
    since: Annotated[datetime | None, Query(description="Published on/after (YYYY-MM-DD).")] = None,
    until: Annotated[datetime | None, Query(description="Published before (YYYY-MM-DD).")] = None,
    sort: Literal["relevance", "date"] = "relevance",
    size: Annotated[int, Query(ge=0, le=MAX_SIZE, description="Hits per page.")] = 10,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number (from 1).")] = 1,
    cursor: Annotated[str | None, Query(description="Continue after a previous page's next_cursor.")] = None,
    histogram: Literal["day", "week", "month", "year"] | None = None,
    near: Annotated[str | None, Query(description="LAT,LON,KM")] = None,
    mode: Literal["keyword", "semantic", "hybrid"] = "keyword",
) -> dict[str, Any]:
    request = search_request(q, filters=filter_, facets=facet, since=since, until=until, sort=sort,
                             size=size, page=page, cursor=cursor, histogram=histogram, near=near,
                             mode=mode)
    return index.search(request).as_dict()


@router.get("/documents/{doc_id}", responses={**ERRORS, **NOT_FOUND},
            summary="One document with its enrichments and provenance (as newsflow show --json)")
def document(doc_id: str, index: Index) -> dict[str, Any]:
    doc = index.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no document with id {doc_id!r}")
    return doc


@router.get("/entities/{kind}/{name:path}", response_model=TimelineOut,
            responses={**ERRORS, 404: {"model": ErrorOut, "description": "No such route (a name with a line break)"}},
            summary="An entity's timeline: mentions per day, co-occurring entities, quotes, places")
def entity(kind: Literal["person", "organization", "place"], name: str, index: Index) -> dict[str, Any]:
    return timelines.timeline(index, kind, name).as_dict()


class ThreadOut(BaseModel):
    """A story thread: ``first_seen``/``last_seen`` ISO 8601 UTC, ``outlets`` domains,
    ``entities`` its top names; filter the search by ``story_id=…`` for its articles."""

    story_id: str
    title: str
    first_seen: str
    last_seen: str
    size: int
    outlets: list[str]
    languages: list[str]
    entities: list[str]


class StoriesOut(BaseModel):
    """What ``newsflow stories --json`` prints."""

    threads: list[ThreadOut]


@router.get("/stories", response_model=StoriesOut, responses=ERRORS,
            summary="Story threads across outlets, latest first (as newsflow stories --json)")
def stories(
    request: Request,
    all_: Annotated[bool, Query(alias="all", description="Every thread, not only the active ones.")] = False,
    min_size: Annotated[int, Query(ge=1, le=MAX_SIZE_ARTICLES, description="Only threads of at least this many articles.")
                        ] = DEFAULT_MIN_SIZE,
    limit: Annotated[int, Query(ge=1, le=MAX_THREADS, description="At most this many threads.")] = DEFAULT_LIMIT,
) -> dict[str, Any]:
    return listing(story_source.listed(request.app.state.stories, all_=all_, min_size=min_size, limit=limit))
