"""Loading documents and the admission rules (spec 1, 1.8, 5.5)."""

from __future__ import annotations

import pytest

from cueflow.model import (
    ModelError,
    StepPhase,
    UnmanagedKind,
    WorkflowRun,
    WorkflowStepDefinition,
    admit_run,
    load_documents,
    parse_duration,
    validate_steps,
)
from cueflow.model.resources import WorkflowStep

RUN = """\
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: my-run
  namespace: default
  annotations:
    workflowrun.oam.dev/debug: "true"
spec:
  context: {env: dev}
  mode: {steps: DAG}
  workflowSpec:
    steps:
    - name: apply
      type: apply-deployment
      if: context.env == "dev"
      timeout: 1m
      dependsOn: [other]
      inputs: [{from: score, parameterKey: set.prefixIP}]
      outputs: [{name: out, valueFrom: output.value}]
      properties: {image: nginx}
      futureField: kept
    - type: step-group
      subSteps:
      - type: suspend
---
apiVersion: core.oam.dev/v1alpha1
kind: Workflow
metadata: {name: tpl}
mode: {steps: DAG}
steps: [{name: a, type: suspend}]
"""


def test_multi_document_yaml_round_trips():
    run, workflow = load_documents(RUN, "run.yaml")
    assert isinstance(run, WorkflowRun)
    step = run.spec.workflow_spec.steps[0]
    assert step.if_ == 'context.env == "dev"'
    assert step.inputs[0].parameter_key == "set.prefixIP"
    assert step.outputs[0].value_from == "output.value"
    dumped = run.to_dict()
    assert dumped["spec"]["workflowSpec"]["steps"][0]["futureField"] == "kept"
    assert dumped["spec"]["workflowSpec"]["steps"][0]["dependsOn"] == ["other"]
    assert dumped["metadata"]["annotations"] == {"workflowrun.oam.dev/debug": "true"}
    assert workflow.mode.steps == "DAG" and workflow.steps[0].name == "a"


def test_errors_name_file_line_and_field():
    text = RUN.replace("timeout: 1m", "timeout: [1]")
    with pytest.raises(ModelError) as err:
        load_documents(text, "run.yaml")
    assert "run.yaml:16:" in str(err.value)
    assert "workflowSpec.steps[0].timeout" in str(err.value)


def test_unknown_kind_and_bad_api_version():
    with pytest.raises(UnmanagedKind, match="unknown kind 'Pod'") as raised:
        load_documents("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "p.yaml")
    assert (raised.value.kind, raised.value.name) == ("Pod", "x")
    with pytest.raises(ModelError, match=r"p\.yaml:1: WorkflowRun needs apiVersion"):
        load_documents("apiVersion: v1\nkind: WorkflowRun\nmetadata: {name: x}\n", "p.yaml")


def test_kinds_of_other_groups_are_not_ours_and_applications_are_refused():
    argo = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: ci}\n"
    with pytest.raises(UnmanagedKind) as raised:
        load_documents(argo, "argo.yaml")
    assert (raised.value.kind, raised.value.name) == ("Workflow", "ci")
    application = "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: shop}\n"
    with pytest.raises(ModelError, match=r"^app\.yaml:2: Application 'shop': cueflow runs") as err:
        load_documents(application, "app.yaml")
    assert not isinstance(err.value, UnmanagedKind)
    with pytest.raises(ModelError, match=r"^v\.yaml:1: not an object: `kind` is missing") as err:
        load_documents("replicas: 3\n", "v.yaml")
    assert not isinstance(err.value, UnmanagedKind)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("dependsOn: [other]", "dependsOn: other"),
            'run.yaml:17: spec.workflowSpec.steps[0].dependsOn: expected a list, got "other"',
        ),
        (
            ("timeout: 1m", "timeout: 5"),
            'run.yaml:16: spec.workflowSpec.steps[0].timeout: expected a string, got 5 (a duration such as "30s")',
        ),
        (
            ("mode: {steps: DAG}", "mode: {steps: dag}"),
            "run.yaml:10: spec.mode.steps: expected 'StepByStep' or 'DAG', got \"dag\"",
        ),
        (
            ("[{name: out, valueFrom", "[{valueFrom"),
            "run.yaml:19: spec.workflowSpec.steps[0].outputs[0].name: required, but missing",
        ),
        (
            ("mode: {steps: DAG}\nsteps: [{name: a, type: suspend}]", "mode: 1\nsteps: 2"),
            "run.yaml:29: mode: expected an object, got 1 (and 1 more)",
        ),
    ],
)
def test_a_wrong_field_is_one_line_with_its_path_and_value(change, message):
    with pytest.raises(ModelError) as err:
        load_documents(RUN.replace(*change), "run.yaml")
    assert str(err.value) == message


def test_invalid_yaml_names_position():
    with pytest.raises(ModelError, match=r"bad.yaml:2:\d+: invalid YAML"):
        load_documents("a: 1\n b: [\n", "bad.yaml")


def test_definition_versions_both_accepted():
    for version in ("core.oam.dev/v1beta1", "core.oam.dev/v1alpha1"):
        doc = {
            "apiVersion": version,
            "kind": "WorkflowStepDefinition",
            "metadata": {"name": "noop"},
            "spec": {"schematic": {"cue": {"template": "x: 1\n"}}},
        }
        definition = WorkflowStepDefinition.model_validate(doc)
        assert definition.template == "x: 1\n"


def test_definition_that_does_not_compile_is_rejected_with_position():
    pytest.importorskip("cueflow.cue")
    text = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata: {name: broken}
spec:
  schematic:
    cue:
      template: |
        a: 1
        b: {
"""
    with pytest.raises(ModelError) as err:
        load_documents(text, "def.yaml")
    assert "def.yaml:" in str(err.value) and "broken" in str(err.value)
    line = int(str(err.value).split(":")[1])
    assert line >= 9


def _run(steps, **spec):
    body = {"workflowSpec": {"steps": steps}} if steps is not None else {}
    body.update(spec)
    return WorkflowRun.model_validate(
        {
            "apiVersion": "core.oam.dev/v1alpha1",
            "kind": "WorkflowRun",
            "metadata": {"name": "r"},
            "spec": body,
        }
    )


def test_unnamed_steps_are_named_by_position():
    run = _run([{"type": "suspend"}, {"type": "step-group", "subSteps": [{"type": "suspend"}]}])
    admit_run(run)
    steps = run.spec.workflow_spec.steps
    assert steps[0].name == "step-0"
    assert steps[1].name == "step-1" and steps[1].sub_steps[0].name == "step-1-0"


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"name": "", "type": "x"}], "empty step name"),
        ([{"name": "a", "type": "x"}, {"name": "a", "type": "y"}], "duplicated step name 'a'"),
        (
            [
                {
                    "name": "g",
                    "type": "step-group",
                    "subSteps": [{"name": "s", "type": "x"}, {"name": "s", "type": "x"}],
                }
            ],
            "duplicated step name 's'",
        ),
        (
            [{"name": "g", "type": "step-group", "subSteps": [{"name": "g", "type": "x"}]}],
            "duplicated",
        ),
        ([{"name": "a", "type": "x", "timeout": "test"}], "invalid timeout 'test'"),
        (
            [
                {
                    "name": "g",
                    "type": "step-group",
                    "subSteps": [{"name": "s", "type": "x", "timeout": "1d"}],
                }
            ],
            "subSteps[0]: invalid timeout '1d'",
        ),
    ],
)
def test_invalid_steps_are_rejected(steps, message):
    with pytest.raises(ModelError, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate_steps([WorkflowStep.model_validate(s) for s in steps])


def test_valid_timeout_accepted():
    validate_steps([WorkflowStep.model_validate({"name": "a", "type": "x", "timeout": "5s"})])


def test_missing_workflow_ref_is_rejected():
    with pytest.raises(ModelError, match="failed to get workflow ref"):
        admit_run(_run(None, workflowRef="nope"), workflow_exists=False)
    admit_run(_run(None, workflowRef="there"), workflow_exists=True)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("300ms", 0.3), ("1.5h", 5400), ("2m15s", 135), ("0", 0), ("1h1m1s", 3661), ("-1s", -1)],
)
def test_go_durations(text, seconds):
    assert parse_duration(text).total_seconds() == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["1d", "1min", "", "s", "1", "1.s5"])
def test_bad_go_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_status_serialises_camel_case_and_seconds():
    from datetime import UTC, datetime

    from cueflow.model import StepStatus, WorkflowRunStatus

    status = WorkflowRunStatus(
        steps=[
            StepStatus(
                name="a",
                phase=StepPhase.SUCCEEDED,
                first_execute_time=datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC),
            )
        ]
    )
    data = status.to_dict()
    assert data["steps"][0]["firstExecuteTime"] == "2026-01-02T03:04:05Z"
    assert data["suspend"] is False and data["terminated"] is False and data["finished"] is False


def test_definition_imports_are_not_resolved_without_packages():
    text = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata: {name: uses-kube}
spec:
  schematic:
    cue:
      template: |
        import "vela/kube"
        apply: kube.#Apply & {$params: parameter}
"""
    (definition,) = load_documents(text, "def.yaml")
    assert definition.metadata.name == "uses-kube"


def test_definition_with_unknown_import_is_rejected_given_packages():
    from cueflow.model import check_definition

    definition = WorkflowStepDefinition.model_validate(
        {
            "apiVersion": "core.oam.dev/v1beta1",
            "kind": "WorkflowStepDefinition",
            "metadata": {"name": "d"},
            "spec": {"schematic": {"cue": {"template": 'import "vela/nope"\nx: nope.#X\n'}}},
        }
    )
    with pytest.raises(ModelError, match=r"d.cue:1:\d+: .*vela/nope"):
        check_definition(definition, packages={"vela/builtin": "package builtin\n"})
    ok = definition.model_copy(deep=True)
    ok.spec.schematic.cue.template = 'import "vela/builtin"\nx: 1\n'
    check_definition(ok, packages={"vela/builtin": "package builtin\n"})
