"""Legacy `vela/op`: every provider function under one package, arguments and results at
the top level of the task struct (spec 3.7).

The functions are the new-style ones; only the shape differs where the legacy
result field has another name (`list`, and `response` for HTTP). The definitions that
only KubeVela's Application controller can serve are added by `kubevela` and fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cueflow.providers import config, email, http, kube, kubevela, metrics, params, time, util
from cueflow.providers.base import ProviderContext, ProviderFunction, ProviderPackage

__all__ = ["package"]

PACKAGE_PATH = "vela/op"


def _renamed(fn: ProviderFunction, names: Mapping[str, str]) -> ProviderFunction:
    async def call(ctx: ProviderContext, args: dict[str, Any]) -> Any:
        result = await fn(ctx, args)
        return {names.get(key, key): value for key, value in (result or {}).items()}

    call.__doc__ = f"{fn.__doc__} (legacy result names: {dict(names)})"
    return call


def _into_response(fn: ProviderFunction) -> ProviderFunction:
    """The legacy HTTP result lives in `response` (as templates read `http.response.body`)."""
    async def call(ctx: ProviderContext, args: dict[str, Any]) -> Any:
        return {"response": await fn(ctx, args)}

    call.__doc__ = fn.__doc__
    return call


def package(
    *,
    http_provider: http.HttpProvider,
    email_provider: email.EmailProvider,
    config_provider: config.ConfigProvider,
    builtin_functions: Mapping[str, ProviderFunction] | None = None,
) -> ProviderPackage:
    """`vela/op` over the given provider instances (so rate limits and sends in flight are
    shared with the new-style packages) plus the builtin actions when available."""
    functions: dict[str, ProviderFunction] = {
        "apply": kube.apply,
        "patch": kube.patch,
        "apply-in-parallel": kube.apply_in_parallel,
        "read": kube.read,
        "list": _renamed(kube.list_objects, {"values": "list"}),
        "delete": kube.delete,
        "do": _into_response(http_provider.do),
        "send": email_provider.send,
        "promCheck": metrics.prom_check,
        "timestamp": time.timestamp,
        "date": time.date,
        "patch-k8s-object": util.patch_k8s_object,
        "string": util.convert_string,
        "log": util.log,
        "create-config": config_provider.create,
        "delete-config": config_provider.delete,
        "read-config": config_provider.read,
        "list-config": config_provider.list,
    }
    functions.update(builtin_functions or {})
    functions.update(kubevela.op_functions())
    schema = params.load_schema("op") + "\n" + kubevela.op_schema()
    return ProviderPackage(path=PACKAGE_PATH, provider="op", schema=schema,
                           functions=functions, legacy=True)
