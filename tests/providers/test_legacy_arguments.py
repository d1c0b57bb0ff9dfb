"""Legacy `vela/op` tasks hand providers only the fields a template set, as CUE export would:
an optional field left unset (`filter?`, `source?`, `patch?`) is absent, not an empty value."""

from __future__ import annotations

from typing import Any

from cueflow import clusters
from cueflow.engine import Engine
from cueflow.providers.registry import default_packages
from cueflow.store.sql import SqlStore
from cueflow.testing.kube_emulator import KubeEmulator

DELETE_ONE = """import "vela/op"
gone: op.#Delete & {value: {apiVersion: "v1", kind: "ConfigMap",
                            metadata: {name: "old", namespace: "default"}}}
"""

LOG_TEXT = """import "vela/op"
say: op.#Log & {data: "hello"}
"""


class Templates:
    def get(self, type_name: str, namespace: str) -> str | None:
        return {"delete-one": DELETE_ONE, "log-text": LOG_TEXT}.get(type_name)


async def run(kv: SqlStore, cluster: clusters.ClusterRegistry, step_type: str) -> dict[str, Any]:
    engine = Engine(kv, default_packages(kv=kv), Templates(), clusters=cluster)
    await engine.start()
    try:
        await engine.apply({"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
                            "metadata": {"name": step_type, "namespace": "default"},
                            "spec": {"workflowSpec": {"steps": [
                                {"name": "s", "type": step_type}]}}})
        record = await engine.wait("default", step_type, timeout=60)
    finally:
        await engine.stop()
    doc: dict[str, Any] = record.doc
    assert doc["status"]["status"] == "succeeded", doc["status"]
    return doc


async def test_deleting_one_named_object_leaves_its_neighbours(
    emulator: KubeEmulator, kv: SqlStore, registry: clusters.ClusterRegistry
) -> None:
    client = await registry.client("")
    for name in ("old", "keep"):
        await client.create({"apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": {"name": name, "namespace": "default"}})
    await run(kv, registry, "delete-one")
    assert [c["metadata"]["name"] for c in emulator.objects_of("v1", "ConfigMap")
            if not c["metadata"]["name"].startswith("workflow-")] == ["keep"]


async def test_a_log_without_source_records_no_source(
    kv: SqlStore, registry: clusters.ClusterRegistry
) -> None:
    doc = await run(kv, registry, "log-text")
    assert doc["cueflowState"]["context"]["logConfig"] == {"s": {"data": True}}
