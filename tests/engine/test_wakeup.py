"""Cross-process wake-ups: another process records a request or stores a run, then notifies."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from engine_harness import Harness, run_doc

from cueflow.engine import notify_engine
from cueflow.store import wakeup_socket_path
from cueflow.store.sql import SqlStore

CHILD = """
import asyncio, json, sys
from cueflow.engine import notify_engine
from cueflow.store import Record
from cueflow.store.sql import SqlStore

async def main(url, action, payload, notify):
    store = SqlStore(url)
    await store.open()
    if action == "request":
        await store.add_request("default/app", payload, {})
    else:
        doc = json.loads(payload)
        await store.put(Record("WorkflowRun", "default", doc["metadata"]["name"], doc))
    await store.close()
    print(notify_engine(url) if notify == "notify" else "quiet")

asyncio.run(main(*sys.argv[1:]))
"""


async def in_other_process(url: str, action: str, payload: str, notify: bool) -> str:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        textwrap.dedent(CHILD),
        url,
        action,
        payload,
        "notify" if notify else "quiet",
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await child.communicate()
    assert child.returncode == 0
    return out.decode().strip()


@pytest.fixture
async def locked_harness(store: SqlStore) -> AsyncIterator[Harness]:
    """An engine holding the store's lock, on a hand-driven clock: no timer fires by itself."""
    assert await store.acquire_engine_lock("test")
    h = Harness(store)
    await h.engine.start()
    yield h
    await h.engine.stop()


def url_of(store: SqlStore) -> str:
    return store.url.render_as_string(hide_password=False)


async def test_resume_from_another_process_wakes_the_engine(locked_harness: Harness):
    h = locked_harness
    url = url_of(h.store)
    await h.start([{"name": "s1", "type": "suspend"}, {"name": "s2", "type": "success"}])
    assert (await h.status())["status"] == "suspending"
    assert await in_other_process(url, "request", "resume", notify=False) == "quiet"
    await asyncio.sleep(0.5)
    await h.settle()
    assert (await h.status())["status"] == "suspending"  # the engine does not poll the store
    assert await in_other_process(url, "request", "noop-op", notify=True) == "True"
    record = await h.engine.wait("default", "app", timeout=10)
    assert record.phase == "succeeded"


async def test_run_stored_by_another_process_is_adopted(locked_harness: Harness):
    h = locked_harness
    doc = run_doc([{"name": "s1", "type": "success"}], name="other")
    assert await in_other_process(url_of(h.store), "run", json.dumps(doc), notify=True) == "True"
    for _ in range(1000):
        if ("default", "other") in h.engine._runs or (await h.status("other")).get("finished"):
            break
        await asyncio.sleep(0.01)
    record = await h.engine.wait("default", "other", timeout=10)
    assert record.phase == "succeeded"


async def test_stop_removes_the_socket(store: SqlStore):
    assert await store.acquire_engine_lock("test")
    h = Harness(store)
    await h.engine.start()
    path = store.wakeup_socket()
    assert path is not None and path.exists()
    await h.engine.stop()
    assert not path.exists()
    assert notify_engine(url_of(store)) is False  # nobody listens any more


async def test_engine_without_the_lock_does_not_listen(harness: Harness):
    assert harness.store.wakeup_socket() is None
    assert notify_engine(url_of(harness.store)) is False


def test_socket_path_follows_the_database(tmp_path: Path):
    db = tmp_path / "cueflow.db"
    assert wakeup_socket_path(f"sqlite+aiosqlite:///{db}") == Path(f"{db}.sock")
    assert wakeup_socket_path(tmp_path) == Path(f"{db}.sock")  # a home directory
    assert wakeup_socket_path("sqlite+aiosqlite://") is None
    assert wakeup_socket_path("sqlite+aiosqlite:///:memory:") is None
    deep = tmp_path / ("d" * 120) / "cueflow.db"
    assert len(str(wakeup_socket_path(f"sqlite+aiosqlite:///{deep}"))) < 100
    pg = wakeup_socket_path("postgresql+asyncpg://u:p@db/cueflow")
    assert pg is not None and pg == wakeup_socket_path("postgresql+asyncpg://u:p@db/cueflow")
    assert pg != wakeup_socket_path("postgresql+asyncpg://u:p@other/cueflow")


def test_importing_the_engine_does_not_load_sqlalchemy():
    code = "import sys, cueflow.engine; print(any(m.startswith('sqlalchemy') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
