"""vela/kube against emulated clusters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cueflow import clusters
from cueflow.providers import kube
from cueflow.providers.base import ProviderContext, ProviderError
from cueflow.store.sql import SqlStore
from cueflow.testing.kube_emulator import KubeEmulator, run_emulator


def configmap(name: str, namespace: str | None = None, **data: str) -> dict:
    meta = {"name": name} | ({"namespace": namespace} if namespace else {})
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


async def test_apply_creates_with_run_labels_and_last_applied(
    ctx: ProviderContext, emulator: KubeEmulator
) -> None:
    result = await kube.apply(ctx, {"value": configmap("a", k="v")})
    stored = result["value"]
    assert stored["metadata"]["namespace"] == "default"
    assert stored["metadata"]["uid"]
    assert stored["metadata"]["labels"] == {"workflowrun.oam.dev/name": "run1",
                                            "workflowrun.oam.dev/namespace": "default"}
    last = json.loads(stored["metadata"]["annotations"][kube.LAST_APPLIED])
    assert last["data"] == {"k": "v"}
    assert emulator.objects_of("v1", "ConfigMap")[0]["data"] == {"k": "v"}


async def test_apply_updates_with_three_way_merge(
    ctx: ProviderContext, registry: clusters.ClusterRegistry
) -> None:
    await kube.apply(ctx, {"value": configmap("a", keep="1", drop="2")})
    client = await registry.client("")
    await client.patch("v1", "ConfigMap", "a", "default", {"data": {"foreign": "3"}})
    result = await kube.apply(ctx, {"value": configmap("a", keep="1", new="4")})
    stored = result["value"]
    assert stored["data"] == {"keep": "1", "new": "4", "foreign": "3"}
    assert kube.LAST_APPLIED_TIME in stored["metadata"]["annotations"]


async def test_apply_failure_fails_with_the_object_named(ctx: ProviderContext) -> None:
    with pytest.raises(ProviderError, match=r'apply Gadget default/g: no kind "Gadget"'):
        await kube.apply(ctx, {"value": {"apiVersion": "x.io/v1", "kind": "Gadget",
                                         "metadata": {"name": "g"}}})


@pytest.mark.parametrize(("args", "message"), [
    ({}, "value is missing"),
    ({"value": "x"}, "value must be an object, not a string"),
    ({"value": {"kind": "ConfigMap", "metadata": {"name": "a"}}}, "needs apiVersion and kind"),
    ({"value": {"apiVersion": "v1", "kind": "ConfigMap"}}, "metadata.name is required"),
    ({"value": configmap("a"), "cluster": 3}, "cluster must be a string"),
])
async def test_apply_rejects_bad_input(ctx: ProviderContext, args: dict, message: str) -> None:
    with pytest.raises(ProviderError, match=message):
        await kube.apply(ctx, args)


async def test_without_clusters_the_error_says_how_to_add_one(bare_ctx: ProviderContext) -> None:
    with pytest.raises(ProviderError, match="cueflow cluster add local"):
        await kube.apply(bare_ctx, {"value": configmap("a")})
    read = await kube.read(bare_ctx, {"value": configmap("a")})
    assert "cueflow cluster add local" in read["err"]


async def test_unknown_cluster_fails_apply_and_patch_and_reports_in_err_elsewhere(
    ctx: ProviderContext,
) -> None:
    message = 'cluster "eu" is not registered (add it with `cueflow cluster add eu --kubeconfig FILE`)'
    for call in (kube.apply, kube.patch):
        with pytest.raises(kube.ClusterUnavailable) as raised:
            await call(ctx, {"cluster": "eu", "value": configmap("a"), "patch": {}})
        assert str(raised.value) == message
        assert not raised.value.quote_task  # the one line is the whole step message
    for function in (kube.read, kube.delete, kube.list_objects):
        result = await function(ctx, {"cluster": "eu", "value": configmap("a")})
        assert result["err"] == message, function


async def test_unreachable_cluster_is_named_with_its_address(
    ctx: ProviderContext, kv: SqlStore, tmp_path: Path
) -> None:
    async with run_emulator() as gone:
        await clusters.add_cluster(kv, "gone", gone.write_kubeconfig(tmp_path / "gone.yaml"))
        address = gone.url
    with pytest.raises(kube.ClusterUnavailable) as raised:
        await kube.apply(ctx, {"cluster": "gone", "value": configmap("a")})
    assert str(raised.value) == f'cluster "gone" at {address} is unreachable: connection refused'
    assert not raised.value.quote_task
    read = await kube.read(ctx, {"cluster": "gone", "value": configmap("a")})
    assert read["err"] == str(raised.value)


async def test_cluster_gone_after_connecting_is_named_with_its_address(
    ctx: ProviderContext, kv: SqlStore, registry: clusters.ClusterRegistry, tmp_path: Path
) -> None:
    async with run_emulator() as eu:
        await clusters.add_cluster(kv, "eu", eu.write_kubeconfig(tmp_path / "eu.yaml"))
        await kube.apply(ctx, {"cluster": "eu", "value": configmap("a")})
        address = eu.url
    with pytest.raises(kube.ClusterUnavailable) as raised:
        await kube.apply(ctx, {"cluster": "eu", "value": configmap("a")})
    assert str(raised.value) == (f'apply ConfigMap default/a: cluster "eu" at {address} '
                                 "is unreachable: connection refused")


async def test_cluster_argument_routes_every_function(
    ctx: ProviderContext, emulator: KubeEmulator, kv: SqlStore, tmp_path: Path
) -> None:
    async with run_emulator() as eu:
        await clusters.add_cluster(kv, "eu", eu.write_kubeconfig(tmp_path / "eu.yaml"))
        await kube.apply(ctx, {"cluster": "eu", "value": configmap("a", at="eu")})
        await kube.apply(ctx, {"value": configmap("a", at="local")})
        read = await kube.read(ctx, {"cluster": "eu", "value": configmap("a")})
        assert read["value"]["data"] == {"at": "eu"}
        listed = await kube.list_objects(ctx, {"cluster": "eu", "resource": configmap("")})
        assert [i["data"]["at"] for i in listed["values"]["items"]] == ["eu"]
        await kube.delete(ctx, {"cluster": "eu", "value": configmap("a")})
        assert eu.objects_of("v1", "ConfigMap") == []
        assert len(emulator.objects_of("v1", "ConfigMap")) == 1


async def test_read_returns_live_object_or_error_text(ctx: ProviderContext) -> None:
    await kube.apply(ctx, {"value": configmap("a", k="v")})
    found = await kube.read(ctx, {"value": configmap("a")})
    assert found["value"]["data"] == {"k": "v"} and "err" not in found
    missing = await kube.read(ctx, {"value": configmap("nope", "other")})
    assert missing["value"] == configmap("nope", "other")
    assert 'configmaps "nope" not found' in missing["err"]


async def test_patch_unifies_with_patch_keys(ctx: ProviderContext) -> None:
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                  "spec": {"replicas": 1, "template": {"spec": {"containers": [
                      {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}}
    await kube.apply(ctx, {"value": deployment})
    ctx.extras["patch_tags"] = {"spec.template.spec.containers": {"patchKey": "name"}}
    patched = await kube.patch(ctx, {"value": deployment, "patch": {"spec": {"template": {
        "spec": {"containers": [{"name": "b", "env": [{"name": "X", "value": "1"}]},
                                {"name": "c", "image": "c:1"}]}}}}})
    containers = patched["result"]["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["a", "b", "c"]
    assert containers[1] == {"name": "b", "image": "b:1", "env": [{"name": "X", "value": "1"}]}


async def test_patch_conflict_and_missing_object_fail(ctx: ProviderContext) -> None:
    await kube.apply(ctx, {"value": configmap("a", k="v")})
    with pytest.raises(ProviderError, match=r"data.k: conflicting values 'v'.*'w'"):
        await kube.patch(ctx, {"value": configmap("a"), "patch": {"data": {"k": "w"}}})
    with pytest.raises(ProviderError, match='configmaps "zz" not found'):
        await kube.patch(ctx, {"value": configmap("zz"), "patch": {}})


async def test_apply_in_parallel_keeps_order_without_run_labels(ctx: ProviderContext) -> None:
    result = await kube.apply_in_parallel(
        ctx, {"value": [configmap(f"m{i}", "ns", i=str(i)) for i in range(5)]})
    assert [v["metadata"]["name"] for v in result["value"]] == [f"m{i}" for i in range(5)]
    assert all("labels" not in v["metadata"] for v in result["value"])
    with pytest.raises(ProviderError, match="value must be a list of objects"):
        await kube.apply_in_parallel(ctx, {"value": configmap("x")})


async def test_list_accepts_resource_or_value_and_filters(ctx: ProviderContext) -> None:
    for name, ns, app in (("a", "one", "x"), ("b", "one", "y"), ("c", "two", "x")):
        value = configmap(name, ns)
        value["metadata"]["labels"] = {"app": app}
        await kube.apply_in_parallel(ctx, {"value": [value]})
    kind = {"apiVersion": "v1", "kind": "ConfigMap"}
    names = lambda r: [i["metadata"]["name"] for i in r["values"]["items"]]  # noqa: E731
    assert names(await kube.list_objects(ctx, {"resource": kind})) == ["a", "b", "c"]
    assert names(await kube.list_objects(ctx, {"value": kind, "filter": {
        "namespace": "one", "matchingLabels": {"app": "x"}}})) == ["a"]
    listed = await kube.list_objects(ctx, {"resource": kind, "filter": {"namespace": ""}})
    assert listed["values"]["kind"] == "ConfigMapList"
    failed = await kube.list_objects(ctx, {"resource": {"apiVersion": "x.io/v1", "kind": "No"}})
    assert 'no kind "No"' in failed["err"]
    with pytest.raises(ProviderError, match="value is missing"):
        await kube.list_objects(ctx, {})


async def test_delete_by_name_and_by_filter(ctx: ProviderContext, emulator: KubeEmulator) -> None:
    for name, app in (("a", "x"), ("b", "x"), ("c", "y")):
        value = configmap(name)
        value["metadata"]["labels"] = {"app": app}
        await kube.apply_in_parallel(ctx, {"value": [value]})
    assert await kube.delete(ctx, {"value": configmap("c")}) == {}
    await kube.delete(ctx, {"value": {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"namespace": "default"}},
                            "filter": {"matchingLabels": {"app": "x"}}})
    assert emulator.objects_of("v1", "ConfigMap") == []
    missing = await kube.delete(ctx, {"value": configmap("c")})
    assert 'configmaps "c" not found' in missing["err"]
    assert missing["value"] == configmap("c")


@pytest.mark.parametrize(("value", "err"), [
    ({"apiVersion": "v1", "kind": "ConfigMap"}, "value.metadata.name"),
    ({"kind": "ConfigMap", "metadata": {"name": "a"}}, "value needs apiVersion and kind"),
])
async def test_read_and_delete_report_an_incomplete_reference_in_err(
    ctx: ProviderContext, value: dict, err: str
) -> None:
    for function in (kube.read, kube.delete):
        result = await function(ctx, {"value": value})
        assert result["value"] == value and err in result["err"], function
    with pytest.raises(ProviderError, match="value must be an object"):
        await kube.read(ctx, {"value": []})
