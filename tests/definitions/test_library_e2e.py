"""The Kubernetes step types run for real: one WorkflowRun through the engine, the
providers and an emulated cluster whose workloads become ready at once.

scale-deployment and restart-deployment are not in this run yet: they change
values with `// +patchStrategy=retainKeys` tags, which the step runner does not
hand to the kube provider so far (`ProviderContext.extras["patch_tags"]`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cueflow import clusters
from cueflow.definitions import Catalog
from cueflow.engine import Engine
from cueflow.providers.registry import default_packages
from cueflow.store.sql import SqlStore
from cueflow.testing.fixtures import kv  # noqa: F401
from cueflow.testing.kube_emulator import KubeEmulator, run_emulator, workloads_ready

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "api", "namespace": "default"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "api"}},
        "template": {
            "metadata": {"labels": {"app": "api"}},
            "spec": {"containers": [{"name": "api", "image": "nginx:1.27"}]},
        },
    },
}

STEPS: list[dict[str, Any]] = [
    {"name": "ns", "type": "create-namespace", "properties": {"name": "team-a"}},
    {"name": "web", "type": "apply-deployment", "properties": {"image": "nginx", "replicas": 2}},
    {"name": "api", "type": "apply-object", "properties": {"value": DEPLOYMENT}},
    {"name": "rollout", "type": "wait-for-rollout", "properties": {"name": "web"}},
    {
        "name": "ready",
        "type": "wait-for-object",
        "properties": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "api",
            "fields": {"readyReplicas": 1},
        },
    },
    {
        "name": "settings",
        "type": "export2config",
        "properties": {"configName": "settings", "data": {"level": "info"}},
    },
    {
        "name": "copy",
        "type": "copy-configmap",
        "properties": {"name": "settings", "to": {"clusters": ["local"], "namespace": "team-a"}},
    },
    {
        "name": "read",
        "type": "read-object",
        "properties": {"apiVersion": "v1", "kind": "ConfigMap", "name": "settings"},
        "outputs": [{"name": "level", "valueFrom": "output.$returns.value.data.level"}],
    },
    {
        "name": "patch",
        "type": "patch-object",
        "properties": {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "name": "settings",
            "patch": {"data": {"extra": "yes"}},
        },
    },
    {
        "name": "pods",
        "type": "list-objects",
        "properties": {"apiVersion": "apps/v1", "kind": "Deployment"},
        "outputs": [{"name": "deployments", "valueFrom": "names"}],
    },
    {
        "name": "job",
        "type": "run-job",
        "properties": {"name": "migrate", "image": "busybox", "command": ["true"]},
    },
    {
        "name": "secret",
        "type": "export2secret",
        "properties": {"secretName": "token", "data": {"token": "abc"}},
    },
    {"name": "drop", "type": "delete-object",
     "properties": {"apiVersion": "v1", "kind": "Secret", "name": "token"}},
    {"name": "drop-again", "type": "delete-object",
     "properties": {"apiVersion": "v1", "kind": "Secret", "name": "token"}},
]  # fmt: skip


MORE_STEPS: list[dict[str, Any]] = [
    {"name": "both", "type": "apply-to-clusters",
     "properties": {"clusters": ["", "local"], "value": DEPLOYMENT}},
    {"name": "objects", "type": "apply-objects", "properties": {"objects": [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tls", "labels": {"a": "b"}},
         "stringData": {"crt": "x"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1", "labels": {"a": "b"}}},
    ]}},
    {"name": "copy", "type": "copy-secret",
     "properties": {"name": "tls", "to": {"clusters": ["local"], "name": "tls-copy"}}},
    {"name": "prune", "type": "delete-objects",
     "properties": {"apiVersion": "v1", "kind": "ConfigMap", "matchingLabels": {"a": "b"}}},
    {"name": "save", "type": "create-config",
     "properties": {"name": "db", "config": {"host": "db.local", "port": 5432}}},
    {"name": "load", "type": "read-config", "properties": {"name": "db"},
     "outputs": [{"name": "port", "valueFrom": "output.$returns.config.port"}]},
    {"name": "forget", "type": "delete-config", "properties": {"name": "db"}},
    {"name": "job", "type": "apply-job", "properties": {"value": {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "once", "namespace": "default", "labels": {"run": "x"}},
        "spec": {"template": {"spec": {"restartPolicy": "Never",
                                       "containers": [{"name": "c", "image": "busybox"}]}}},
    }}},
    {"name": "scan", "type": "image-scan", "properties": {"image": "nginx:1.27", "name": "scan"}},
    {"name": "clean", "type": "clean-jobs", "properties": {"labelselector": {"run": "x"}}},
    {"name": "cli", "type": "vela-cli", "properties": {"command": ["vela", "version"]}},
    {"name": "addon", "type": "addon-operation", "properties": {"addonName": "fluxcd"}},
    {"name": "script", "type": "run-script", "properties": {"script": "echo hi", "name": "sh"}},
    {"name": "db", "type": "apply-object", "properties": {"value": {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-conn"},
        "data": {"DB_HOST": "ZGI=", "DB_PORT": "MzMwNg==", "DB_NAME": "YXBw", "DB_USER": "dQ==",
                 "DB_PASSWORD": "cA=="}}}},
    {"name": "jdbc", "type": "generate-jdbc-connection", "properties": {"name": "db-conn"},
     "outputs": [{"name": "env", "valueFrom": "env"}]},
]  # fmt: skip


class _Templates:
    """The engine's view of the catalog: a template text per type name."""

    def __init__(self) -> None:
        self.catalog = Catalog()

    def get(self, type_name: str, namespace: str) -> str | None:
        definition = self.catalog.get(type_name)
        return definition.template if definition else None


@pytest.fixture
async def ready_cluster() -> AsyncIterator[KubeEmulator]:
    async with run_emulator(controllers=(workloads_ready,)) as api:
        yield api


async def _run(
    cluster: KubeEmulator, store: SqlStore, tmp_path: Path, steps: list[dict[str, Any]]
) -> dict[str, Any]:
    """Run the steps as one WorkflowRun; return the stored run after it finished."""
    await clusters.add_cluster(store, "local", cluster.write_kubeconfig(tmp_path / "k.yaml"))
    registry = clusters.ClusterRegistry(store)
    engine = Engine(
        store,
        default_packages(kv=store),
        _Templates(),
        clusters=registry,
        secrets=clusters.SecretResolver(registry, None),
    )
    await engine.start()
    try:
        await engine.apply(
            {
                "apiVersion": "core.oam.dev/v1alpha1",
                "kind": "WorkflowRun",
                "metadata": {"name": "library", "namespace": "default"},
                "spec": {"workflowSpec": {"steps": steps}},
            }
        )
        record = await engine.wait("default", "library", timeout=120)
    finally:
        await engine.stop()
        await registry.close()
    status = record.doc["status"]
    failures = [
        (step["name"], step["phase"], step.get("reason"), step.get("message"))
        for step in status["steps"]
        if step["phase"] != "succeeded"
    ]
    assert status["status"] == "succeeded", failures
    return record.doc


async def test_kubernetes_step_types_run_against_a_cluster(
    ready_cluster: KubeEmulator,
    kv: SqlStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    doc = await _run(ready_cluster, kv, tmp_path, STEPS)
    assert {step["phase"] for step in doc["status"]["steps"]} == {"succeeded"}
    variables = doc["cueflowState"]["context"]["vars"]
    assert variables["level"] == "info"
    assert sorted(variables["deployments"]) == ["api", "web"]
    api = next(
        d
        for d in ready_cluster.objects_of("apps/v1", "Deployment")
        if d["metadata"]["name"] == "api"
    )
    assert api["metadata"]["labels"]["workflowrun.oam.dev/name"] == "library"
    maps = {(m["metadata"]["namespace"], m["metadata"]["name"]): m for m in
            ready_cluster.objects_of("v1", "ConfigMap")}  # fmt: skip
    assert maps[("team-a", "settings")]["data"] == {"level": "info"}
    assert maps[("default", "settings")]["data"] == {"level": "info", "extra": "yes"}
    assert ready_cluster.objects_of("v1", "Secret") == []
    assert [j["metadata"]["name"] for j in ready_cluster.objects_of("batch/v1", "Job")] == [
        "migrate"
    ]


async def test_multi_cluster_config_and_job_step_types_run_against_a_cluster(
    ready_cluster: KubeEmulator,
    kv: SqlStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    doc = await _run(ready_cluster, kv, tmp_path, MORE_STEPS)
    assert doc["cueflowState"]["context"]["vars"]["port"] == 5432
    secrets = {s["metadata"]["name"] for s in ready_cluster.objects_of("v1", "Secret")}
    assert {"tls", "tls-copy"} <= secrets
    assert "db" not in secrets  # the config was deleted again
    assert ready_cluster.objects_of("v1", "ConfigMap") == []
    jobs = [j["metadata"]["name"] for j in ready_cluster.objects_of("batch/v1", "Job")]
    assert sorted(jobs) == sorted([
        "library-cli-" + _step_id(doc, "cli"),
        "library-" + _step_id(doc, "addon"),
        "scan",
        "sh",
    ])  # "once" was cleaned up by its label
    scan = next(
        j for j in ready_cluster.objects_of("batch/v1", "Job") if j["metadata"]["name"] == "scan"
    )
    args = scan["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[-1] == "nginx:1.27"
    env = doc["cueflowState"]["context"]["vars"]["env"]
    assert env == [
        {"name": "url", "value": "jdbc:mysql://db:3306/app?characterEncoding=utf8&useSSL=false"},
        {"name": "username", "value": "u"},
        {"name": "password", "value": "p"},
    ]


def _step_id(doc: dict[str, Any], name: str) -> str:
    return next(step["id"] for step in doc["status"]["steps"] if step["name"] == name)
