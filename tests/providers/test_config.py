"""vela/config: Secrets in the default cluster, or the store's key-value space without one."""

from __future__ import annotations

import base64
import json

import pytest

from cueflow import clusters
from cueflow.providers import config
from cueflow.providers.base import ProviderContext, ProviderError
from cueflow.store.sql import SqlStore
from cueflow.testing.doubles import provider_context
from cueflow.testing.kube_emulator import KubeEmulator

TEMPLATE = """
template: {
    parameter: {url: string, token: string}
    output: stringData: {url: parameter.url, owner: context.name}
    outputs: endpoint: {
        apiVersion: "v1", kind: "ConfigMap"
        metadata: {name: context.name + "-endpoint", namespace: context.namespace}
        data: url: parameter.url
    }
    validation: $returns: message: [
        if parameter.token == "" {"token must not be empty"},
        "",
    ][0]
}
"""


def template_configmap(sensitive: str = "false") -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "config-template-endpoint", "namespace": "vela-system",
                         "labels": {"config.oam.dev/scope": "project"},
                         "annotations": {"config.oam.dev/sensitive": sensitive}},
            "data": {"template": TEMPLATE}}


async def test_create_read_list_delete_in_the_cluster(
    ctx: ProviderContext, emulator: KubeEmulator
) -> None:
    provider = config.ConfigProvider()
    await provider.create(ctx, {"name": "db", "namespace": "team", "config": {"host": "h"}})
    secret = emulator.objects_of("v1", "Secret")[0]
    assert secret["metadata"]["labels"] == {"config.oam.dev/catalog": "velacore-config",
                                            "config.oam.dev/type": ""}
    assert json.loads(base64.b64decode(secret["data"]["input-properties"])) == {"host": "h"}
    await provider.create(ctx, {"name": "db", "namespace": "team", "config": {"host": "h2"}})
    assert await provider.read(ctx, {"name": "db", "namespace": "team"}) == {
        "config": {"host": "h2"}}
    assert "config.oam.dev/last-applied-configuration" in \
        emulator.objects_of("v1", "Secret")[0]["metadata"]["annotations"]
    await provider.delete(ctx, {"name": "db", "namespace": "team"})
    assert emulator.objects_of("v1", "Secret") == []
    with pytest.raises(ProviderError, match='config "team/db" does not exist'):
        await provider.read(ctx, {"name": "db", "namespace": "team"})


async def test_template_renders_secret_and_objects(
    ctx: ProviderContext, registry: clusters.ClusterRegistry, emulator: KubeEmulator
) -> None:
    client = await registry.client("")
    await client.create(template_configmap())
    provider = config.ConfigProvider()
    await provider.create(ctx, {"name": "api", "namespace": "team", "template": "endpoint",
                                "config": {"url": "http://svc", "token": "t"}})
    secret = next(s for s in emulator.objects_of("v1", "Secret"))
    assert secret["type"] == "/endpoint"
    assert "stringData" not in secret  # the API server folded it into data
    assert {k: base64.b64decode(v).decode() for k, v in secret["data"].items()
            if k in ("url", "owner")} == {"url": "http://svc", "owner": "api"}
    assert secret["metadata"]["labels"]["config.oam.dev/type"] == "endpoint"
    assert secret["metadata"]["labels"]["config.oam.dev/scope"] == "project"
    assert secret["metadata"]["annotations"]["config.oam.dev/template-namespace"] == \
        "vela-system"
    created = [c for c in emulator.objects_of("v1", "ConfigMap")
               if c["metadata"]["name"] == "api-endpoint"]
    assert created[0]["data"] == {"url": "http://svc"}
    listed = await provider.list(ctx, {"template": "vela-system/endpoint", "namespace": "team"})
    assert listed == {"configs": [{"name": "api", "alias": "", "description": "",
                                   "config": {"url": "http://svc", "token": "t"}}]}
    with pytest.raises(ProviderError, match="the template cannot be changed"):
        await provider.create(ctx, {"name": "api", "namespace": "team", "config": {}})
    await provider.delete(ctx, {"name": "api", "namespace": "team"})
    assert [c["metadata"]["name"] for c in emulator.objects_of("v1", "ConfigMap")] == [
        "config-template-endpoint"]


async def test_template_validation_and_missing_template(
    ctx: ProviderContext, registry: clusters.ClusterRegistry
) -> None:
    await (await registry.client("")).create(template_configmap())
    provider = config.ConfigProvider()
    with pytest.raises(ProviderError, match="failed to validate config: token must not be empty"):
        await provider.create(ctx, {"name": "api", "namespace": "team", "template": "endpoint",
                                    "config": {"url": "u", "token": ""}})
    with pytest.raises(ProviderError, match="cannot render config template"):
        await provider.create(ctx, {"name": "api", "namespace": "team", "template": "endpoint",
                                    "config": {"url": 5, "token": "t"}})
    with pytest.raises(ProviderError, match='the template does not exist: "other/nope"'):
        await provider.create(ctx, {"name": "api", "namespace": "team", "template": "other/nope",
                                    "config": {}})


async def test_sensitive_configs_are_not_read(
    ctx: ProviderContext, registry: clusters.ClusterRegistry
) -> None:
    await (await registry.client("")).create(template_configmap(sensitive="true"))
    provider = config.ConfigProvider()
    await provider.create(ctx, {"name": "api", "namespace": "team", "template": "endpoint",
                                "config": {"url": "u", "token": "t"}})
    with pytest.raises(ProviderError, match="the config is sensitive"):
        await provider.read(ctx, {"name": "api", "namespace": "team"})


async def test_a_plain_secret_is_not_a_config(
    ctx: ProviderContext, registry: clusters.ClusterRegistry
) -> None:
    await (await registry.client("")).create({"apiVersion": "v1", "kind": "Secret",
                                              "metadata": {"name": "s", "namespace": "team"}})
    with pytest.raises(ProviderError, match='secret "team/s" is not a config'):
        await config.ConfigProvider().delete(ctx, {"name": "s", "namespace": "team"})


async def test_without_a_cluster_configs_live_in_the_store(kv: SqlStore) -> None:
    ctx = provider_context(clusters=clusters.ClusterRegistry(kv))
    provider = config.ConfigProvider(kv)
    await provider.create(ctx, {"name": "db", "namespace": "team", "config": {"host": "h"}})
    await provider.create(ctx, {"name": "other", "namespace": "elsewhere", "config": {}})
    assert await provider.read(ctx, {"name": "db", "namespace": "team"}) == {
        "config": {"host": "h"}}
    plain = template_configmap()
    plain["data"]["template"] = TEMPLATE.replace("outputs: endpoint:", "_unused:")
    await kv.kv_put(config.TEMPLATES_KV_SPACE, "vela-system/config-template-plain", plain)
    await kv.kv_put(config.TEMPLATES_KV_SPACE, "vela-system/config-template-endpoint",
                    template_configmap())
    await provider.create(ctx, {"name": "api", "namespace": "team", "template": "plain",
                                "config": {"url": "u", "token": "t"}})
    listed = await provider.list(ctx, {"template": "plain", "namespace": "team"})
    assert [c["name"] for c in listed["configs"]] == ["api"]
    await provider.delete(ctx, {"name": "db", "namespace": "team"})
    assert await kv.kv_get(config.KV_SPACE, "team/db") is None
    with pytest.raises(ProviderError, match="needs a cluster"):
        await provider.create(ctx, {"name": "web", "namespace": "team", "template": "endpoint",
                                    "config": {"url": "u", "token": "t"}})


@pytest.mark.parametrize(("function", "args", "message"), [
    ("list", {"template": "", "namespace": "team"}, "the request is invalid"),
    ("list", {"template": "t"}, "the request is invalid"),
    ("create", {"name": "a", "namespace": "n"}, "config is missing"),
    ("create", {"name": "a", "namespace": "n", "config": []}, "config must be an object"),
    ("read", {"name": 1, "namespace": "n"}, "name must be a string"),
])
async def test_bad_input_fails(kv: SqlStore, function: str, args: dict, message: str) -> None:
    provider = config.ConfigProvider(kv)
    with pytest.raises(ProviderError, match=message):
        await getattr(provider, function)(provider_context(), args)


async def test_no_cluster_and_no_store_is_explained() -> None:
    with pytest.raises(ProviderError, match="configs need a default cluster or a store"):
        await config.ConfigProvider().read(provider_context(), {"name": "a", "namespace": "n"})
