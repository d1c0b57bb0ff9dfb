"""Spec 5 scenarios with stub steps: `apply` waits until marked ready, `failing` always fails."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from engine_harness import needs_cue, phases, steps_of

from cueflow.engine import EngineSettings
from cueflow.engine.scheduler import EnginePass, Plan, RunState
from cueflow.model import AUTO_SUSPEND_MESSAGE, RunPhase, WorkflowRun


def s(name, kind="apply", **extra):
    return {"name": name, "type": kind, **extra}


def group(name, subs, **extra):
    return {"name": name, "type": "step-group", "subSteps": subs, **extra}


async def until_done(harness, seconds=30, rounds=60):
    for _ in range(rounds):
        status = await harness.status()
        if status["status"] != "executing":
            return status
        await harness.advance(seconds)
    return await harness.status()


async def test_always_runs_after_retrying_failure(harness):
    """#19: `if: always` runs only once the failure is final; the plain step never runs."""
    await harness.start([s("step-failed", "failing"), s("step1", **{"if": "always"}), s("step2")])
    for _ in range(8):
        await harness.advance(30)
        assert "step1" not in harness.runs
    for _ in range(10):
        if "step1" in harness.runs:
            break
        await harness.advance(30)
    assert harness.runs == {"step-failed": 11, "step1": 1}
    assert (await harness.status())["status"] == "executing"
    harness.ready.add("step1")
    status = await until_done(harness)
    assert "step2" not in harness.runs
    assert status["status"] == "failed"


async def test_always_in_sub_steps(harness):
    """#20."""
    subs = [
        s("sub1", **{"if": "always", "dependsOn": ["sub2-failed"]}),
        s("sub2-failed", "failing"),
        s("sub3", dependsOn=["sub1"]),
    ]
    await harness.start([group("group", subs), s("step2", **{"if": "always"}), s("step3")])
    for _ in range(8):
        await harness.advance(30)
    assert set(harness.runs) == {"sub2-failed"}
    await until_done(harness)
    assert set(harness.runs) == {"sub2-failed", "sub1"}
    harness.ready.add("sub1")
    await harness.advance(60)
    assert "step2" in harness.runs and "sub3" not in harness.runs and "step3" not in harness.runs
    harness.ready.add("step2")
    status = await until_done(harness)
    assert "sub3" not in harness.runs and "step3" not in harness.runs
    assert status["status"] == "failed"


async def test_timeout_with_always_and_skipped_follower(harness):
    """#25."""
    await harness.start([s("step1", timeout="1s"), s("step2", **{"if": "always"}), s("step3")])
    assert set(harness.runs) == {"step1"}
    await harness.advance(2)
    assert "step2" in harness.runs and "step3" not in harness.runs
    harness.ready.add("step2")
    status = await until_done(harness, 2)
    assert "step3" not in harness.runs
    got = phases(status)
    assert got["step1"] == ("failed", "Timeout")
    assert got["step2"] == ("succeeded", "")
    assert got["step3"] == ("skipped", "Skip")
    assert status["status"] == "failed"


async def test_timeouts_in_groups(harness):
    """#26."""
    subs = [
        s("sub1", **{"if": "always", "dependsOn": ["sub2"]}),
        s("sub2", timeout="1s"),
        s("sub3", dependsOn=["sub1"]),
    ]
    steps = [
        group("group", subs),
        s("step2", **{"if": "always"}),
        s("step3"),
        group("group2", [s("group2-sub", "suspend")], timeout="1s", **{"if": "always"}),
    ]
    await harness.start(steps)
    assert set(harness.runs) == {"sub2"}
    await harness.advance(2)
    assert "sub1" in harness.runs
    assert not {"sub3", "step2", "step3"} & set(harness.runs)
    harness.ready.add("sub1")
    await harness.advance(2)
    assert "step2" in harness.runs
    harness.ready.add("step2")
    await harness.advance(2)
    status = await harness.status()
    assert "step3" not in harness.runs and status["status"] == "suspending"
    await harness.advance(2)
    status = await harness.status()
    got = phases(status)
    assert [got[n][1] for n in ("group", "step2", "step3", "group2")] == [
        "Timeout",
        "",
        "Skip",
        "Timeout",
    ]
    assert got["step2"][0] == "succeeded"
    assert status["status"] == "failed"


@needs_cue
async def test_if_with_status_inputs_and_custom_context(harness):
    """#21 with stubs: outputs of a timed-out suspend feed a later `if`."""
    steps = [
        s(
            "suspend",
            "suspend",
            timeout="1s",
            outputs=[
                {"name": "suspend-output", "valueFrom": "context.name"},
                {"name": "custom-output", "valueFrom": "context.mycontext.a"},
            ],
        ),
        s(
            "step2",
            inputs=[
                {"from": "suspend-output"},
                {"from": "custom-output"},
                {"from": "context.mycontext.c[1]"},
            ],
            **{
                "if": 'status.suspend.timeout && inputs["suspend-output"] == "app" && '
                'inputs["custom-output"] == 1 && context.mycontext.b == 2 && '
                'context.mycontext.c[0] == "hello" && inputs["context.mycontext.c[1]"] == "world"'
            },
        ),
        s("step3", **{"if": "status.suspend.succeeded"}),
    ]
    status = await harness.start(
        steps, context={"mycontext": {"a": 1, "b": 2, "c": ["hello", "world"]}}
    )
    assert status["status"] == "suspending" and set(harness.runs) == {"suspend"}
    await harness.advance(2)
    assert "step2" in harness.runs and "step3" not in harness.runs
    harness.ready.add("step2")
    status = await until_done(harness, 2)
    assert "step3" not in harness.runs
    assert status["status"] == "failed"


async def test_outputs_to_inputs_in_dag(harness):
    """#8: the consumer listed first waits for the input."""
    steps = [
        s("step2", inputs=[{"from": "message", "parameterKey": "message"}]),
        s("step1", outputs=[{"name": "message", "valueFrom": "context.stepName"}]),
    ]
    status = await harness.start(steps, mode={"steps": "DAG"})
    assert set(harness.runs) == {"step1"}
    assert phases(status)["step2"][0] == "pending"
    harness.ready.add("step1")
    await harness.advance(1)
    assert "step2" in harness.runs
    harness.ready.add("step2")
    status = await until_done(harness, 1)
    assert status["status"] == "succeeded" and status["mode"]["steps"] == "DAG"


@pytest.mark.parametrize("at_once", [False, True], ids=["#11", "#12 patch status at once"])
async def test_failure_limit_suspends_then_resume_retries(store, at_once):
    """#11 (EnableSuspendOnFailure) and #12 (EnablePatchStatusAtOnce as well): identical
    observations; the gate only adds status writes within a pass."""
    from engine_harness import Harness

    settings = EngineSettings(suspend_on_failure=True, patch_status_at_once=at_once)
    h = Harness(store, settings)
    await h.engine.start()
    try:
        status = await h.start([s("step1"), s("step2-failed", "failing")])
        assert set(h.runs) == {"step1"} and status["status"] == "executing"
        h.ready.add("step1")
        await h.advance(1)
        for attempt in range(1, 11):
            status = await h.status()
            assert h.runs["step2-failed"] == attempt
            assert status["status"] == "executing" and "message" not in status
            assert phases(status)["step2-failed"] == ("failed", "Execute")
            await h.advance(60)
        status = await h.status()
        assert h.runs["step2-failed"] == 11
        assert status["status"] == "suspending" and status["message"] == AUTO_SUSPEND_MESSAGE
        assert phases(status)["step2-failed"] == ("failed", "FailedAfterRetries")
        await h.advance(600)
        assert h.runs["step2-failed"] == 11  # suspended: no timer
        await h.engine.resume("default", "app")
        await h.settle()
        status = await h.status()
        assert h.runs["step2-failed"] == 12
        assert status["status"] == "executing" and "message" not in status
        assert phases(status)["step2-failed"] == ("failed", "Execute")
    finally:
        await h.engine.stop()


@pytest.mark.parametrize("at_once", [False, True])
async def test_patch_status_at_once_writes_after_every_step_status_change(store, at_once):
    """#12: with the gate, each recorded step status reaches the store (and watchers) before
    the next step runs, with the run phase it implies; without it, one write per pass."""
    import asyncio

    from engine_harness import Harness

    h = Harness(store, EngineSettings(patch_status_at_once=at_once))
    await h.engine.start()
    try:
        await h.start([s("s0", "suspend"), s("s1", "success"), s("s2", "success")])
        seen = []

        async def follow():
            async for event in h.engine.watch("default", "app"):
                if event.kind == "status":
                    got = phases(event.status)
                    seen.append((event.phase, [got[n][0] for n in ("s0", "s1", "s2") if n in got]))

        follower = asyncio.create_task(follow())
        await h.settle()
        await h.engine.resume("default", "app")
        await asyncio.wait_for(follower, 5)
    finally:
        await h.engine.stop()
    within_pass = [
        ("executing", ["succeeded"]),
        ("executing", ["succeeded", "succeeded"]),
        ("succeeded", ["succeeded", "succeeded", "succeeded"]),
    ]
    assert seen == [
        ("suspending", ["suspending"]),
        ("suspending", ["running"]),  # the resume
        *(within_pass if at_once else []),
        ("succeeded", ["succeeded", "succeeded", "succeeded"]),
    ]


async def test_failure_limit_with_a_running_dag_branch_does_not_suspend(store):
    """#13: with EnableSuspendOnFailure, no auto-suspend while another branch waits."""
    from engine_harness import Harness

    from cueflow.engine import EngineSettings

    h = Harness(store, EngineSettings(suspend_on_failure=True))
    await h.engine.start()
    try:
        await h.start([s("step1"), s("step2-failed", "failing")], mode={"steps": "DAG"})
        while h.runs["step2-failed"] < 11:
            await h.advance(60)
        status = await h.status()
        assert status["status"] == "executing" and "message" not in status
        assert phases(status)["step2-failed"] == ("failed", "FailedAfterRetries")
    finally:
        await h.engine.stop()


async def test_sub_step_mode_from_the_run(harness):
    """#15: spec.mode.subSteps StepByStep runs the group's sub-steps one by one."""
    steps = [s("step1"), group("group", [s("step2"), s("step3")])]
    status = await harness.start(steps, mode={"steps": "DAG", "subSteps": "StepByStep"})
    assert set(harness.runs) == {"step1", "step2"}
    harness.ready.update({"step1", "step2"})
    await harness.advance(1)
    assert "step3" in harness.runs
    harness.ready.add("step3")
    status = await until_done(harness, 1)
    assert status["status"] == "succeeded"
    assert status["mode"] == {"steps": "DAG", "subSteps": "StepByStep"}


async def test_sub_step_mode_from_the_group(harness):
    """#16: the group's own mode wins, and does not show in status.mode."""
    steps = [s("step1"), group("group", [s("step2"), s("step3")], mode="StepByStep")]
    await harness.start(steps, mode={"steps": "DAG"})
    assert set(harness.runs) == {"step1", "step2"}
    harness.ready.update({"step1", "step2", "step3"})
    status = await until_done(harness, 1)
    assert status["status"] == "succeeded" and status["mode"] == {"steps": "DAG", "subSteps": "DAG"}


async def test_depends_on_between_sub_steps(harness):
    """#17."""
    steps = [s("step1"), group("group", [s("step2", dependsOn=["step3"]), s("step3")])]
    await harness.start(steps)
    assert set(harness.runs) == {"step1"}
    harness.ready.add("step1")
    await harness.advance(1)
    assert set(harness.runs) == {"step1", "step3"}
    harness.ready.add("step3")
    await harness.advance(1)
    assert "step2" in harness.runs
    harness.ready.add("step2")
    status = await until_done(harness, 1)
    assert status["status"] == "succeeded"


@needs_cue
async def test_if_in_groups_and_a_timed_out_second_group(harness):
    """#22."""
    subs = [
        s("sub1", dependsOn=["sub2"], **{"if": "status.sub2.timeout"}),
        s(
            "sub2",
            "suspend",
            properties={"duration": "1s"},
            inputs=[{"from": "context.mycontext.c[0]"}],
            outputs=[
                {"name": "suspend-output", "valueFrom": "context.name"},
                {"name": "suspend-custom-output", "valueFrom": "context.mycontext.a"},
            ],
            **{
                "if": 'inputs["context.mycontext.c[0]"] == "hello" && context.mycontext.c[1] == "world"'
            },
        ),
        s(
            "sub3",
            dependsOn=["sub1"],
            inputs=[{"from": "suspend-output"}],
            **{"if": 'status.sub1.timeout || inputs["suspend-output"] == "app"'},
        ),
    ]
    steps = [
        group(
            "group",
            subs,
            inputs=[{"from": "context.mycontext.c[1]"}],
            **{"if": "context.mycontext.b == 2"},
        ),
        s("step2", **{"if": "status.group.failed"}),
        s("step3"),
        group("group2", [s("group2-sub", "suspend", timeout="1s")]),
    ]
    status = await harness.start(
        steps, context={"mycontext": {"a": 1, "b": 2, "c": ["hello", "world"]}}
    )
    assert status["status"] == "suspending" and set(harness.runs) == {"sub2"}
    await harness.advance(1.5)
    status = await harness.status()
    assert status["status"] == "executing"
    assert "sub1" not in harness.runs and "sub3" in harness.runs
    assert phases(status)["sub1"] == ("skipped", "Skip")
    harness.ready.add("sub3")
    await harness.advance(1)
    assert "step2" not in harness.runs and "step3" in harness.runs
    harness.ready.add("step3")
    await harness.advance(1)
    status = await harness.status()
    assert status["status"] == "suspending"
    await harness.advance(2)
    status = await harness.status()
    assert status["status"] == "failed"
    assert phases(status)["group2-sub"] == ("failed", "Timeout")


async def test_stale_status_is_not_acted_on(harness):
    """#51: a pass that reads fewer top-level entries than the engine last wrote runs nothing,
    writes nothing and looks again after the backoff wait."""
    await harness.start([s("s1", "success"), s("s2")])
    assert harness.runs == {"s1": 1, "s2": 1}
    run = harness.engine._runs[("default", "app")]
    entries = run.state.status.steps
    s2 = entries.pop()  # the status as an out-of-date read would show it: 1 entry, 2 written
    written = await harness.store.get("WorkflowRun", "default", "app")
    run.wake.set()
    await harness.settle()
    await harness.advance(1)
    assert harness.runs == {"s1": 1, "s2": 1}
    assert (await harness.store.get("WorkflowRun", "default", "app")).version == written.version
    entries.append(s2)  # the read catches up: the retry armed by the skipped pass runs s2
    await harness.advance(1)
    assert harness.runs == {"s1": 1, "s2": 2}
    assert phases(await harness.status()) == {"s1": ("succeeded", ""), "s2": ("running", "Wait")}


async def test_stale_status_pass_reports_skipped():
    """#51 at the pass level: the internal `skipped` state, no step type resolved or run."""
    doc = {
        "apiVersion": "core.oam.dev/v1alpha1",
        "kind": "WorkflowRun",
        "metadata": {"name": "app"},
        "spec": {"workflowSpec": {"steps": [s("s1", "success"), s("s2")]}},
        "status": {
            "startTime": "2026-01-01T00:00:00Z",
            "steps": [{"name": "s1", "id": "a", "phase": "succeeded"}],
        },
    }
    run = WorkflowRun.model_validate(doc)

    def resolve(type_name):
        raise AssertionError(f"{type_name} was resolved")

    async def checkpoint() -> None:
        raise AssertionError("the status was written")

    def make_pass(written_steps):
        return EnginePass(
            RunState(run=run.model_copy(deep=True)),
            Plan(run.spec.workflow_spec.steps, None),
            resolve,
            EngineSettings(),
            lambda: datetime(2026, 1, 1, tzinfo=UTC),
            checkpoint,
            lambda *a: None,
            written_steps=written_steps,
        )

    stale = make_pass(2)
    assert await stale.execute() == RunPhase.SKIPPED
    assert stale.state.status.to_dict() == run.status.to_dict()
    with pytest.raises(AssertionError, match="apply was resolved"):
        await make_pass(1).execute()  # as many entries as written: the pass goes on


async def test_restart_does_not_trip_the_stale_status_guard(harness):
    """#51 with #73: a restart empties the status; the pass that re-initialises it runs."""
    status = await harness.start([s("s1", "success"), s("s2")])
    old_ids = {name: entry["id"] for name, entry in steps_of(status).items()}
    await harness.engine.restart("default", "app")
    await harness.settle()
    assert harness.runs == {"s1": 2, "s2": 2}
    status = await harness.status()
    assert status["status"] == "executing" and len(status["steps"]) == 2
    assert all(steps_of(status)[name]["id"] != old_ids[name] for name in old_ids)


@needs_cue
async def test_input_replaces_a_property_instead_of_unifying(cue_harness):
    """#56: variable `score` = close({x: 100}), properties {score: {x: 101}}, input
    {from: score, parameterKey: score} → succeeded, no message; the step sees x: 100."""
    status = await cue_harness.start(
        [
            s("make", "make-score", outputs=[{"name": "score", "valueFrom": "output.score"}]),
            s(
                "use",
                "use-score",
                properties={"score": {"x": 101}},
                inputs=[{"from": "score", "parameterKey": "score"}],
                outputs=[{"name": "seen", "valueFrom": "seen"}],
            ),
        ]
    )
    assert status["status"] == "succeeded"
    use = steps_of(status)["use"]
    assert use["phase"] == "succeeded" and "message" not in use
    assert await cue_harness.variables() == {"score": {"x": 100}, "seen": 100}


CUE_TEMPLATES = {
    "multi-suspend": 'import "vela/builtin"\n'
    "suspend1: builtin.#Suspend & {}\n"
    "suspend2: builtin.#Suspend & {}\n",
    "plain": "out: 1\n",
    "make-score": "output: score: close({x: 100})\n",
    "use-score": "seen: parameter.score.x\nparameter: score: {x: int}\n",
}


@pytest.fixture
async def cue_harness(store):
    """Step types are CUE templates; `suspend` is the embedded one."""
    from engine_harness import Harness

    h = Harness(store, templates=CUE_TEMPLATES)
    await h.engine.start()
    yield h
    await h.engine.stop()


@needs_cue
async def test_suspend_and_resume(cue_harness):
    """#4."""
    status = await cue_harness.start([s("suspend", "suspend")])
    assert status["suspend"] is True and status["status"] == "suspending"
    entry = status["steps"][0]
    assert entry["phase"] == "suspending" and entry["id"]
    await cue_harness.engine.resume("default", "app")
    await cue_harness.settle()
    status = await cue_harness.status()
    assert status["suspend"] is False and status["status"] == "succeeded"


@needs_cue
async def test_terminate_a_suspended_run(cue_harness):
    """#6."""
    status = await cue_harness.start([s("suspend1", "suspend"), s("suspend2", "suspend")])
    assert status["status"] == "suspending"
    await cue_harness.engine.terminate("default", "app")
    await cue_harness.settle()
    status = await cue_harness.status()
    assert status["suspend"] is False and status["terminated"] is True
    assert status["status"] == "terminated"


@needs_cue
async def test_several_suspends_in_one_step(cue_harness):
    """#24: each suspend task of the template needs its own resume."""
    status = await cue_harness.start([s("step", "multi-suspend")])
    assert status["status"] == "suspending"
    await cue_harness.engine.resume("default", "app")
    await cue_harness.settle()
    status = await cue_harness.status()
    assert status["suspend"] is True and status["status"] == "suspending"
    await cue_harness.engine.resume("default", "app")
    await cue_harness.settle()
    status = await cue_harness.status()
    assert status["suspend"] is False and status["status"] == "succeeded"


@needs_cue
async def test_debug_snapshots(cue_harness):
    """#28: one snapshot per evaluated step and sub-step, keyed by its id (upstream: a
    ConfigMap `<run>-<id>-debug-<uid>` each); none for the group itself."""
    from engine_harness import run_doc

    doc = run_doc([s("step1", "plain"), group("step2", [s("step2-sub", "plain")])])
    doc["metadata"]["annotations"] = {"workflowrun.oam.dev/debug": "true"}
    await cue_harness.engine.apply(doc)
    await cue_harness.settle()
    record = await cue_harness.store.get("WorkflowRun", "default", "app")
    assert record.doc["status"]["status"] == "succeeded"
    ids = {name: entry["id"] for name, entry in steps_of(record.doc["status"]).items()}
    debug = record.doc["cueflowState"]["debug"]
    assert set(debug) == {ids["step1"], ids["step2-sub"]}
    assert all("out: 1" in text for text in debug.values())


async def test_depends_on_step_by_step(harness):
    """#9."""
    await harness.start([s("step1"), s("step2", dependsOn=["step1"])])
    assert set(harness.runs) == {"step1"}
    harness.ready.add("step1")
    await harness.advance(1)
    assert set(harness.runs) == {"step1", "step2"}
    harness.ready.add("step2")
    status = await until_done(harness, 1)
    assert status["status"] == "succeeded"


@needs_cue
async def test_outputs_of_a_timed_out_step(harness):
    """#18: the timed-out step's output is written, and a later `if` reads it."""
    steps = [
        s("step1", timeout="1s", outputs=[{"name": "output", "valueFrom": "context.name"}]),
        s("step2", inputs=[{"from": "output"}], **{"if": 'inputs.output == "app"'}),
    ]
    await harness.start(steps)
    assert set(harness.runs) == {"step1"}
    await harness.advance(2)
    assert "step2" in harness.runs
    assert phases(await harness.status())["step1"] == ("failed", "Timeout")
    assert await harness.variables() == {"output": "app"}
    harness.ready.add("step2")
    status = await until_done(harness, 1)
    assert phases(status)["step2"] == ("succeeded", "")
    assert status["status"] == "failed"
