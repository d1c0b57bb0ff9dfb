"""Fixtures: emulated clusters on loopback and a registry that knows them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cueflow import clusters
from cueflow.testing.doubles import MemoryKV
from cueflow.testing.kube_emulator import KubeEmulator, run_emulator


@pytest.fixture
async def emulator() -> AsyncIterator[KubeEmulator]:
    async with run_emulator() as api:
        yield api


@pytest.fixture
def kv() -> MemoryKV:
    return MemoryKV()


@pytest.fixture
async def registry(
    emulator: KubeEmulator, kv: MemoryKV, tmp_path: Path
) -> AsyncIterator[clusters.ClusterRegistry]:
    """A registry whose default cluster (`local`) is the emulator."""
    config = emulator.write_kubeconfig(tmp_path / "local.yaml")
    await clusters.add_cluster(kv, "local", config)
    reg = clusters.ClusterRegistry(kv)
    yield reg
    await reg.close()
