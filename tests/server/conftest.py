"""An app wired to a real engine on a real SQLite store, and the documents the tests submit."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cueflow import engine, server
from cueflow.store.sql import SqlStore
from cueflow.testing.serving import serve

GREET = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata:
  name: greet
spec:
  schematic:
    cue:
      template: |
        import "vela/util"

        parameter: who: string
        log: util.#Log & {$params: data: "Hello, \\(parameter.who)!"}
"""


def run_yaml(name: str, *steps: str) -> str:
    """A WorkflowRun whose steps are given as `type` or `type:who` (greet's parameter)."""
    lines = [
        "apiVersion: core.oam.dev/v1alpha1",
        "kind: WorkflowRun",
        "metadata:",
        f"  name: {name}",
        "spec:",
        "  workflowSpec:",
        "    steps:",
    ]
    for i, step in enumerate(steps):
        kind, _, who = step.partition(":")
        lines += [f"      - name: s{i}-{kind}", f"        type: {kind}"]
        if who:
            lines += ["        properties:", f"          who: {who}"]
    return "\n".join(lines) + "\n"


YAML = {"Content-Type": "application/yaml"}


@pytest.fixture(name="greet")
def greet_definition() -> str:
    """A step type that logs `Hello, <who>!`."""
    return GREET


@pytest.fixture(name="run_yaml")
def run_yaml_factory() -> Callable[..., str]:
    return run_yaml


@dataclass
class Served:
    """The pieces of one test server: the app, its engine and events, and an HTTP client."""

    app: object
    engine: engine.Engine
    events: server.RunEvents
    client: httpx.AsyncClient

    async def post_yaml(self, path: str, text: str) -> httpx.Response:
        return await self.client.post(path, content=text, headers=YAML)

    @contextlib.asynccontextmanager
    async def stream(self, path: str) -> AsyncIterator[AsyncIterator[tuple[str, Any]]]:
        """The server-sent events of `path` as (event, data) pairs; a comment line is
        yielded as ("comment", text)."""
        async with self.client.stream("GET", path, timeout=30) as response:
            assert response.status_code == 200, await response.aread()
            yield _server_sent_events(response)


async def _server_sent_events(response: httpx.Response) -> AsyncIterator[tuple[str, Any]]:
    kind, data = "message", ""
    async for line in response.aiter_lines():
        if line.startswith(":"):
            yield "comment", line[1:].strip()
        elif line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data += line.removeprefix("data: ")
        elif not line and data:
            yield kind, json.loads(data)
            kind, data = "message", ""


def store_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cueflow.db'}"


@contextlib.asynccontextmanager
async def started_engine(tmp_path: Path) -> AsyncIterator[tuple[engine.Engine, server.RunEvents]]:
    store = SqlStore(store_url(tmp_path))
    await store.open()
    assert await store.acquire_engine_lock("test server")  # so that the engine takes wake-ups
    events = server.RunEvents()
    eng = engine.Engine(server.AnnouncingStore(store, events))
    await eng.start()
    try:
        yield eng, events
    finally:
        events.close()
        await eng.stop()
        await store.close()


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Served]:
    """The app behind an in-process ASGI transport (REST, and streams that end)."""
    async with started_engine(tmp_path) as (eng, events):
        app = server.create_app(eng, events)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cueflow") as client:
            yield Served(app, eng, events, client)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Served]:
    """The app served by uvicorn on a free loopback port (open-ended SSE, the browser)."""
    async with started_engine(tmp_path) as (eng, events):
        app = server.create_app(eng, events)
        async with (
            serve(app) as port,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
        ):
            try:
                yield Served(app, eng, events, client)
            finally:
                events.close()  # end open streams, or the server would wait for them
