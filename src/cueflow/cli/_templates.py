"""Step templates outside a run: checking a run's steps before it is stored or started, and
the dry run of `cueflow def render` (provider calls listed, none made)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from cueflow import cue, model, store
from cueflow.cli._documents import DEFINITION, WORKFLOW, Loaded, namespace_of
from cueflow.cli._session import BadInput
from cueflow.definitions.catalog import Catalog
from cueflow.engine.cuestep import first_permanent_error, plain
from cueflow.providers.base import ProviderPackage


@dataclass
class ProviderCall:
    """A task the template would hand to a provider: `arguments` is None while they depend
    on the result of an earlier call (`missing` says what is not known yet)."""

    path: str
    provider: str
    function: str
    arguments: dict[str, Any] | None
    missing: str = ""


class Templates:
    """Compiles step templates against the provider packages' schemas."""

    def __init__(self, packages: dict[str, ProviderPackage]) -> None:
        self.context = cue.Context()
        for package in packages.values():
            self.context.register_package(package.path, package.schema, f"{package.path}.cue")

    def compile(
        self,
        template: str,
        type_name: str,
        parameter: dict[str, Any],
        context: dict[str, Any] | None = None,
    ) -> cue.Value:
        rendered = f"parameter: {json.dumps(parameter)}"
        if context is not None:
            rendered += f"\ncontext: {json.dumps(context)}"
        return self.context.compile(f"{template}\n{rendered}", filename=f"{type_name}.cue")

    def parameter_error(
        self, template: str, type_name: str, properties: dict[str, Any]
    ) -> cue.CueError | None:
        """The error a step's properties cause in its template's `parameter`, if any.
        Fields still missing are fine: inputs may fill them when the step runs; a template
        that does not compile is its definition's fault, reported when the step runs."""
        value = self.compile(template, type_name, properties)
        if isinstance(value.error, cue.CueSyntaxError):
            return None
        return first_permanent_error(value.lookup("parameter"))

    @staticmethod
    def provider_calls(value: cue.Value) -> list[ProviderCall]:
        """The tasks of an evaluated template, in order, without calling anything."""
        calls = []
        for path, node in value.walk_structs():
            do, provider = node.lookup("#do"), node.lookup("#provider")
            if not (do.exists() and do.is_concrete() and provider.is_concrete()):
                continue
            params = node.lookup("$params")
            try:
                arguments = plain(params.to_python()) if params.exists() else {}
            except cue.CueError as error:
                calls.append(
                    ProviderCall(path, provider.to_python(), do.to_python(), None, str(error))
                )
                continue
            calls.append(ProviderCall(path, provider.to_python(), do.to_python(), arguments))
        return calls


def check_definitions(loaded: list[Loaded], packages: dict[str, ProviderPackage]) -> None:
    """Every definition's template must compile with the provider packages it imports, as
    the engine compiles it: an unknown import is reported at its line in the user's file."""
    sources = {package.path: package.schema for package in packages.values()}
    for item in loaded:
        if isinstance(item.obj, model.WorkflowStepDefinition):
            model.check_definition(item.obj, item.source, packages=sources)


def one_line(error: cue.CueError) -> str:
    """A CUE error without its list of template positions: the user's file is named instead."""
    return f"{error.path}: {error.message}" if error.path else error.message


STEP_GROUP = "step-group"
SHARED_NAMESPACE = "vela-system"
"""Definitions stored here are visible from every namespace."""


async def check_steps(
    opened: store.SqlStore, target: Loaded, loaded: list[Loaded], templates: Templates
) -> None:
    """Every step type of a run must exist (in its files, the store or the built-in library),
    every step's properties must fit its template's `parameter`, and a `cluster` given
    literally must be registered: otherwise the run would stay initializing, or a step fail
    only after its retries."""
    from cueflow.clusters import DEFAULT_CLUSTER, list_clusters

    run_obj = target.obj
    assert isinstance(run_obj, model.WorkflowRun)
    namespace = namespace_of(run_obj)
    spec = run_obj.spec
    source: Loaded | None = target
    if spec.workflow_spec is not None:
        steps, prefix = spec.workflow_spec.steps, ["spec", "workflowSpec", "steps"]
    else:
        steps, source = await _referenced_steps(opened, target, loaded, namespace)
        prefix = ["steps"]
    in_file = {
        item.obj.metadata.name: item.obj.template
        for item in loaded
        if isinstance(item.obj, model.WorkflowStepDefinition)
        and namespace_of(item.obj) in (namespace, SHARED_NAMESPACE)
    }
    registered = {spec.name for spec in await list_clusters(opened)}
    builtin = Catalog()
    for i, step in enumerate(steps):
        for j, item in enumerate([step, *(step.sub_steps or [])]):
            path: list[str | int] = [*prefix, i] if j == 0 else [*prefix, i, "subSteps", j - 1]

            def where(*more: str, path: list[str | int] = path) -> str:
                return source.where([*path, *more]) if source else target.source.filename

            if item.type == STEP_GROUP:
                continue
            template = in_file.get(item.type) or await _stored_template(
                opened, namespace, item.type
            )
            if template is None:
                found = builtin.get(item.type)
                template = found.template if found is not None else None
            if template is None:
                known = [*in_file, *await _stored_names(opened, namespace), *builtin.all()]
                close = difflib.get_close_matches(item.type, known, n=3)
                hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
                raise BadInput(
                    f"{where('type')}: step {item.name or path[-1]!r}: unknown step type "
                    f"{item.type!r}: not built in, not in the file, not stored ({hint}see "
                    "`cueflow def list`)"
                )
            error = templates.parameter_error(template, item.type, item.properties or {})
            if error is not None:
                field = error.path.removeprefix("parameter").strip(".").split(".")
                raise BadInput(
                    f"{where('properties', *field)}: step {item.name!r}: properties do not fit step "
                    f"type {item.type!r}: {one_line(error)}"
                )
            cluster = (item.properties or {}).get("cluster")
            if isinstance(cluster, str) and (cluster or DEFAULT_CLUSTER) not in registered:
                raise BadInput(
                    f"{where('properties', 'cluster')}: step {item.name!r}: cluster "
                    f"{cluster or DEFAULT_CLUSTER!r} is not registered (see `cueflow cluster list`)"
                )


async def _referenced_steps(
    opened: store.SqlStore, target: Loaded, loaded: list[Loaded], namespace: str
) -> tuple[list[model.WorkflowStep], Loaded | None]:
    """The steps of the Workflow a run refers to, from the files or else from the store."""
    assert isinstance(target.obj, model.WorkflowRun)
    ref = target.obj.spec.workflow_ref or ""
    for item in loaded:
        if (
            isinstance(item.obj, model.Workflow)
            and item.obj.metadata.name == ref
            and namespace_of(item.obj) == namespace
        ):
            return item.obj.steps, item
    try:
        record = await opened.get(WORKFLOW, namespace, ref)
    except store.NotFound:
        raise BadInput(
            f"{target.where(['spec', 'workflowRef'])}: Workflow {ref!r} not found in "
            f"namespace {namespace!r}"
        ) from None
    return model.Workflow.model_validate(record.doc).steps, None


async def _stored_template(opened: store.SqlStore, namespace: str, type_name: str) -> str | None:
    for ns in (namespace, SHARED_NAMESPACE):
        try:
            record = await opened.get(DEFINITION, ns, type_name)
        except store.NotFound:
            continue
        return model.WorkflowStepDefinition.model_validate(record.doc).template
    return None


async def _stored_names(opened: store.SqlStore, namespace: str) -> list[str]:
    return [
        r.name for ns in (namespace, SHARED_NAMESPACE) for r in await opened.list(DEFINITION, ns)
    ]
