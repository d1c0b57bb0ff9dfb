"""Spec 2.14.4 and 5.2 #43-45: when the engine looks at a run again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cueflow.engine import EngineSettings
from cueflow.engine.scheduler import EnginePass, Plan, RunState
from cueflow.model import WorkflowRun, WorkflowStep

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def make_pass(step: dict, entry: dict, store: dict | None = None) -> EnginePass:
    run = WorkflowRun.model_validate(
        {
            "apiVersion": "core.oam.dev/v1alpha1",
            "kind": "WorkflowRun",
            "metadata": {"name": "app"},
            "spec": {"workflowSpec": {"steps": [step]}},
            "status": {"steps": [{"name": step["name"], "id": "id1", **entry}]},
        }
    )
    state = RunState(run=run, store={"vars": {}, **(store or {})})
    plan = Plan([WorkflowStep.model_validate(step)], None)

    async def nothing() -> None: ...

    engine_pass = EnginePass(
        state, plan, lambda t: None, EngineSettings(), lambda: NOW, nothing, lambda *a: None
    )
    engine_pass.build_index()
    return engine_pass


def test_running_step_timeout_caps_the_backoff():
    """#44."""
    first = (NOW - timedelta(seconds=0)).isoformat()
    p = make_pass(
        {"name": "s", "type": "x", "timeout": "30s"},
        {"phase": "running", "firstExecuteTime": first},
    )
    p.state.backoff_times["id1"] = 12
    assert 30 <= p.backoff_interval().total_seconds() < 30.1
    p.state.backoff_times["id1"] = 3
    assert p.backoff_interval().total_seconds() == 1


@pytest.mark.parametrize(
    ("timeout", "resume_in", "expected"),
    [
        (None, None, None),
        ("1m", None, 60),
        (None, 30, 30),
        ("1m", 30, 30),
        ("30s", 60, 30),
        ("test", 30, None),
    ],
)
def test_suspend_wait_time(timeout, resume_in, expected):
    """#45."""
    step = {"name": "s", "type": "suspend"}
    if timeout:
        step["timeout"] = timeout
    store = {}
    if resume_in is not None:
        store["id1.resumeTimeStamp"] = (NOW + timedelta(seconds=resume_in)).isoformat()
    p = make_pass(step, {"phase": "suspending", "firstExecuteTime": NOW.isoformat()}, store)
    wait = p.suspend_wait()
    assert (wait.total_seconds() if wait is not None else None) == expected


def test_backoff_grows_then_caps_at_the_failed_limit():
    """#43, while a step is failed."""
    p = make_pass({"name": "s", "type": "x"}, {"phase": "failed", "reason": "Execute"})
    seconds = []
    for count in range(14):
        p.state.backoff_times["id1"] = count
        seconds.append(p.backoff_interval().total_seconds())
    assert seconds == [1, 1, 1, 1, 1, 1, 3, 6, 12, 25, 51, 102, 204, 300]
