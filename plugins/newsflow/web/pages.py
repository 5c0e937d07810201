"""The server-rendered pages: search (``/``), an article (``/article/{id}``), an entity's
timeline (``/entity/{kind}/{name}``) and the story threads (``/stories``). Each page only
reads the index (and the state store's threads)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from newsflow import semantic, timelines
from newsflow.errors import QueryError
from newsflow.index import FACET_FIELDS
from newsflow.index.fusion import MODES
from newsflow.index.request import search_request
from newsflow.stories.listing import DEFAULT_LIMIT, DEFAULT_MIN_SIZE, listing
from newsflow.web import charts, links
from newsflow.web import stories as story_source
from newsflow.web.api import MAX_SIZE_ARTICLES, MAX_THREADS, Index

router = APIRouter(include_in_schema=False)

PAGE_FACETS: tuple[str, ...] = tuple(f for f in (
    "story_id", "source", "language", "persons", "organizations", "places", "topics", "domain")
    if f in FACET_FIELDS)
"""Facets the search page shows (story threads once the schema has ``story_id``)."""
LABELS = {"story_id": "Story", "source": "Source", "language": "Language", "persons": "People",
          "organizations": "Organisations", "places": "Places", "topics": "Topics",
          "domain": "Site"}
PAGE_SIZE = 10
SEMANTIC_HINT = f"Semantic and hybrid search need the semantic extra: {semantic.INSTALL_HINT}"

templates = Environment(loader=PackageLoader("newsflow.web", "templates"),
                        autoescape=select_autoescape(default=True, default_for_string=True))
templates.globals.update(entity_url=links.entity_url, article_url=links.article_url,
                         search_url=links.search_url, highlighted=links.highlighted,
                         world_path=charts.world_path, MAP_W=charts.MAP_W, MAP_H=charts.MAP_H,
                         HIST_W=charts.HIST_W, HIST_H=charts.HIST_H, LABELS=LABELS,
                         KIND_OF_FIELD=timelines.KIND_OF_FIELD,
                         STORIES="story_id" in FACET_FIELDS)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    body = templates.get_template(name).render(request=request, **context)
    return HTMLResponse(body, status_code=status)


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    index: Index,
    q: str = "",
    mode: str = "keyword",
    filter_: Annotated[list[str], Query(alias="filter")] = [],  # noqa: B006
    since: date | None = None,
    until: date | None = None,
    sort: str = "relevance",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
    interval: str = "day",
) -> HTMLResponse:
    semantic_ok = request.app.state.semantic_available
    if mode != "keyword" and mode in MODES and not semantic_ok:
        raise QueryError(SEMANTIC_HINT)
    query = search_request(q, filters=filter_, facets=PAGE_FACETS, since=_day(since),
                           until=_day(until), sort=sort, size=PAGE_SIZE, page=page,
                           histogram=interval, mode=mode)
    result = index.search(query)
    params = [(k, v) for k, v in request.query_params.multi_items() if v]
    shown_ids = [v for v, _ in result.facets.get("story_id", [])]
    shown_ids += [v.partition("=")[2] for k, v in params if k == "filter" and v.startswith("story_id=")]
    places = timelines.located(index, result.facets.get("places", []))

    def bar_link(bar: charts.Bar) -> str:
        kept = [(k, v) for k, v in params if k not in ("since", "until")]
        return links.search_url([*kept, ("since", bar.start), ("until", bar.end)])

    return render(
        request, "search.html", q=q, mode=mode, modes=MODES, semantic_ok=semantic_ok,
        semantic_hint=SEMANTIC_HINT, sort=sort, interval=interval, result=result,
        params=params, filters=[(k, v) for k, v in params if k == "filter"],
        since=since, until=until, page=page, page_size=PAGE_SIZE,
        threads=story_source.titles(request.app.state.stories, shown_ids),
        bars=charts.bars(result.histogram, interval), bar_link=bar_link,
        geo=charts.map_of([(p.name, p.lat, p.lon, p.count) for p in places]))


@router.get("/article/{doc_id}", response_class=HTMLResponse)
def article_page(request: Request, doc_id: str, index: Index) -> HTMLResponse:
    doc = index.get(doc_id)
    if doc is None:
        raise HTTPException(404, f"no document with id {doc_id!r}")
    points = [(loc["name"], loc["location"]["lat"], loc["location"]["lon"], 1)
              for loc in doc.get("locations") or []
              if isinstance(loc, dict) and isinstance(loc.get("location"), dict)]
    shown = {"id", "title", "text", "url", "embedding", "embedding_key", "extractors",
             "field_sources", "quotes", "locations", "place_points"}
    return render(request, "article.html", doc=doc, geo=charts.map_of(points),
                  other=sorted((k, v) for k, v in doc.items() if k not in shown and v not in (None, [], {}, "")))


@router.get("/entity/{kind}/{name:path}", response_class=HTMLResponse)
def entity_page(request: Request, kind: str, name: str, index: Index) -> HTMLResponse:
    line = timelines.timeline(index, kind, name)
    return render(request, "entity.html", line=line, field=timelines.field_of(kind),
                  bars=charts.bars(line.per_day, "day"),
                  geo=charts.map_of([(p.name, p.lat, p.lon, p.count) for p in line.places]))


@router.get("/stories", response_class=HTMLResponse)
def stories_page(
    request: Request,
    all_: Annotated[bool, Query(alias="all")] = False,
    min_size: Annotated[int, Query(ge=1, le=MAX_SIZE_ARTICLES)] = DEFAULT_MIN_SIZE,
    limit: Annotated[int, Query(ge=1, le=MAX_THREADS)] = DEFAULT_LIMIT,
) -> HTMLResponse:
    threads = story_source.listed(request.app.state.stories, all_=all_, min_size=min_size, limit=limit)
    return render(request, "stories.html", threads=listing(threads)["threads"], all_=all_, min_size=min_size)


def _day(value: date | None) -> datetime | None:
    return None if value is None else datetime(value.year, value.month, value.day)
