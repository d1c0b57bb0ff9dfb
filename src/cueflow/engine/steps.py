"""What the scheduler hands a step type, and what it gets back (spec 2.9, 3.5).

A step type only runs the body of a step: the scheduler has already done the pending check,
the skip and timeout pre-checks and the input injection, and writes the outputs afterwards
from the scope the step type returns.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from cueflow.model import StepBase, StepPhase, StepReason, StepStatusBase
from cueflow.model.paths import get_path, parse_reference


@dataclass
class Operation:
    """Flags a step run raises for the run as a whole (spec 2.13)."""

    suspend: bool = False
    terminated: bool = False
    waiting: bool = False
    failed_after_retries: bool = False
    skip: bool = False


class StepActions:
    """The action object of one step evaluation (spec 3.5); `stopped` ends the template."""

    def __init__(self, status: StepStatusBase, operation: Operation) -> None:
        self.status = status
        self.operation = operation
        self.stopped = False

    def _say(self, message: str) -> None:
        if message:
            self.status.message = message

    def wait(self, message: str = "") -> None:
        if self.status.phase not in (StepPhase.FAILED, StepPhase.SUSPENDING):
            self.status.phase = StepPhase.RUNNING
            self.status.reason = StepReason.WAIT
            self._say(message)
        self.operation.waiting = True
        self.stopped = True

    def suspend(self, message: str = "") -> None:
        if self.status.phase != StepPhase.FAILED:
            self.status.phase = StepPhase.SUSPENDING
            self.status.reason = StepReason.SUSPEND
            self._say(message)
            self.operation.suspend = True
        self.stopped = True

    def resume(self, message: str = "") -> None:
        self.status.phase = StepPhase.SUCCEEDED
        self._say(message)
        self.operation.suspend = False

    def terminate(self, message: str = "") -> None:
        self.status.phase = StepPhase.SUCCEEDED
        self.status.reason = StepReason.TERMINATE
        self._say(message)
        self.operation.terminated = True
        self.stopped = True

    def fail(self, message: str = "") -> None:
        self.status.phase = StepPhase.FAILED
        self.status.reason = StepReason.ACTION
        self._say(message)
        self.operation.terminated = True
        self.stopped = True

    def message(self, message: str) -> None:
        self._say(message)

    def snapshot(self) -> dict[str, Any]:
        """What the actions have done so far, as data (journaled with a provider result)."""
        status, op = self.status, self.operation
        return {
            "phase": status.phase,
            "reason": status.reason,
            "message": status.message,
            "suspend": op.suspend,
            "terminated": op.terminated,
            "waiting": op.waiting,
            "stopped": self.stopped,
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Redo the effect of actions recorded by `snapshot` (a replayed provider call)."""
        status, op = self.status, self.operation
        phase = snapshot["phase"]
        status.phase = StepPhase(phase) if phase else None
        status.reason, status.message = snapshot["reason"], snapshot["message"]
        op.suspend, op.terminated, op.waiting = (
            snapshot["suspend"],
            snapshot["terminated"],
            snapshot["waiting"],
        )
        self.stopped = snapshot["stopped"]


class Scope(Protocol):
    """The final value of a step, against which `outputs[].valueFrom` is evaluated."""

    def lookup(self, expression: str) -> Any:
        """The value of a reference or script; raise LookupError with the reason."""


class DataScope:
    """A scope over plain data (context, parameter, and whatever a step exposes)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def lookup(self, expression: str) -> Any:
        path = parse_reference(expression)
        if path is None:
            from cueflow.engine import expressions

            return expressions.evaluate_script(expression, self.data)
        try:
            return get_path(self.data, path)
        except KeyError:
            raise LookupError(f"failed to lookup value: var(path={expression}) not exist") from None


class StepLog:
    """Collects a step's log lines until the engine writes them to the store."""

    def __init__(self, sink: Callable[[str, str], None]) -> None:
        self._sink = sink

    def log(self, line: str, level: str = "info") -> None:
        self._sink(line, level)


@dataclass
class StepInvocation:
    """One evaluation of one step, prepared by the scheduler."""

    step: StepBase
    status: StepStatusBase
    operation: Operation
    actions: StepActions
    context: dict[str, Any]
    parameter: dict[str, Any]
    previous: StepStatusBase | None
    run_name: str
    namespace: str
    store: dict[str, Any]
    """The run's context store (spec 2.12): `vars` plus suspend/metrics/log keys."""
    now: Callable[[], datetime]
    fail: Callable[[str, str], None]
    """`fail(reason, message)`: record a failure, counting it towards the retry limit."""
    logger: StepLog
    journal: StepJournal
    wake: Callable[[], None]
    """Ask for another pass now (asynchronous work of the step has finished)."""
    timed_out: bool = False


@dataclass
class StepJournal:
    """Provider results recorded during one attempt of a step, in call order (durable).

    Re-evaluating the template in the same attempt (after a crash) replays them instead of
    calling the provider again, so side effects are not repeated.
    """

    entries: list[dict[str, Any]] = field(default_factory=list)
    replayed: int = 0
    record: Callable[[], Awaitable[None]] | None = None

    def replay(self, key: str) -> dict[str, Any] | None:
        """The recorded entry (`result`, and `effect` of actions) of the next call, if it is
        the same call (`key`)."""
        if self.replayed < len(self.entries):
            entry = self.entries[self.replayed]
            if entry["key"] == key:
                self.replayed += 1
                return entry
            del self.entries[self.replayed :]
        return None

    async def append(self, key: str, result: Any, effect: dict[str, Any] | None = None) -> None:
        entry = {"key": key, "result": json.loads(json.dumps(result, default=str))}
        if effect is not None:
            entry["effect"] = effect
        self.entries.append(entry)
        self.replayed = len(self.entries)
        if self.record is not None:
            await self.record()

    async def before_call(self) -> None:
        """Make everything the run did so far durable before a side effect happens (after
        the first call of an attempt, each recorded result has already done so)."""
        if self.record is not None and not self.entries:
            await self.record()


class StepType(Protocol):
    """The body of a step kind: a CUE template, a built-in, or a test double."""

    async def execute(self, invocation: StepInvocation) -> Scope | None:
        """Evaluate the step; return the scope outputs read from (None: context/parameter)."""

    def pending(self, step: StepBase) -> str | None:
        """A reason to keep the step pending beyond dependsOn/inputs, or None."""
