"""`cueflow run FILE`: an embedded engine in the foreground, with a live view of the run.

The file's definitions and workflows are applied, then its one WorkflowRun; the command
follows the run's events (a tree of steps that updates in place, log lines as they come)
and exits 0 when the run succeeded, 1 when it failed or was terminated, 2 on bad input.
Step types are checked before anything starts, since an unknown type would otherwise keep
the run initializing forever.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.live import Live

from cueflow import model, store
from cueflow.cli._documents import (
    RUN,
    Loaded,
    load_path,
    namespace_of,
    run_phase,
)
from cueflow.cli._operations import print_log_line
from cueflow.cli._output import Format, dump, run_tree
from cueflow.cli._session import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    BadInput,
    CliError,
    Session,
    parse_assignments,
)

if TYPE_CHECKING:
    # The engine, the CUE evaluator and the provider packages (with the Kubernetes client)
    # take seconds to import: only `cueflow run` loads them, inside the functions below.
    from cueflow import engine
    from cueflow.clusters import ClusterRegistry
    from cueflow.providers.base import ProviderPackage


class BuiltinCatalog:
    """The engine's view of the definitions shipped with cueflow (templates by type name)."""

    def __init__(self) -> None:
        from cueflow.definitions.catalog import Catalog

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
        session.fail("--output takes json or yaml", EXIT_BAD_INPUT)

    async def command(opened: store.SqlStore) -> int:
        loaded = load_path(file, session.warn)
        target = _the_run(file, loaded)
        run_obj = target.obj
        assert isinstance(run_obj, model.WorkflowRun)
        if context:
            run_obj.spec.context = {
                **(run_obj.spec.context or {}),
                **parse_assignments(context, "--context"),
            }
        from cueflow.cli._templates import Templates, check_steps
        from cueflow.providers.registry import default_packages

        packages = default_packages(kv=opened)
        await check_steps(opened, target, loaded, Templates(packages))
        namespace, name = namespace_of(run_obj), run_obj.metadata.name
        owner = f"cueflow run {file.name} (pid {os.getpid()})"
        if not await opened.acquire_engine_lock(owner):
            holder = await opened.engine_lock_holder()
            raise CliError(
                f"another engine ({holder}) owns this store; stop it first, or use another --home"
            )
        await _clear_previous(opened, namespace, name)
        final = await _run_embedded(session, opened, loaded, target, output, packages)
        doc = _public(final.doc)
        if output is not None:
            typer.echo(dump(doc, output))
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
    packages: dict[str, ProviderPackage],
) -> store.Record:
    eng, registry = local_engine(opened, opened, packages)
    try:
        return await _drive(session, eng, loaded, target, output)
    finally:
        await registry.close()


def local_engine(
    opened: store.SqlStore, records: Any, packages: dict[str, ProviderPackage]
) -> tuple[engine.Engine, ClusterRegistry]:
    """An engine over `records` (the store, or a wrapper of it) with the home's clusters and
    secrets; the caller closes the cluster registry when the engine has stopped."""
    from cueflow import engine
    from cueflow.clusters import ClusterRegistry, SecretResolver
    from cueflow.store.secrets import SecretStore

    registry = ClusterRegistry(opened)
    eng = engine.Engine(
        records,
        packages=packages,
        catalog=BuiltinCatalog(),
        settings=engine.EngineSettings(),
        clusters=registry,
        secrets=SecretResolver(registry, SecretStore(opened)),
    )
    return eng, registry


async def _drive(
    session: Session,
    eng: engine.Engine,
    loaded: list[Loaded],
    target: Loaded,
    output: Format | None,
) -> store.Record:
    """Start the engine, apply the file's objects, follow the run to its end, stop.

    Holding the store's engine lock, the engine listens for wake-ups: operations other
    `cueflow` processes record are acted on as soon as they notify it."""
    await eng.start()
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
        await eng.stop()


async def _apply(eng: engine.Engine, item: Loaded) -> store.Record:
    from cueflow import engine

    try:
        record: store.Record = await eng.apply(item.obj.to_dict())
    except engine.EngineError as error:
        raise BadInput(f"{item.where([])}: {error}") from error
    return record


async def _show_live(session: Session, eng: engine.Engine, namespace: str, name: str) -> None:
    """Redraw the step tree on each status event; print log lines once they are stored.

    Lines are read from the store (in order, none missed even if the run got ahead of the
    subscription); the engine stores them before it announces the status change."""
    key = f"{namespace}/{name}"
    printed = 0

    async def print_new_lines() -> None:
        nonlocal printed
        for line in await eng.store.logs(key, after_seq=printed):
            print_log_line(session, line)
            printed = line.seq

    record = await eng.get(namespace, name)
    with Live(run_tree(_public(record.doc)), console=session.out, refresh_per_second=8) as live:
        async for event in eng.watch(namespace, name):
            if event.kind == "status" and event.status is not None:
                await print_new_lines()
                live.update(run_tree({**_public(record.doc), "status": event.status}))
        await print_new_lines()
        final = await eng.get(namespace, name)
        live.update(run_tree(_public(final.doc)))
    if not session.out.is_terminal:
        session.out.line()  # a live display that never animated ends without a newline


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
