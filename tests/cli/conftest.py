"""Run `cueflow` as a user would: a subprocess with its own home directory."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cueflow import store


def _command() -> list[str]:
    script = shutil.which("cueflow")
    if script is not None:
        return [script]
    return [sys.executable, "-c", "from cueflow.cli.main import app; app()"]


class Cli:
    """`cli("get", "runs")` runs `cueflow get runs` with CUEFLOW_HOME set to `home`."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.command = _command()
        self.env = {
            **os.environ,
            "CUEFLOW_HOME": str(home),
            "NO_COLOR": "1",
            "TERM": "dumb",
            "COLUMNS": "200",
        }
        self.env.pop("CUEFLOW_STORE_URL", None)

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.command, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.home.parent,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start `cueflow ARGS` in the background."""
        return subprocess.Popen(
            [*self.command, *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=self.home.parent,
        )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def cli(home: Path) -> Cli:
    return Cli(home)


@pytest.fixture
def in_store(home: Path) -> Callable[[Callable[[store.SqlStore], Any]], Any]:
    """`in_store(lambda s: s.get(...))` looks into (or prepares) the store the CLI uses."""

    def call(operation: Callable[[store.SqlStore], Any]) -> Any:
        async def main() -> Any:
            opened = store.SqlStore(store.default_store_url({"CUEFLOW_HOME": str(home)}))
            await opened.open()
            try:
                return await operation(opened)
            finally:
                await opened.close()

        return asyncio.run(main())

    return call


class EmulatedCluster:
    """A Kubernetes API emulator served from its own thread, with a kubeconfig for it."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig
        self.api: Any = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)

    async def _serve(self) -> None:
        from cueflow.testing.kube_emulator import run_emulator

        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with run_emulator() as api:
            api.write_kubeconfig(self.kubeconfig)
            self.api = api
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> EmulatedCluster:
        self._thread.start()
        assert self._ready.wait(30), "the Kubernetes emulator did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def names(self, api_version: str, kind: str) -> list[str]:
        return sorted(o["metadata"]["name"] for o in self.api.objects_of(api_version, kind))


@pytest.fixture
def emulated_cluster(tmp_path: Path) -> Iterator[Callable[[str], EmulatedCluster]]:
    """`emulated_cluster("eu")` serves an emulator whose kubeconfig is tmp_path/eu.kubeconfig."""
    with contextlib.ExitStack() as stack:
        yield lambda name: stack.enter_context(EmulatedCluster(tmp_path / f"{name}.kubeconfig"))
