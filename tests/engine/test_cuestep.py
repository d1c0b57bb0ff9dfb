"""Spec 3, 5.1 and 5.3: CUE-defined steps, the provider loop, actions, inputs and outputs."""

from __future__ import annotations

import pytest
from engine_harness import Harness, needs_cue, phases, steps_of

from cueflow.providers.base import ProviderError, ProviderPackage

pytestmark = needs_cue

CALLS: list[tuple[str, dict]] = []


async def _echo(ctx, args):
    CALLS.append((ctx.step_name, args))
    return {"value": args.get("value"), "step": ctx.step_name}


async def _boom(ctx, args):
    raise ProviderError("boom")


PENDING_WORK: list = []


async def _background(ctx, args):
    """Waits for background work; wakes the run once the test finishes that work."""
    if PENDING_WORK and PENDING_WORK[0] == "done":
        return {"result": "ok"}
    PENDING_WORK[:] = [ctx.extras["wake"]]
    ctx.actions.wait("working")
    return None


TEST_PACKAGE = ProviderPackage(
    path="test/echo",
    provider="echo",
    schema="""package echo
#Echo: {#do: "echo", #provider: "echo", $params: {...}, ...}
#Boom: {#do: "boom", #provider: "echo", $params: {...}, ...}
#Background: {#do: "background", #provider: "echo", $params: {...}, ...}
""",
    functions={"echo": _echo, "boom": _boom, "background": _background},
)

TEMPLATES = {
    "echo": """import "test/echo"
myIP: echo.#Echo & {$params: value: parameter.value}
parameter: {value: _}
""",
    "show": """import "test/echo"
shown: echo.#Echo & {$params: value: parameter.set}
parameter: {...}
""",
    "boom": """import "test/echo"
x: echo.#Boom & {$params: {}}
""",
    "waiter": """import "vela/builtin"
wait: builtin.#ConditionalWait & {$params: {continue: parameter.go, message: "I am waiting"}}
parameter: {go: *false | bool}
""",
    "breaker": """import "vela/builtin"
b: builtin.#Break & {$params: message: "stop here"}
""",
    "failer": """import "vela/builtin"
f: builtin.#Fail & {$params: message: "nope"}
""",
    "plain": """output: score: 99
returned: $returns: score: 98
""",
    "returns": """output: $returns: score: 97
""",
    "multi-suspend": """import "vela/builtin"
suspend1: builtin.#Suspend & {}
suspend2: builtin.#Suspend & {}
""",
    "suspend-then-echo": """import ("vela/builtin", "test/echo")
s: builtin.#Suspend & {$params: duration: "1s"}
e: echo.#Echo & {$params: value: "after"}
""",
    "bad-syntax": ":",
    "background": """import "test/echo"
job: echo.#Background & {$params: {}}
""",
    "value-error": """x: 1
x: 2
""",
    "setvar": """import "vela/builtin"
put: builtin.#DoVar & {$params: {method: "Put", path: "football.score", value: 100}} @step(1)
get: builtin.#DoVar & {$params: {method: "Get", path: "football"}} @step(2)
""",
    "message": """import "vela/builtin"
m: builtin.#Message & {$params: message: parameter.text}
parameter: text: string
""",
    "typed": """parameter: {count: int}
out: parameter.count
""",
    "unclosed": "x: {\n",
}


@pytest.fixture
async def cue_harness(store):
    CALLS.clear()
    h = Harness(store, templates=TEMPLATES, packages={"test/echo": TEST_PACKAGE})
    await h.engine.start()
    yield h
    await h.engine.stop()


def step(name, kind, **extra):
    return {"name": name, "type": kind, **extra}


async def test_provider_result_flows_through_output_into_input(cue_harness):
    """#54: A provider's result flows through an output into the next step's input."""
    status = await cue_harness.start(
        [
            step(
                "output",
                "echo",
                properties={"value": "1.1.1.1"},
                outputs=[{"name": "podIP", "valueFrom": "myIP.$returns.value"}],
            ),
            step("input", "show", inputs=[{"from": "podIP", "parameterKey": "set.prefixIP"}]),
        ]
    )
    assert status["status"] == "succeeded"
    assert CALLS[-1] == ("input", {"value": {"prefixIP": "1.1.1.1"}})
    assert (await cue_harness.variables())["podIP"] == "1.1.1.1"


async def test_wait_action_keeps_step_running_with_message(cue_harness):
    status = await cue_harness.start([step("w", "waiter")])
    assert status["status"] == "executing"
    entry = steps_of(status)["w"]
    assert (entry["phase"], entry["reason"], entry["message"]) == (
        "running",
        "Wait",
        "I am waiting",
    )


async def test_break_succeeds_step_but_fails_run(cue_harness):
    status = await cue_harness.start([step("b", "breaker"), step("after", "plain")])
    got = phases(status)
    assert got["b"] == ("succeeded", "Terminate")
    assert steps_of(status)["b"]["message"] == "stop here"
    assert got["after"] == ("succeeded", "")  # Break does not skip the following steps
    assert status["status"] == "failed" and status["terminated"] is True


async def test_fail_action_is_terminal(cue_harness):
    status = await cue_harness.start([step("f", "failer"), step("after", "plain")])
    assert phases(status)["f"] == ("failed", "Action")
    assert phases(status)["after"] == ("skipped", "Skip")
    assert status["status"] == "failed"


async def test_provider_error_fails_with_execute_then_after_retries(cue_harness):
    status = await cue_harness.start([step("x", "boom")])
    entry = steps_of(status)["x"]
    assert (entry["phase"], entry["reason"]) == ("failed", "Execute")
    assert entry["message"].startswith("function call error for x: boom")
    for _ in range(100):
        await cue_harness.advance(30)
        if (await cue_harness.status())["status"] != "executing":
            break
    assert phases(await cue_harness.status())["x"] == ("failed", "FailedAfterRetries")


async def test_syntax_error_fails_every_attempt(cue_harness):
    status = await cue_harness.start([step("r", "bad-syntax"), step("next", "plain")])
    assert phases(status)["r"] == ("failed", "Execute")
    for _ in range(100):
        await cue_harness.advance(30)
        if (await cue_harness.status())["status"] != "executing":
            break
    status = await cue_harness.status()
    assert status["status"] == "failed"
    assert phases(status)["r"] == ("failed", "FailedAfterRetries")
    assert phases(status)["next"] == ("skipped", "Skip")


async def test_value_error_fails_first_attempt_then_succeeds(cue_harness):
    status = await cue_harness.start([step("v", "value-error")])
    assert phases(status)["v"] == ("failed", "Execute")
    await cue_harness.advance(1.5)
    status = await cue_harness.status()
    assert phases(status)["v"] == ("succeeded", "")
    assert status["status"] == "succeeded"


async def test_outputs_with_returns_fallback(cue_harness):
    status = await cue_harness.start(
        [
            step(
                "p",
                "plain",
                outputs=[
                    {"name": "a", "valueFrom": "output.score"},
                    {"name": "b", "valueFrom": "returned.$returns.score"},
                    {
                        "name": "d",
                        "valueFrom": 'import "strconv"\n"n=" + strconv.FormatInt(output.score, 10)',
                    },
                ],
            ),
            step("r", "returns", outputs=[{"name": "c", "valueFrom": "output.score"}]),
        ]
    )
    assert status["status"] == "succeeded"
    variables = await cue_harness.variables()
    assert (variables["a"], variables["b"], variables["d"]) == (99, 98, "n=99")
    assert variables["c"] == 97  # `output.score` falls back to `output.$returns.score`


async def test_conflicting_output_only_changes_message(cue_harness):
    """#58: An output that conflicts with an existing variable only sets the message."""
    status = await cue_harness.start(
        [
            step("p1", "plain", outputs=[{"name": "x", "valueFrom": "output.score"}]),
            step("p2", "plain", outputs=[{"name": "x", "valueFrom": "returned.$returns.score"}]),
        ]
    )
    entry = steps_of(status)["p2"]
    assert entry["phase"] == "succeeded"
    assert "conflicting values" in entry["message"]


async def test_missing_input_when_run_directly_fails_with_input(cue_harness):
    # dependsOn satisfied, but the variable never appears: pending, not failed
    status = await cue_harness.start(
        [step("s", "show", inputs=[{"from": "podIP", "parameterKey": "x"}])]
    )
    entry = steps_of(status)["s"]
    assert (entry["phase"], entry["message"]) == ("pending", "Pending on Input: podIP")


async def test_inputs_replace_parameters_and_read_context(cue_harness):
    """#63: Inputs replace parameter keys and the template reads the context."""
    await cue_harness.start(
        [
            step("p", "plain", outputs=[{"name": "foo", "valueFrom": "output"}]),
            step(
                "s",
                "show",
                properties={"set": {"myscore": "test"}},
                inputs=[
                    {"from": "foo.score", "parameterKey": "set.myscore"},
                    {"from": "context.name", "parameterKey": "set.contextname"},
                ],
            ),
        ]
    )
    assert CALLS[-1] == ("s", {"value": {"myscore": 99, "contextname": "app"}})


async def test_embedded_suspend_waits_for_resume(cue_harness):
    status = await cue_harness.start([step("s", "suspend"), step("p", "plain")])
    assert status["status"] == "suspending" and status["suspend"] is True
    entry = steps_of(status)["s"]
    assert (entry["phase"], entry["reason"]) == ("suspending", "Suspend")
    assert entry["message"] == "Suspended by field suspend"
    assert entry["id"]
    await cue_harness.engine.resume("default", "app")
    await cue_harness.settle()
    status = await cue_harness.status()
    assert status["status"] == "succeeded" and status["suspend"] is False


async def test_suspend_with_duration_resumes_by_itself(cue_harness):
    status = await cue_harness.start([step("s", "suspend-then-echo")])
    assert status["status"] == "suspending"
    assert CALLS == []
    await cue_harness.engine.resume("default", "app")  # too early: suspends again
    await cue_harness.settle()
    assert (await cue_harness.status())["status"] == "suspending"
    await cue_harness.advance(1.5)
    status = await cue_harness.status()
    assert status["status"] == "succeeded"
    assert CALLS == [("s", {"value": "after"})]


async def test_each_suspend_task_needs_its_own_resume(cue_harness):
    status = await cue_harness.start([step("m", "multi-suspend")])
    assert status["status"] == "suspending"
    await cue_harness.engine.resume("default", "app")
    await cue_harness.settle()
    status = await cue_harness.status()
    assert status["suspend"] is True
    assert steps_of(status)["m"]["message"] == "Suspended by field suspend2"
    await cue_harness.engine.resume("default", "app")
    await cue_harness.settle()
    status = await cue_harness.status()
    assert status["status"] == "succeeded" and status["suspend"] is False


async def test_timed_out_step_still_writes_outputs(cue_harness):
    status = await cue_harness.start(
        [
            step(
                "step1",
                "waiter",
                timeout="1s",
                outputs=[{"name": "output", "valueFrom": "context.name"}],
            ),
            step("step2", "plain", inputs=[{"from": "output"}], **{"if": 'inputs.output == "app"'}),
        ]
    )
    assert status["status"] == "executing"
    await cue_harness.advance(2.5)
    status = await cue_harness.status()
    assert phases(status)["step1"] == ("failed", "Timeout")
    assert phases(status)["step2"] == ("succeeded", "")
    assert status["status"] == "failed"


async def test_variables_through_do_var(cue_harness):
    status = await cue_harness.start(
        [step("v", "setvar", outputs=[{"name": "got", "valueFrom": "get.$returns.value"}])]
    )
    assert status["status"] == "succeeded", status
    assert (await cue_harness.variables())["got"] == {"score": 100}


async def test_if_sees_context_parameter_inputs_and_status(cue_harness):
    status = await cue_harness.start(
        [
            step(
                "step1",
                "plain",
                outputs=[
                    {"name": "test", "valueFrom": '"yes"'},
                    {"name": "test-struct", "valueFrom": '{hello: "world"}'},
                ],
            ),
            step(
                "a",
                "plain",
                properties={"key": "value"},
                inputs=[{"from": "test"}, {"from": "context.arr[0]"}, {"from": "test-struct"}],
                **{
                    "if": 'context.name == "app" && context.arr[0] == "a" && parameter.key == "value" && status.step1.phase != "failed" && inputs.test == "yes" && inputs["context.arr[0]"] == "a" && inputs["test-struct"].hello == "world"'
                },
            ),
            step("b", "plain", **{"if": 'inputs["test-input"] == "yes"'}),
            step("c", "plain", **{"if": "status.step1-test.timeout"}),
            step("d", "plain", **{"if": "test == true"}),
        ],
        context={"arr": ["a", "b"]},
    )
    got = steps_of(status)
    assert got["a"]["phase"] == "succeeded"
    for name in ("b", "c", "d"):
        assert got[name]["phase"] == "skipped"
        assert got[name]["message"].startswith("pre check error: invalid if value")


async def test_message_action_and_spec_context_override(cue_harness):
    status = await cue_harness.start(
        [step("m", "message", inputs=[{"from": "context.name", "parameterKey": "text"}])],
        context={"name": "override"},
    )
    assert steps_of(status)["m"]["message"] == "override"


async def test_debug_mode_keeps_each_steps_value(cue_harness):
    doc_steps = [
        step("p", "plain"),
        {"name": "g", "type": "step-group", "subSteps": [step("sub", "plain")]},
    ]
    from engine_harness import run_doc

    doc = run_doc(doc_steps, name="dbg")
    doc["metadata"]["annotations"] = {"workflowrun.oam.dev/debug": "true"}
    await cue_harness.engine.apply(doc)
    await cue_harness.settle()
    record = await cue_harness.store.get("WorkflowRun", "default", "dbg")
    ids = {n: e["id"] for n, e in steps_of(record.doc["status"]).items()}
    debug = record.doc["cueflowState"]["debug"]
    assert set(debug) == {ids["p"], ids["sub"]}
    assert "score: 99" in debug[ids["p"]]


async def test_provider_wakes_the_run_when_background_work_ends(cue_harness):
    PENDING_WORK.clear()
    status = await cue_harness.start([step("job", "background")])
    assert steps_of(status)["job"]["message"] == "working"
    wake = PENDING_WORK[0]
    PENDING_WORK[:] = ["done"]
    wake()  # no clock advance: only the wake-up makes the engine look again
    await cue_harness.settle()
    assert (await cue_harness.status())["status"] == "succeeded"


async def test_replayed_call_redoes_its_actions_without_calling_again():
    from datetime import UTC, datetime

    from cueflow.engine.cuestep import CueStepType
    from cueflow.engine.steps import Operation, StepActions, StepInvocation, StepJournal, StepLog
    from cueflow.model import StepBase, StepPhase, StepStatusBase

    calls = []

    async def send(ctx, args):
        calls.append(args)
        ctx.actions.wait("wait for the email")
        return None

    package = ProviderPackage(
        path="test/mail",
        provider="mail",
        schema='package mail\n#Send: {#do: "send", #provider: "mail", $params: {...}, ...}\n',
        functions={"send": send},
    )
    step_type = CueStepType(
        'import "test/mail"\nm: mail.#Send & {$params: to: "x"}\nafter: mail.#Send & {$params: to: "y"}\n',
        {"test/mail": package},
    )
    entries: list = []

    def invocation():
        status = StepStatusBase(id="id", name="s", type="mail", phase=StepPhase.SUCCEEDED)
        op = Operation()
        return StepInvocation(
            step=StepBase(name="s", type="mail"),
            status=status,
            operation=op,
            actions=StepActions(status, op),
            context={"name": "app"},
            parameter={},
            previous=None,
            run_name="app",
            namespace="default",
            store={"vars": {}},
            now=lambda: datetime(2026, 1, 1, tzinfo=UTC),
            fail=lambda reason, message: None,
            logger=StepLog(lambda line, level: None),
            journal=StepJournal(entries=entries),
            wake=lambda: None,
        )

    first = invocation()
    await step_type.execute(first)
    assert len(calls) == 1 and first.status.phase == "running" and entries[0]["effect"]["stopped"]
    again = invocation()  # the same attempt evaluated again, as after a crash
    await step_type.execute(again)
    assert len(calls) == 1  # replayed, not sent again
    assert (again.status.phase, again.status.reason, again.status.message) == (
        "running",
        "Wait",
        "wait for the email",
    )
    assert again.operation.waiting and again.actions.stopped


async def test_property_error_names_template_and_property_positions(cue_harness):
    # the inputs stand below the template in the step's file: `parameter` is on line 5
    status = await cue_harness.start([step("t", "typed", properties={"count": "many"})])
    entry = steps_of(status)["t"]
    assert (entry["phase"], entry["reason"]) == ("failed", "Execute")
    assert entry["message"] == (
        'parameter.count: conflicting values int and "many" (mismatched types int and string)'
        "\n    typed.cue:1:20\n    typed.cue:5:22"
    )


async def test_template_syntax_error_is_where_the_whole_file_has_it(cue_harness):
    status = await cue_harness.start([step("u", "unclosed")])
    entry = steps_of(status)["u"]
    assert (entry["phase"], entry["reason"]) == ("failed", "Execute")
    # the brace stays open through the inputs written below the template
    assert entry["message"].endswith("unclosed.cue:4:14")


async def test_template_is_parsed_once_for_all_its_steps(cue_harness, monkeypatch):
    from cueflow.cue import parser

    parsed: list[str] = []
    parse_file = parser.parse_file

    def counting(text, filename):
        parsed.append(text)
        return parse_file(text, filename)

    monkeypatch.setattr(parser, "parse_file", counting)
    status = await cue_harness.start(
        [step(f"e{n}", "echo", properties={"value": n}) for n in range(3)]
    )
    assert status["status"] == "succeeded"
    assert [args for _, args in CALLS] == [{"value": 0}, {"value": 1}, {"value": 2}]
    assert parsed.count(TEMPLATES["echo"]) == 1
    assert not any(TEMPLATES["echo"] in text and "context:" in text for text in parsed)
