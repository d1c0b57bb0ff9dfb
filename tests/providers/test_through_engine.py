"""Smoke test: the provider packages driven by the real engine and CUE evaluator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cueflow import clusters
from cueflow.engine import Engine
from cueflow.providers.registry import default_packages
from cueflow.store.sql import SqlStore
from cueflow.testing.kube_emulator import KubeEmulator, run_emulator, workloads_ready

TEMPLATES = {
    "apply-deployment": """import ("vela/kube", "vela/builtin")
output: kube.#Apply & {$params: value: {
    apiVersion: "apps/v1", kind: "Deployment"
    metadata: {name: context.stepName, namespace: context.namespace}
    spec: replicas: parameter.replicas
}}
wait: builtin.#ConditionalWait & {
    $params: continue: output.$returns.value.status.readyReplicas == parameter.replicas
}
parameter: replicas: *1 | int
""",
    "read-replicas": """import "vela/op"
read: op.#Read & {value: {apiVersion: "apps/v1", kind: "Deployment",
                          metadata: {name: parameter.name, namespace: "default"}}}
replicas: read.value.spec.replicas
parameter: name: string
""",
    "save-config": """import "vela/config"
save: config.#CreateConfig & {$params: {name: "db", namespace: "default", config: parameter}}
parameter: {...}
""",
    "job": """import ("vela/kube", "vela/builtin")
apply: kube.#Apply & {$params: value: {
    apiVersion: "batch/v1", kind: "Job"
    metadata: {name: context.stepName, namespace: context.namespace}
    spec: template: spec: {restartPolicy: "Never", containers: [{name: "c", image: "busybox"}]}
}}
wait: builtin.#ConditionalWait & {
    $params: continue: apply.$returns.value.status.succeeded != _|_
}
""",
    "load-config": """import "vela/config"
output: config.#ReadConfig & {$params: {name: "db", namespace: "default"}}
""",
}


class Catalog:
    def get(self, type_name: str, namespace: str) -> str | None:
        return TEMPLATES.get(type_name)


@pytest.fixture
async def ready_cluster() -> AsyncIterator[KubeEmulator]:
    async with run_emulator(controllers=(workloads_ready,)) as api:
        yield api


async def test_apply_wait_read_and_configs_through_the_engine(
    ready_cluster: KubeEmulator, kv: SqlStore, tmp_path: Path
) -> None:
    await clusters.add_cluster(kv, "local", ready_cluster.write_kubeconfig(tmp_path / "k.yaml"))
    registry = clusters.ClusterRegistry(kv)
    engine = Engine(kv, default_packages(kv=kv), Catalog(), clusters=registry,
                    secrets=clusters.SecretResolver(registry, None))
    await engine.start()
    steps = [
        {"name": "web", "type": "apply-deployment", "properties": {"replicas": 2}},
        {"name": "check", "type": "read-replicas", "properties": {"name": "web"},
         "outputs": [{"name": "replicas", "valueFrom": "replicas"}]},
        {"name": "save", "type": "save-config", "properties": {"host": "h", "port": 5432}},
        {"name": "load", "type": "load-config",
         "outputs": [{"name": "port", "valueFrom": "output.config.port"}]},
    ]
    await engine.apply({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
                        "metadata": {"name": "smoke", "namespace": "default"},
                        "spec": {"workflowSpec": {"steps": steps}}})
    record = await engine.wait("default", "smoke", timeout=60)
    await engine.stop()
    await registry.close()
    status = record.doc["status"]
    assert status["status"] == "succeeded", status
    deployment = ready_cluster.objects_of("apps/v1", "Deployment")[0]
    assert deployment["metadata"]["labels"]["workflowrun.oam.dev/name"] == "smoke"
    variables = record.doc["cueflowState"]["context"]["vars"]
    assert (variables["replicas"], variables["port"]) == (2, 5432)
    secret = ready_cluster.objects_of("v1", "Secret")[0]
    assert secret["metadata"]["labels"]["config.oam.dev/catalog"] == "velacore-config"


async def test_a_job_step_waits_until_the_cluster_completed_the_job(
    emulator: KubeEmulator, kv: SqlStore, tmp_path: Path
) -> None:
    await clusters.add_cluster(kv, "local", emulator.write_kubeconfig(tmp_path / "k.yaml"))
    registry = clusters.ClusterRegistry(kv)
    engine = Engine(kv, default_packages(kv=kv), Catalog(), clusters=registry)
    await engine.start()
    await engine.apply({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
                        "metadata": {"name": "batch", "namespace": "default"},
                        "spec": {"workflowSpec": {"steps": [{"name": "once", "type": "job"}]}}})
    record = await engine.wait("default", "batch", timeout=60)
    await engine.stop()
    await registry.close()
    status = record.doc["status"]
    assert status["status"] == "succeeded", status
    job = emulator.objects_of("batch/v1", "Job")[0]
    assert job["status"]["conditions"][0]["type"] == "Complete"
