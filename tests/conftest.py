"""Shared fixtures: the real-CUE oracle (one server process per test session)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def oracle_dir() -> Path | None:
    """Where the installed oracle lives: $CUEFLOW_CUE_ORACLE, else .cache/cue-oracle."""
    configured = os.environ.get("CUEFLOW_CUE_ORACLE")
    path = Path(configured) if configured else REPO / ".cache" / "cue-oracle"
    return path if (path / "node_modules").is_dir() else None


@pytest.fixture(scope="session")
def cue_oracle() -> Iterator[Any]:
    """A running oracle server; missing oracle fails under CI=true, skips elsewhere."""
    path = oracle_dir()
    if path is None:
        message = "CUE oracle not installed: run scripts/install-oracle.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    sys.path.insert(0, str(path))
    from oracle_client import CueOracle  # type: ignore[import-not-found]

    oracle = CueOracle(vela_stubs=str(REPO / ".cache" / "vela-stubs"))
    try:
        yield oracle
    finally:
        oracle.close()
