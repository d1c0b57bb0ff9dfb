"""Serve an ASGI app with uvicorn on 127.0.0.1 (a free port) inside the running loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import uvicorn

__all__ = ["serve"]


@contextlib.asynccontextmanager
async def serve(app: Any, port: int = 0, **options: Any) -> AsyncIterator[int]:
    """Yield the port (a free one by default) while the app is served; `options` go to
    `uvicorn.Config` (e.g. `ssl_certfile`, `ssl_keyfile`, `ssl_ca_certs`, `ssl_cert_reqs`)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", **options)
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(), name="uvicorn-test-server")
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped before it started")
        await asyncio.sleep(0.005)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task
