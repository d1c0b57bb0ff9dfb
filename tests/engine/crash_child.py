"""A child engine for the crash test: applies the runs (first start only) and drives them.

Usage: python crash_child.py DATABASE EFFECTS_FILE RUNS
Every call of the `effect` provider appends "<run>/<step>" to EFFECTS_FILE.
"""

from __future__ import annotations

import asyncio
import random
import sys

from cueflow.engine import Engine
from cueflow.providers import builtin
from cueflow.providers.base import ProviderPackage
from cueflow.store.base import NotFound
from cueflow.store.sql import SqlStore

TEMPLATE = """import "test/effect"
out: effect.#Do & {$params: tag: context.stepName}
parameter: {...}
"""


class Catalog:
    def get(self, type_name: str, namespace: str) -> str | None:
        return TEMPLATE if type_name == "effect" else None


def run_doc(i: int) -> dict:
    def step(name: str, **extra: object) -> dict:
        return {
            "name": name,
            "type": "effect",
            "outputs": [{"name": f"{name}-out", "valueFrom": "out.$returns.tag"}],
            **extra,
        }

    steps = [
        step("a"),
        {"name": "g", "type": "step-group", "subSteps": [step("g1"), step("g2")]},
        step("b", inputs=[{"from": "a-out", "parameterKey": "x"}]),
        step("c", dependsOn=["b"]),
    ]
    spec: dict = {"workflowSpec": {"steps": steps}}
    if i % 2:
        spec["mode"] = {"steps": "DAG"}
    return {
        "apiVersion": "core.oam.dev/v1alpha1",
        "kind": "WorkflowRun",
        "metadata": {"name": f"run-{i}", "namespace": "default"},
        "spec": spec,
    }


async def main(database: str, effects: str, count: int) -> None:
    async def effect(ctx, args):
        await asyncio.sleep(random.uniform(0, 0.02))
        with open(effects, "a") as f:
            f.write(f"{ctx.run_name}/{ctx.step_name}\n")
        await asyncio.sleep(random.uniform(0, 0.02))
        return {"tag": args["tag"]}

    package = ProviderPackage(
        path="test/effect",
        provider="effect",
        schema='package effect\n#Do: {#do: "do", #provider: "effect", $params: {...}, ...}\n',
        functions={"do": effect},
    )
    store = SqlStore(f"sqlite+aiosqlite:///{database}")
    await store.open()
    engine = Engine(store, {"vela/builtin": builtin.package(), "test/effect": package}, Catalog())
    await engine.start()
    for i in range(count):
        try:
            await store.get("WorkflowRun", "default", f"run-{i}")
        except NotFound:
            await engine.apply(run_doc(i))
    for i in range(count):
        await engine.wait("default", f"run-{i}")
    await engine.stop()
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
