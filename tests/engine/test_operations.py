"""Spec 5.4 and the engine API: suspend, resume, terminate, restart, retry, wait, watch."""

from __future__ import annotations

import asyncio

import pytest
from engine_harness import Harness, phases, run_doc, steps_of

from cueflow.engine import EngineError
from cueflow.engine.operations import (
    OperationError,
    restart_from,
    restart_run,
    resume_run,
    suspend_run,
    terminate_run,
)
from cueflow.engine.scheduler import Plan, RunState
from cueflow.model import StepOutput, WorkflowRun, WorkflowRunStatus


def s(name, kind="success", **extra):
    return {"name": name, "type": kind, **extra}


def group(name, subs, **extra):
    return {"name": name, "type": "step-group", "subSteps": subs, **extra}


async def test_manual_suspend_stops_progress_until_resume(harness):
    """#69."""
    await harness.start([s("s1", "running"), s("s2")])
    await harness.engine.suspend("default", "app")
    status = await harness.status()
    assert status["suspend"] is True and steps_of(status)["s1"]["phase"] == "suspending"
    runs = harness.runs["s1"]
    await harness.advance(120)
    assert harness.runs["s1"] == runs  # a manually suspended run does not run at all
    harness.stubs["running"].kind = "success"
    await harness.engine.resume("default", "app")
    await harness.settle()
    status = await harness.status()
    assert status["status"] == "succeeded" and status["suspend"] is False


async def test_suspend_errors(harness):
    """#69 and #71."""
    await harness.start([s("s1", "running"), s("s2")])
    with pytest.raises(EngineError, match="can not find step nope"):
        await harness.engine.suspend("default", "app", step="nope")
    await harness.engine.terminate("default", "app")
    await harness.settle()
    with pytest.raises(EngineError, match="can not suspend a terminated workflow"):
        await harness.engine.suspend("default", "app")
    with pytest.raises(EngineError, match="can not resume a terminated workflow"):
        await harness.engine.resume("default", "app")


async def test_suspend_and_resume_single_sub_step(harness):
    """#69 and #71, one sub-step."""
    await harness.start([group("g", [s("sub1", "running"), s("sub2", "running")])])
    await harness.engine.suspend("default", "app", step="sub1")
    status = await harness.status()
    got = phases(status)
    assert got["sub1"][0] == "suspending" and got["sub2"][0] == "running"
    assert got["g"][0] == "running"
    with pytest.raises(EngineError, match="can not find step sub2"):
        await harness.engine.resume("default", "app", step="sub2")
    await harness.engine.resume("default", "app", step="sub1")
    status = await harness.status()
    assert phases(status)["sub1"][0] == "running" and status["suspend"] is False


async def test_resume_of_not_suspended_run_changes_nothing(harness):
    """#71."""
    before = await harness.start([s("s1", "running")])
    await harness.engine.resume("default", "app", step="whatever")
    after = await harness.status()
    assert phases(after) == phases(before) and after["suspend"] is False


async def test_terminate_marks_running_failed_and_skips_rest(harness):
    """#27."""
    await harness.start([s("s1", "suspend"), s("s2")])
    await harness.engine.terminate("default", "app")
    await harness.settle()
    status = await harness.status()
    assert status["status"] == "terminated"
    assert (
        status["terminated"] is True and status["suspend"] is False and status["finished"] is True
    )
    got = phases(status)
    assert got["s1"] == ("failed", "Terminate") and got["s2"] == ("skipped", "Skip")
    assert "s2" not in harness.runs


async def test_terminate_keeps_timeout_and_after_retries_reasons(harness):
    """#70."""
    subs = [s("a", "running"), s("b", "failed-after-retries"), s("c", "failing")]
    await harness.start([group("g", subs), s("after", **{"if": "always"})])
    await harness.engine.terminate("default", "app")
    await harness.settle()
    status = await harness.status()
    got = phases(status)
    assert got["a"] == ("failed", "Terminate")
    assert got["b"] == ("failed", "FailedAfterRetries")
    assert got["c"] == ("failed", "Terminate")
    assert got["after"] == ("succeeded", "")
    # the group was running when terminated, so it ends failed/Terminate: a manual termination
    assert phases(status)["g"] == ("failed", "Terminate")
    assert status["status"] == "terminated"


async def test_restart_whole_run(harness):
    """#73."""
    status = await harness.start([s("s1", "failed-after-retries")])
    assert status["status"] == "failed"
    old_id = steps_of(status)["s1"]["id"]
    harness.stubs["failed-after-retries"].kind = "success"
    await harness.engine.restart("default", "app")
    await harness.settle()
    status = await harness.status()
    assert status["status"] == "succeeded"
    assert steps_of(status)["s1"]["id"] != old_id
    assert await harness.variables() == {"test": "app"}


async def test_restart_from_step_errors(harness):
    """#74."""
    await harness.start([s("s1"), s("s2", "failed-after-retries")])
    with pytest.raises(EngineError, match="not found"):
        await harness.engine.restart("default", "app", step="nope")
    with pytest.raises(EngineError, match="can not restart from a non-failed step"):
        await harness.engine.restart("default", "app", step="s1")


def _out(name):
    return [{"name": f"{name}-output1", "valueFrom": "context.stepName"}]


async def test_restart_from_step_in_step_by_step_mode(harness):
    """#75."""
    status = await harness.start(
        [
            s("step1", outputs=_out("step1")),
            s("step2", "failed-after-retries", outputs=_out("step2")),
            s("step3", outputs=_out("step3")),
        ]
    )
    assert status["status"] == "failed"
    step1_id = steps_of(status)["step1"]["id"]
    harness.stubs["failed-after-retries"].kind = "success"
    runs = harness.runs["step1"]
    await harness.engine.restart("default", "app", step="step2")
    await harness.settle()
    status = await harness.status()
    assert status["status"] == "succeeded"
    assert steps_of(status)["step1"]["id"] == step1_id and harness.runs["step1"] == runs
    variables = await harness.variables()
    assert variables["step2-output1"] == "step2" and variables["step3-output1"] == "step3"


async def test_restart_from_step_in_dag_removes_consumers(harness):
    """#76."""
    doc = run_doc(
        [
            s("step1", dependsOn=["step3"], outputs=_out("step1")),
            s("step2", outputs=_out("step2")),
            s("step3", inputs=[{"from": "step2-output1"}], outputs=_out("step3")),
            s("step4", outputs=_out("step4")),
        ],
        mode={"steps": "DAG"},
    )
    doc["status"] = {
        "mode": {"steps": "DAG", "subSteps": "DAG"},
        "finished": True,
        "terminated": True,
        "steps": [
            {
                "name": n,
                "id": n,
                "phase": "failed" if n == "step2" else "succeeded",
                "reason": "Timeout",
            }
            for n in ("step1", "step2", "step3", "step4")
        ],
    }
    run = WorkflowRun.model_validate(doc)
    state = RunState(run=run, store={"vars": {f"step{i}-output1": i for i in range(1, 5)}})
    restart_from(state, Plan(run.spec.workflow_spec.steps, run.spec.mode), "step2")
    assert [e.name for e in state.status.steps] == ["step4"]
    assert state.variables == {"step4-output1": 4}
    assert not state.status.finished and not state.status.terminated


async def test_restart_from_sub_step(harness):
    """#77."""
    subs = [
        s("step2-sub1", outputs=_out("sub1")),
        s("step2-sub2", "failed-after-retries", outputs=_out("sub2")),
        s("step2-sub3"),
    ]
    status = await harness.start(
        [s("step1"), group("step2", subs, mode="StepByStep"), s("step3")],
        mode={"subSteps": "StepByStep"},
    )
    assert status["status"] == "failed"
    sub1_id = steps_of(status)["step2-sub1"]["id"]
    harness.stubs["failed-after-retries"].kind = "success"
    await harness.engine.restart("default", "app", step="step2-sub2")
    await harness.settle()
    status = await harness.status()
    assert status["status"] == "succeeded"
    assert steps_of(status)["step2-sub1"]["id"] == sub1_id
    assert phases(status)["step3"] == ("succeeded", "")


async def test_rollback_is_refused_and_changes_nothing(harness):
    """#72, on a run in progress and on a finished one."""
    await harness.start([s("s1", "suspend")])
    await harness.start([s("s1")], name="done")
    for name in ("app", "done"):
        before = await harness.store.get("WorkflowRun", "default", name)
        with pytest.raises(EngineError, match=r"^can not rollback a WorkflowRun$"):
            await harness.engine.rollback("default", name)
        await harness.settle()
        after = await harness.store.get("WorkflowRun", "default", name)
        assert after.version == before.version and after.doc == before.doc
    assert (await harness.status())["status"] == "suspending"


async def test_retry_now_skips_the_backoff(harness):
    await harness.start([s("s1", "failing")])
    for _ in range(8):
        await harness.advance(60)
    runs = harness.runs["s1"]
    await harness.engine.retry("default", "app", "s1")
    await harness.settle()
    assert harness.runs["s1"] == runs + 1


async def test_wait_and_watch(harness):
    await harness.start([s("s1", "suspend"), s("s2")])
    events = []

    async def follow():
        async for event in harness.engine.watch("default", "app"):
            events.append(event)

    follower = asyncio.create_task(follow())
    waiter = asyncio.create_task(harness.engine.wait("default", "app", timeout=5))
    await harness.settle()
    await harness.engine.resume("default", "app")
    record = await waiter
    await asyncio.wait_for(follower, 5)
    assert record.doc["status"]["status"] == "succeeded" and record.finished
    assert events[0].phase == "suspending"
    assert events[-1].phase == "succeeded"


async def test_workflow_ref_and_mode_inheritance(harness):
    """#1."""
    await harness.engine.apply(
        {
            "apiVersion": "core.oam.dev/v1alpha1",
            "kind": "Workflow",
            "metadata": {"name": "workflow", "namespace": "default"},
            "mode": {"steps": "DAG"},
            "steps": [s("suspend", "suspend")],
        }
    )
    doc = run_doc([], name="a")
    doc["spec"] = {"workflowRef": "workflow"}
    await harness.engine.apply(doc)
    await harness.settle()
    status = await harness.status("a")
    assert status["status"] == "suspending" and status["suspend"] is True
    assert status["mode"] == {"steps": "DAG", "subSteps": "DAG"}
    doc = run_doc([], name="b")
    doc["spec"] = {
        "workflowRef": "workflow",
        "mode": {"steps": "StepByStep", "subSteps": "StepByStep"},
    }
    await harness.engine.apply(doc)
    await harness.settle()
    assert (await harness.status("b"))["mode"] == {"steps": "StepByStep", "subSteps": "StepByStep"}


async def test_missing_workflow_ref_rejected_at_apply(harness):
    doc = run_doc([])
    doc["spec"] = {"workflowRef": "missing"}
    with pytest.raises(EngineError, match="failed to get workflow ref"):
        await harness.engine.apply(doc)


async def test_unknown_step_type_keeps_run_initializing(harness):
    """#2."""
    status = await harness.start([s("s1", "invalid")])
    assert status["status"] == "initializing"
    condition = status["conditions"][0]
    assert condition["reason"] == "ReconcileError"
    assert "fail to generate workflow runners" in condition["message"]


async def test_engine_restart_resumes_unfinished_runs(store):
    first = Harness(store)
    await first.engine.start()
    await first.start([s("s1", "suspend"), s("s2")])
    await first.engine.stop()
    second = Harness(store)
    await second.engine.start()
    try:
        await second.settle()
        assert (await second.status())["status"] == "suspending"
        await second.engine.resume("default", "app")
        await second.settle()
        status = await second.status()
        assert status["status"] == "succeeded"
        # s1 is looked at once on start (still suspended) and once after the resume
        assert second.runs == {"s1": 2, "s2": 1}
    finally:
        await second.engine.stop()


async def test_requests_recorded_while_no_engine_ran_are_acted_on(store):
    first = Harness(store)
    await first.engine.start()
    await first.start([s("s1", "suspend")])
    await first.engine.stop()
    await store.add_request("default/app", "resume", {})
    second = Harness(store)
    await second.engine.start()
    try:
        await second.settle()
        assert (await second.status())["status"] == "succeeded"
    finally:
        await second.engine.stop()


async def test_delete_stops_the_run_and_removes_it(harness):
    from cueflow.store.base import NotFound

    await harness.start([s("s1", "running")])
    waiter = asyncio.create_task(harness.engine.wait("default", "app"))
    await harness.settle()
    await harness.engine.delete("WorkflowRun", "default", "app")
    with pytest.raises(NotFound):
        await waiter
    await harness.advance(5)
    with pytest.raises(NotFound):
        await harness.store.get("WorkflowRun", "default", "app")


async def test_reapplying_finished_run_unchanged_does_nothing(harness):
    await harness.start([s("s1")])
    first = await harness.store.get("WorkflowRun", "default", "app")
    again = await harness.engine.apply(run_doc([s("s1")]))
    assert again.version == first.version and harness.runs["s1"] == 1
    await harness.engine.apply(run_doc([s("s1"), s("s2")]))
    await harness.settle()
    assert phases(await harness.status()) == {"s1": ("succeeded", ""), "s2": ("succeeded", "")}
    assert harness.runs["s1"] == 2


def _state(steps: list[dict], mode: str = "StepByStep", **status) -> RunState:
    """A run whose status holds `steps` (each `{name, phase, reason?, subSteps?}`)."""
    spec_steps = []
    for entry in steps:
        subs = [{"name": sub["name"], "type": "success"} for sub in entry.get("subSteps", [])]
        if subs:
            spec_steps.append({"name": entry["name"], "type": "step-group", "subSteps": subs})
        else:
            spec_steps.append({"name": entry["name"], "type": "success"})
    doc = run_doc(spec_steps)
    doc["status"] = {"mode": {"steps": mode, "subSteps": mode}, "steps": steps, **status}
    return RunState(run=WorkflowRun.model_validate(doc))


def _phases(state: RunState) -> dict[str, tuple[str, str]]:
    return phases(state.status.to_dict())


def _entry(name, phase, reason=None, subs=None):
    entry = {"name": name, "id": name, "phase": phase}
    if reason:
        entry["reason"] = reason
    if subs:
        entry["subSteps"] = subs
    return entry


def _suspend_fixture() -> RunState:
    return _state(
        [
            _entry(
                "step1", "running", subs=[_entry("sub1", "running"), _entry("sub2", "succeeded")]
            ),
            _entry("step2", "succeeded", subs=[_entry("sub3", "running")]),
            _entry("step3", "running"),
        ]
    )


def test_suspend_operation():
    """#69, on the status itself."""
    state = _state([], terminated=True)
    with pytest.raises(OperationError, match="can not suspend a terminated workflow"):
        suspend_run(state)
    state = _state([])
    suspend_run(state)
    assert state.status.suspend is True
    with pytest.raises(OperationError, match="can not find"):
        suspend_run(_suspend_fixture(), "not-found")
    state = _suspend_fixture()
    suspend_run(state)
    assert {n: p for n, (p, _) in _phases(state).items()} == {
        "step1": "suspending",
        "sub1": "suspending",
        "sub2": "succeeded",
        "step2": "succeeded",
        "sub3": "suspending",
        "step3": "suspending",
    }
    state = _suspend_fixture()
    suspend_run(state, "step1")
    got = {n: p for n, (p, _) in _phases(state).items()}
    assert (got["step1"], got["sub1"], got["sub3"], got["step3"]) == (
        "suspending",
        "suspending",
        "running",
        "running",
    )
    state = _suspend_fixture()
    suspend_run(state, "sub1")
    got = {n: p for n, (p, _) in _phases(state).items()}
    assert (got["sub1"], got["step1"], got["sub3"]) == ("suspending", "running", "running")


def test_terminate_operation():
    """#70, on the status itself."""
    subs = [
        _entry("a", "running"),
        _entry("b", "failed", "FailedAfterRetries"),
        _entry("c", "failed", "Timeout"),
        _entry("d", "failed", "Execute"),
        _entry("e", "pending"),
    ]
    state = _state(
        [
            _entry("step1", "running", subs=subs),
            _entry("step2", "failed", "Execute"),
            _entry("step3", "failed", "FailedAfterRetries"),
            _entry("step4", "suspending", "Suspend"),
        ],
        suspend=True,
    )
    terminate_run(state)
    assert state.status.suspend is False and state.status.terminated is True
    assert _phases(state) == {
        "step1": ("failed", "Terminate"),
        "a": ("failed", "Terminate"),
        "b": ("failed", "FailedAfterRetries"),
        "c": ("failed", "Timeout"),
        "d": ("failed", "Terminate"),
        "e": ("pending", ""),
        "step2": ("failed", "Terminate"),
        "step3": ("failed", "FailedAfterRetries"),
        "step4": ("failed", "Terminate"),
    }


def _resume_fixture() -> RunState:
    return _state(
        [
            _entry(
                "step1",
                "suspending",
                subs=[_entry("sub-step1", "suspending"), _entry("sub-step2", "suspending")],
            ),
            _entry("step2", "suspending"),
        ],
        suspend=True,
    )


def test_resume_operation():
    """#71, on the status itself."""
    state = _state([_entry("step1", "running")])
    before = state.status.to_dict()
    resume_run(state)
    resume_run(state, "not-found")
    assert state.status.to_dict() == before
    state = _state([], suspend=True)
    resume_run(state)
    assert state.status.suspend is False
    with pytest.raises(OperationError, match="can not find step not-found"):
        resume_run(_resume_fixture(), "not-found")
    state = _resume_fixture()
    resume_run(state)
    assert state.status.suspend is False
    assert {p for p, _ in _phases(state).values()} == {"running"}
    state = _resume_fixture()
    resume_run(state, "step1")
    got = {n: p for n, (p, _) in _phases(state).items()}
    assert got == {
        "step1": "running",
        "sub-step1": "running",
        "sub-step2": "running",
        "step2": "suspending",
    }
    state = _resume_fixture()
    resume_run(state, "sub-step1")
    got = {n: p for n, (p, _) in _phases(state).items()}
    assert (got["sub-step1"], got["sub-step2"], got["step1"]) == (
        "running",
        "suspending",
        "suspending",
    )


def test_restart_operation_empties_status_and_context():
    """#73, on the state itself: the context store goes with the status."""
    state = _state(
        [_entry("step1", "failed", "FailedAfterRetries")],
        terminated=True,
        finished=True,
        contextBackend={"name": "workflow-app-context", "namespace": "default"},
    )
    state.variables["out"] = 1
    state.store["step1.resumeTimeStamp"] = "2026-01-01T00:00:00+00:00"
    restart_run(state)
    assert state.status == WorkflowRunStatus()
    assert state.store == {"vars": {}}


def test_restart_from_step_keeps_what_came_before():
    """#75, on the state itself."""
    state = _state(
        [
            _entry("step1", "succeeded"),
            _entry("step2", "failed", "FailedAfterRetries"),
            _entry("step3", "skipped", "Skip"),
        ],
        terminated=True,
        suspend=True,
        finished=True,
        endTime="2026-01-01T00:00:00Z",
        contextBackend={"name": "workflow-app-context", "namespace": "default"},
    )
    spec = state.run.spec.workflow_spec.steps
    for step in spec:
        step.outputs = [StepOutput(name=f"{step.name}-output1", value_from="context.name")]
        state.variables[f"{step.name}-output1"] = "app"
    restart_from(state, Plan(spec, None), "step2")
    status = state.status.to_dict()
    assert [e["name"] for e in status["steps"]] == ["step1"]
    assert state.variables == {"step1-output1": "app"}
    assert not status.get("terminated") and not status.get("suspend")
    assert not status.get("finished") and "endTime" not in status
    assert status["mode"] == {"steps": "StepByStep", "subSteps": "StepByStep"}
    assert status["contextBackend"]["name"] == "workflow-app-context"


def test_restart_from_sub_step_on_the_state():
    """#77, on the state itself."""
    subs = [
        _entry("step2-sub1", "succeeded"),
        _entry("step2-sub2", "failed", "FailedAfterRetries"),
        _entry("step2-sub3", "skipped", "Skip"),
    ]
    state = _state(
        [
            _entry("step1", "succeeded"),
            _entry("step2", "failed", "FailedAfterRetries", subs=subs),
            _entry("step3", "skipped", "Skip"),
        ],
        terminated=True,
    )
    spec = state.run.spec.workflow_spec.steps
    group_spec = spec[1]
    for step in group_spec.sub_steps:
        step.outputs = [StepOutput(name=f"{step.name}-output", value_from="context.name")]
        state.variables[f"{step.name}-output"] = "app"
    restart_from(state, Plan(spec, None), "step2-sub2")
    status = state.status.to_dict()
    assert [e["name"] for e in status["steps"]] == ["step1", "step2"]
    group_entry = status["steps"][1]
    assert [e["name"] for e in group_entry["subSteps"]] == ["step2-sub1"]
    assert group_entry["phase"] == "running" and "reason" not in group_entry
    assert state.variables == {"step2-sub1-output": "app"}
