"""`cueflow server`: the long-running engine of a store, with the HTTP API and the dashboard.

It takes the store's engine lock (a second engine on the same store is refused), starts the
engine (which resumes unfinished runs and listens for wake-ups from other `cueflow`
processes) and serves until SIGINT or SIGTERM, then stops the engine: run state is already
in the store, and the next engine picks the runs up.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from cueflow import store
from cueflow.cli._session import BadInput, CliError, Session

if TYPE_CHECKING:
    import socket

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def server(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port to listen on (0 picks a free one).")
    ] = DEFAULT_PORT,
) -> None:
    """Run the engine with the HTTP API and the dashboard until interrupted."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow import server as http  # FastAPI and the engine load only for this command

        try:
            sock = http.listen(host, port)
        except OSError as error:
            raise CliError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error
        with sock:
            url = http.address(sock)
            owner = f"cueflow server {url} (pid {os.getpid()})"
            if not await opened.acquire_engine_lock(owner):
                holder = await opened.engine_lock_holder()
                raise BadInput(
                    f"another engine ({holder}) owns this store; stop it first, "
                    "or use another --home"
                )
            try:
                await _serve(session, opened, sock, url)
            finally:
                await opened.release_engine_lock()

    session.execute(command)


async def _serve(session: Session, opened: store.SqlStore, sock: socket.socket, url: str) -> None:
    from cueflow import server as http
    from cueflow.cli._running import local_engine
    from cueflow.providers.registry import default_packages

    events = http.RunEvents()
    eng, registry = local_engine(
        opened, http.AnnouncingStore(opened, events), default_packages(kv=opened)
    )
    await eng.start()
    try:
        session.say(f"cueflow server listening on {url} (dashboard {url}/, API {url}/api/v1)")
        await http.serve(http.create_app(eng, events), sock, events, access_log=session.debug)
        session.say("cueflow server stopping")
    finally:
        await eng.stop()
        await registry.close()
