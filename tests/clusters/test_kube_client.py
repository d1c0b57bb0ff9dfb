"""KubeClient against the emulator, through the real kubernetes_asyncio client."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from cueflow import clusters
from cueflow.testing.kube_emulator import KindInfo, KubeEmulator


def configmap(name: str, namespace: str = "default", **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "data": {"k": "v"}}


async def test_created_object_gets_server_metadata(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    created = await kube.create(configmap("a"))
    meta = created["metadata"]
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"]
    assert meta["generation"] == 1
    assert (await kube.get("v1", "ConfigMap", "a", "default"))["data"] == {"k": "v"}


async def test_namespace_defaults_to_default_for_namespaced_kinds(
    registry: clusters.ClusterRegistry,
) -> None:
    kube = await registry.client("")
    created = await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "b"}})
    assert created["metadata"]["namespace"] == "default"
    ns = await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})
    assert "namespace" not in ns["metadata"]


async def test_missing_object_raises_not_found(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("local")
    with pytest.raises(clusters.KubeNotFound, match='configmaps "nope" not found'):
        await kube.get("v1", "ConfigMap", "nope", "default")


async def test_unknown_kind_names_kind_and_cluster(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    with pytest.raises(clusters.KubeNotFound, match=r'no kind "Gadget".*"example.com/v1".*local'):
        await kube.get("example.com/v1", "Gadget", "g", "default")


async def test_duplicate_create_raises_already_exists(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    await kube.create(configmap("a"))
    with pytest.raises(clusters.KubeAlreadyExists, match="already exists"):
        await kube.create(configmap("a"))


async def test_replace_with_stale_version_conflicts(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    first = await kube.create(configmap("a"))
    await kube.patch("v1", "ConfigMap", "a", "default", {"data": {"k": "w"}})
    with pytest.raises(clusters.KubeConflict, match="has been modified"):
        await kube.replace(first)


async def test_patch_types(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    await kube.create({"apiVersion": "apps/v1", "kind": "Deployment",
                       "metadata": {"name": "d"},
                       "spec": {"template": {"spec": {"containers": [
                           {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}})
    patched = await kube.patch(
        "apps/v1", "Deployment", "d", "default",
        {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:2"}]}}}},
        patch_type="strategic")
    assert patched["spec"]["template"]["spec"]["containers"] == [
        {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:2"}]
    assert patched["metadata"]["generation"] == 2
    merged = await kube.patch("apps/v1", "Deployment", "d", "default",
                              {"spec": {"replicas": 3}}, patch_type="merge")
    assert merged["spec"]["replicas"] == 3
    jsoned = await kube.patch("apps/v1", "Deployment", "d", "default",
                              [{"op": "replace", "path": "/spec/replicas", "value": 5}],
                              patch_type="json")
    assert jsoned["spec"]["replicas"] == 5
    with pytest.raises(clusters.KubeError, match="test operation failed") as failed:
        await kube.patch("apps/v1", "Deployment", "d", "default",
                         [{"op": "test", "path": "/spec/replicas", "value": 1}],
                         patch_type="json")
    assert failed.value.status == 422


async def test_status_subresource_is_separate(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    await kube.create({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                       "spec": {"replicas": 1}})
    await kube.patch("apps/v1", "Deployment", "d", "default", {"status": {"readyReplicas": 1}},
                     subresource="status")
    ignored = await kube.patch("apps/v1", "Deployment", "d", "default",
                               {"status": {"readyReplicas": 9}})
    assert ignored["status"] == {"readyReplicas": 1}
    replaced = await kube.replace({**ignored, "spec": {"replicas": 7},
                                   "status": {"readyReplicas": 2}}, subresource="status")
    assert (replaced["spec"], replaced["status"]) == ({"replicas": 1}, {"readyReplicas": 2})


async def test_server_side_apply_creates_then_updates(
    registry: clusters.ClusterRegistry,
) -> None:
    kube = await registry.client("")
    created = await kube.server_side_apply(configmap("s"))
    assert created["data"] == {"k": "v"}
    updated = await kube.server_side_apply({**configmap("s"), "data": {"k": "w"}})
    assert updated["data"] == {"k": "w"}
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]


async def test_list_with_label_and_field_selectors(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    await kube.create(configmap("a", app="x", tier="web"))
    await kube.create(configmap("b", app="x", tier="db"))
    await kube.create(configmap("c", "other", app="y"))
    names = lambda listed: [i["metadata"]["name"] for i in listed["items"]]  # noqa: E731
    assert names(await kube.list("v1", "ConfigMap", "", "app=x")) == ["a", "b"]
    assert names(await kube.list("v1", "ConfigMap", "", "app in (x,y),tier!=db")) == ["a", "c"]
    assert names(await kube.list("v1", "ConfigMap", "", "!tier")) == ["c"]
    assert names(await kube.list("v1", "ConfigMap", "other")) == ["c"]
    assert names(await kube.list("v1", "ConfigMap", "", field_selector="metadata.name=b")) == ["b"]
    listed = await kube.list("v1", "ConfigMap")
    assert listed["kind"] == "ConfigMapList" and listed["metadata"]["resourceVersion"]


async def test_delete_and_delete_collection(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    for name in ("a", "b", "c"):
        await kube.create(configmap(name, app="x" if name != "c" else "y"))
    await kube.delete("v1", "ConfigMap", "a", "default")
    await kube.delete_collection("v1", "ConfigMap", "default", "app=x")
    left = await kube.list("v1", "ConfigMap", "default")
    assert [i["metadata"]["name"] for i in left["items"]] == ["c"]
    with pytest.raises(clusters.KubeNotFound):
        await kube.delete("v1", "ConfigMap", "a", "default")


async def test_deleting_a_namespace_deletes_its_objects(
    registry: clusters.ClusterRegistry,
) -> None:
    kube = await registry.client("")
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}})
    await kube.create(configmap("a", "gone"))
    await kube.delete("v1", "Namespace", "gone")
    assert (await kube.list("v1", "ConfigMap", "gone"))["items"] == []


async def test_registered_custom_kind_is_discovered(
    registry: clusters.ClusterRegistry, emulator: KubeEmulator,
) -> None:
    kube = await registry.client("")
    await kube.create(configmap("warm-up-discovery"))
    emulator.register_kind(KindInfo("example.com", "v1", "Gadget", "gadgets"))
    created = await kube.create({"apiVersion": "example.com/v1", "kind": "Gadget",
                                 "metadata": {"name": "g"}, "spec": {"size": 1}})
    assert created["metadata"]["namespace"] == "default"
    assert emulator.objects_of("example.com/v1", "Gadget")[0]["spec"] == {"size": 1}


async def test_watch_streams_changes_and_resumes(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    first = await kube.create(configmap("a"))
    events: list[tuple[str, str]] = []

    async def collect(resource_version: str, count: int) -> None:
        stream = kube.watch("v1", "ConfigMap", "default", resource_version, timeout_seconds=5)
        async with contextlib.aclosing(stream):
            async for event in stream:
                events.append((event["type"], event["object"]["metadata"]["name"]))
                if len(events) == count:
                    return

    watcher = asyncio.create_task(collect("", 3))
    await asyncio.sleep(0.2)
    await kube.patch("v1", "ConfigMap", "a", "default", {"data": {"k": "w"}})
    await kube.delete("v1", "ConfigMap", "a", "default")
    await asyncio.wait_for(watcher, 5)
    assert events == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    events.clear()
    await asyncio.wait_for(collect(first["metadata"]["resourceVersion"], 2), 5)
    assert events == [("MODIFIED", "a"), ("DELETED", "a")]


async def test_watch_honours_label_selector(registry: clusters.ClusterRegistry) -> None:
    kube = await registry.client("")
    await kube.create(configmap("a", app="x"))
    await kube.create(configmap("b", app="y"))
    events = kube.watch("v1", "ConfigMap", label_selector="app=y", timeout_seconds=5)
    async with contextlib.aclosing(events):
        async for event in events:
            assert event["object"]["metadata"]["name"] == "b"  # without a selector: "a"
            break
