"""`cueflow def ...`: checking step definitions before they are applied."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cueflow import model, store
from cueflow.cli._documents import DEFINITION, load_path
from cueflow.cli._session import BadInput, Session
from cueflow.definitions.catalog import DefinitionError, parse_definition

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


@app.command()
def vet(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="A .cue definition (vela def layout) or YAML/JSON objects.")
    ],
) -> None:
    """Check that definitions compile and objects are well-formed; nothing is stored."""
    session: Session = ctx.obj

    async def command(_opened: store.SqlStore) -> None:
        if file.suffix == ".cue":
            names = [_vet_cue_file(file)]
        else:
            names = [
                f"{item.obj.kind.lower()}/{item.obj.metadata.name}"
                for item in load_path(file)
                if item.obj.kind == DEFINITION or _admit(item.obj)
            ]
        for name in names:
            session.out.print(f"{name}: ok", highlight=False)

    session.execute(command)


def _vet_cue_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: cannot read: {error}") from error
    try:
        definition = parse_definition(text, path)
    except DefinitionError as error:
        raise BadInput(str(error)) from error
    obj = model.WorkflowStepDefinition.model_validate(
        {
            "apiVersion": model.WorkflowStepDefinition.API_VERSIONS[0],
            "kind": DEFINITION,
            "metadata": {"name": definition.name},
            "spec": {"schematic": {"cue": {"template": definition.template}}},
        }
    )
    model.check_definition(obj)
    return f"{DEFINITION.lower()}/{definition.name}"


def _admit(obj: model.Resource) -> bool:
    """Runs and workflows get the admission checks `apply` makes (names, timeouts)."""
    if isinstance(obj, model.WorkflowRun):
        model.admit_run(obj.model_copy(deep=True))
    elif isinstance(obj, model.Workflow):
        steps = [step.model_copy(deep=True) for step in obj.steps]
        model.name_steps(steps)
        model.validate_steps(steps)
    return True
