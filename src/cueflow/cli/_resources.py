"""`cueflow apply`, `get` and `delete`: the objects kept in the store."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from cueflow import model, store
from cueflow.cli._documents import (
    DEFINITION,
    RUN,
    WORKFLOW,
    load_path,
    namespace_of,
    resolve_kind,
    run_phase,
    to_record,
)
from cueflow.cli._output import DESCRIPTION_ANNOTATION, Format, print_records, run_tree
from cueflow.cli._session import CliError, Session, split_name

NamespaceOption = Annotated[
    str | None, typer.Option("--namespace", "-n", help="Namespace (default: all for get).")
]
BUILTIN_NAMESPACE = "(built-in)"
OutputOption = Annotated[Format, typer.Option("--output", "-o", help="Output format.")]


def apply(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Option(
            "--filename", "-f", help="A YAML/JSON file, a .cue definition, or a directory of them."
        ),
    ],
) -> None:
    """Store the workflows, step definitions and runs of FILE (or of every file in DIR).

    Runs are stored unstarted: the engine that owns the store runs them. Definitions must
    compile, and runs' step types and properties fit, before anything is stored. Objects of
    other kinds are skipped with a warning.
    """
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        loaded = load_path(path, session.warn)
        if any(item.obj.kind in (RUN, DEFINITION) for item in loaded):
            from cueflow.cli._templates import Templates, check_definitions, check_steps
            from cueflow.providers.registry import default_packages

            packages = default_packages(kv=opened)
            check_definitions(loaded, packages)
            templates = Templates(packages)
            for item in loaded:
                if item.obj.kind == RUN:
                    await check_steps(opened, item, loaded, templates)
        objects = [item.obj for item in loaded]
        holder = await opened.engine_lock_holder()
        # definitions and workflows first, so that runs in the same files can refer to them
        for obj in sorted(objects, key=lambda o: o.kind == RUN):
            await apply_object(opened, obj, objects)
            session.out.print(f"{obj.kind.lower()}/{obj.metadata.name} stored", highlight=False)
        if any(obj.kind == RUN for obj in objects):
            if holder is None:
                session.say("No engine is running: the runs start with the next one.")
            else:
                store.notify_engine(opened.url.render_as_string(hide_password=False))
                session.say(f"Handed to the running engine ({holder}).")

    session.execute(command)


async def apply_object(
    opened: store.SqlStore, obj: model.Resource, batch: list[model.Resource]
) -> store.Record:
    """Check and store one object; a run must not exist yet unless it has finished."""
    namespace = namespace_of(obj)
    if isinstance(obj, model.WorkflowRun):
        ref = obj.spec.workflow_ref
        exists = None
        if ref and obj.spec.workflow_spec is None:
            exists = any(
                o.kind == WORKFLOW and o.metadata.name == ref and namespace_of(o) == namespace
                for o in batch
            ) or await _exists(opened, WORKFLOW, namespace, ref)
        model.admit_run(obj, workflow_exists=exists)
        try:
            previous = await opened.get(RUN, namespace, obj.metadata.name)
        except store.NotFound:
            pass
        else:
            if not previous.finished:
                raise CliError(
                    f"run {namespace}/{obj.metadata.name} already exists and is "
                    f"{run_phase(previous) or 'pending'}: terminate or delete it first"
                )
            await opened.delete(RUN, namespace, obj.metadata.name)
    return await opened.put(to_record(obj))


async def _exists(opened: store.SqlStore, kind: str, namespace: str, name: str) -> bool:
    try:
        await opened.get(kind, namespace, name)
    except store.NotFound:
        return False
    return True


def get(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="runs, workflows or definitions")],
    name: Annotated[str | None, typer.Argument(help="One object, NAME or NAMESPACE/NAME.")] = None,
    namespace: NamespaceOption = None,
    output: OutputOption = Format.TABLE,
) -> None:
    """List stored objects of a kind, or show one (a run as the tree of its steps).
    Definitions include the built-in ones."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        resolved = resolve_kind(kind)
        builtin = _builtin_definitions() if resolved == DEFINITION else {}
        if name is not None:
            ns, bare = split_name(name, namespace)
            try:
                records = [await opened.get(resolved, ns, bare)]
            except store.NotFound:
                if bare not in builtin or "/" in name:
                    raise
                records = [builtin[bare]]
        else:
            records = await opened.list(resolved, namespace)
            if namespace is None:
                records += builtin.values()
        if resolved == RUN and output is not Format.TABLE:
            records = [_without_engine_state(r) for r in records]
        if not records and output is Format.TABLE:
            session.say(f"No {resolved} objects" + (f" in {namespace}." if namespace else "."))
            return
        workflows = {}
        if resolved == RUN and output is Format.TABLE:
            workflows = {(r.namespace, r.name): r.doc for r in await opened.list(WORKFLOW)}
        if resolved == RUN and output is Format.TABLE and name is not None:
            run = records[0]
            ref = (run.doc.get("spec") or {}).get("workflowRef")
            planned = (workflows.get((run.namespace, ref)) or {}).get("steps")
            session.out.print(run_tree(run.doc, planned))
            return
        steps = {key: len(doc.get("steps") or []) for key, doc in workflows.items()}
        print_records(session.out, resolved, records, output, name is not None, steps)

    session.execute(command)


def _builtin_definitions() -> dict[str, store.Record]:
    """The definitions shipped with cueflow, as records in the pseudo-namespace `(built-in)`."""
    from cueflow.definitions.catalog import Catalog

    records = {}
    for definition in Catalog().builtin().values():
        doc = {
            "apiVersion": model.WorkflowStepDefinition.API_VERSIONS[0],
            "kind": DEFINITION,
            "metadata": {
                "name": definition.name,
                "annotations": {DESCRIPTION_ANNOTATION: definition.description},
            },
            "spec": {"schematic": {"cue": {"template": definition.template}}},
        }
        records[definition.name] = store.Record(DEFINITION, BUILTIN_NAMESPACE, definition.name, doc)
    return records


def _without_engine_state(record: store.Record) -> store.Record:
    from cueflow import engine  # only here: importing the engine takes a while

    return dataclasses.replace(record, doc=engine.public_document(record.doc))


def delete(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="run, workflow or definition")],
    name: Annotated[str, typer.Argument(help="NAME or NAMESPACE/NAME")],
    namespace: NamespaceOption = None,
) -> None:
    """Delete an object (a run's logs go with it)."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        resolved = resolve_kind(kind)
        ns, bare = split_name(name, namespace)
        if resolved == RUN:
            record = await opened.get(RUN, ns, bare)
            holder = await opened.engine_lock_holder()
            if holder is not None and not record.finished:
                raise CliError(
                    f"run {ns}/{bare} is {run_phase(record) or 'pending'} on the running engine "
                    f"({holder}): terminate it first (`cueflow terminate {ns}/{bare}`)"
                )
        await opened.delete(resolved, ns, bare)
        session.out.print(f"{resolved.lower()}/{bare} deleted", highlight=False)

    session.execute(command)
