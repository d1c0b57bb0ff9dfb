"""Definitions in the KubeVela chart layout, applied and run with the `cueflow` command as a
new user would, against a loopback HTTP endpoint (and a Kubernetes emulator)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CALL = """
import (
	"vela/http"
	"vela/builtin"
	"encoding/json"
)

call: http.#HTTPDo & {$params: {
	method: parameter.method
	url:    parameter.url
	request: {
		if parameter.body != _|_ {
			body: json.Marshal(parameter.body)
		}
		header: "Content-Type": "application/json"
	}
}}
wait: builtin.#ConditionalWait & {$params: continue: call.$returns != _|_}
check: {
	if call.$returns.statusCode >= 400 {
		stop: builtin.#Fail & {$params: message: "\\(parameter.url) answered \\(call.$returns.statusCode)"}
	}
}
response: json.Unmarshal(call.$returns.body)
parameter: {
	url:    string
	method: *"GET" | "POST" | "PUT" | "DELETE"
	body?: {...}
}
"""

SAY = """
import "vela/builtin"

say: builtin.#Message & {$params: message: parameter.text}
parameter: text: string
"""

GROUP = """
// the engine runs the sub-steps; the template itself does nothing
"""


def _write(path: Path, *documents: str) -> Path:
    path.write_text("\n---\n".join(doc.strip("\n") for doc in documents) + "\n")
    return path


def test_chart_layout_definitions_run_over_http(
    cli: Any, layout: Any, endpoint: Any, tmp_path: Path
) -> None:
    definitions = _write(
        tmp_path / "definitions.yaml",
        layout.definition("call-api", CALL, namespace="vela-system"),
        layout.definition("say", SAY, namespace="vela-system"),
        layout.definition("step-group", GROUP, namespace="vela-system"),
    )
    applied = cli("apply", "-f", str(definitions))
    assert applied.returncode == 0, applied.stderr
    run = _write(tmp_path / "run.yaml", layout.run("calls", [
        {"name": "post", "type": "call-api",
         "properties": {"url": f"{endpoint.url}/events", "method": "POST", "body": {"n": 1}},
         "outputs": [{"name": "seen", "valueFrom": 'import "strconv"\n'
                                                   '"calls: " + strconv.FormatInt(response.seen, 10)'}]},
        {"name": "report", "type": "say", "inputs": [{"from": "seen", "parameterKey": "text"}]},
        {"name": "both", "type": "step-group", "subSteps": [
            {"name": "get-a", "type": "call-api", "properties": {"url": f"{endpoint.url}/a"}},
            {"name": "get-b", "type": "call-api", "properties": {"url": f"{endpoint.url}/b"}},
        ]},
        {"name": "lost", "type": "call-api", "properties": {"url": f"{endpoint.url}/missing"}},
        {"name": "after-loss", "type": "say", "if": "status.lost.failed",
         "properties": {"text": "recovered"}},
    ]))
    code, final = cli.run_json(run)
    steps = layout.steps(final)
    assert code != 0
    assert {name: step["phase"] for name, step in steps.items()} == {
        "post": "succeeded", "report": "succeeded", "both": "succeeded", "get-a": "succeeded",
        "get-b": "succeeded", "lost": "failed", "after-loss": "succeeded"}
    assert steps["report"]["message"] == "calls: 1"
    assert steps["lost"]["message"] == f"{endpoint.url}/missing answered 404"
    assert steps["after-loss"]["message"] == "recovered"
    first = endpoint.calls[0]
    assert (first["method"], first["path"], json.loads(first["body"])) == (
        "POST", "/events", {"n": 1})
    assert sorted(call["path"] for call in endpoint.calls[1:]) == ["/a", "/b", "/missing"]


def test_chart_file_applies_as_published(cli: Any, layout: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "say.yaml", layout.definition("say", SAY))
    applied = cli("apply", "-f", str(path))
    assert applied.returncode == 0, applied.stderr
    listed = cli("get", "definitions")
    assert any(line.split()[:2] == ["vela-system", "say"] for line in listed.stdout.splitlines())


def test_decoded_bytes_convert_to_text(cli: Any, layout: Any, tmp_path: Path) -> None:
    template = """
import (
	"vela/util"
	"vela/builtin"
	"encoding/base64"
)

text: util.#ConvertString & {$params: bt: base64.Decode(null, parameter.encoded)}
say: builtin.#Message & {$params: message: text.$returns.str}
parameter: encoded: string
"""
    path = _write(tmp_path / "run.yaml",
                  layout.definition("decode", template, namespace="vela-system"),
                  layout.run("decode", [{"name": "d", "type": "decode", "timeout": "3s",
                                         "properties": {"encoded": "aGVsbG8="}}]))
    code, final = cli.run_json(path)
    assert code == 0, final.get("status")
    assert layout.steps(final)["d"]["message"] == "hello"


def test_kubevela_only_operation_fails_the_step(cli: Any, layout: Any, tmp_path: Path) -> None:
    template = """
import "vela/op"

app: op.#ApplyApplication & {}
"""
    path = _write(tmp_path / "run.yaml",
                  layout.definition("deliver", template, namespace="vela-system"),
                  layout.run("deliver", [{"name": "d", "type": "deliver"}]))
    code, final = cli.run_json(path)
    step = layout.steps(final)["d"]
    assert code != 0
    assert step["phase"] == "failed"
    assert "ApplyApplication" in step["message"]


def test_apply_reads_the_vela_def_cue_layout(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "greet.cue"
    path.write_text('import "vela/builtin"\n\n'
                    'greet: {type: "workflow-step", description: "Say hello"}\n'
                    "template: {\n"
                    '\tsay: builtin.#Message & {$params: message: "hello \\(parameter.who)"}\n'
                    "\tparameter: who: string\n"
                    "}\n")
    assert cli("def", "vet", str(path)).returncode == 0
    applied = cli("apply", "-f", str(path))
    assert applied.returncode == 0, applied.stderr
    assert "greet" in cli("get", "definitions").stdout


def test_kubernetes_objects_next_to_a_run_do_not_fail_the_file(
    cli: Any, layout: Any, tmp_path: Path
) -> None:
    config_map = json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": "settings", "namespace": "default"},
                             "data": {"mode": "fast"}})
    path = _write(tmp_path / "run.yaml",
                  layout.run("with-object", [{"name": "s", "type": "suspend"}]), config_map)
    applied = cli("apply", "-f", str(path))
    assert applied.returncode == 0, applied.stderr
    assert "with-object" in cli("get", "runs").stdout


@pytest.fixture
def kube_api(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """The Kubernetes emulator served from another process: (kubeconfig, server URL)."""
    kubeconfig = tmp_path / "kubeconfig.yaml"
    server = subprocess.Popen(
        [sys.executable, "-m", "cueflow.testing.kube_emulator", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy())
    try:
        deadline = time.monotonic() + 30
        while not kubeconfig.exists() or "server:" not in kubeconfig.read_text():
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the emulator did not start"
            time.sleep(0.1)
        url = next(line.split("server:", 1)[1].strip()
                   for line in kubeconfig.read_text().splitlines() if "server:" in line)
        yield kubeconfig, url
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_registered_cluster_receives_applied_objects(
    cli: Any, layout: Any, kube_api: tuple[Path, str], tmp_path: Path
) -> None:
    kubeconfig, url = kube_api
    added = cli("cluster", "add", "local", "--kubeconfig", str(kubeconfig))
    assert added.returncode == 0, added.stderr
    template = """
import "vela/kube"

apply: kube.#Apply & {$params: value: parameter.value}
parameter: value: {...}
"""
    value = {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "made", "namespace": "default"}, "data": {"k": "v"}}
    path = _write(tmp_path / "run.yaml",
                  layout.definition("put", template, namespace="vela-system"),
                  layout.run("put", [{"name": "p", "type": "put", "properties": {"value": value}}]))
    code, final = cli.run_json(path)
    assert code == 0, final.get("status")
    with urllib.request.urlopen(f"{url}/api/v1/namespaces/default/configmaps/made") as answer:
        assert json.load(answer)["data"] == {"k": "v"}
