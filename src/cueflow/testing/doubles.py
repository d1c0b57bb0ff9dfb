"""Small recording doubles for calling provider functions outside the engine.

`RecordingLogger` and `RecordingActions` record what a provider did, and
`provider_context()` builds a `ProviderContext` from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cueflow.providers.base import ClusterAccess, ProviderContext, SecretAccess

__all__ = ["RecordingActions", "RecordingLogger", "provider_context"]


@dataclass
class RecordingLogger:
    lines: list[tuple[str, str]] = field(default_factory=list)

    def log(self, line: str, level: str = "info") -> None:
        self.lines.append((level, line))


@dataclass
class RecordingActions:
    """Every action call as `(action, message)`, in order."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    def wait(self, message: str = "") -> None:
        self.calls.append(("wait", message))

    def suspend(self, message: str = "") -> None:
        self.calls.append(("suspend", message))

    def resume(self, message: str = "") -> None:
        self.calls.append(("resume", message))

    def terminate(self, message: str = "") -> None:
        self.calls.append(("terminate", message))

    def fail(self, message: str = "") -> None:
        self.calls.append(("fail", message))

    def message(self, message: str) -> None:
        self.calls.append(("message", message))


def provider_context(
    *,
    clusters: ClusterAccess | None = None,
    secrets: SecretAccess | None = None,
    run_name: str = "run1",
    namespace: str = "default",
    step_name: str = "step1",
    step_id: str = "step1-id",
    label: str = "task",
    **extra: Any,
) -> ProviderContext:
    """A context with recording logger and actions (reach them as `ctx.logger`/`ctx.actions`)."""
    return ProviderContext(
        run_name=run_name, namespace=namespace, step_name=step_name, step_id=step_id,
        label=label, logger=RecordingLogger(), actions=RecordingActions(), clusters=clusters,
        secrets=secrets, **extra)
