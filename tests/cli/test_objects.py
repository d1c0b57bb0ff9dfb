"""`cueflow apply`, `get` and `delete` against the store in CUEFLOW_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

WORKFLOW_AND_RUN = """\
apiVersion: core.oam.dev/v1alpha1
kind: Workflow
metadata:
  name: deploy
steps:
  - name: wait
    type: suspend
    properties:
      duration: 1s
  - name: done
    type: suspend
---
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: deploy-1
  namespace: staging
spec:
  workflowRef: deploy
"""

INLINE_RUN = """\
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: inline
spec:
  workflowSpec:
    steps:
      - name: wait
        type: suspend
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_apply_stores_objects_and_get_lists_them(cli, in_store, tmp_path):
    staging = WORKFLOW_AND_RUN.replace(
        "name: deploy\nsteps", "name: deploy\n  namespace: staging\nsteps"
    )
    result = cli("apply", "-f", str(write(tmp_path / "deploy.yaml", staging)))
    assert result.returncode == 0, result.stderr
    assert "workflow/deploy stored" in result.stdout
    assert "workflowrun/deploy-1 stored" in result.stdout
    assert "No engine is running" in result.stderr

    runs = cli("get", "runs")
    assert runs.returncode == 0, runs.stderr
    header, row = runs.stdout.splitlines()[:2]
    assert header.split()[:4] == ["NAMESPACE", "NAME", "PHASE", "STEPS"]
    assert row.split()[:5] == ["staging", "deploy-1", "pending", "0/2", "-"]  # 2 steps in its workflow

    workflows = cli("get", "workflows", "-n", "staging")
    assert workflows.stdout.splitlines()[1].split()[:3] == ["staging", "deploy", "2"]
    assert cli("get", "workflows", "-n", "default").stderr.startswith("No Workflow objects")

    stored = in_store(lambda s: s.get("WorkflowRun", "staging", "deploy-1"))
    assert stored.doc["spec"] == {"workflowRef": "deploy"}
    assert stored.finished is False


def test_get_one_object_as_json_or_yaml(cli, tmp_path):
    cli("apply", "-f", str(write(tmp_path / "run.yaml", INLINE_RUN)))
    as_json = cli("get", "run", "inline", "-o", "json")
    assert as_json.returncode == 0, as_json.stderr
    doc = json.loads(as_json.stdout)
    assert doc["metadata"] == {"name": "inline", "namespace": "default"}
    assert doc["spec"]["workflowSpec"]["steps"][0]["type"] == "suspend"

    as_yaml = cli("get", "runs", "default/inline", "-o", "yaml")
    assert yaml.safe_load(as_yaml.stdout) == doc
    listed = json.loads(cli("get", "runs", "-o", "json").stdout)
    assert listed == [doc]


def test_apply_a_directory_in_name_order(cli, tmp_path):
    folder = tmp_path / "objects"
    folder.mkdir()
    write(folder / "b-run.yaml", INLINE_RUN)
    write(folder / "a-workflow.yml", WORKFLOW_AND_RUN.split("---")[0])
    write(folder / "notes.txt", "not an object")
    result = cli("apply", "-f", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["workflow/deploy stored", "workflowrun/inline stored"]


def test_apply_run_whose_workflow_is_missing_is_bad_input(cli, tmp_path):
    result = cli("apply", "-f", str(write(tmp_path / "run.yaml", WORKFLOW_AND_RUN.split("---")[1])))
    assert result.returncode == 2
    assert "Workflow 'deploy' not found" in result.stderr
    assert cli("get", "runs").stderr.startswith("No WorkflowRun objects")


def test_apply_malformed_yaml_names_file_and_line(cli, tmp_path):
    bad = write(tmp_path / "bad.yaml", "kind: Workflow\nmetadata: {name: x\nsteps: []\n")
    result = cli("apply", "-f", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}:")
    assert "invalid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_apply_only_other_kinds_and_bad_field(cli, tmp_path):
    unknown = write(tmp_path / "unknown.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")
    result = cli("apply", "-f", str(unknown))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"warning: {unknown}:1: skipped Pod/p: cueflow applies only WorkflowRun, Workflow and "
        "WorkflowStepDefinition",
        f"error: {unknown}: holds no WorkflowRun, Workflow or WorkflowStepDefinition "
        "(1 object skipped)",
    ]

    bad_field = write(tmp_path / "field.yaml", INLINE_RUN.replace("name: wait", "name: [1, 2]"))
    result = cli("apply", "-f", str(bad_field))
    assert result.returncode == 2
    assert f"{bad_field}:8" in result.stderr
    assert "name" in result.stderr


def test_apply_missing_file(cli, tmp_path):
    result = cli("apply", "-f", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "no such file or directory" in result.stderr


def test_delete_removes_a_run_and_reports_missing_ones(cli, in_store, tmp_path):
    cli("apply", "-f", str(write(tmp_path / "run.yaml", INLINE_RUN)))
    result = cli("delete", "run", "inline")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "workflowrun/inline deleted"
    assert in_store(lambda s: s.list("WorkflowRun")) == []

    missing = cli("delete", "run", "inline")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: WorkflowRun default/inline not found"
    assert cli("delete", "gadget", "x").returncode == 2


def test_home_option_wins_over_environment(cli, home, tmp_path):
    other = tmp_path / "other-home"
    result = cli("--home", str(other), "apply", "-f", str(write(tmp_path / "r.yaml", INLINE_RUN)))
    assert result.returncode == 0, result.stderr
    assert (other / "cueflow.db").is_file()
    assert cli("get", "runs").stderr.startswith("No WorkflowRun objects")
    assert "inline" in cli("--home", str(other), "get", "runs").stdout


def test_get_definitions_lists_built_in_ones_after_stored_ones(cli, tmp_path):
    definition = tmp_path / "greet.yaml"
    definition.write_text((Path(__file__).parents[2] / "examples" / "hello.yaml").read_text())
    definition.write_text(definition.read_text().split("---")[0])
    assert cli("apply", "-f", str(definition)).returncode == 0

    table = cli("get", "definitions")
    assert table.returncode == 0, table.stderr
    rows = [line.split()[:2] for line in table.stdout.splitlines()[1:] if line.strip()]
    assert rows[0] == ["default", "greet"]
    assert ["(built-in)", "suspend"] in rows

    shown = yaml.safe_load(cli("get", "definition", "suspend", "-o", "yaml").stdout)
    assert shown["kind"] == "WorkflowStepDefinition"
    assert "builtin.#Suspend" in shown["spec"]["schematic"]["cue"]["template"]


def test_debug_shows_the_traceback(cli):
    plain = cli("get", "run", "missing")
    assert plain.stderr == "error: WorkflowRun default/missing not found\n"
    debug = cli("--debug", "get", "run", "missing")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "NotFound" in debug.stderr
