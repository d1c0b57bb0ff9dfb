"""Test doubles for the engine: the stub step types of spec 5.0 and a harness driving them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from cueflow.engine import DataScope, Engine, EngineSettings, ManualClock, StepInvocation
from cueflow.model import StepBase, StepPhase, StepReason, parse_duration
from cueflow.model.variables import write_variable
from cueflow.providers import builtin
from cueflow.providers.base import ProviderPackage
from cueflow.store.sql import SqlStore


def cue_ready() -> bool:
    try:
        from cueflow import cue
    except ImportError:
        return False
    return hasattr(cue, "Context")


needs_cue = pytest.mark.skipif(not cue_ready(), reason="cueflow.cue has no Context yet")


class Stub:
    """A step type with a fixed behaviour; counts how often each step body ran."""

    def __init__(self, kind: str, runs: dict[str, int], ready: set[str]) -> None:
        self.kind = kind
        self.runs = runs
        self.ready = ready
        self.pending_switch = True

    def pending(self, step: StepBase) -> str | None:
        if self.kind == "pending" and self.pending_switch:
            return "pending by switch"
        return None

    async def execute(self, inv: StepInvocation) -> DataScope:
        self.runs[inv.step.name] = self.runs.get(inv.step.name, 0) + 1
        status, kind = inv.status, self.kind
        if kind == "success":
            write_variable(inv.store["vars"], ["test"], "app")
        elif kind == "failed":
            status.phase = StepPhase.FAILED
        elif kind == "failing":
            inv.fail(StepReason.EXECUTE, "always fails")
        elif kind == "failed-after-retries":
            status.phase, status.reason = StepPhase.FAILED, StepReason.FAILED_AFTER_RETRIES
            inv.operation.failed_after_retries = True
        elif kind == "terminate":
            status.phase, status.reason = StepPhase.FAILED, StepReason.TERMINATE
            inv.operation.terminated = True
        elif kind == "suspend":
            duration = inv.parameter.get("duration")
            resumed = inv.previous is not None and inv.previous.phase == StepPhase.RUNNING
            if duration:  # resumes by itself once the duration has passed
                key = f"{status.id}.resumeTimeStamp"
                due = inv.now() + parse_duration(duration)
                resume_at = datetime.fromisoformat(inv.store.setdefault(key, due.isoformat()))
                resumed = inv.now() > resume_at
            if not resumed:
                inv.actions.suspend()
        elif kind == "running":
            inv.actions.wait()
        elif kind == "error":
            raise RuntimeError("runner error")
        elif kind == "wait-with-set-var":
            write_variable(inv.store["vars"], ["saved"], True)
            inv.actions.wait()
        elif kind == "apply":  # like test-apply: waits until the test marks the step ready
            if inv.step.name not in self.ready:
                inv.actions.wait("not ready")
        elif kind == "message":
            inv.actions.message(str(inv.parameter.get("text", "")))
        return DataScope({"context": inv.context, "parameter": inv.parameter})


STUB_KINDS = (
    "success",
    "failed",
    "failing",
    "failed-after-retries",
    "terminate",
    "suspend",
    "running",
    "error",
    "wait-with-set-var",
    "pending",
    "message",
    "apply",
)


class DictCatalog:
    """Step templates by type name, visible from every namespace."""

    def __init__(self, templates: dict[str, str]) -> None:
        self.templates = templates

    def get(self, type_name: str, namespace: str) -> str | None:
        return self.templates.get(type_name)


class Harness:
    """An engine over a real store with the stub types, plus helpers to drive and inspect it."""

    def __init__(
        self,
        store: SqlStore,
        settings: EngineSettings | None = None,
        *,
        templates: dict[str, str] | None = None,
        packages: dict[str, ProviderPackage] | None = None,
    ) -> None:
        """With `templates`, step types are CUE templates (plus vela/builtin and `packages`);
        without, they are the stubs of spec 5.0."""
        self.store = store
        self.clock = ManualClock()
        self.runs: dict[str, int] = {}
        self.ready: set[str] = set()
        self.stubs = {kind: Stub(kind, self.runs, self.ready) for kind in STUB_KINDS}
        if templates is None:
            self.engine = Engine(store, clock=self.clock, settings=settings, step_types=self.stubs)
        else:
            every = {"vela/builtin": builtin.package(), **(packages or {})}
            self.engine = Engine(
                store, every, DictCatalog(templates), settings=settings, clock=self.clock
            )

    async def settle(self) -> None:
        """Wait until no run has work to do (only timers left)."""
        quiet = 0
        while quiet < 3:
            await asyncio.sleep(0.001)
            busy = any(r.wake.is_set() or r.lock.locked() for r in self.engine._runs.values())
            quiet = 0 if busy else quiet + 1

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        await self.settle()

    async def start(
        self, steps: list[dict[str, Any]], name: str = "app", **spec: Any
    ) -> dict[str, Any]:
        doc = run_doc(steps, name=name, **spec)
        await self.engine.apply(doc)
        await self.settle()
        return await self.status(name)

    async def status(self, name: str = "app") -> dict[str, Any]:
        record = await self.store.get("WorkflowRun", "default", name)
        return record.doc.get("status") or {}

    async def variables(self, name: str = "app") -> dict[str, Any]:
        record = await self.store.get("WorkflowRun", "default", name)
        return record.doc["cueflowState"]["context"]["vars"]


def run_doc(steps: list[dict[str, Any]], name: str = "app", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"workflowSpec": {"steps": steps}}
    body.update(spec)
    return {
        "apiVersion": "core.oam.dev/v1alpha1",
        "kind": "WorkflowRun",
        "metadata": {"name": name, "namespace": "default"},
        "spec": body,
    }


def steps_of(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every step and sub-step status by name."""
    found = {}
    for entry in status.get("steps", []):
        found[entry["name"]] = entry
        for sub in entry.get("subSteps", []):
            found[sub["name"]] = sub
    return found


def phases(status: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {n: (e.get("phase", ""), e.get("reason", "")) for n, e in steps_of(status).items()}
