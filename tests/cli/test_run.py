"""`cueflow run FILE`: the embedded engine end to end, exit codes, and bad input."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import time
from pathlib import Path

import pytest

needs_engine = pytest.mark.skipif(
    importlib.util.find_spec("cueflow.engine") is None
    or not hasattr(importlib.import_module("cueflow.engine"), "Engine"),
    reason="cueflow.engine.Engine is not available yet",
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

RUN_HEAD = """\
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: {name}
spec:
  workflowSpec:
    steps:
"""


def write_run(tmp_path: Path, name: str, steps: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(RUN_HEAD.format(name=name) + steps)
    return path


@needs_engine
def test_hello_example_succeeds_and_can_run_again(cli, in_store):
    result = cli("run", str(EXAMPLES / "hello.yaml"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"\d\d:\d\d:\d\d greet Hello, cueflow!", lines[0])
    assert lines[1].startswith("hello succeeded")
    assert any("pause (suspend) succeeded" in line for line in lines)
    assert any("echo (print-message-in-status) succeeded" in line for line in lines)
    assert "Hello, cueflow!" in result.stdout

    stored = in_store(lambda s: s.get("WorkflowRun", "default", "hello"))
    assert stored.finished and stored.doc["status"]["status"] == "succeeded"
    assert in_store(lambda s: s.engine_lock_holder()) is None  # released on exit
    logged = cli("logs", "hello")
    assert logged.stdout.split(" ", 1)[1] == "greet Hello, cueflow!\n"

    again = cli("run", str(EXAMPLES / "hello.yaml"))
    assert again.returncode == 0, again.stderr
    rerun = in_store(lambda s: s.get("WorkflowRun", "default", "hello"))
    assert rerun.created > stored.created  # a new run replaced the finished one
    assert rerun.doc["status"]["status"] == "succeeded"


@needs_engine
def test_output_json_prints_the_final_run_with_context(cli, tmp_path):
    path = write_run(
        tmp_path,
        "ctx",
        "      - name: show\n        type: print-message-in-status\n"
        "        properties: {message: done}\n",
    )
    result = cli("run", str(path), "-o", "json", "--context", "env=prod", "-c", "replicas=3")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["spec"]["context"] == {"env": "prod", "replicas": 3}
    assert doc["status"]["status"] == "succeeded"
    assert doc["status"]["steps"][0]["message"] == "done"
    assert "cueflowState" not in doc


@needs_engine
def test_failed_run_exits_1_with_the_reason(cli, tmp_path):
    path = write_run(
        tmp_path,
        "doomed",
        "      - name: boom\n        type: fail\n        properties: {message: no luck}\n",
    )
    result = cli("run", str(path))
    assert result.returncode == 1
    assert "boom (fail) failed" in result.stdout
    assert result.stderr.strip() == "run default/doomed failed: boom: no luck"


@needs_engine
def test_suspended_run_obeys_resume_and_terminate_from_other_processes(cli, in_store, tmp_path):
    path = write_run(tmp_path, "gate", "      - name: gate\n        type: suspend\n")
    for operation, code in (("resume", 0), ("terminate", 1)):
        process = cli.start("run", str(path), "-o", "json")
        follower = None
        try:
            deadline = time.monotonic() + 120
            while True:
                runs = in_store(lambda s: s.list("WorkflowRun"))
                if runs and runs[0].phase == "suspending":
                    break
                if process.poll() is not None:
                    pytest.fail(f"{operation}: cueflow run ended early: {process.communicate()}")
                assert time.monotonic() < deadline, f"{operation}: the run never got suspended"
                time.sleep(0.3)
            follower = cli.start("logs", "gate", "--follow")
            requested = cli(operation, "gate")
            assert requested.returncode == 0, requested.stderr
            assert "the running engine (cueflow run gate.yaml" in requested.stdout
            out, err = process.communicate(timeout=60)
            follower.communicate(timeout=60)
            assert follower.returncode == 0  # following ends with the run
        finally:
            process.kill()
            if follower is not None:
                follower.kill()
        assert process.returncode == code, err
        phase = json.loads(out)["status"]["status"]
        assert phase == ("succeeded" if operation == "resume" else "terminated")


def test_malformed_yaml_is_bad_input(cli, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("kind: WorkflowRun\nmetadata:\n  name: x\n   bad: indent\n")
    result = cli("run", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}:4:")
    assert "Traceback" not in result.stderr


def test_file_without_exactly_one_run_is_bad_input(cli, tmp_path):
    empty = tmp_path / "defs.yaml"
    empty.write_text((EXAMPLES / "hello.yaml").read_text().split("---")[0])
    result = cli("run", str(empty))
    assert result.returncode == 2
    assert "holds no WorkflowRun" in result.stderr


def test_unknown_step_type_is_bad_input_with_its_line(cli, in_store, tmp_path):
    steps = (
        "      - name: group\n        type: step-group\n        subSteps:\n"
        "          - name: ok\n            type: suspend\n"
        "          - name: typo\n            type: sleeep\n"
    )
    result = cli("run", str(write_run(tmp_path, "typo", steps)))
    assert result.returncode == 2
    assert f"{tmp_path / 'typo.yaml'}:14: step 'typo': unknown step type 'sleeep'" in result.stderr
    assert in_store(lambda s: s.list("WorkflowRun")) == []


def test_properties_that_break_the_template_are_bad_input(cli, tmp_path):
    text = (EXAMPLES / "hello.yaml").read_text().replace("who: cueflow", "who: 42")
    path = tmp_path / "hello.yaml"
    path.write_text(text)
    result = cli("run", str(path))
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {path}:39: step 'greet': properties do not fit step type ")
    assert "'greet': parameter.who: " in line
    assert "mismatched types" in line and "42" in line


def test_cue_syntax_error_in_a_definition_is_bad_input(cli, tmp_path):
    text = (EXAMPLES / "hello.yaml").read_text().replace('greeting: "Hello', 'greeting: ("Hello')
    path = tmp_path / "hello.yaml"
    path.write_text(text)
    result = cli("run", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {path}:")
    assert "template does not compile" in result.stderr
