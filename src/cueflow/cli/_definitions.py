"""`cueflow def ...`: checking step definitions and trying them out before they are applied."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cueflow import model, store
from cueflow.cli._documents import DEFINITION, load_path
from cueflow.cli._output import DESCRIPTION_ANNOTATION, Format, dump
from cueflow.cli._session import DEFAULT_NAMESPACE, BadInput, Session, parse_assignments

if TYPE_CHECKING:
    from cueflow.definitions import Catalog

# The CUE evaluator and the provider packages (with the Kubernetes client) take seconds to
# import: they are loaded inside the commands that need them, not by every `cueflow` call.

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


@app.command()
def vet(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A .cue definition (vela def layout) or YAML/JSON objects.")
    ],
) -> None:
    """Check that definitions compile (with the packages they import) and objects are
    well-formed; nothing is stored."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow.cli._templates import check_definitions
        from cueflow.providers.registry import default_packages

        loaded = load_path(file, session.warn)
        check_definitions(loaded, default_packages(kv=opened))
        for item in loaded:
            if item.obj.kind != DEFINITION:
                _admit(item.obj)
            session.out.print(
                f"{item.obj.kind.lower()}/{item.obj.metadata.name}: ok", highlight=False
            )

    session.execute(command)


def _admit(obj: model.Resource) -> None:
    """Runs and workflows get the admission checks `apply` makes (names, timeouts)."""
    if isinstance(obj, model.WorkflowRun):
        model.admit_run(obj.model_copy(deep=True))
    elif isinstance(obj, model.Workflow):
        steps = [step.model_copy(deep=True) for step in obj.steps]
        model.name_steps(steps)
        model.validate_steps(steps)


@app.command()
def render(
    ctx: typer.Context,
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="The step type.")],
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="key=value of the step's parameter (repeatable)."),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Look for TYPE among the definitions of this file."),
    ] = None,
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", help="Namespace of stored definitions.")
    ] = DEFAULT_NAMESPACE,
) -> None:
    """Dry run: show TYPE's template rendered with the parameters, and the provider calls it
    would make. Nothing is executed."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow import cue
        from cueflow.cli._templates import Templates, one_line
        from cueflow.providers.registry import default_packages

        parameter = parse_assignments(param or [], "--param")
        template = await _find_template(opened, type_name, file, namespace, session.warn)
        templates = Templates(default_packages(kv=opened))
        error = templates.parameter_error(template, type_name, parameter)
        if error is not None:
            raise BadInput(f"parameters do not fit step type {type_name!r}: {one_line(error)}")
        context = {"name": "dry-run", "namespace": namespace, "stepName": type_name}
        value = templates.compile(template, type_name, parameter, context)
        if isinstance(value.error, cue.CueSyntaxError):
            raise BadInput(f"{type_name}: template does not compile: {value.error}")
        lines = [f"// {type_name} rendered with parameter {json.dumps(parameter)}", value.to_cue()]
        calls = templates.provider_calls(value)
        lines.append(f"\n// provider calls it would make ({len(calls)}, none executed):")
        for call in calls:
            head = f"//   {call.path}: {call.provider}.{call.function}"
            if call.arguments is None:
                missing = call.missing.replace("\n", "\n//     ")
                lines.append(f"{head} (needs earlier results: {missing})")
            else:
                lines.append(f"{head} {json.dumps(call.arguments)}")
        typer.echo("\n".join(lines))  # program text: printed as is, never wrapped

    session.execute(command)


async def _find_template(
    opened: store.SqlStore,
    type_name: str,
    file: Path | None,
    namespace: str,
    warn: Callable[[str], None],
) -> str:
    """TYPE's template: from `--file`, else stored in `namespace`, else built in."""
    if file is not None:
        for item in load_path(file, warn):
            obj = item.obj
            if isinstance(obj, model.WorkflowStepDefinition) and obj.metadata.name == type_name:
                return obj.template
        raise BadInput(f"{file}: no WorkflowStepDefinition named {type_name!r}")
    try:
        record = await opened.get(DEFINITION, namespace, type_name)
    except store.NotFound:
        from cueflow.definitions.catalog import Catalog

        found = Catalog().get(type_name)
        if found is None:
            raise BadInput(
                f"unknown step type {type_name!r}: not built in and not stored in {namespace!r}"
            ) from None
        return found.template
    return model.WorkflowStepDefinition.model_validate(record.doc).template


CATEGORY_ANNOTATION = "custom.definition.oam.dev/category"


async def _catalog(opened: store.SqlStore) -> Catalog:
    """The built-in definitions plus those applied to the store (an applied one wins)."""
    from cueflow.definitions import Catalog, Definition

    catalog = Catalog()
    for record in await opened.list(DEFINITION):
        obj = model.WorkflowStepDefinition.model_validate(record.doc)
        annotations = obj.metadata.annotations or {}
        catalog.add(
            Definition(
                name=obj.metadata.name,
                category=annotations.get(CATEGORY_ANNOTATION, ""),
                description=annotations.get(DESCRIPTION_ANNOTATION, ""),
                template=obj.template,
            )
        )
    return catalog


def _slug(category: str) -> str:
    """`Process Control`, `process control` and `process-control` name the same category."""
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-")


@app.command("list")
def list_(
    ctx: typer.Context,
    output: Annotated[
        Format, typer.Option("--output", "-o", help="table, json or yaml (with parameter schemas).")
    ] = Format.TABLE,
    category: Annotated[
        str | None, typer.Option("--category", help="Only the step types of this category.")
    ] = None,
) -> None:
    """List the step types: built in and applied, by category."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow.definitions import list_definitions

        catalog = await _catalog(opened)
        wanted = [d for d in catalog if category is None or _slug(d.category) == _slug(category)]
        if not wanted:
            known = ", ".join(sorted({d.category for d in catalog if d.category}))
            raise BadInput(f"unknown category {category!r} (categories: {known})")
        if output is not Format.TABLE:
            names = {d.name for d in wanted}
            typer.echo(dump([e for e in list_definitions(catalog) if e["name"] in names], output))
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("CATEGORY", "NAME", "DESCRIPTION"):
            table.add_column(column)
        for d in sorted(wanted, key=lambda d: (d.category, d.name)):
            table.add_row(escape(d.category or "-"), escape(d.name), escape(d.description))
        session.out.print(table)

    session.execute(command)


@app.command()
def show(
    ctx: typer.Context,
    type_name: Annotated[str, typer.Argument(metavar="TYPE", help="The step type.")],
    output: Annotated[
        Format | None, typer.Option("--output", "-o", help="json or yaml: the parameter schema.")
    ] = None,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the Markdown reference page.")
    ] = False,
) -> None:
    """Show a step type's parameters, with their types, defaults and descriptions."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow.definitions import render_reference
        from cueflow.definitions.reference import parameter_rows

        found = (await _catalog(opened)).get(type_name)
        if found is None:
            raise BadInput(f"unknown step type {type_name!r} (see `cueflow def list`)")
        if markdown:
            typer.echo(render_reference(found))
            return
        schema = found.parameters()
        if output is not None and output is not Format.TABLE:
            doc = {
                "name": found.name,
                "category": found.category,
                "description": found.description,
                "parameters": schema,
            }
            typer.echo(dump(doc, output))
            return
        session.out.print(f"[bold]{escape(found.name)}[/bold]: {escape(found.description)}")
        rows = parameter_rows(schema)
        if not rows:
            session.out.print("This step type takes no parameters.")
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("PARAMETER", "TYPE", "REQUIRED", "DEFAULT", "DESCRIPTION"):
            table.add_column(column)
        for row in rows:
            depth = row["name"].count(".")
            table.add_row(
                escape("  " * depth + row["name"]),
                escape(row["type"]),
                row["required"],
                escape(row["default"].strip("`")),
                escape(row["description"]),
            )
        session.out.print(table)

    session.execute(command)
