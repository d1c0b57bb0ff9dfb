"""Spec 5.1: controller scenarios with real templates and the kube provider on an emulated API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from engine_harness import DictCatalog, needs_cue, phases, run_doc, steps_of

from cueflow.engine import Engine, ManualClock
from cueflow.providers.registry import default_packages
from cueflow.testing.fixtures import emulator, kv, registry  # noqa: F401

pytestmark = needs_cue

APPLY = """output: kube.#Apply & {$params: value: {
  apiVersion: "apps/v1", kind: "Deployment"
  metadata: {name: context.stepName, namespace: context.namespace}
  spec: {
    selector: matchLabels: wr: context.stepName
    template: {
      metadata: labels: wr: context.stepName
      spec: containers: [{
        name: context.stepName, image: parameter.image
        if parameter["message"] != _|_ {env: [{name: "MESSAGE", value: parameter.message}]}
      }]
    }
  }
}}
wait: builtin.#ConditionalWait & {
  if len(output.$returns.value.status) > 0 if output.$returns.value.status.readyReplicas == 1 {
    $params: continue: true
  }
}
"""

TEMPLATES = {
    "test-apply": 'import ("vela/kube", "vela/builtin")\n'
    + APPLY
    + "parameter: {image: string, message?: string}\n",
    "suspend-and-deploy": 'import ("vela/kube", "vela/builtin")\n'
    + 'suspend: builtin.#Suspend & {$params: duration: "1s"}\n'
    + APPLY
    + "parameter: {image: string, message?: string}\n",
    "failed-render": ":",
    "save-process-context": """import "vela/op"
cm: op.#Apply & {value: {
  apiVersion: "v1", kind: "ConfigMap"
  metadata: {name: parameter.name, namespace: context.namespace, labels: "process.context.data": "true"}
  data: {for k, v in context {"\\(k)": "\\(v)"}}
}}
parameter: name: string
""",
}


class Cluster:
    """An engine over the emulated cluster, with helpers for the Deployment scenarios."""

    def __init__(self, engine: Engine, clock: ManualClock, api) -> None:
        self.engine, self.clock, self.api = engine, clock, api

    def deployments(self) -> dict[str, dict]:
        return {d["metadata"]["name"]: d for d in self.api.objects_of("apps/v1", "Deployment")}

    def make_ready(self, name: str, message: str = "") -> None:
        stored = self.api.objects[("apps", "deployments")][("default", name)]
        stored["status"] = {"replicas": 1, "readyReplicas": 1}
        if message:
            stored["status"]["conditions"] = [{"type": "Available", "message": message}]

    async def settle(self) -> None:
        import asyncio

        quiet = 0
        while quiet < 3:
            await asyncio.sleep(0.005)
            runs = self.engine._runs.values()
            busy = any(r.wake.is_set() or r.lock.locked() for r in runs)
            quiet = 0 if busy else quiet + 1

    async def tick(self, seconds: float = 1.0) -> dict:
        self.clock.advance(seconds)
        await self.settle()
        return await self.status()

    async def start(self, steps, name="wr", **spec) -> dict:
        await self.engine.apply(run_doc(steps, name=name, **spec))
        await self.settle()
        return await self.status(name)

    async def status(self, name="wr") -> dict:
        return (await self.engine.get("default", name)).doc["status"]


@pytest.fixture
async def cluster(kv, registry, emulator) -> AsyncIterator[Cluster]:  # noqa: F811
    clock = ManualClock()
    engine = Engine(
        kv, default_packages(kv=kv), DictCatalog(TEMPLATES), clock=clock, clusters=registry
    )
    await engine.start()
    yield Cluster(engine, clock, emulator)
    await engine.stop()


def apply_step(name, **extra):
    return {"name": name, "type": "test-apply", "properties": {"image": "nginx"}, **extra}


async def test_outputs_to_inputs_step_by_step(cluster):
    """#7."""
    output = {
        "name": "message",
        "valueFrom": '"message: " + output.$returns.value.status.conditions[0].message',
    }
    status = await cluster.start(
        [
            apply_step("step1", outputs=[output]),
            {
                "name": "step2",
                "type": "test-apply",
                "properties": {"image": "nginx", "message": "test"},
                "inputs": [{"from": "message", "parameterKey": "message"}],
            },
        ]
    )
    assert status["status"] == "executing"
    assert set(cluster.deployments()) == {"step1"}
    cluster.make_ready("step1", "hello")
    await cluster.tick()
    env = cluster.deployments()["step2"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "MESSAGE", "value": "message: hello"}]
    cluster.make_ready("step2")
    status = await cluster.tick(2)
    assert status["status"] == "succeeded" and status["mode"]["steps"] == "StepByStep"


async def test_dag_with_skipped_dependency(cluster):
    """#10."""
    status = await cluster.start(
        [
            apply_step("step2", dependsOn=["step1"]),
            apply_step("step1"),
            {"name": "step3", "type": "suspend", "if": "false"},
            apply_step("step4", dependsOn=["step3"]),
        ],
        mode={"steps": "DAG"},
    )
    assert set(cluster.deployments()) == {"step1"}
    cluster.make_ready("step1")
    await cluster.tick()
    assert set(cluster.deployments()) == {"step1", "step2"}
    cluster.make_ready("step2")
    status = await cluster.tick(2)
    assert "step4" not in cluster.deployments()
    assert phases(status)["step4"] == ("skipped", "Skip")
    assert status["status"] == "succeeded"


async def test_render_error_fails_after_retries_and_skips_the_rest(cluster):
    """#14."""
    status = await cluster.start([{"name": "step1", "type": "failed-render"}, apply_step("step2")])
    for _ in range(100):
        if status["status"] != "executing":
            break
        assert phases(status)["step1"][0] == "failed"
        status = await cluster.tick(30)
    assert status["status"] == "failed"
    assert phases(status)["step1"] == ("failed", "FailedAfterRetries")
    assert phases(status)["step2"] == ("skipped", "Skip")
    assert "step2" not in cluster.deployments()


async def test_suspend_with_duration_then_deploy(cluster):
    """#23."""
    status = await cluster.start(
        [{"name": "s", "type": "suspend-and-deploy", "properties": {"image": "nginx"}}]
    )
    assert status["status"] == "suspending" and cluster.deployments() == {}
    status = await cluster.tick(1.5)
    assert status["status"] == "executing" and set(cluster.deployments()) == {"s"}
    cluster.make_ready("s")
    status = await cluster.tick(2)
    assert status["status"] == "succeeded"


async def test_group_with_suspend_runs_siblings_together(cluster):
    """#5."""
    status = await cluster.start(
        [
            {
                "name": "group",
                "type": "step-group",
                "subSteps": [{"name": "suspend", "type": "suspend"}, apply_step("step1")],
            }
        ]
    )
    assert status["status"] == "suspending"
    assert steps_of(status)["suspend"]["phase"] == "suspending"
    assert set(cluster.deployments()) == {"step1"}
    await cluster.engine.resume("default", "wr")
    cluster.make_ready("step1")
    await cluster.settle()
    status = await cluster.tick(2)
    assert status["status"] == "succeeded" and status["suspend"] is False


async def test_context_per_step(cluster):
    """#29."""

    def save(name):
        return {"name": name, "type": "save-process-context", "properties": {"name": f"cm-{name}"}}

    status = await cluster.start(
        [
            {"name": "group1", "type": "step-group", "subSteps": [save("step1"), save("step2")]},
            {"name": "group2", "type": "step-group", "subSteps": [save("step3"), save("step4")]},
            save("step5"),
        ]
    )
    assert status["status"] == "succeeded"
    maps = {c["metadata"]["name"]: c["data"] for c in cluster.api.objects_of("v1", "ConfigMap")}
    prefixes = set()
    for i, group in ((1, "group1"), (2, "group1"), (3, "group2"), (4, "group2"), (5, None)):
        data = maps[f"cm-step{i}"]
        assert data["stepName"] == f"step{i}"
        assert data.get("stepGroupName") == group
        prefixes.add(data["spanID"].split(".")[0])
    assert len(prefixes) == 1
