"""`vela/util`: strategic patches on plain objects, bytes to text, and step log settings."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cueflow.providers import params, patching
from cueflow.providers.base import ProviderContext, ProviderError, ProviderPackage

__all__ = ["LOG_CONFIG_KEY", "convert_string", "log", "package", "patch_k8s_object"]

PACKAGE_PATH = "vela/util"
LOG_CONFIG_KEY = "logConfig"
"""Context-store key of the per-step log settings (`{stepName: {data, source}}`)."""


async def patch_k8s_object(ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
    """`#PatchK8sObject`: `{"result": ...}`, or `{"err": ...}` when the patch conflicts."""
    value = params.require_object(args, "value")
    change = params.require_object(args, "patch")
    try:
        return {"result": patching.strategic_unify(value, change, ctx.extras.get("patch_tags"))}
    except patching.PatchConflict as exc:
        return {"err": str(exc)}


async def convert_string(ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
    """`#ConvertString`: `{"str": <text>}` from bytes (given as bytes, or base64 text as
    bytes travel in JSON)."""
    raw = args.get("bt")
    if isinstance(raw, str):
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ProviderError("bt must be bytes (base64 text in JSON)") from exc
    if not isinstance(raw, bytes | bytearray):
        raise ProviderError("bt is missing" if raw is None else "bt must be bytes")
    return {"str": bytes(raw).decode("utf-8", "replace")}


async def log(ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
    """`#Log`: print `data` to the step log and record where the step's logs come from."""
    data = args.get("data")
    source = params.optional_object(args, "source")
    level = params.require_int(args, "level") if args.get("level") is not None else 3
    settings = ctx.variables.setdefault(LOG_CONFIG_KEY, {})
    if not isinstance(settings, dict):
        raise ProviderError(f"the context store's {LOG_CONFIG_KEY} is not an object")
    entry = settings.setdefault(ctx.step_name, {})
    if data is not None:
        if not isinstance(data, str | dict):
            raise ProviderError("data must be a string or an object")
        entry["data"] = True
        ctx.logger.log(data if isinstance(data, str) else json.dumps(data, sort_keys=True),
                       "debug" if level > 3 else "info")
    if source is not None:
        recorded = entry.setdefault("source", {})
        if "url" in source:
            recorded["url"] = params.require_str(source, "url")
        if source.get("resources") is not None:
            if not isinstance(source["resources"], list):
                raise ProviderError("source.resources must be a list")
            recorded["resources"] = source["resources"]
    return {}


def package() -> ProviderPackage:
    return ProviderPackage(
        path=PACKAGE_PATH, provider="util", schema=params.load_schema("util"),
        functions={"patch-k8s-object": patch_k8s_object, "string": convert_string, "log": log})
