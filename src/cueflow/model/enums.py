"""Phases, reasons and modes of runs and steps (spec 1.7), as the only place their spellings live."""

from __future__ import annotations

from enum import StrEnum


class RunPhase(StrEnum):
    """`WorkflowRun.status.status`."""

    INITIALIZING = "initializing"
    EXECUTING = "executing"
    SUSPENDING = "suspending"
    TERMINATED = "terminated"
    FAILED = "failed"
    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"  # internal: a pass that did nothing; never persisted


class StepPhase(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    RUNNING = "running"
    PENDING = "pending"
    SUSPENDING = "suspending"


class StepReason(StrEnum):
    """The `reason` of a step status; empty string means "no reason"."""

    WAIT = "Wait"
    SKIP = "Skip"
    RENDERING = "Rendering"
    EXECUTE = "Execute"
    SUSPEND = "Suspend"
    TERMINATE = "Terminate"
    PROCESS_PARAMETER = "ProcessParameter"
    INPUT = "Input"
    OUTPUT = "Output"
    FAILED_AFTER_RETRIES = "FailedAfterRetries"
    TIMEOUT = "Timeout"
    ACTION = "Action"


class Mode(StrEnum):
    STEP_BY_STEP = "StepByStep"
    DAG = "DAG"


FINISHED_RUN_PHASES = frozenset({RunPhase.SUCCEEDED, RunPhase.FAILED, RunPhase.TERMINATED})

AUTO_SUSPEND_MESSAGE = (
    "The workflow suspends automatically because the failed times of steps have reached the limit"
)


def is_step_finished(phase: str, reason: str, *, suspend_on_failure: bool = False) -> bool:
    """Spec 2.5: failed counts as finished only with a non-empty, non-Execute reason."""
    if suspend_on_failure:
        return phase == StepPhase.SUCCEEDED
    if phase in (StepPhase.SUCCEEDED, StepPhase.SKIPPED):
        return True
    if phase == StepPhase.FAILED:
        return bool(reason) and reason != StepReason.EXECUTE
    return False
