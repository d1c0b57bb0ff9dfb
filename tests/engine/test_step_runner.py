"""Spec 5.3 at the level of one step: pre-checks, pending, inputs, `if` and the group runner,
through `EnginePass` with the stub step types (no store, no event loop timers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from engine_harness import STUB_KINDS, Stub, needs_cue

from cueflow.engine import EngineSettings
from cueflow.engine.expressions import IfError, evaluate_if
from cueflow.engine.scheduler import EnginePass, Plan, RunState
from cueflow.model import RunPhase, StepStatusBase, WorkflowRun

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def s(name: str, kind: str = "success", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, **extra}


def make_pass(
    steps: list[dict[str, Any]],
    entries: list[dict[str, Any]] | None = None,
    variables: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    **status: Any,
) -> EnginePass:
    spec: dict[str, Any] = {"workflowSpec": {"steps": steps}}
    if context:
        spec["context"] = context
    run = WorkflowRun.model_validate(
        {
            "apiVersion": "core.oam.dev/v1alpha1",
            "kind": "WorkflowRun",
            "metadata": {"name": "app", "namespace": "default"},
            "spec": spec,
            "status": {"startTime": NOW.isoformat(), "steps": entries or [], **status},
        }
    )
    stubs = {kind: Stub(kind, {}, set()) for kind in STUB_KINDS}

    async def checkpoint() -> None: ...

    engine_pass = EnginePass(
        RunState(run=run, store={"vars": dict(variables or {})}),
        Plan(run.spec.workflow_spec.steps, None),
        stubs.__getitem__,
        EngineSettings(),
        lambda: NOW,
        checkpoint,
        lambda *a: None,
    )
    engine_pass.build_index()
    return engine_pass


async def test_missing_input_when_run_directly_fails_with_input():
    """#57: past the pending check (run directly), a missing input is a final failure."""
    p = make_pass([s("s", inputs=[{"from": "podIP", "parameterKey": "x"}])])
    status, op = await p.run_step(p.plan.steps[0], None, "succeeded")
    assert (status.phase, status.reason) == ("failed", "Input")
    assert (
        status.message
        == "get input from [podIP]: failed to lookup value: var(path=podIP) not exist"
    )
    assert not op.waiting


def test_pending_on_input_and_on_depends_on():
    """#60."""
    step = s("s", inputs=[{"from": "score"}])
    p = make_pass([step])
    assert p.pending_reason(p.plan.steps[0], None) == "Pending on Input: score"
    p = make_pass([step], variables={"score": 100})
    assert p.pending_reason(p.plan.steps[0], None) is None
    steps = [s("depend", "running"), s("s", dependsOn=["depend"])]
    for entries, expected in [
        ([], "Pending on DependsOn: depend"),
        ([{"name": "depend", "id": "d", "phase": "running"}], "Pending on DependsOn: depend"),
        (
            [{"name": "depend", "id": "d", "phase": "failed", "reason": "Execute"}],
            "Pending on DependsOn: depend",
        ),
        ([{"name": "depend", "id": "d", "phase": "succeeded"}], None),
        ([{"name": "depend", "id": "d", "phase": "failed", "reason": "Timeout"}], None),
    ]:
        p = make_pass(steps, entries)
        assert p.pending_reason(p.plan.steps[1], None) == expected, entries


async def test_skip_and_timeout_pre_checks():
    """#61."""
    p = make_pass([s("s")])
    status, op = await p.run_step(p.plan.steps[0], None, "failed")
    assert (status.phase, status.reason) == ("skipped", "Skip") and op.skip
    started = (NOW - timedelta(seconds=2)).isoformat()
    p = make_pass(
        [s("s", timeout="1s")],
        [{"name": "s", "id": "a", "phase": "running", "firstExecuteTime": started}],
    )
    status, op = await p.run_step(p.plan.steps[0], None, "succeeded")
    assert (status.phase, status.reason) == ("failed", "Timeout") and op.terminated


@needs_cue
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("status.step1.timeout", True),
        ('context.name == "app"', True),
        ('context.arr[0] == "a"', True),
        ('parameter.key == "value"', True),
        ('status.step1.phase != "failed"', True),
        ('inputs.test == "yes"', True),
        ('inputs["context.arr[0]"] == "a"', True),
        ('inputs["test-input"] == "yes"', "invalid if value"),
        ('inputs["test-struct"].hello == "world"', True),
        ("status.step1-test.timeout", "invalid if value"),
        ('status["step1-test"].timeout', True),
        ("test == true", "invalid if value"),
    ],
)
def test_if_expressions(expression, expected):
    """#62."""
    step = s(
        "s",
        properties={"key": "value"},
        inputs=[
            {"from": "test"},
            {"from": "context.arr[0]"},
            {"from": "test-input"},
            {"from": "test-struct"},
        ],
    )
    p = make_pass(
        [step],
        [
            {"name": "step1", "id": "a", "phase": "succeeded", "reason": "Timeout"},
            {"name": "step1-test", "id": "b", "phase": "failed", "reason": "Timeout"},
        ],
        variables={"test": "yes", "test-struct": {"hello": "world"}},
        context={"arr": ["a", "b"]},
    )
    spec = p.plan.steps[0]
    document = p.if_document(spec, p.basic_value(spec, None, "id"))
    if expected is True:
        assert evaluate_if(expression, document) is True
    else:
        with pytest.raises(IfError, match=expected):
            evaluate_if(expression, document)


def test_backoff_counter():
    """#66: the first increment of an unknown step gives 0; from 10 the next is 11."""
    p = make_pass([s("s")])
    p.bump_backoff("a", "waiting")
    assert p.state.backoff_times["a"] == 0
    p.state.backoff_times["a"] = 10
    p.bump_backoff("a", "waiting")
    assert p.state.backoff_times["a"] == 11


async def test_group_runner():
    """#67: a group's pending, skip and timeout pre-checks, and how its phase follows its
    sub-steps."""
    group = {"name": "g", "type": "step-group", "subSteps": [s("a"), s("b")]}
    p = make_pass([s("x", "running"), {**group, "dependsOn": ["x"]}])
    assert p.pending_reason(p.plan.steps[1], None) == "Pending on DependsOn: x"
    p = make_pass([group])
    status, op = await p.run_step(p.plan.steps[0], None, "failed")
    assert (status.phase, status.reason) == ("skipped", "Skip") and op.skip
    started = (NOW - timedelta(seconds=2)).isoformat()
    p = make_pass(
        [{**group, "timeout": "1s"}],
        [{"name": "g", "id": "g", "phase": "running", "firstExecuteTime": started}],
    )
    status, op = await p.run_step(p.plan.steps[0], None, "succeeded")
    assert (status.phase, status.reason) == ("failed", "Timeout") and op.terminated
    subs = p.plan.steps[0].sub_steps

    def aggregate(*phases: str) -> str:
        status = StepStatusBase(name="g")
        entries = [StepStatusBase(name=n, phase=ph) for n, ph in zip("ab", phases, strict=False)]
        EnginePass.aggregate(status, subs, entries)
        return status.phase

    assert aggregate() == "running"
    assert aggregate("running", "succeeded") == "running"
    assert aggregate("failed", "succeeded") == "failed"
    assert aggregate("succeeded", "succeeded") == "succeeded"


async def test_another_pass_over_a_terminated_run():
    """#48 "again": the status of a run ended by a terminate step stays as it is."""
    entries = [
        {"name": "s1", "id": "a", "phase": "succeeded"},
        {"name": "s2", "id": "b", "phase": "failed", "reason": "Terminate"},
    ]
    p = make_pass([s("s1"), s("s2", "terminate")], entries, terminated=True)
    before = p.state.status.to_dict()
    assert await p.execute() == RunPhase.TERMINATED
    assert p.state.status.to_dict() == before
