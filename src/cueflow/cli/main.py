"""The `cueflow` command: global options, and the commands of the modules next to this one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cueflow.cli import (
    _clusters,
    _definitions,
    _operations,
    _resources,
    _running,
    _secrets,
    _server,
)
from cueflow.cli._session import Session

app = typer.Typer(
    name="cueflow",
    help="Run KubeVela-compatible workflows whose step types are CUE templates.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="CUEFLOW_HOME",
            help="Directory of the default database and secret key [default: ~/.cueflow].",
            show_default=False,
        ),
    ] = None,
    store_url: Annotated[
        str | None,
        typer.Option(
            "--store",
            envvar="CUEFLOW_STORE_URL",
            help="Database URL (sqlite+aiosqlite:///... or postgresql+asyncpg://...) "
            "[default: the SQLite file in the home directory].",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
) -> None:
    ctx.obj = Session.resolve(home, store_url, debug)


app.command()(_running.run)
app.command()(_resources.apply)
app.command()(_resources.get)
app.command()(_resources.delete)
for _operation, _command in _operations.OPERATION_COMMANDS.items():
    app.command(name=_operation.value)(_command)
app.command()(_operations.rollback)
app.command()(_operations.logs)
app.command()(_server.server)
app.add_typer(_definitions.app, name="def", help="Work with step definitions.")
app.add_typer(
    _clusters.app,
    name="cluster",
    help='Register the Kubernetes clusters steps use ("local" is the default cluster).',
)
app.add_typer(_secrets.app, name="secret", help="Manage the secrets steps read.")
