"""Fixtures for the step library tests: the `vela/*` stub tree real CUE imports from."""

from __future__ import annotations

from pathlib import Path

import pytest

from cueflow.definitions.stubs import lay_out_vela_stubs


@pytest.fixture(scope="session")
def vela_stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh `-V` stub tree laid out from the provider schemas."""
    return lay_out_vela_stubs(tmp_path_factory.mktemp("vela-stubs"))
