"""Durability: an engine SIGKILLed at random moments and restarted finishes every run
correctly, never re-runs a step that was durably succeeded, and loses no output."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from pathlib import Path

import pytest
from engine_harness import needs_cue

from cueflow.store.sql import SqlStore

CHILD = Path(__file__).with_name("crash_child.py")
RUNS = 24
STEPS = ("a", "g1", "g2", "b", "c")


async def _succeeded_steps(database: Path) -> dict[str, set[str]]:
    store = SqlStore(f"sqlite+aiosqlite:///{database}")
    await store.open()
    try:
        done: dict[str, set[str]] = {}
        for record in await store.list("WorkflowRun"):
            names = done.setdefault(record.name, set())
            for entry in (record.doc.get("status") or {}).get("steps") or []:
                for item in [entry, *(entry.get("subSteps") or [])]:
                    if item.get("phase") == "succeeded":
                        names.add(item["name"])
        return done
    finally:
        await store.close()


async def _start(database: Path, effects: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), str(database), str(effects), str(RUNS), env=env
    )


async def _kill_after_effects(child: asyncio.subprocess.Process, effects: Path, count: int) -> None:
    """SIGKILL the child once it has made `count` more provider calls (or let it finish)."""
    start = len(effects.read_text().splitlines())
    while child.returncode is None:
        if len(effects.read_text().splitlines()) - start >= count:
            child.send_signal(signal.SIGKILL)
            break
        try:
            await asyncio.wait_for(child.wait(), 0.01)
        except TimeoutError:
            continue
    await child.wait()


@needs_cue
@pytest.mark.slow
async def test_engine_survives_sigkill(tmp_path):
    database, effects = tmp_path / "crash.db", tmp_path / "effects.txt"
    effects.touch()
    rng = random.Random(7)
    kills = 0
    for attempt in range(6):
        child = await _start(database, effects)
        if attempt < 5:  # kill after a random number of side effects, whatever the speed
            await _kill_after_effects(child, effects, rng.randint(5, 25))
            kills += child.returncode == -signal.SIGKILL
        await asyncio.wait_for(child.wait(), 60)
        if child.returncode == 0:
            break
        done = await _succeeded_steps(database)
        with effects.open("a") as f:  # everything after this marker ran after the kill
            f.write(f"--restart {attempt}\n")
            for run, names in done.items():
                for name in sorted(names):
                    f.write(f"done {run}/{name}\n")
    assert child.returncode == 0
    assert kills >= 2, "the child finished before it could be killed often enough"

    durable: set[str] = set()
    for line in effects.read_text().splitlines():
        if line.startswith("done "):
            durable.add(line[5:])
        elif not line.startswith("--"):
            assert line not in durable, f"{line} ran again after it had succeeded"

    store = SqlStore(f"sqlite+aiosqlite:///{database}")
    await store.open()
    try:
        records = await store.list("WorkflowRun")
        assert len(records) == RUNS
        for record in records:
            status = record.doc["status"]
            assert status["status"] == "succeeded", (record.name, status)
            variables = record.doc["cueflowState"]["context"]["vars"]
            assert variables == {f"{s}-out": s for s in STEPS}
    finally:
        await store.close()
    ran = effects.read_text().splitlines()
    for i in range(RUNS):
        for step in STEPS:
            assert f"run-{i}/{step}" in ran
