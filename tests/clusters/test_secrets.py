"""SecretResolver: the default cluster's Secrets when one is set, else cueflow's secret store."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from cueflow import clusters
from cueflow.store.secrets import SecretStore
from cueflow.store.sql import SqlStore
from cueflow.testing.kube_emulator import KubeEmulator, run_emulator


async def test_without_a_cluster_secrets_live_in_the_store(kv: SqlStore, tmp_path: Path) -> None:
    local = SecretStore(kv, key=Fernet.generate_key())
    resolver = clusters.SecretResolver(clusters.ClusterRegistry(kv), local)
    await resolver.set("team", "token", {"value": "s3cret"})
    assert await resolver.get("team", "token") == {"value": "s3cret"}
    assert await resolver.list("team") == ["token"]
    await resolver.delete("team", "token")
    with pytest.raises(clusters.SecretNotFound, match='secret "team/token" not found'):
        await resolver.get("team", "token")
    with pytest.raises(clusters.SecretNotFound):
        await resolver.delete("team", "token")


async def test_with_a_default_cluster_secrets_are_cluster_secrets(
    registry: clusters.ClusterRegistry, emulator: KubeEmulator, kv: SqlStore
) -> None:
    resolver = clusters.SecretResolver(registry, SecretStore(kv, key=Fernet.generate_key()))
    await resolver.set("default", "token", {"value": "s3cret", "other": "x"})
    stored = emulator.objects_of("v1", "Secret")[0]
    assert base64.b64decode(stored["data"]["value"]) == b"s3cret"
    await resolver.set("default", "token", {"value": "new"})
    assert await resolver.get("default", "token") == {"value": "new"}
    assert await resolver.list("default") == ["token"]
    await resolver.delete("default", "token")
    with pytest.raises(clusters.SecretNotFound, match='"default/token" not found in cluster'):
        await resolver.get("default", "token")


async def test_a_secret_written_with_string_data_reads_back_decoded(
    registry: clusters.ClusterRegistry
) -> None:
    client = await registry.client("")
    await client.create({"apiVersion": "v1", "kind": "Secret",
                         "metadata": {"name": "mixed", "namespace": "default"},
                         "data": {"a": base64.b64encode(b"1").decode()},
                         "stringData": {"b": "2"}})
    resolver = clusters.SecretResolver(registry, None)
    assert await resolver.get("default", "mixed") == {"a": "1", "b": "2"}


async def test_no_store_and_no_cluster_is_explained(kv: SqlStore) -> None:
    resolver = clusters.SecretResolver(None, None)
    with pytest.raises(clusters.SecretNotFound, match="no secret store is configured"):
        await resolver.get("default", "x")


async def test_an_unreachable_default_cluster_is_a_cluster_error(
    kv: SqlStore, tmp_path: Path
) -> None:
    async with run_emulator() as gone:
        await clusters.add_cluster(kv, "local", gone.write_kubeconfig(tmp_path / "k.yaml"))
        registry = clusters.ClusterRegistry(kv)
        resolver = clusters.SecretResolver(registry, None)
        await registry.client("")  # connected while it was up
    with pytest.raises(clusters.ClusterError) as raised:
        await resolver.get("team", "x")
    assert str(raised.value) == (f'cannot read secret "team/x" from cluster "local": cluster '
                                 f'"local" at {gone.url} is unreachable: connection refused')
    await registry.close()
