"""`cueflow server` as a user starts it: a subprocess with its own home, driven by other
`cueflow` commands and by HTTP."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def cueflow(*args: str) -> list[str]:
    script = shutil.which("cueflow")
    prefix = (
        [script] if script else [sys.executable, "-c", "from cueflow.cli.main import app; app()"]
    )
    return [*prefix, *args]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = {**os.environ, "CUEFLOW_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    environ.pop("CUEFLOW_STORE_URL", None)
    return environ


def first_line(process: subprocess.Popen[str], timeout: float = 60) -> str:
    assert process.stderr is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        assert selector.select(timeout), "cueflow server printed nothing"
    return process.stderr.readline()


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        cueflow("server", "--port", "0"), env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        line = first_line(process)
        assert line.startswith("cueflow server listening on http://127.0.0.1:"), line
        yield process, line.split()[4]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def sse(response: httpx.Response) -> Iterator[tuple[str, dict]]:
    kind = ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield kind, json.loads(line.removeprefix("data: "))


def test_the_server_runs_what_other_commands_hand_it_and_stops_on_sigterm(
    server, env, tmp_path, greet, run_yaml
):
    process, url = server
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}

    second = subprocess.run(
        cueflow("server", "--port", "0"), env=env, capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 2
    assert f"another engine (cueflow server {url} (pid {process.pid})) owns this store" in (
        second.stderr
    )

    file = tmp_path / "gate.yaml"
    file.write_text(greet + "---\n" + run_yaml("gate", "greet:shell", "suspend"))
    applied = subprocess.run(
        cueflow("apply", "-f", str(file)), env=env, capture_output=True, text=True, timeout=60
    )
    assert applied.returncode == 0, applied.stderr
    assert "Handed to the running engine (cueflow server" in applied.stderr

    phases = []
    with httpx.stream("GET", f"{url}/api/v1/runs/gate/events", timeout=60) as response:
        for kind, data in sse(response):
            if kind != "status":
                continue
            phases.append(data["phase"])
            if data["status"].get("suspend") and "resumed" not in phases:
                resumed = subprocess.run(
                    cueflow("resume", "gate"), env=env, capture_output=True, text=True, timeout=60
                )
                assert "the running engine (cueflow server" in resumed.stdout, resumed.stderr
                phases.append("resumed")
    assert phases[-1] == "succeeded"
    logs = httpx.get(f"{url}/api/v1/runs/gate/logs").json()
    assert [line["text"] for line in logs] == ["Hello, shell!"]

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stderr is not None and "cueflow server stopping" in process.stderr.read()
    assert not (Path(env["CUEFLOW_HOME"]) / "cueflow.db.sock").exists()
