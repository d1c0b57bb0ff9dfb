"""The ASGI application: the API, `/healthz`, the OpenAPI document and the dashboard.

The app is built around an engine that is already started and the `RunEvents` its store
announces to (see `_events.py`); starting and stopping them is the caller's business
(`cueflow server`, or a test), so the app itself keeps no lifecycle.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from cueflow import engine, store
from cueflow.server._api import router
from cueflow.server._events import RunEvents

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
"""The dashboard: plain HTML, CSS and JavaScript, served as they are."""

TELEMETRY_OFF = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}
"""FastAPI traces, measures and logs every request through OpenTelemetry by default;
cueflow does not ask for that."""


def create_app(eng: engine.Engine, events: RunEvents) -> FastAPI:
    """The cueflow HTTP API over `eng`, whose store publishes to `events`."""
    app = FastAPI(
        title="cueflow",
        summary="Run KubeVela-compatible workflows whose step types are CUE templates.",
        version="v1",
        telemetry=TELEMETRY_OFF,  # type: ignore[arg-type]
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.engine = eng
    app.state.events = events
    app.include_router(router)
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(store.NotFound, _not_found)  # type: ignore[arg-type]
    app.add_exception_handler(store.Conflict, _conflict)  # type: ignore[arg-type]

    @app.get("/healthz", tags=["server"])
    async def healthz() -> dict[str, str]:
        """Answers while the server and its engine run."""
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    async def dashboard() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return _error(exc.status_code, str(exc.detail))


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 with pydantic's list becomes 400 with one line per problem: `query.phase: ...`."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return _error(400, "; ".join(problems) or "invalid request")


async def _not_found(request: Request, exc: store.NotFound) -> JSONResponse:
    return _error(404, str(exc))


async def _conflict(request: Request, exc: store.Conflict) -> JSONResponse:
    return _error(409, str(exc))
