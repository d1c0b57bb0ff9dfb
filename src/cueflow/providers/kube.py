"""`vela/kube`: apply, patch, read, list and delete Kubernetes objects in any registered cluster.

Every function routes by its `cluster` argument (`""`/`local` is the default
cluster) through `ProviderContext.clusters`. `read`, `list` and `delete` report
API errors in `err` instead of failing the step; `apply` and `patch` fail it.
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime
from typing import Any

from cueflow import clusters
from cueflow.providers import params, patching
from cueflow.providers.base import ProviderContext, ProviderError, ProviderPackage

__all__ = [
    "LAST_APPLIED",
    "LAST_APPLIED_TIME",
    "PACKAGE_PATH",
    "ClusterUnavailable",
    "apply",
    "apply_in_parallel",
    "apply_object",
    "delete",
    "kube_client",
    "list_objects",
    "package",
    "patch",
    "read",
]

PACKAGE_PATH = "vela/kube"
ANNOTATION_DOMAIN = "workflow.oam.dev"
LAST_APPLIED = f"{ANNOTATION_DOMAIN}/last-applied-configuration"
LAST_APPLIED_TIME = f"{ANNOTATION_DOMAIN}/last-applied-time"
RUN_NAME_LABEL = "workflowrun.oam.dev/name"
RUN_NAMESPACE_LABEL = "workflowrun.oam.dev/namespace"

Obj = dict[str, Any]


class ClusterUnavailable(ProviderError):
    """The task's cluster is not registered or cannot be reached; the message names the
    cluster (and its address), which is all the step message needs."""

    quote_task = False


async def kube_client(ctx: ProviderContext, args: dict[str, Any]) -> clusters.KubeClient:
    """The client for `args["cluster"]`; an unknown or unreachable cluster raises
    `ClusterUnavailable`, a cluster name that is not a string a plain ProviderError."""
    cluster = params.optional_str(args, "cluster")
    if ctx.clusters is None:
        raise ClusterUnavailable("no Kubernetes cluster is available to this run (add one "
                                 "with `cueflow cluster add local --kubeconfig FILE`)")
    try:
        client: clusters.KubeClient = await ctx.clusters.client(cluster)
    except clusters.ClusterError as exc:
        raise ClusterUnavailable(str(exc)) from exc
    return client


def _identity(obj: Obj, field: str = "value") -> tuple[str, str, str, str]:
    """apiVersion, kind, name and namespace (default `default`) of an object argument."""
    api_version = params.require_str(obj, "apiVersion") if "apiVersion" in obj else ""
    kind = params.require_str(obj, "kind") if "kind" in obj else ""
    if not api_version or not kind:
        raise ProviderError(f"{field} needs apiVersion and kind")
    meta = obj.get("metadata") or {}
    if not isinstance(meta, dict):
        raise ProviderError(f"{field}.metadata must be an object")
    return api_version, kind, str(meta.get("name") or ""), str(meta.get("namespace") or "default")


def _run_labels(ctx: ProviderContext) -> dict[str, str]:
    return {RUN_NAME_LABEL: ctx.run_name, RUN_NAMESPACE_LABEL: ctx.namespace, **ctx.labels}


async def apply_object(client: clusters.KubeClient, desired: Obj,
                       labels: dict[str, str] | None = None, *,
                       annotation_domain: str = ANNOTATION_DOMAIN) -> Obj:
    """Create `desired`, or three-way merge it onto the live object; return what is stored.

    The last applied configuration and time are kept in annotations of `annotation_domain`.
    """
    last_applied_key = f"{annotation_domain}/last-applied-configuration"
    last_applied_time_key = f"{annotation_domain}/last-applied-time"
    api_version, kind, name, namespace = _identity(desired)
    if not name:
        raise ProviderError("value.metadata.name is required to apply an object")
    desired = copy.deepcopy(desired)
    meta = desired.setdefault("metadata", {})
    if labels:
        meta["labels"] = {**(meta.get("labels") or {}), **labels}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items()
                   if k not in (last_applied_key, last_applied_time_key)}
    meta["annotations"] = annotations
    last_applied = json.dumps(desired, sort_keys=True, separators=(",", ":"))
    try:
        try:
            live = await client.get(api_version, kind, name, namespace)
        except clusters.KubeNotFound:
            annotations[last_applied_key] = last_applied
            return await client.create(desired)
        live_annotations = live.get("metadata", {}).get("annotations") or {}
        try:
            original = json.loads(live_annotations.get(last_applied_key, "{}"))
        except ValueError:
            original = {}
        change = patching.three_way_merge_patch(original, desired, live)
        change.setdefault("metadata", {}).setdefault("annotations", {}).update({
            last_applied_key: last_applied,
            last_applied_time_key: datetime.now(UTC).isoformat(timespec="seconds"),
        })
        return await client.patch(api_version, kind, name, namespace, change)
    except clusters.KubeUnreachable as exc:
        raise ClusterUnavailable(f"apply {kind} {namespace}/{name}: {exc}") from exc
    except clusters.KubeError as exc:
        raise ProviderError(f"apply {kind} {namespace}/{name}: {exc}") from exc


async def apply(ctx: ProviderContext, args: dict[str, Any]) -> Obj:
    """`#Apply`: returns `{"value": <stored object>}`; `patch` is accepted and ignored."""
    value = params.require_object(args, "value")
    client = await kube_client(ctx, args)
    return {"value": await apply_object(client, value, _run_labels(ctx))}


async def patch(ctx: ProviderContext, args: dict[str, Any]) -> Obj:
    """`#Patch`: strategic-patch the live object and apply the result as `result`."""
    value = params.require_object(args, "value")
    change = params.require_object(args, "patch")
    api_version, kind, name, namespace = _identity(value)
    client = await kube_client(ctx, args)
    try:
        live = await client.get(api_version, kind, name, namespace)
    except clusters.KubeUnreachable as exc:
        raise ClusterUnavailable(f"patch {kind} {namespace}/{name}: {exc}") from exc
    except clusters.KubeError as exc:
        raise ProviderError(f"patch {kind} {namespace}/{name}: {exc}") from exc
    for server_field in ("resourceVersion", "uid", "creationTimestamp", "generation",
                         "managedFields"):
        live.get("metadata", {}).pop(server_field, None)
    live.pop("status", None)
    patched = patching.strategic_unify(live, change, ctx.extras.get("patch_tags"))
    return {"result": await apply_object(client, patched, _run_labels(ctx))}


async def apply_in_parallel(ctx: ProviderContext, args: dict[str, Any]) -> Obj:
    """`#ApplyInParallel`: apply every object (no run labels), results in the given order."""
    values = args.get("value")
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise ProviderError("value must be a list of objects")
    client = await kube_client(ctx, args)
    applied = await asyncio.gather(*(apply_object(client, value) for value in values))
    return {"value": list(applied)}


async def read(ctx: ProviderContext, args: dict[str, Any]) -> Obj:
    """`#Read`: `{"value": <live>}`, or the request echoed with `err` on any error, an
    incomplete object reference included (templates test `err`; the step goes on)."""
    value = params.require_object(args, "value")
    try:
        api_version, kind, name, namespace = _identity(value)
        if not name:
            raise ProviderError("value.metadata.name is required to read an object")
        client = await kube_client(ctx, args)
        return {"value": await client.get(api_version, kind, name, namespace)}
    except (clusters.KubeError, ProviderError) as exc:
        return {"value": value, "err": str(exc)}


def _label_selector(labels: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


async def list_objects(ctx: ProviderContext, args: dict[str, Any]) -> Obj:
    """`#List`: `{"values": <Kind>List}` or `{"err": ...}`. The kind comes from `resource`
    (or the older `value`); a missing `filter` lists every namespace without labels."""
    field = "resource" if args.get("resource") is not None else "value"
    resource = params.require_object(args, field)
    api_version = params.require_str(resource, "apiVersion")
    kind = params.require_str(resource, "kind")
    selection = params.optional_object(args, "filter") or {}
    namespace = params.optional_str(selection, "namespace")
    labels = params.string_map(selection, "matchingLabels")
    try:
        client = await kube_client(ctx, args)
        return {"values": await client.list(api_version, kind, namespace,
                                            _label_selector(labels))}
    except (clusters.KubeError, ClusterUnavailable) as exc:
        return {"err": str(exc)}


async def delete(ctx: ProviderContext, args: dict[str, Any]) -> Obj:
    """`#Delete`: one named object, or with `filter` every matching object; `{}` on success,
    `{"value": <request>, "err": ...}` on any error (the step goes on)."""
    value = params.require_object(args, "value")
    selection = params.optional_object(args, "filter")
    try:
        api_version, kind, name, namespace = _identity(value)
        if selection is None and not name:
            raise ProviderError("value.metadata.name (or a filter) is required to delete")
        client = await kube_client(ctx, args)
        if selection is not None:
            await client.delete_collection(
                api_version, kind, params.optional_str(selection, "namespace", namespace),
                _label_selector(params.string_map(selection, "matchingLabels")))
        else:
            await client.delete(api_version, kind, name, namespace)
    except (clusters.KubeError, ProviderError) as exc:
        return {"value": value, "err": str(exc)}
    return {}


def package() -> ProviderPackage:
    return ProviderPackage(
        path=PACKAGE_PATH, provider="kube", schema=params.load_schema("kube"),
        functions={"apply": apply, "patch": patch, "apply-in-parallel": apply_in_parallel,
                   "read": read, "list": list_objects, "delete": delete})
