"""What only the SQLite store does: file location, pragmas, writers in several processes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from cueflow.store import SqlStore, StoreError, cueflow_home, default_store_url

WRITER = """
import asyncio, sys
from cueflow.store import Record, SqlStore

async def main():
    store = SqlStore(sys.argv[1])
    await store.open()
    for i in range(int(sys.argv[3])):
        await store.put(Record("WorkflowRun", "default", sys.argv[2], {"i": i}))
        await store.add_request("default/" + sys.argv[2], "resume", {"i": i})
    await store.close()

asyncio.run(main())
"""


def test_default_url_lives_in_the_cueflow_home(tmp_path: Path):
    assert cueflow_home({"CUEFLOW_HOME": str(tmp_path)}) == tmp_path
    assert cueflow_home({}) == Path.home() / ".cueflow"
    assert default_store_url({"CUEFLOW_HOME": str(tmp_path)}) == (
        f"sqlite+aiosqlite:///{tmp_path}/cueflow.db"
    )
    assert default_store_url({}) == f"sqlite+aiosqlite:///{Path.home()}/.cueflow/cueflow.db"


async def test_open_creates_the_directory_and_expands_home(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    store = SqlStore("sqlite+aiosqlite:///~/deep/er/cueflow.db")
    await store.open()
    try:
        await store.kv_put("s", "k", {"v": 1})
    finally:
        await store.close()
    assert (tmp_path / "deep" / "er" / "cueflow.db").is_file()


async def test_sqlite_runs_in_wal_mode_with_busy_timeout(tmp_path: Path):
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await store.open()
    try:
        async with store.engine.connect() as conn:
            pragma = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar_one()
                for name in ("journal_mode", "synchronous", "busy_timeout")
            }
            tables = await conn.run_sync(lambda c: sorted(sa.inspect(c).get_table_names()))
    finally:
        await store.close()
    assert pragma == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 10_000}
    assert tables == ["kv", "logs", "objects", "requests"]


async def test_processes_writing_one_file_at_once_all_succeed(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    store = SqlStore(url)
    await store.open()  # the schema exists before the writers race
    writers = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", WRITER, url, name, "100")
        for name in ("a", "b", "c")
    ]
    try:
        codes = await asyncio.wait_for(asyncio.gather(*(w.wait() for w in writers)), 120)
        assert codes == [0, 0, 0]
        for name in ("a", "b", "c"):
            record = await store.get("WorkflowRun", "default", name)
            assert (record.version, record.doc) == (100, {"i": 99})
        assert len(await store.take_requests()) == 300
    finally:
        await store.close()


async def test_schema_is_refused_for_sqlite(tmp_path: Path):
    store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", schema="nope")
    with pytest.raises(StoreError, match="only be given for PostgreSQL"):
        await store.open()
