"""Engine benchmark: hand-off latency, noop steps/s, three-step runs/s, memory per suspended run.

    python bench/engine_bench.py [--runs 10000] [--store sqlite|memory]

Targets: hand-off p50 <= 1 ms and p99 <= 10 ms, >= 1000 noop steps/s, >= 300 three-step
runs/s, <= 50 KB per suspended run at 10,000 runs. The store is a real SQLite file unless
`--store memory` is given (then it measures the engine alone).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cueflow.engine import DataScope, Engine, StepInvocation
from cueflow.store.base import NotFound, Record
from cueflow.store.sql import SqlStore


class Noop:
    """A step that does nothing; remembers when each step started and ended."""

    def __init__(self) -> None:
        self.started: dict[tuple[str, str], float] = {}
        self.ended: dict[tuple[str, str], float] = {}

    def pending(self, step: Any) -> None:
        return None

    async def execute(self, inv: StepInvocation) -> DataScope:
        key = (inv.run_name, inv.step.name)
        self.started[key] = time.perf_counter()
        self.ended[key] = time.perf_counter()
        return DataScope({})


class Suspend(Noop):
    async def execute(self, inv: StepInvocation) -> DataScope:
        resumed = inv.previous is not None and inv.previous.phase == "running"
        if not resumed:
            inv.actions.suspend()
        return await super().execute(inv)


class MemoryStore:
    """Dictionary store for measuring the engine without database cost."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str, str], Record] = {}

    async def open(self) -> None: ...
    async def close(self) -> None: ...

    async def put(self, record: Record, *, expect_version: int | None = None) -> Record:
        record.version += 1
        self.records[(record.kind, record.namespace, record.name)] = record
        return record

    async def put_many(self, records: list[Record]) -> list[Record]:
        return [await self.put(record) for record in records]

    async def get(self, kind: str, namespace: str, name: str) -> Record:
        try:
            return self.records[(kind, namespace, name)]
        except KeyError:
            raise NotFound(name) from None

    async def list(self, kind: str, namespace: str | None = None, *, unfinished_only: bool = False):
        return [
            r
            for r in self.records.values()
            if r.kind == kind and not (unfinished_only and r.finished)
        ]

    async def append_logs(self, lines: list) -> None: ...
    async def logs(self, run: str, step: str | None = None, *, after_seq: int = 0) -> list:
        return []

    async def take_requests(self) -> list:
        return []


def run_doc(name: str, steps: list[dict[str, Any]], mode: str = "StepByStep") -> dict[str, Any]:
    return {
        "apiVersion": "core.oam.dev/v1alpha1",
        "kind": "WorkflowRun",
        "metadata": {"name": name, "namespace": "bench"},
        "spec": {"mode": {"steps": mode}, "workflowSpec": {"steps": steps}},
    }


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def make_engine(kind: str, directory: Path, types: dict[str, Any]) -> tuple[Engine, Any]:
    store: Any
    if kind == "memory":
        store = MemoryStore()
    else:
        store = SqlStore(f"sqlite+aiosqlite:///{directory / f'bench-{time.monotonic_ns()}.db'}")
    await store.open()
    engine = Engine(store, step_types=types)
    await engine.start()
    return engine, store


async def finish_all(engine: Engine, names: list[str]) -> None:
    await asyncio.gather(*(engine.wait("bench", n, timeout=600) for n in names))


async def bench_throughput(
    kind: str, directory: Path, runs: int, steps: int
) -> tuple[float, float, list[float]]:
    noop = Noop()
    engine, store = await make_engine(kind, directory, {"noop": noop})
    names = [f"r{i}" for i in range(runs)]
    docs = [run_doc(n, [{"name": f"s{j}", "type": "noop"} for j in range(steps)]) for n in names]
    begin = time.perf_counter()
    await asyncio.gather(*(engine.apply(d) for d in docs))
    await finish_all(engine, names)
    elapsed = time.perf_counter() - begin
    handoffs = [
        noop.started[(n, f"s{j}")] - noop.ended[(n, f"s{j - 1}")]
        for n in names
        for j in range(1, steps)
    ]
    await engine.stop()
    await store.close()
    return runs / elapsed, runs * steps / elapsed, handoffs


async def bench_resume_handoff(kind: str, directory: Path, runs: int) -> list[float]:
    """Time from a resume request to the next step starting (an event-driven hand-off)."""
    suspend, noop = Suspend(), Noop()
    engine, store = await make_engine(kind, directory, {"hold": suspend, "noop": noop})
    latencies = []
    for i in range(runs):
        name = f"h{i}"
        await engine.apply(
            run_doc(name, [{"name": "hold", "type": "hold"}, {"name": "next", "type": "noop"}])
        )
        while (name, "hold") not in suspend.started:
            await asyncio.sleep(0)
        await asyncio.sleep(0.001)
        begin = time.perf_counter()
        await engine.resume("bench", name)
        await engine.wait("bench", name, timeout=60)
        latencies.append(noop.started[(name, "next")] - begin)
    await engine.stop()
    await store.close()
    return latencies


async def bench_memory(kind: str, directory: Path, runs: int) -> float:
    suspend = Suspend()
    engine, store = await make_engine(kind, directory, {"hold": suspend})
    gc.collect()
    before = rss_kb()
    names = [f"m{i}" for i in range(runs)]
    for chunk in range(0, runs, 500):
        await asyncio.gather(
            *(
                engine.apply(run_doc(n, [{"name": "hold", "type": "hold"}]))
                for n in names[chunk : chunk + 500]
            )
        )
    while len(suspend.started) < runs:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)
    gc.collect()
    per_run = (rss_kb() - before) / runs
    await engine.stop()
    await store.close()
    return per_run


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=10_000, help="suspended runs for the memory figure"
    )
    parser.add_argument("--store", choices=("sqlite", "memory"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        # memory first: memory freed by the other measurements would hide the growth
        memory = await bench_memory(args.store, directory, args.runs)
        runs_per_s, _, handoffs = await bench_throughput(args.store, directory, 1000, 3)
        _, steps_per_s, more = await bench_throughput(args.store, directory, 200, 10)
        handoffs += more
        resume = await bench_resume_handoff(args.store, directory, 200)
    print(f"store: {args.store}")
    print(
        f"step hand-off latency: p50 {pct(handoffs, 0.5):.3f} ms  p99 {pct(handoffs, 0.99):.3f} ms"
    )
    print(f"resume hand-off latency: p50 {pct(resume, 0.5):.3f} ms  p99 {pct(resume, 0.99):.3f} ms")
    print(f"noop steps/s: {steps_per_s:.0f}")
    print(f"three-step runs/s: {runs_per_s:.0f}")
    print(f"memory per suspended run at {args.runs} runs: {memory:.1f} KB")
    print(
        f"statistics: {len(handoffs)} step hand-offs, mean {statistics.mean(handoffs) * 1000:.3f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
