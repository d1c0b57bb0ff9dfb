"""Serving the app with uvicorn inside the caller's event loop, until SIGINT or SIGTERM.

uvicorn's own signal handling re-raises the signal once it has shut down, which would end the
process before the engine stops; here a signal only asks the server to stop, ends the event
streams (they would otherwise hold the shutdown open), and `serve` returns normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from cueflow.server._events import RunEvents

SHUTDOWN_GRACE = 5.0
"""Seconds requests in progress get to finish once the server stops."""


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host:port` (port 0 picks a free one), so that the address
    is known before anything starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    """The base URL a listening socket answers on."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # signals are handled in `serve`


async def serve(
    app: Any, sock: socket.socket, events: RunEvents, *, access_log: bool = False
) -> None:
    """Serve `app` on `sock` until SIGINT or SIGTERM (or cancellation)."""
    config = uvicorn.Config(
        app,
        log_config=None,  # logging belongs to the command line, not to the server library
        access_log=access_log,
        lifespan="off",
        timeout_graceful_shutdown=SHUTDOWN_GRACE,
    )
    server = _Server(config)

    def stop() -> None:
        events.close()
        server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        await server.serve(sockets=[sock])
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        events.close()
