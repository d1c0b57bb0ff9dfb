"""pytest fixtures for code that talks to Kubernetes: import them into a conftest.

    from cueflow.testing.fixtures import emulator, kv, registry  # noqa: F401

`emulator` is a fresh in-memory API server, `kv` a SQLite store in the test's
temporary directory, `registry` a cluster registry whose default cluster
(`local`) is the emulator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cueflow import clusters
from cueflow.store.sql import SqlStore
from cueflow.testing.kube_emulator import KubeEmulator, run_emulator

__all__ = ["emulator", "kv", "registry"]


@pytest.fixture
async def emulator() -> AsyncIterator[KubeEmulator]:
    async with run_emulator() as api:
        yield api


@pytest.fixture
async def kv(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'cueflow.db'}")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def registry(
    emulator: KubeEmulator, kv: SqlStore, tmp_path: Path
) -> AsyncIterator[clusters.ClusterRegistry]:
    config = emulator.write_kubeconfig(tmp_path / "local.yaml")
    await clusters.add_cluster(kv, "local", config)
    reg = clusters.ClusterRegistry(kv)
    yield reg
    await reg.close()
