"""`cueflow secret ...`: the secrets step templates read (HTTP tokens, credentials).

They live in the default cluster (`local`) when one is registered, else in cueflow's own
encrypted store: the same place steps look them up. Values are printed only on request.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from cueflow import store
from cueflow.cli._output import Format, dump
from cueflow.cli._session import DEFAULT_NAMESPACE, BadInput, Session, split_name

if TYPE_CHECKING:
    from cueflow.clusters import SecretResolver

T = TypeVar("T")

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)

NamespaceOption = Annotated[
    str | None,
    typer.Option("--namespace", "-n", help=f"[default: {DEFAULT_NAMESPACE}]", show_default=False),
]
NameArgument = Annotated[str, typer.Argument(metavar="[NAMESPACE/]NAME", help="The secret.")]


@contextlib.asynccontextmanager
async def _resolver(opened: store.SqlStore) -> AsyncIterator[SecretResolver]:
    from cueflow.clusters import ClusterRegistry, SecretResolver
    from cueflow.store.secrets import SecretStore

    registry = ClusterRegistry(opened)
    try:
        yield SecretResolver(registry, SecretStore(opened))
    finally:
        await registry.close()


def _execute(session: Session, command: Callable[[SecretResolver], Awaitable[T]]) -> T:
    """Run `command` with the resolver; an unknown secret is bad input."""

    async def main(opened: store.SqlStore) -> T:
        from cueflow.clusters import SecretNotFound

        async with _resolver(opened) as resolver:
            try:
                return await command(resolver)
            except SecretNotFound as error:
                raise BadInput(str(error)) from error

    return session.execute(main)


def _read_files(pairs: list[str]) -> dict[str, str]:
    data = {}
    for pair in pairs:
        key, sep, path = pair.partition("=")
        if not sep or not key or not path:
            raise BadInput(f"--from-file {pair!r} must look like key=path")
        try:
            data[key] = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BadInput(f"--from-file {key}: cannot read {path}: {error}") from error
    return data


def _literals(pairs: list[str]) -> dict[str, str]:
    """`k=v` as strings, taken verbatim (a secret value is never reinterpreted)."""
    data = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInput(f"--from-literal {pair!r} must look like key=value")
        data[key] = value
    return data


@app.command("set")
def set_(
    ctx: typer.Context,
    name: NameArgument,
    from_literal: Annotated[
        list[str] | None, typer.Option("--from-literal", help="key=value (repeatable).")
    ] = None,
    from_file: Annotated[
        list[str] | None,
        typer.Option("--from-file", help="key=path: the file's text is the value (repeatable)."),
    ] = None,
    namespace: NamespaceOption = None,
) -> None:
    """Create or replace a secret with the given keys."""
    session: Session = ctx.obj

    async def command(resolver: SecretResolver) -> None:
        ns, secret = split_name(name, namespace)
        data = {**_literals(from_literal or []), **_read_files(from_file or [])}
        if not data:
            raise BadInput("give the secret's data with --from-literal or --from-file")
        await resolver.set(ns, secret, data)
        keys = ", ".join(sorted(data))
        session.say(f"secret {ns}/{secret} set (keys: {keys})")

    _execute(session, command)


@app.command()
def get(
    ctx: typer.Context,
    name: NameArgument,
    output: Annotated[
        Format, typer.Option("--output", "-o", help="table, json or yaml.")
    ] = Format.TABLE,
    show_values: Annotated[
        bool, typer.Option("--show-values", help="Print the values too (keys only otherwise).")
    ] = False,
    namespace: NamespaceOption = None,
) -> None:
    """Show a secret's keys (and its values with --show-values)."""
    session: Session = ctx.obj

    async def command(resolver: SecretResolver) -> None:
        ns, secret = split_name(name, namespace)
        data = await resolver.get(ns, secret)
        if output is not Format.TABLE:
            doc: dict[str, object] = {"namespace": ns, "name": secret, "keys": sorted(data)}
            if show_values:
                doc["data"] = data
            typer.echo(dump(doc, output))
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        table.add_column("KEY")
        if show_values:
            table.add_column("VALUE")
        for key in sorted(data):
            table.add_row(escape(key), *([escape(data[key])] if show_values else []))
        session.out.print(table)

    _execute(session, command)


@app.command("list")
def list_(ctx: typer.Context, namespace: NamespaceOption = None) -> None:
    """The names of the secrets in a namespace."""
    session: Session = ctx.obj

    async def command(resolver: SecretResolver) -> None:
        for name in await resolver.list(namespace or DEFAULT_NAMESPACE):
            typer.echo(name)

    _execute(session, command)


@app.command()
def delete(ctx: typer.Context, name: NameArgument, namespace: NamespaceOption = None) -> None:
    """Delete a secret."""
    session: Session = ctx.obj

    async def command(resolver: SecretResolver) -> None:
        ns, secret = split_name(name, namespace)
        await resolver.delete(ns, secret)
        session.say(f"secret {ns}/{secret} deleted")

    _execute(session, command)
