"""The engine lock: one engine per store, across processes, surviving SIGKILL of the holder."""

from __future__ import annotations

import asyncio
import signal
import sys

from cueflow.store import SqlStore

HOLD_LOCK = """
import asyncio, sys
from cueflow.store import SqlStore

async def main():
    store = SqlStore(sys.argv[1], schema=sys.argv[2] or None)
    await store.open()
    print("locked" if await store.acquire_engine_lock("child engine") else "refused", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_second_store_is_refused_until_the_first_releases(backend):
    first, second = backend.new_store(), backend.new_store()
    await first.open()
    await second.open()
    try:
        assert await second.engine_lock_holder() is None
        assert await first.acquire_engine_lock("engine one") is True
        assert await first.acquire_engine_lock("engine one") is True  # already held
        assert await second.acquire_engine_lock("engine two") is False
        assert await second.engine_lock_holder() == "engine one"
        assert await first.engine_lock_holder() == "engine one"

        await first.release_engine_lock()
        assert await second.engine_lock_holder() is None
        assert await second.acquire_engine_lock("engine two") is True
        assert await first.acquire_engine_lock("engine one") is False
        assert await first.engine_lock_holder() == "engine two"
    finally:
        await first.close()
        await second.close()


async def test_closing_the_store_releases_the_lock(backend):
    first, second = backend.new_store(), backend.new_store()
    await first.open()
    await second.open()
    try:
        assert await first.acquire_engine_lock("one")
        await first.close()
        assert await second.acquire_engine_lock("two")
    finally:
        await second.close()


async def test_lock_held_by_another_process_is_freed_when_it_is_killed(backend):
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLD_LOCK,
        backend.url,
        backend.schema or "",
        stdout=asyncio.subprocess.PIPE,
    )
    store = backend.new_store()
    await store.open()
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), timeout=30)
        assert line.strip() == b"locked"
        assert await store.acquire_engine_lock("parent") is False
        assert await store.engine_lock_holder() == "child engine"

        child.send_signal(signal.SIGKILL)
        await child.wait()
        for _attempt in range(50):  # the database server notices the dead client quickly
            if await store.acquire_engine_lock("parent"):
                break
            await asyncio.sleep(0.1)
        assert await store.engine_lock_holder() == "parent"
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await store.close()


async def test_in_memory_sqlite_lock_belongs_to_its_store():
    store = SqlStore("sqlite+aiosqlite://")
    await store.open()
    try:
        assert await store.engine_lock_holder() is None
        assert await store.acquire_engine_lock("only")
        assert await store.engine_lock_holder() == "only"
    finally:
        await store.close()
