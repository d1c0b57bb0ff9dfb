"""Live run events for SSE subscribers: what the engine has just made durable.

The engine persists every status change and log line through its store, so the server hands
the engine a store that announces each committed write (`AnnouncingStore`) to a fan-out
(`RunEvents`). That covers every run the engine drives, whoever submitted it (the API, or
`cueflow apply` in another process waking the engine), and runs revived by a restart; the
engine's per-run `watch` ends with the run. An event is published only after its write has
committed, so a client never sees a change the store does not hold.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cueflow import engine, model, store

logger = logging.getLogger(__name__)

EventKind = Literal["status", "log", "deleted"]

QUEUE_LIMIT = 10_000
"""Events a subscriber may fall behind by; past that its stream ends and the client
reconnects (an EventSource does so by itself), rather than the server holding memory."""


@dataclass(frozen=True)
class RunEvent:
    """One change of one run, as sent over SSE: `data` is the JSON payload."""

    kind: EventKind
    run: str
    """`<namespace>/<name>`."""
    data: dict[str, Any]


def status_event(record: store.Record) -> RunEvent:
    """The `status` event of a stored run (its document without the engine's state)."""
    doc = engine.public_document(record.doc)
    status = doc.get("status") or {}
    run = f"{record.namespace}/{record.name}"
    return RunEvent(
        "status",
        run,
        {
            "run": run,
            "namespace": record.namespace,
            "name": record.name,
            "phase": status.get("status") or record.phase or "",
            "finished": record.finished,
            "status": status,
        },
    )


def log_event(line: store.LogLine) -> RunEvent:
    """The `log` event of one stored step log line."""
    return RunEvent("log", line.run, log_line_data(line))


def log_line_data(line: store.LogLine) -> dict[str, Any]:
    """A log line as JSON data (also the item of `GET /runs/{name}/logs`)."""
    return {
        "run": line.run,
        "step": line.step,
        "seq": line.seq,
        "time": line.time.isoformat(),
        "level": line.level,
        "text": line.text,
    }


@dataclass(eq=False)
class _Subscriber:
    run: str | None
    queue: asyncio.Queue[RunEvent | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_LIMIT)
    )


class RunEvents:
    """Fan-out of run events to any number of subscribers, each with its own queue."""

    def __init__(self) -> None:
        self._subscribers: set[_Subscriber] = set()
        self._closed = False

    def publish(self, event: RunEvent) -> None:
        for subscriber in list(self._subscribers):
            if subscriber.run is not None and subscriber.run != event.run:
                continue
            try:
                subscriber.queue.put_nowait(event)
            except asyncio.QueueFull:
                logger.warning(
                    "an event subscriber fell %d events behind: ending its stream", QUEUE_LIMIT
                )
                self._end(subscriber)

    @contextlib.asynccontextmanager
    async def subscribe(self, run: str | None = None) -> AsyncIterator[AsyncIterator[RunEvent]]:
        """Events of every run, or of `run` only, from now on; the iterator ends when the
        server closes. Subscribe before reading the current state, so nothing is missed."""
        subscriber = _Subscriber(run)
        if not self._closed:
            self._subscribers.add(subscriber)
        else:
            subscriber.queue.put_nowait(None)

        async def events() -> AsyncIterator[RunEvent]:
            while (event := await subscriber.queue.get()) is not None:
                yield event

        try:
            yield events()
        finally:
            self._subscribers.discard(subscriber)

    def close(self) -> None:
        """End every stream (the server is shutting down)."""
        self._closed = True
        for subscriber in list(self._subscribers):
            self._end(subscriber)

    def _end(self, subscriber: _Subscriber) -> None:
        self._subscribers.discard(subscriber)
        while True:  # make room for the end mark; the events dropped are not delivered anyway
            try:
                subscriber.queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                subscriber.queue.get_nowait()


class AnnouncingStore:
    """A `Store` that publishes each committed WorkflowRun write, deletion and log append to
    `events`; every other call goes straight to `inner`."""

    def __init__(self, inner: store.Store, events: RunEvents) -> None:
        self.inner = inner
        self.events = events

    def wakeup_socket(self) -> Path | None:
        """The inner store's wake-up socket, so that the engine still listens on it."""
        wakeup_socket = getattr(self.inner, "wakeup_socket", None)
        return wakeup_socket() if wakeup_socket is not None else None

    def _announce(self, record: store.Record) -> None:
        if record.kind == model.WorkflowRun.KIND:
            self.events.publish(status_event(record))

    async def open(self) -> None:
        await self.inner.open()

    async def close(self) -> None:
        await self.inner.close()

    async def put(self, record: store.Record, *, expect_version: int | None = None) -> store.Record:
        stored = await self.inner.put(record, expect_version=expect_version)
        self._announce(stored)
        return stored

    async def put_many(self, records: builtins.list[store.Record]) -> builtins.list[store.Record]:
        stored = await self.inner.put_many(records)
        for record in stored:
            self._announce(record)
        return stored

    async def get(self, kind: str, namespace: str, name: str) -> store.Record:
        return await self.inner.get(kind, namespace, name)

    async def list(
        self, kind: str, namespace: str | None = None, *, unfinished_only: bool = False
    ) -> builtins.list[store.Record]:
        return await self.inner.list(kind, namespace, unfinished_only=unfinished_only)

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        await self.inner.delete(kind, namespace, name)
        if kind == model.WorkflowRun.KIND:
            run = f"{namespace}/{name}"
            self.events.publish(
                RunEvent("deleted", run, {"run": run, "namespace": namespace, "name": name})
            )

    async def append_logs(self, lines: builtins.list[store.LogLine]) -> None:
        await self.inner.append_logs(lines)
        for line in lines:
            self.events.publish(log_event(line))

    async def logs(
        self, run: str, step: str | None = None, *, after_seq: int = 0
    ) -> builtins.list[store.LogLine]:
        return await self.inner.logs(run, step, after_seq=after_seq)

    async def add_request(self, run: str, op: str, args: dict[str, Any]) -> store.Request:
        return await self.inner.add_request(run, op, args)

    async def take_requests(self) -> builtins.list[store.Request]:
        return await self.inner.take_requests()

    async def kv_put(self, space: str, key: str, value: dict[str, Any]) -> None:
        await self.inner.kv_put(space, key, value)

    async def kv_get(self, space: str, key: str) -> dict[str, Any] | None:
        return await self.inner.kv_get(space, key)

    async def kv_list(self, space: str) -> dict[str, dict[str, Any]]:
        return await self.inner.kv_list(space)

    async def kv_delete(self, space: str, key: str) -> bool:
        return await self.inner.kv_delete(space, key)

    async def acquire_engine_lock(self, owner: str) -> bool:
        return await self.inner.acquire_engine_lock(owner)

    async def release_engine_lock(self) -> None:
        await self.inner.release_engine_lock()

    async def engine_lock_holder(self) -> str | None:
        return await self.inner.engine_lock_holder()
