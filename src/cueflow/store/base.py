"""The store interface the engine, CLI and server use; SQLAlchemy implements it.

Runs, workflows and definitions are kept as documents (the JSON form of the
Kubernetes-style object, status included) plus a few indexed columns, so the
schema does not change whenever a status field is added. Every write commits
before it returns: the engine acts on a state change only after it is durable.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class StoreError(Exception):
    """A store operation failed (connection, lock, constraint)."""


class NotFound(StoreError):
    """The object asked for does not exist."""


class Conflict(StoreError):
    """The object changed since it was read (optimistic concurrency on `version`)."""


@dataclass
class Record:
    """One stored object: `kind` is `WorkflowRun`, `Workflow` or `WorkflowStepDefinition`."""

    kind: str
    namespace: str
    name: str
    doc: dict[str, Any]  # the whole object as JSON data, status included
    version: int = 0  # bumped on every write; pass it back to detect lost updates
    phase: str = ""  # WorkflowRun status.phase, indexed for "unfinished runs"
    finished: bool = False
    created: datetime | None = None
    updated: datetime | None = None


@dataclass
class LogLine:
    run: str  # "<namespace>/<name>"
    step: str
    seq: int
    time: datetime
    level: str
    text: str


@dataclass
class Request:
    """An operation asked for while no engine ran, or from another process (resume,
    suspend, terminate, restart, retry-now), acted on by the engine that owns the store."""

    id: int
    run: str  # "<namespace>/<name>"
    op: str
    args: dict[str, Any] = field(default_factory=dict)
    created: datetime | None = None


class Store(Protocol):
    async def open(self) -> None:
        """Create the schema if needed and connect."""

    async def close(self) -> None: ...

    # objects ---------------------------------------------------------------
    async def put(self, record: Record, *, expect_version: int | None = None) -> Record:
        """Create or replace; with `expect_version` raise Conflict if it moved. Returns the
        stored record with its new version."""

    async def put_many(self, records: builtins.list[Record]) -> builtins.list[Record]:
        """Create or replace every record (no version check) in one transaction: all or
        none. Returns the stored records, in order."""

    async def get(self, kind: str, namespace: str, name: str) -> Record:
        """Raise NotFound when absent."""

    async def list(
        self, kind: str, namespace: str | None = None, *, unfinished_only: bool = False
    ) -> builtins.list[Record]: ...

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        """Also deletes the object's logs and requests. Raise NotFound when absent."""

    # step logs -------------------------------------------------------------
    async def append_logs(self, lines: builtins.list[LogLine]) -> None: ...

    async def logs(
        self, run: str, step: str | None = None, *, after_seq: int = 0
    ) -> builtins.list[LogLine]: ...

    # cross-process requests ------------------------------------------------
    async def add_request(self, run: str, op: str, args: dict[str, Any]) -> Request: ...

    async def take_requests(self) -> builtins.list[Request]:
        """Return and delete every pending request, oldest first."""

    # key-value documents (cluster registry, secrets, configs, engine lock) ------
    async def kv_put(self, space: str, key: str, value: dict[str, Any]) -> None: ...

    async def kv_get(self, space: str, key: str) -> dict[str, Any] | None: ...

    async def kv_list(self, space: str) -> dict[str, dict[str, Any]]: ...

    async def kv_delete(self, space: str, key: str) -> bool: ...

    # engine lock -------------------------------------------------------------
    async def acquire_engine_lock(self, owner: str) -> bool:
        """Become the one engine executing this store's runs; False if another engine (in
        this or another process) holds the lock. The lock dies with its holder's process."""

    async def release_engine_lock(self) -> None: ...

    async def engine_lock_holder(self) -> str | None:
        """The `owner` given by the engine holding the lock, or None when no engine runs."""
