"""Store fixtures: every store test runs on real SQLite (a file in tmp_path) and on the real
PostgreSQL at 127.0.0.1:5432 (database `test`), each test in its own fresh schema."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from cueflow.store import SqlStore

PG_DSN = os.environ.get("CUEFLOW_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PG_URL = PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)


async def _can_connect() -> bool:
    try:
        conn = await asyncpg.connect(PG_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


@pytest.fixture(scope="session")
def postgres_reachable() -> bool:
    return asyncio.run(_can_connect())


async def _drop_schema(schema: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


class Backend:
    """How to open (again) the same database: each call gives a new, unopened store."""

    def __init__(self, name: str, url: str, schema: str | None) -> None:
        self.name = name
        self.url = url
        self.schema = schema

    def new_store(self) -> SqlStore:
        return SqlStore(self.url, schema=self.schema)


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_reachable: bool
) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'cueflow.db'}", None)
        return
    if not postgres_reachable:
        message = f"PostgreSQL unreachable at {PG_DSN}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    schema = f"cueflow_test_{uuid.uuid4().hex[:12]}"
    try:
        yield Backend("postgresql", PG_URL, schema)
    finally:
        await _drop_schema(schema)


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[SqlStore]:
    opened = backend.new_store()
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()
