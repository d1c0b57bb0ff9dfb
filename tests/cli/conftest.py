"""Run `cueflow` as a user would: a subprocess with its own home directory."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
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
