"""`cueflow cluster ...`: the registry of Kubernetes clusters that steps reach by name."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cueflow import store
from cueflow.cli._output import Format, dump
from cueflow.cli._session import BadInput, Session

# `cueflow.clusters` loads the Kubernetes client library (slow): imported inside the commands.

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(help='The name steps give as `cluster`; "local" is the default.')
    ],
    kubeconfig: Annotated[
        Path, typer.Option("--kubeconfig", help="The kubeconfig file to connect with.")
    ],
    context: Annotated[
        str | None,
        typer.Option("--context", help="Context in the kubeconfig [default: its current one]."),
    ] = None,
) -> None:
    """Register (or re-register) a cluster. The cluster named `local` is the default one:
    steps without `cluster` (or with `cluster: ""`) use it, and secrets then live in it."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow.clusters import ClusterError, add_cluster

        try:
            spec = await add_cluster(opened, name, kubeconfig, context)
        except ClusterError as error:
            raise BadInput(_one_line(error)) from error
        session.say(f"cluster {spec.name} added: context {spec.context} at {spec.server}")

    session.execute(command)


@app.command("list")
def list_(
    ctx: typer.Context,
    output: Annotated[
        Format, typer.Option("--output", "-o", help="table, json or yaml.")
    ] = Format.TABLE,
) -> None:
    """Show the registered clusters."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow.clusters import DEFAULT_CLUSTER, list_clusters

        specs = await list_clusters(opened)
        if output is not Format.TABLE:
            typer.echo(dump([asdict(spec) for spec in specs], output))
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in ("NAME", "CONTEXT", "SERVER", "KUBECONFIG", "ADDED"):
            table.add_column(column)
        for spec in specs:
            shown = f"{spec.name} (default)" if spec.name == DEFAULT_CLUSTER else spec.name
            table.add_row(
                *map(escape, (shown, spec.context, spec.server, spec.kubeconfig, spec.added))
            )
        session.out.print(table)

    session.execute(command)


@app.command()
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A registered cluster.")],
) -> None:
    """Forget a cluster (its kubeconfig file is left alone)."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow.clusters import ClusterError, remove_cluster

        try:
            await remove_cluster(opened, name)
        except ClusterError as error:
            raise BadInput(_one_line(error)) from error
        session.say(f"cluster {name} removed")

    session.execute(command)


def _one_line(error: Exception) -> str:
    """Parser messages (a bad kubeconfig) span lines; the CLI reports errors on one."""
    return " ".join(str(error).split())
