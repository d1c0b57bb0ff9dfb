"""Spec 5.2: the scheduler with stub step types (no CUE needed unless marked)."""

from __future__ import annotations

import pytest
from engine_harness import Harness, needs_cue, phases, steps_of

from cueflow.engine import EngineSettings
from cueflow.engine.scheduler import lookup_output
from cueflow.engine.steps import DataScope
from cueflow.model import AUTO_SUSPEND_MESSAGE


def s(name, kind="success", **extra):
    return {"name": name, "type": kind, **extra}


def group(name, subs, **extra):
    return {"name": name, "type": "step-group", "subSteps": subs, **extra}


async def test_failed_step_blocks_the_rest_and_context_is_created(harness):
    """#30, and #3: the run's context store is named after it."""
    status = await harness.start([s("s1"), s("s2", "failed"), s("s3")])
    assert status["status"] == "executing"
    assert phases(status) == {"s1": ("succeeded", ""), "s2": ("failed", "")}
    assert status["contextBackend"]["name"] == "workflow-app-context"
    assert status["mode"] == {"steps": "StepByStep", "subSteps": "DAG"}


async def test_three_successes_succeed_in_one_pass(harness):
    """#30."""
    status = await harness.start([s("s1"), s("s2"), s("s3")])
    assert status["status"] == "succeeded" and status["finished"] is True
    assert [e["name"] for e in status["steps"]] == ["s1", "s2", "s3"]
    assert {e["phase"] for e in status["steps"]} == {"succeeded"}
    assert status["conditions"][0]["reason"] == "Available"
    assert await harness.variables() == {"test": "app"}


async def test_failed_sub_step_fails_group_without_reason(harness):
    """#31."""
    status = await harness.start([s("s1"), group("s2", [s("sub1"), s("sub2", "failed")]), s("s3")])
    assert status["status"] == "executing"
    assert phases(status) == {
        "s1": ("succeeded", ""),
        "s2": ("failed", ""),
        "sub1": ("succeeded", ""),
        "sub2": ("failed", ""),
    }


@needs_cue
async def test_timeout_of_running_step(harness):
    """#32."""
    status = await harness.start(
        [
            s("s1"),
            s("s2", "running", timeout="1s", **{"if": "status.s1.succeeded"}),
            s("s3"),
            s("s4", **{"if": "status.s2.timeout"}),
        ]
    )
    assert status["status"] == "executing"
    await harness.advance(2)
    status = await harness.status()
    assert status["status"] == "failed" and status["terminated"] is True
    got = phases(status)
    assert got["s2"] == ("failed", "Timeout")
    assert got["s3"] == ("skipped", "Skip")
    assert got["s4"] == ("succeeded", "")


@needs_cue
async def test_if_selected_suspend_times_out(harness):
    """#33."""
    status = await harness.start(
        [
            s("s1"),
            s("s2", "suspend", timeout="1s", **{"if": "status.s1.timeout"}),
            s("s3"),
            s("s4", "suspend", timeout="1s", **{"if": "status.s1.succeeded"}),
            s("s5"),
        ]
    )
    assert status["status"] == "suspending"
    got = phases(status)
    assert (
        got["s2"][0] == "skipped" and got["s3"][0] == "succeeded" and got["s4"][0] == "suspending"
    )
    await harness.advance(2)
    status = await harness.status()
    assert status["status"] == "failed" and status["terminated"] is True
    assert phases(status)["s4"] == ("failed", "Timeout")
    assert phases(status)["s5"][0] == "skipped"


async def test_timeouts_inside_a_group(harness):
    """#34."""
    subs = [
        s("s2-sub1"),
        s("s2-sub2", "running", timeout="1s"),
        s("s2-suspend", "suspend", timeout="1s"),
    ]
    status = await harness.start([s("s1"), group("s2", subs), s("s3")])
    assert status["status"] == "suspending"
    await harness.advance(2)
    status = await harness.status()
    assert status["status"] == "failed"
    got = phases(status)
    assert got["s2"] == ("failed", "Timeout")
    assert got["s2-sub1"] == ("succeeded", "")
    assert got["s2-sub2"] == ("failed", "Timeout")
    assert got["s2-suspend"] == ("failed", "Timeout")
    assert got["s3"] == ("skipped", "Skip")


async def test_timeout_on_the_group_times_out_its_sub_steps(harness):
    """#34, the timeout on the group."""
    subs = [s("s2-sub1"), s("s2-sub2", "running"), s("s2-suspend", "suspend")]
    await harness.start([s("s1"), group("s2", subs, timeout="1s"), s("s3")])
    await harness.advance(2)
    status = await harness.status()
    assert status["status"] == "failed"
    got = phases(status)
    assert got["s2"] == ("failed", "Timeout")
    assert got["s2-sub2"] == ("failed", "Timeout")
    assert got["s2-suspend"] == ("failed", "Timeout")
    assert got["s3"] == ("skipped", "Skip")


async def test_failed_after_retries_skips_group_and_rest(harness):
    """#35."""
    status = await harness.start(
        [s("s1", "failed-after-retries"), group("s2", [s("a"), s("b", "failed")]), s("s3")]
    )
    assert status["status"] == "failed" and status["terminated"] is True
    got = phases(status)
    assert got["s2"] == ("skipped", "Skip")
    assert got["a"] == ("skipped", "Skip") and got["b"] == ("skipped", "Skip")
    assert got["s3"] == ("skipped", "Skip")


async def test_always_group_after_failure(harness):
    """#36."""
    subs = [
        s("sub1", **{"if": "always", "dependsOn": ["sub2"]}),
        s("sub2", "failed-after-retries"),
        s("sub3", "terminate"),
    ]
    status = await harness.start(
        [s("s1", "failed-after-retries"), group("s2", subs, **{"if": "always"}), s("s3")]
    )
    assert status["status"] == "failed"
    got = phases(status)
    assert got["s2"] == ("failed", "FailedAfterRetries")
    assert got["sub1"] == ("succeeded", "")
    assert got["sub2"] == ("failed", "FailedAfterRetries")
    assert got["sub3"] == ("failed", "Terminate")
    assert got["s3"] == ("skipped", "Skip")


async def test_groups_that_succeed_and_empty_groups(harness):
    """#37."""
    status = await harness.start([group("g1", [s("a"), s("b")]), group("g2", [])])
    assert status["status"] == "succeeded"
    got = steps_of(status)
    assert got["g1"]["phase"] == "succeeded" and got["g2"]["phase"] == "succeeded"
    assert "subSteps" not in got["g2"]


async def test_always_steps_step_by_step(harness):
    """#39."""
    status = await harness.start(
        [
            s("s1"),
            s("s2", "failed-after-retries"),
            s("s3", **{"if": "always"}),
            s("s4"),
            s("s5", **{"if": "always"}),
        ]
    )
    assert status["status"] == "failed" and status["terminated"] and not status["suspend"]
    got = phases(status)
    assert got["s3"][0] == "succeeded" and got["s4"][0] == "skipped" and got["s5"][0] == "succeeded"


async def test_always_steps_dag_skip_transitively(harness):
    """#40."""
    status = await harness.start(
        [
            s("s1"),
            s("s2", "failed-after-retries"),
            s("s3", dependsOn=["s2"], **{"if": "always"}),
            s("s4", dependsOn=["s3"]),
            s("s5", dependsOn=["s3"], **{"if": "always"}),
            s("s6", dependsOn=["s1", "s5"]),
        ],
        mode={"steps": "DAG"},
    )
    assert status["status"] == "failed"
    got = phases(status)
    assert got["s3"][0] == "succeeded" and got["s5"][0] == "succeeded"
    assert got["s4"][0] == "skipped" and got["s6"][0] == "skipped"


@needs_cue
async def test_if_expressions_step_by_step(harness):
    """#41."""
    status = await harness.start(
        [
            s("s1"),
            s("s2", **{"if": "status.s1.failed"}),
            s(
                "s3",
                outputs=[{"name": "test", "valueFrom": "context.name"}],
                **{"if": "status.s1.succeeded"},
            ),
            s("s4", inputs=[{"from": "test"}], **{"if": 'inputs.test == "app"'}),
        ]
    )
    assert status["status"] == "succeeded"
    got = phases(status)
    assert got["s2"][0] == "skipped" and got["s3"][0] == "succeeded" and got["s4"][0] == "succeeded"


@needs_cue
async def test_if_overrides_skipped_dependency_in_dag(harness):
    """#41, DAG variant."""
    status = await harness.start(
        [
            s("s1"),
            s("s2", **{"if": "status.s1.failed"}),
            s(
                "s3",
                dependsOn=["s2"],
                outputs=[{"name": "test", "valueFrom": "context.name"}],
                **{"if": "status.s1.succeeded"},
            ),
            s("s4", dependsOn=["s3"], inputs=[{"from": "test"}], **{"if": 'inputs.test == "app"'}),
        ],
        mode={"steps": "DAG"},
    )
    assert status["status"] == "succeeded"
    got = phases(status)
    assert got["s2"][0] == "skipped" and got["s3"][0] == "succeeded" and got["s4"][0] == "succeeded"


@needs_cue
async def test_skipped_parent_wins_over_always(harness):
    """#42."""
    status = await harness.start(
        [
            s("s1"),
            group(
                "s2",
                [s("s2_sub1", **{"if": "always"}), s("s2_sub2", "failed-after-retries")],
                **{"if": "status.s1.timeout"},
            ),
            group(
                "s3",
                [
                    s("s3_sub1", **{"if": "status.s2_sub1.skipped"}),
                    s("s3_sub2", "failed-after-retries"),
                ],
                **{"if": "status.s1.succeeded"},
            ),
        ]
    )
    assert status["status"] == "failed"
    got = phases(status)
    assert (
        got["s2"][0] == "skipped"
        and got["s2_sub1"][0] == "skipped"
        and got["s2_sub2"][0] == "skipped"
    )
    assert got["s3"] == ("failed", "FailedAfterRetries")
    assert got["s3_sub1"][0] == "succeeded"


async def test_suspend_on_failure_step_by_step(store):
    """#38."""
    h = Harness(store, EngineSettings(suspend_on_failure=True))
    await h.engine.start()
    try:
        status = await h.start([s("s1"), s("s2", "failed-after-retries"), s("s3")])
        assert status["status"] == "suspending" and status["suspend"] is True
        assert status["message"] == AUTO_SUSPEND_MESSAGE
        assert [e["name"] for e in status["steps"]] == ["s1", "s2"]
        status = await h.start(
            [s("s1"), s("s2", "failed-after-retries"), s("s3")], name="dag", mode={"steps": "DAG"}
        )
        assert status["status"] == "suspending"
        assert phases(status)["s3"][0] == "succeeded"
        assert status["mode"] == {"steps": "DAG", "subSteps": "DAG"}
        status = await h.start([s("s1"), group("g", [s("x", "failed-after-retries")])], name="grp")
        assert status["status"] == "suspending"
        assert phases(status)["g"] == ("failed", "FailedAfterRetries")
    finally:
        await h.engine.stop()


async def test_suspend_step_blocks_until_resumed(harness):
    """#46."""
    status = await harness.start([s("s1"), s("s2", "suspend"), s("s3")])
    assert status["status"] == "suspending"
    assert phases(status)["s2"] == ("suspending", "Suspend")
    assert "s3" not in steps_of(status)
    harness.engine._runs[("default", "app")].wake.set()  # another pass changes nothing
    await harness.settle()
    assert await harness.status() == status and "s3" not in harness.runs
    await harness.engine.resume("default", "app")
    await harness.settle()
    status = await harness.status()
    assert status["status"] == "succeeded"
    assert phases(status)["s3"][0] == "succeeded"


async def test_suspend_in_a_group(harness):
    """#47."""
    status = await harness.start([group("g", [s("a", "suspend"), s("b")])])
    assert status["status"] == "suspending"
    got = phases(status)
    assert got["g"] == ("suspending", "") and got["a"] == ("suspending", "Suspend")


async def test_terminate_step_terminates_run(harness):
    """#48."""
    status = await harness.start([s("s1"), s("s2", "terminate")])
    assert status["status"] == "terminated" and status["terminated"] is True
    assert phases(status)["s2"] == ("failed", "Terminate")
    status = await harness.start([s("s1"), group("g", [s("x", "terminate")])], name="grp")
    assert status["status"] == "terminated"
    assert phases(status)["g"] == ("failed", "Terminate")


async def test_runner_error_keeps_run_executing(harness):
    """#49."""
    status = await harness.start([s("s1"), s("s2", "error")])
    assert status["status"] == "executing"
    assert list(steps_of(status)) == ["s1"]
    assert status["conditions"][0]["reason"] == "ReconcileError"
    assert "runner error" in status["conditions"][0]["message"]


async def test_no_steps_succeeds(harness):
    """#50."""
    status = await harness.start([])
    assert status["status"] == "succeeded"


async def test_dag_pending_step_is_recorded_after_ready_ones(harness):
    """#52."""
    status = await harness.start([s("s1"), s("s2", "pending"), s("s3")], mode={"steps": "DAG"})
    assert status["status"] == "executing"
    assert [e["name"] for e in status["steps"]] == ["s1", "s3", "s2"]
    assert steps_of(status)["s2"]["phase"] == "pending"
    await harness.advance(1.1)
    status = await harness.status()
    assert status["status"] == "executing"
    assert [e["name"] for e in status["steps"]] == ["s1", "s3", "s2"]
    harness.stubs["pending"].pending_switch = False
    await harness.advance(1.1)
    status = await harness.status()
    assert status["status"] == "succeeded"
    assert [e["name"] for e in status["steps"]] == ["s1", "s3", "s2"]


async def test_variable_of_waiting_step_is_persisted(harness):
    """#53."""
    status = await harness.start([s("s1", "wait-with-set-var"), s("s2")])
    assert status["status"] == "executing"
    assert phases(status)["s1"] == ("running", "Wait")
    assert (await harness.variables())["saved"] is True


async def test_waiting_step_backs_off(harness):
    """#43."""
    await harness.start([s("s1", "running")])
    seen = []
    for _ in range(12):
        before = harness.runs["s1"]
        waited = 0
        while harness.runs["s1"] == before:
            await harness.advance(1)
            waited += 1
        seen.append(waited)
    assert seen == [1, 1, 1, 1, 1, 1, 3, 6, 12, 25, 51, 60]
    await harness.engine.stop()  # the backoff counters are in memory only
    again = Harness(harness.store)
    await again.engine.start()
    try:
        await again.settle()
        assert again.runs == {"s1": 1}
        await again.advance(1)
        assert again.runs == {"s1": 2}
    finally:
        await again.engine.stop()


async def test_dependson_waits_for_finished_dependency(harness):
    """#60, dependsOn."""
    status = await harness.start(
        [s("s2", dependsOn=["s1"]), s("s1", "running")], mode={"steps": "DAG"}
    )
    got = steps_of(status)
    assert got["s2"]["phase"] == "pending"
    assert got["s2"]["message"] == "Pending on DependsOn: s1"


async def test_retryable_failure_ends_failed_after_retries(harness):
    """#59."""
    status = await harness.start([s("s1", "failing"), s("s2")])
    assert phases(status)["s1"] == ("failed", "Execute")
    for _ in range(200):
        await harness.advance(5)
        if (await harness.status())["status"] != "executing":
            break
    status = await harness.status()
    assert harness.runs["s1"] == 11
    assert status["status"] == "failed"
    assert phases(status)["s1"] == ("failed", "FailedAfterRetries")
    assert phases(status)["s2"] == ("skipped", "Skip")


async def test_per_step_retry_policy(harness):
    status = await harness.start(
        [s("s1", "failing", meta={"retry": {"times": 2, "backoff": "10s"}})]
    )
    assert harness.runs["s1"] == 1
    await harness.advance(5)
    assert harness.runs["s1"] == 1  # the policy's backoff, not the default 1 s
    await harness.advance(6)
    assert harness.runs["s1"] == 2
    await harness.advance(21)
    status = await harness.status()
    assert harness.runs["s1"] == 3
    assert phases(status)["s1"] == ("failed", "FailedAfterRetries")


async def test_properties_name_is_an_additional_step_name(harness):
    """#64, additional names."""
    status = await harness.start(
        [s("s1", properties={"name": "mystep"}), s("s2", dependsOn=["mystep"])],
        mode={"steps": "DAG"},
    )
    # the alias is a snapshot taken when the pass starts: s2 sees s1 finished one pass later
    assert steps_of(status)["s2"]["phase"] == "pending"
    await harness.advance(1)
    status = await harness.status()
    assert status["status"] == "succeeded"
    assert phases(status)["s2"] == ("succeeded", "")


def test_an_output_script_that_fails_reports_its_own_error() -> None:
    """Only a plain reference falls back to `.$returns`; a script keeps its own error."""
    scope = DataScope({"status": {"code": 200}})
    script = "status.missing + 1"
    with pytest.raises(LookupError) as raised:
        lookup_output(scope, script)
    assert "expected operand" not in str(raised.value)
    assert "missing" in str(raised.value)
