"""The `/api/v1` routes: runs, their operations, logs and live events; workflows; definitions.

Every route works through the engine (writes) or its store (reads); none reaches into a run's
in-memory state. Errors leave as `{"error": "..."}` with 400 (bad input, the message and
position `cueflow apply` gives), 404 (unknown object), 409 (the object's state forbids it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel

from cueflow import engine, model, store
from cueflow.server._bodies import REQUEST_BODY_DOC, BodyError, UnsupportedMediaType, read_objects
from cueflow.server._events import RunEvent, RunEvents, log_line_data, status_event

RUN = model.WorkflowRun.KIND
DEFAULT_NAMESPACE = "default"

router = APIRouter(prefix="/api/v1")


class ErrorBody(BaseModel):
    """What every failed request answers."""

    error: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": description}
    for code, description in (
        (400, "Bad input: the message names the field and position"),
        (404, "No such object"),
        (409, "The object's state does not allow it"),
    )
}


class RunSummary(BaseModel):
    """One line of the run list."""

    namespace: str
    name: str
    phase: str
    finished: bool
    message: str | None = None
    created: datetime | None = None
    updated: datetime | None = None


class LogLineOut(BaseModel):
    run: str
    step: str
    seq: int
    time: str
    level: str
    text: str


class RunOperation(StrEnum):
    """What `POST /runs/{name}/{operation}` can ask of a run."""

    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    RESTART = "restart"
    RETRY = "retry"


def _engine(request: Request) -> engine.Engine:
    found: engine.Engine = request.app.state.engine
    return found


def _events(request: Request) -> RunEvents:
    found: RunEvents = request.app.state.events
    return found


EngineDep = Annotated[engine.Engine, Depends(_engine)]
EventsDep = Annotated[RunEvents, Depends(_events)]
NamespaceQuery = Annotated[str, Query(description="The object's namespace.")]


async def _existing_run(
    name: str, eng: EngineDep, namespace: NamespaceQuery = DEFAULT_NAMESPACE
) -> store.Record:
    """The stored run the path names (404 when there is none)."""
    return await eng.get(namespace, name)


ExistingRun = Annotated[store.Record, Depends(_existing_run)]


def bad_input(error: Exception) -> HTTPException:
    return HTTPException(400, str(error))


async def _read_objects(request: Request, *kinds: str) -> list[model.Resource]:
    try:
        return read_objects(await request.body(), request.headers.get("content-type", ""), kinds)
    except UnsupportedMediaType as error:
        raise HTTPException(415, str(error)) from error
    except (BodyError, model.ModelError) as error:
        raise bad_input(error) from error


async def _apply(eng: engine.Engine, obj: model.Resource) -> store.Record:
    try:
        return await eng.apply(obj.to_dict())
    except engine.EngineError as error:
        namespace = obj.metadata.namespace or DEFAULT_NAMESPACE
        raise bad_input(
            ValueError(f"{obj.kind} {namespace}/{obj.metadata.name}: {error}")
        ) from error


# --- runs ------------------------------------------------------------------------------------


def _summary(record: store.Record) -> RunSummary:
    status = record.doc.get("status") or {}
    return RunSummary(
        namespace=record.namespace,
        name=record.name,
        phase=str(status.get("status") or record.phase or ""),
        finished=record.finished,
        message=status.get("message") or None,
        created=record.created,
        updated=record.updated,
    )


@router.get("/runs", tags=["runs"])
async def list_runs(
    eng: EngineDep,
    namespace: Annotated[str | None, Query(description="Only this namespace.")] = None,
    phase: Annotated[model.RunPhase | None, Query(description="Only runs in this phase.")] = None,
) -> list[RunSummary]:
    """Every stored run, newest first."""
    records = await eng.store.list(RUN, namespace)
    summaries = [_summary(record) for record in records]
    if phase is not None:
        summaries = [s for s in summaries if s.phase == phase]
    return sorted(summaries, key=lambda s: (s.created is not None, s.created), reverse=True)


@router.post(
    "/runs",
    tags=["runs"],
    status_code=201,
    responses=ERROR_RESPONSES,
    openapi_extra=REQUEST_BODY_DOC,
)
async def create_runs(request: Request, eng: EngineDep) -> list[dict[str, Any]]:
    """Store and start the WorkflowRuns of the body, after the Workflows and step definitions
    it also holds (as a file for `cueflow run` may). A run of the same name must have finished
    (it is replaced, with its logs); a run still going is a conflict. Answers the new runs."""
    objects = await _read_objects(
        request, RUN, model.Workflow.KIND, model.WorkflowStepDefinition.KIND
    )
    runs = [obj for obj in objects if obj.kind == RUN]
    finished = []
    for obj in runs:
        namespace = obj.metadata.namespace or DEFAULT_NAMESPACE
        try:
            previous = await eng.get(namespace, obj.metadata.name)
        except store.NotFound:
            continue
        if not previous.finished:
            phase = (previous.doc.get("status") or {}).get("status") or "pending"
            raise HTTPException(
                409,
                f"run {namespace}/{obj.metadata.name} already exists and is {phase}: "
                "terminate or delete it first",
            )
        finished.append(previous)
    for obj in objects:
        if obj.kind != RUN:
            await _apply(eng, obj)
    for previous in finished:
        await eng.delete(RUN, previous.namespace, previous.name)
    return [engine.public_document((await _apply(eng, obj)).doc) for obj in runs]


@router.get("/runs/{name}", tags=["runs"], responses=ERROR_RESPONSES)
async def get_run(run: ExistingRun) -> dict[str, Any]:
    """The run's document with its full status (steps, sub-steps, phases, messages)."""
    return engine.public_document(run.doc)


@router.delete("/runs/{name}", tags=["runs"], status_code=204, responses=ERROR_RESPONSES)
async def delete_run(run: ExistingRun, eng: EngineDep) -> Response:
    """Delete a run with its logs; a run still going is stopped first."""
    await eng.delete(RUN, run.namespace, run.name)
    return Response(status_code=204)


@router.post("/runs/{name}/{operation}", tags=["runs"], responses=ERROR_RESPONSES)
async def operate_run(
    operation: RunOperation,
    run: ExistingRun,
    eng: EngineDep,
    step: Annotated[
        str | None, Query(description="Only this step (retry needs it; terminate takes none).")
    ] = None,
) -> dict[str, Any]:
    """Suspend, resume, terminate, restart (from the start or from `step`) or retry (`step`,
    now) a run; answers the run as it is once the operation is recorded."""
    if operation is RunOperation.RETRY and step is None:
        raise HTTPException(400, "retry needs ?step=: the failed step to run again")
    if operation is RunOperation.TERMINATE and step is not None:
        raise HTTPException(400, "terminate applies to the whole run: drop ?step=")
    actions: dict[RunOperation, Callable[..., Awaitable[None]]] = {
        RunOperation.SUSPEND: eng.suspend,
        RunOperation.RESUME: eng.resume,
        RunOperation.TERMINATE: eng.terminate,
        RunOperation.RESTART: eng.restart,
        RunOperation.RETRY: eng.retry,
    }
    args = {"step": step} if step is not None else {}
    try:
        await actions[operation](run.namespace, run.name, **args)
    except engine.EngineError as error:
        raise HTTPException(409, f"{operation} {run.namespace}/{run.name}: {error}") from error
    return engine.public_document((await eng.get(run.namespace, run.name)).doc)


@router.get("/runs/{name}/logs", tags=["runs"], responses=ERROR_RESPONSES)
async def run_logs(
    run: ExistingRun,
    eng: EngineDep,
    step: Annotated[str | None, Query(description="Only this step's lines.")] = None,
    after: Annotated[int, Query(ge=0, description="Only lines with a larger `seq`.")] = 0,
) -> list[LogLineOut]:
    """The run's step log lines, in order."""
    lines = await eng.store.logs(f"{run.namespace}/{run.name}", step, after_seq=after)
    return [LogLineOut.model_validate(log_line_data(line)) for line in lines]


def _sse(event: RunEvent) -> ServerSentEvent:
    return ServerSentEvent(event=event.kind, data=event.data)


@router.get("/events", tags=["events"], response_class=EventSourceResponse)
async def all_events(events: EventsDep) -> AsyncIterator[ServerSentEvent]:
    """Every run's changes as they are stored: `status` (the run's phase and full status),
    `log` (one step log line) and `deleted` events, each with JSON data."""
    async with events.subscribe() as stream:
        yield ServerSentEvent(comment="subscribed")  # changes from here on reach this stream
        async for event in stream:
            yield _sse(event)


@router.get(
    "/runs/{name}/events",
    tags=["events"],
    response_class=EventSourceResponse,
    responses=ERROR_RESPONSES,
)
async def run_events(
    run: ExistingRun, eng: EngineDep, events: EventsDep
) -> AsyncIterator[ServerSentEvent]:
    """Follow one run: its current status and stored log lines first, then each change as
    it is stored; the stream ends when the run finishes or is deleted."""
    key = f"{run.namespace}/{run.name}"
    async with events.subscribe(key) as stream:
        try:  # read again once subscribed, so that no change falls in between
            current = await eng.get(run.namespace, run.name)
        except store.NotFound:
            return
        yield _sse(status_event(current))
        seen = 0
        for line in await eng.store.logs(key):
            seen = line.seq
            yield ServerSentEvent(event="log", data=log_line_data(line))
        if current.finished:
            return
        async for event in stream:
            if event.kind == "log" and event.data["seq"] <= seen:
                continue
            yield _sse(event)
            if event.kind == "deleted" or (event.kind == "status" and event.data["finished"]):
                return


# --- workflows and definitions -----------------------------------------------------------------


def _object_routes(path: str, kind: str, what: str) -> None:
    """List, get, create (or replace) and delete for a kind the engine only stores."""
    tags = [path]

    async def list_objects(
        eng: EngineDep,
        namespace: Annotated[str | None, Query(description="Only this namespace.")] = None,
    ) -> list[dict[str, Any]]:
        return [record.doc for record in await eng.store.list(kind, namespace)]

    async def get_object(
        name: str, eng: EngineDep, namespace: NamespaceQuery = DEFAULT_NAMESPACE
    ) -> dict[str, Any]:
        return (await eng.store.get(kind, namespace, name)).doc

    async def create_objects(request: Request, eng: EngineDep) -> list[dict[str, Any]]:
        return [(await _apply(eng, obj)).doc for obj in await _read_objects(request, kind)]

    async def delete_object(
        name: str, eng: EngineDep, namespace: NamespaceQuery = DEFAULT_NAMESPACE
    ) -> Response:
        await eng.delete(kind, namespace, name)
        return Response(status_code=204)

    plural = f"{what}s"
    router.add_api_route(
        f"/{path}",
        list_objects,
        methods=["GET"],
        tags=tags,
        name=f"list_{path}",
        summary=f"List {plural}",
        description=f"Every stored {what}.",
    )
    router.add_api_route(
        f"/{path}",
        create_objects,
        methods=["POST"],
        tags=tags,
        name=f"create_{path}",
        status_code=201,
        responses=ERROR_RESPONSES,
        openapi_extra=REQUEST_BODY_DOC,
        summary=f"Create {plural}",
        description=f"Store the {plural} of the body (one of the same name is replaced); "
        "runs waiting for them go on.",
    )
    router.add_api_route(
        f"/{path}/{{name}}",
        get_object,
        methods=["GET"],
        tags=tags,
        name=f"get_{path}",
        responses=ERROR_RESPONSES,
        summary=f"Get a {what}",
    )
    router.add_api_route(
        f"/{path}/{{name}}",
        delete_object,
        methods=["DELETE"],
        tags=tags,
        name=f"delete_{path}",
        status_code=204,
        responses=ERROR_RESPONSES,
        summary=f"Delete a {what}",
    )


_object_routes("workflows", model.Workflow.KIND, "workflow")
_object_routes("definitions", model.WorkflowStepDefinition.KIND, "step definition")
