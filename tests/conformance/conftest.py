"""Helpers for conformance tests: definitions laid out the way KubeVela ships them, the
`cueflow` command run as a user runs it, and a loopback HTTP endpoint that records calls."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

HELM_NAMESPACE = '{{ include "systemDefinitionNamespace" . }}'
"""The one template directive in the definition files of KubeVela's Helm charts."""


def definition_yaml(name: str, template: str, namespace: str = HELM_NAMESPACE) -> str:
    """A WorkflowStepDefinition document in the layout of the KubeVela charts."""
    body = textwrap.indent(textwrap.dedent(template).strip("\n") + "\n", " " * 8)
    return (
        "# Generated from a CUE file; edit the CUE file instead.\n"
        "apiVersion: core.oam.dev/v1beta1\n"
        "kind: WorkflowStepDefinition\n"
        "metadata:\n"
        "  annotations:\n"
        f"    definition.oam.dev/description: {name} (conformance test)\n"
        f"  name: {name}\n"
        f"  namespace: {namespace}\n"
        "spec:\n"
        "  schematic:\n"
        "    cue:\n"
        "      template: |\n"
        f"{body}"
    )


def run_yaml(name: str, steps: list[dict[str, Any]], namespace: str = "default") -> str:
    """A WorkflowRun document (JSON is YAML) with inline steps."""
    return json.dumps(
        {
            "apiVersion": "core.oam.dev/v1alpha1",
            "kind": "WorkflowRun",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"workflowSpec": {"steps": steps}},
        },
        indent=2,
    )


class Cli:
    """`cli("apply", "-f", path)`: `cueflow` in a subprocess with its own home directory."""

    def __init__(self, home: Path) -> None:
        script = shutil.which("cueflow")
        self.command = [script] if script else [
            sys.executable, "-c", "from cueflow.cli.main import app; app()"]
        self.home = home
        self.env = {**os.environ, "CUEFLOW_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}
        self.env.pop("CUEFLOW_STORE_URL", None)

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.command, *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout, cwd=self.home.parent)

    def run_json(self, path: Path) -> tuple[int, dict[str, Any]]:
        """`cueflow run -o json PATH`: the exit code and the final WorkflowRun."""
        done = self("run", "-o", "json", str(path))
        assert done.stdout.strip(), done.stderr
        return done.returncode, json.loads(done.stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    home = tmp_path / "home"
    home.mkdir()
    return Cli(home)


def steps_by_name(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Step statuses of a final WorkflowRun by step name (sub-steps included)."""
    found: dict[str, dict[str, Any]] = {}
    for step in run.get("status", {}).get("steps", []):
        found[step["name"]] = step
        for sub in step.get("subSteps") or []:
            found[sub["name"]] = sub
    return found


class Layout:
    """Document writers for tests (fixtures cannot hand out plain functions by import)."""

    definition = staticmethod(definition_yaml)
    run = staticmethod(run_yaml)
    steps = staticmethod(steps_by_name)


@pytest.fixture
def layout() -> type[Layout]:
    return Layout


class Recorder:
    """What a loopback HTTP endpoint received; it answers JSON `{"seen": <n>, "path": ...}`,
    and status 404 for paths under /missing."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.url = ""


@pytest.fixture
def endpoint() -> Iterator[Recorder]:
    recorder = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(size).decode() if size else ""
            recorder.calls.append({"method": self.command, "path": self.path,
                                   "headers": dict(self.headers), "body": body})
            code = 404 if self.path.startswith("/missing") else 200
            out = json.dumps({"seen": len(recorder.calls), "path": self.path}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = do_PUT = do_DELETE = answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
