"""Engine fixtures: a real SQLite store and a harness with a hand-driven clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from engine_harness import Harness

from cueflow.store.sql import SqlStore


@pytest.fixture
async def store(tmp_path) -> AsyncIterator[SqlStore]:
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'cueflow.db'}")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def harness(store) -> AsyncIterator[Harness]:
    h = Harness(store)
    await h.engine.start()
    yield h
    await h.engine.stop()
