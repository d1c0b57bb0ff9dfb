"""`cueflow run FILE`: an embedded engine in the foreground, with a live view of the run.

The file's definitions and workflows are applied, then its one WorkflowRun; the command
follows the run's events (a tree of steps that updates in place, log lines as they come)
and exits 0 when the run succeeded, 1 when it failed or was terminated, 2 on bad input.
Step types are checked before anything starts, since an unknown type would otherwise keep
the run initializing forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live

from cueflow import model, store
from cueflow.cli._documents import (
    DEFINITION,
    RUN,
    WORKFLOW,
    Loaded,
    load_path,
    namespace_of,
    run_phase,
)
from cueflow.cli._operations import print_log_line
from cueflow.cli._output import Format, dump, run_tree
from cueflow.cli._session import (
    EXIT_FAILED,
    BadInput,
    CliError,
    Session,
    parse_assignments,
)
from cueflow.definitions.catalog import Catalog

REQUEST_INTERVAL = 0.5
"""Seconds between looks at the store for operations other `cueflow` processes recorded."""

STEP_GROUP = "step-group"
EMBEDDED_TYPES = frozenset({STEP_GROUP, "suspend"})
"""Step types the engine implements itself, whatever the catalogs hold."""
SHARED_NAMESPACE = "vela-system"
"""Definitions stored here are visible from every namespace."""


class BuiltinCatalog:
    """The engine's view of the definitions shipped with cueflow (templates by type name)."""

    def __init__(self) -> None:
        self._catalog = Catalog()

    def get(self, type_name: str, namespace: str) -> str | None:
        found = self._catalog.get(type_name)
        return found.template if found is not None else None


def run(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="YAML with one WorkflowRun (and its definitions).")],
    context: Annotated[
        list[str] | None,
        typer.Option("--context", "-c", help="key=value added to the run's context."),
    ] = None,
    output: Annotated[
        Format | None,
        typer.Option("--output", "-o", help="Print the final WorkflowRun as json or yaml."),
    ] = None,
) -> None:
    """Run a workflow in the foreground and show its steps live."""
    session: Session = ctx.obj
    if output is Format.TABLE:
        session.fail("--output takes json or yaml", 2)

    async def command(opened: store.SqlStore) -> int:
        loaded = load_path(file)
        target = _the_run(file, loaded)
        run_obj = target.obj
        assert isinstance(run_obj, model.WorkflowRun)
        if context:
            run_obj.spec.context = {
                **(run_obj.spec.context or {}),
                **parse_assignments(context, "--context"),
            }
        await _check_step_types(opened, target, loaded)
        namespace, name = namespace_of(run_obj), run_obj.metadata.name
        owner = f"cueflow run {file.name} (pid {os.getpid()})"
        if not await opened.acquire_engine_lock(owner):
            holder = await opened.engine_lock_holder()
            raise CliError(
                f"another engine ({holder}) owns this store; stop it first, or use another --home"
            )
        await _clear_previous(opened, namespace, name)
        final = await _run_embedded(session, opened, loaded, target, output)
        doc = _public(final.doc)
        if output is not None:
            session.out.print(dump(doc, output), markup=False, highlight=False)
        phase = run_phase(final)
        if phase == model.RunPhase.SUCCEEDED:
            return 0
        message = (doc.get("status") or {}).get("message") or _failed_steps(doc)
        session.say(f"run {namespace}/{name} {phase}" + (f": {message}" if message else ""))
        return EXIT_FAILED

    raise typer.Exit(session.execute(command))


def _the_run(file: Path, loaded: list[Loaded]) -> Loaded:
    runs = [item for item in loaded if item.obj.kind == RUN]
    if len(runs) != 1:
        found = "no WorkflowRun" if not runs else f"{len(runs)} WorkflowRuns"
        raise BadInput(
            f"{file}: holds {found}; `cueflow run` takes exactly one "
            "(use `cueflow apply -f` for the rest)"
        )
    return runs[0]


async def _check_step_types(opened: store.SqlStore, target: Loaded, loaded: list[Loaded]) -> None:
    """Every step type must exist: in the file, the store or the built-in library."""
    run_obj = target.obj
    assert isinstance(run_obj, model.WorkflowRun)
    namespace = namespace_of(run_obj)
    spec = run_obj.spec
    if spec.workflow_spec is not None:
        steps, source, prefix = spec.workflow_spec.steps, target, ["spec", "workflowSpec", "steps"]
    else:
        ref = spec.workflow_ref or ""
        workflows = [
            item
            for item in loaded
            if item.obj.kind == WORKFLOW
            and item.obj.metadata.name == ref
            and namespace_of(item.obj) == namespace
        ]
        if workflows:
            workflow = workflows[0].obj
            assert isinstance(workflow, model.Workflow)
            steps, source, prefix = workflow.steps, workflows[0], ["steps"]
        else:
            try:
                record = await opened.get(WORKFLOW, namespace, ref)
            except store.NotFound:
                raise BadInput(
                    f"{target.where(['spec', 'workflowRef'])}: Workflow {ref!r} not found in "
                    f"namespace {namespace!r}"
                ) from None
            steps, source, prefix = model.Workflow.model_validate(record.doc).steps, None, []
    known_here = {
        item.obj.metadata.name
        for item in loaded
        if item.obj.kind == DEFINITION and namespace_of(item.obj) in (namespace, SHARED_NAMESPACE)
    }
    builtin = Catalog()
    for i, step in enumerate(steps):
        for j, item in enumerate([step, *(step.sub_steps or [])]):
            type_name = item.type
            if type_name in EMBEDDED_TYPES or type_name in known_here:
                continue
            if builtin.get(type_name) is not None:
                continue
            if await _stored_definition(opened, namespace, type_name):
                continue
            path: list[str | int] = [*prefix, i] if j == 0 else [*prefix, i, "subSteps", j - 1]
            where = (
                source.where([*path, "type"]) if source is not None else str(target.source.filename)
            )
            raise BadInput(
                f"{where}: step {item.name or path[-1]!r}: unknown step type {type_name!r} "
                "(not built in, not in the file, not stored; see `cueflow get definitions`)"
            )


async def _stored_definition(opened: store.SqlStore, namespace: str, type_name: str) -> bool:
    for ns in (namespace, SHARED_NAMESPACE):
        try:
            await opened.get(DEFINITION, ns, type_name)
        except store.NotFound:
            continue
        return True
    return False


async def _clear_previous(opened: store.SqlStore, namespace: str, name: str) -> None:
    """A finished run of the same name makes way for the new one (with its logs)."""
    try:
        previous = await opened.get(RUN, namespace, name)
    except store.NotFound:
        return
    if not previous.finished:
        raise CliError(
            f"run {namespace}/{name} already exists and is {run_phase(previous) or 'pending'}: "
            f"terminate or delete it first (`cueflow delete run {namespace}/{name}`)"
        )
    await opened.delete(RUN, namespace, name)


async def _run_embedded(
    session: Session,
    opened: store.SqlStore,
    loaded: list[Loaded],
    target: Loaded,
    output: Format | None,
) -> store.Record:
    from cueflow import engine

    eng = engine.Engine(opened, catalog=BuiltinCatalog(), settings=engine.EngineSettings())
    await eng.start()
    requests = asyncio.create_task(_take_requests(eng), name="cueflow run: requests")
    try:
        for item in loaded:
            if item is not target:
                await _apply(eng, item)
        record = await _apply(eng, target)
        namespace, name = record.namespace, record.name
        if output is None:
            await _show_live(session, eng, namespace, name)
        return await eng.wait(namespace, name)
    finally:
        requests.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await requests
        await eng.stop()


async def _apply(eng: Any, item: Loaded) -> store.Record:
    from cueflow import engine

    try:
        record: store.Record = await eng.apply(item.obj.to_dict())
    except engine.EngineError as error:
        raise BadInput(f"{item.where([])}: {error}") from error
    return record


async def _take_requests(eng: Any) -> None:
    """Act on suspend/resume/... that other `cueflow` commands record in the store."""
    while True:
        await asyncio.sleep(REQUEST_INTERVAL)
        await eng.take_requests()


async def _show_live(session: Session, eng: Any, namespace: str, name: str) -> None:
    record = await eng.get(namespace, name)
    with Live(run_tree(_public(record.doc)), console=session.out, refresh_per_second=8) as live:
        async for event in eng.watch(namespace, name):
            if event.kind == "log":
                print_log_line(
                    session,
                    store.LogLine(
                        run=f"{namespace}/{name}",
                        step=event.step,
                        seq=0,
                        time=event.time,
                        level=event.level,
                        text=event.text,
                    ),
                )
            elif event.kind == "status" and event.status is not None:
                live.update(run_tree({**_public(record.doc), "status": event.status}))
        final = await eng.get(namespace, name)
        live.update(run_tree(_public(final.doc)))


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    from cueflow import engine

    return engine.public_document(doc)


def _failed_steps(doc: dict[str, Any]) -> str:
    failed = []
    for step in (doc.get("status") or {}).get("steps") or []:
        for item in [step, *(step.get("subSteps") or [])]:
            if item.get("phase") == "failed":
                failed.append(f"{item.get('name')}: {item.get('message') or item.get('reason')}")
    return "; ".join(failed)
