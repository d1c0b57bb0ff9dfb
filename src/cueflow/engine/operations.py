"""Manual operations on a run's status (spec 2.14.2, 2.14.3): suspend, resume, terminate, restart
(rollback is refused).

Pure functions of the state; the engine persists the result and wakes the run.
"""

from __future__ import annotations

from collections.abc import Sequence

from cueflow.engine.scheduler import Plan, RunState
from cueflow.model import (
    Mode,
    RunPhase,
    StepBase,
    StepPhase,
    StepReason,
    StepStatus,
    StepStatusBase,
    WorkflowRunStatus,
    is_step_finished,
)


class OperationError(Exception):
    """The operation does not apply to the run in its current state."""


def _finished(entry: StepStatusBase) -> bool:
    return is_step_finished(entry.phase or "", entry.reason or "")


def _move_phase(
    status: WorkflowRunStatus, step: str | None, source: StepPhase, target: StepPhase
) -> bool:
    """Move the steps and sub-steps in `source` (all, or the one named `step`) to `target`;
    a moved group takes its unfinished sub-steps along. True when something moved."""
    found = False
    for entry in status.steps or []:
        if entry.phase == source and step in (None, entry.name):
            entry.phase = target
            found = True
            for sub in entry.sub_steps or []:
                if not _finished(sub):
                    sub.phase = target
        for sub in entry.sub_steps or []:
            if sub.phase == source and step in (None, sub.name):
                sub.phase = target
                found = True
    return found


def suspend_run(state: RunState, step: str | None = None) -> None:
    status = state.status
    if status.terminated:
        raise OperationError("can not suspend a terminated workflow")
    found = _move_phase(status, step, StepPhase.RUNNING, StepPhase.SUSPENDING)
    if step is not None and not found:
        raise OperationError(f"can not find step {step}: it is not running")
    status.suspend = True


def resume_run(state: RunState, step: str | None = None) -> None:
    status = state.status
    if status.terminated:
        raise OperationError("can not resume a terminated workflow")
    if not status.suspend:
        return
    found = _move_phase(status, step, StepPhase.SUSPENDING, StepPhase.RUNNING)
    if step is not None and not found:
        raise OperationError(f"can not find step {step}")
    status.suspend = False


def terminate_run(state: RunState) -> None:
    status = state.status
    if status.finished:
        raise OperationError("can not terminate a finished workflow")
    status.terminated = True
    status.suspend = False
    for entry in status.steps or []:
        for item in [entry, *(entry.sub_steps or [])]:
            if item.phase == StepPhase.FAILED:
                if item.reason not in (StepReason.FAILED_AFTER_RETRIES, StepReason.TIMEOUT):
                    item.reason = StepReason.TERMINATE
            elif item.phase in (StepPhase.RUNNING, StepPhase.SUSPENDING):
                item.phase, item.reason = StepPhase.FAILED, StepReason.TERMINATE


def restart_run(state: RunState) -> None:
    """Forget everything: status, variables, counters; the next pass starts afresh."""
    state.run.status = WorkflowRunStatus()
    state.store = {"vars": {}}
    state.journal.clear()
    state.debug.clear()
    state.drop_counters()


ROLLBACK_REFUSED = "can not rollback a WorkflowRun"


def rollback_run(state: RunState) -> None:
    """Always refused (spec 2.14.3): a WorkflowRun keeps no revisions to go back to."""
    raise OperationError(ROLLBACK_REFUSED)


def _dependants(steps: Sequence[StepBase], start: str, mode: Mode) -> list[str]:
    """`start` and every sibling that depends on it (spec 2.14.3)."""
    names = [s.name for s in steps]
    if mode == Mode.STEP_BY_STEP:
        return names[names.index(start) :]
    removed = [start]
    outputs = {o.name for s in steps if s.name == start for o in s.outputs or []}
    changed = True
    while changed:
        changed = False
        for s in steps:
            if s.name in removed:
                continue
            consumes = any(i.from_.split(".")[0] in outputs for i in s.inputs or [])
            if consumes or any(d in removed for d in s.depends_on or []):
                removed.append(s.name)
                outputs |= {o.name for o in s.outputs or []}
                changed = True
    return removed


def _drop_variables(state: RunState, steps: Sequence[StepBase], names: Sequence[str]) -> None:
    for s in steps:
        if s.name in names:
            for output in s.outputs or []:
                state.variables.pop(output.name.split(".")[0], None)


def restart_from(state: RunState, plan: Plan, step: str) -> None:
    """Restart from a failed step or sub-step: drop it, its dependants and their outputs."""
    status = state.status
    top = {e.name: e for e in status.steps or []}
    parent: StepStatus | None = None
    entry: StepStatusBase | None = top.get(step)
    if entry is None:
        for candidate in status.steps or []:
            for sub in candidate.sub_steps or []:
                if sub.name == step:
                    parent, entry = candidate, sub
    if entry is None:
        raise OperationError(f"step {step} not found")
    if entry.phase != StepPhase.FAILED:
        raise OperationError("can not restart from a non-failed step")
    mode = status.mode.steps if status.mode and status.mode.steps else Mode.STEP_BY_STEP
    restart_top = step
    if parent is not None:
        group = next(s for s in plan.steps if s.name == parent.name)
        sub_mode = status.mode.sub_steps if status.mode and status.mode.sub_steps else Mode.DAG
        subs = group.sub_steps or []
        gone = _dependants(subs, step, sub_mode)
        _drop_variables(state, subs, gone)
        _forget(state, [s for s in parent.sub_steps or [] if s.name in gone])
        parent.sub_steps = [s for s in parent.sub_steps or [] if s.name not in gone]
        parent.phase, parent.reason = StepPhase.RUNNING, None
        removed = [n for n in _dependants(plan.steps, parent.name, mode) if n != parent.name]
    else:
        removed = _dependants(plan.steps, restart_top, mode)
    _drop_variables(state, plan.steps, removed)
    _forget(state, [e for e in status.steps or [] if e.name in removed])
    status.steps = [e for e in status.steps or [] if e.name not in removed]
    status.terminated = status.suspend = status.finished = False
    status.end_time = None
    status.status = RunPhase.EXECUTING
    status.conditions = None


def _forget(state: RunState, entries: Sequence[StepStatusBase]) -> None:
    for entry in entries:
        for item in [entry, *(getattr(entry, "sub_steps", None) or [])]:
            state.failed_times.pop(item.id, None)
            state.backoff_times.pop(item.id, None)
            state.backoff_reason.pop(item.id, None)
            state.journal.pop(item.id, None)
            for key in [k for k in state.store if k.startswith(f"{item.id}.")]:
                del state.store[key]
