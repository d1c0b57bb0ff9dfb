"""The HTTP API (OpenAPI at `/openapi.json`), live updates (SSE) and the dashboard.

A client of the engine like the CLI: routes call the engine's public operations and read its
store; live events come from the writes the engine's store announces (`AnnouncingStore`).
"""

from cueflow.server._app import create_app
from cueflow.server._events import AnnouncingStore, RunEvent, RunEvents
from cueflow.server._serving import address, listen, serve

__all__ = [
    "AnnouncingStore",
    "RunEvent",
    "RunEvents",
    "address",
    "create_app",
    "listen",
    "serve",
]
