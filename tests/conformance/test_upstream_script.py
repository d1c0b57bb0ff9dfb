"""scripts/upstream_conformance.py on small repositories laid out like KubeVela's: parameter
values from schemas, the comparison of JSON texts, the task order, and a whole run against
real CUE."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cueflow.cue import ast
from cueflow.cue.parser import parse_file
from cueflow.definitions.schema import parameter_schema

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "upstream_conformance.py"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("upstream_conformance", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


NOTIFY = """
import "vela/http"

send: http.#HTTPDo & {$params: {
	method: parameter.verb
	url:    parameter.endpoint
	if parameter.note != _|_ {
		request: body: parameter.note
	}
}}
parameter: {
	endpoint: string
	verb:     *"POST" | "PUT"
	note?:    string
	retries:  *3 | int
	target: close({team: string}) | close({user: string, id: int})
}
"""


def test_required_values_leave_defaults_to_the_template(script: ModuleType) -> None:
    schema = parameter_schema(NOTIFY)
    assert script.sample_object(schema) == {
        "endpoint": "http://127.0.0.1:8080/api", "target": {"team": "example"}}


def test_full_values_give_every_member_with_defaults_as_written(script: ModuleType) -> None:
    schema = parameter_schema(NOTIFY)
    assert script.sample_object(schema, full=True) == {
        "endpoint": "http://127.0.0.1:8080/api", "verb": "POST", "note": "example",
        "retries": 3, "target": {"team": "example"}}


def test_json_texts_compare_by_the_data_they_hold(script: ModuleType) -> None:
    assert script.same_json_texts({"b": '{"x":1,"y":"<a>"}'}, {"b": '{"y":"\\u003ca\\u003e","x":1}'})
    assert not script.same_json_texts({"b": '{"x":1}'}, {"b": '{"x":2}'})
    assert not script.same_json_texts({"b": "plain"}, {"b": "other"})


EVALUATED = """
outer: {
	inner: {#do: "read", #provider: "kube", $params: {}}
	#do:       "apply"
	#provider: "kube"
}
late: {#do: "log", #provider: "util"}
early: {#do: "wait", #provider: "builtin"}
"""


def test_tasks_are_walked_children_first_with_step_attributes_first(script: ModuleType) -> None:
    tree = parse_file(EVALUATED)
    root = ast.StructLit(tree.pos, tree.decls)
    found = [
        path for path, node in script.walk_structs(root, (), {"early": 1})
        if script._scalar(node, "#do")
    ]
    assert found == ["early", "outer.inner", "outer", "late"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _repository(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "files")
    return root


@pytest.mark.oracle
def test_whole_run_reports_each_definition_and_the_totals(
    script: ModuleType, cue_oracle: Any, layout: Any, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    del cue_oracle  # only to skip (or fail under CI) without an installed oracle
    example = {"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
               "metadata": {"name": "r"},
               "spec": {"workflowSpec": {"steps": [{
                   "name": "s", "type": "notify",
                   "properties": {"endpoint": "http://127.0.0.1:1/x", "verb": "PUT",
                                  "target": {"user": "ann", "id": 7}}}]}}}
    kubevela = _repository(tmp_path / "kubevela", {
        "charts/vela-core/templates/defwithtemplate/notify.yaml":
            layout.definition("notify", NOTIFY),
        "charts/vela-core/templates/defwithtemplate/broken.yaml":
            layout.definition("broken", "x: {"),
        "docs/examples/run.yaml": json.dumps(example),
        "vela-templates/definitions/internal/workflowstep/.keep": "",
    })
    workflow = _repository(tmp_path / "workflow", {
        "charts/vela-workflow/templates/definitions/.keep": "",
        "examples/.keep": "",
    })
    assert script.main(["--kubevela", str(kubevela), "--workflow", str(workflow)]) == 0
    out = capsys.readouterr().out
    rows = {tuple(line.split()[1:3]): line for line in out.splitlines()
            if line.startswith("kubevela-chart")}
    assert set(rows) == {("broken", "-"), ("notify", "required"), ("notify", "full"),
                         ("notify", "example-1")}
    assert rows[("broken", "-")].split()[3] == "no"
    assert all(rows[("notify", s)].split()[5] == "yes" for s in ("required", "full", "example-1"))
    assert "definition files: 2, load: 1/2" in out
    assert "first provider call equal to CUE's: 3/3" in out
