"""The cluster registry: registration records, client reuse, routing and clear errors."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from cueflow import clusters
from cueflow.store.sql import SqlStore
from cueflow.testing.kube_emulator import KubeEmulator, run_emulator


async def test_add_list_remove(emulator: KubeEmulator, kv: SqlStore, tmp_path: Path) -> None:
    config = emulator.write_kubeconfig(tmp_path / "k.yaml", context="ctx-a")
    spec = await clusters.add_cluster(kv, "eu", config)
    assert (spec.context, spec.server) == ("ctx-a", emulator.url)
    assert (await kv.kv_get("clusters", "eu"))["kubeconfig"] == str(config.resolve())
    assert [c.name for c in await clusters.list_clusters(kv)] == ["eu"]
    await clusters.remove_cluster(kv, "eu")
    assert await clusters.list_clusters(kv) == []
    with pytest.raises(clusters.ClusterError, match='cluster "eu" is not registered'):
        await clusters.remove_cluster(kv, "eu")


async def test_add_rejects_unknown_context_and_missing_file(
    emulator: KubeEmulator, kv: SqlStore, tmp_path: Path
) -> None:
    config = emulator.write_kubeconfig(tmp_path / "k.yaml", context="ctx-a")
    with pytest.raises(clusters.ClusterError, match=r'context "nope" is not in .*ctx-a'):
        await clusters.add_cluster(kv, "eu", config, context="nope")
    with pytest.raises(clusters.ClusterError, match="cannot read kubeconfig"):
        await clusters.add_cluster(kv, "eu", tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("a: [")
    with pytest.raises(clusters.ClusterError, match="not valid YAML"):
        await clusters.add_cluster(kv, "eu", tmp_path / "bad.yaml")
    with pytest.raises(clusters.ClusterError, match="invalid cluster name"):
        await clusters.add_cluster(kv, "", config)
    assert await clusters.list_clusters(kv) == []


async def test_unknown_cluster_says_how_to_add_it(kv: SqlStore) -> None:
    registry = clusters.ClusterRegistry(kv)
    with pytest.raises(clusters.ClusterError) as raised:
        await registry.client("eu")
    assert str(raised.value) == ('cluster "eu" is not registered '
                                 "(add it with `cueflow cluster add eu --kubeconfig FILE`)")
    with pytest.raises(clusters.ClusterError) as raised:
        await registry.client("")
    assert str(raised.value) == ("no default cluster is configured "
                                 "(add one with `cueflow cluster add local --kubeconfig FILE`)")
    assert not await registry.has_default()
    await registry.close()


async def test_unreachable_cluster_names_the_address(kv: SqlStore, tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = KubeEmulator().kubeconfig()
    config["clusters"][0]["cluster"]["server"] = f"http://127.0.0.1:{port}"
    path = tmp_path / "dead.yaml"
    path.write_text(yaml.safe_dump(config))
    await clusters.add_cluster(kv, "dead", path)
    registry = clusters.ClusterRegistry(kv)
    with pytest.raises(clusters.ClusterError) as raised:
        await registry.client("dead")
    assert str(raised.value) == \
        f'cluster "dead" at http://127.0.0.1:{port} is unreachable: connection refused'
    await registry.close()


async def test_clients_are_reused_per_cluster(registry: clusters.ClusterRegistry) -> None:
    assert await registry.client("") is await registry.client("local")
    first = await registry.client("")
    await registry.forget("local")
    assert await registry.client("") is not first


async def test_cluster_names_route_to_their_own_api_server(
    registry: clusters.ClusterRegistry, emulator: KubeEmulator, kv: SqlStore, tmp_path: Path
) -> None:
    async with run_emulator() as eu:
        await clusters.add_cluster(kv, "eu", eu.write_kubeconfig(tmp_path / "eu.yaml"))
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "where"}}
        await (await registry.client("eu")).create({**cm, "data": {"at": "eu"}})
        await (await registry.client("")).create({**cm, "data": {"at": "local"}})
        assert eu.objects_of("v1", "ConfigMap")[0]["data"] == {"at": "eu"}
        assert emulator.objects_of("v1", "ConfigMap")[0]["data"] == {"at": "local"}


async def test_in_cluster_mode_outside_a_pod_is_explained(
    kv: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    registry = clusters.ClusterRegistry(kv, in_cluster=True)
    assert await registry.has_default()
    with pytest.raises(clusters.ClusterError, match="cannot use the cluster cueflow runs in"):
        await registry.client("")
    await registry.close()
