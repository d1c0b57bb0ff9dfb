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

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

Cli = Callable[..., subprocess.CompletedProcess[str]]


def _command() -> list[str]:
    script = shutil.which("cueflow")
    if script is not None:
        return [script]
    return [sys.executable, "-c", "from cueflow.cli.main import app; app()"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def cli(home: Path) -> Cli:
    """`cli("get", "runs")` runs `cueflow get runs` with CUEFLOW_HOME set to `home`."""
    env = {
        **os.environ,
        "CUEFLOW_HOME": str(home),
        "NO_COLOR": "1",
        "TERM": "dumb",
        "COLUMNS": "200",
    }
    env.pop("CUEFLOW_STORE_URL", None)

    def run(*args: str, timeout: float = 120, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_command(), *args],
            env={**env, **kwargs.pop("env", {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=kwargs.pop("cwd", home.parent),
            **kwargs,
        )

    return run


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
