"""The one adapter between cueflow and `kubernetes_asyncio`.

`KubeClient` speaks plain dicts (unstructured objects) and raises `KubeError`
leaves, so no library type or exception leaks out of this module. Kinds are
found through discovery (apiVersion + kind), which also tells whether a kind is
namespaced: callers never need plural names.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from kubernetes_asyncio import client as k8s_client
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.dynamic import DynamicClient
from kubernetes_asyncio.dynamic import exceptions as dynamic_errors
from kubernetes_asyncio.dynamic.resource import Resource

__all__ = [
    "KubeAlreadyExists",
    "KubeClient",
    "KubeConflict",
    "KubeError",
    "KubeForbidden",
    "KubeNotFound",
    "KubeUnreachable",
    "failure_summary",
]

log = logging.getLogger(__name__)

Obj = dict[str, Any]
REQUEST_TIMEOUT = 30.0
"""Seconds before one API call is abandoned."""


class KubeError(Exception):
    """A Kubernetes API call failed; `status` is the HTTP status (0 when never answered)."""

    def __init__(self, message: str, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class KubeNotFound(KubeError):
    """The object or the kind does not exist."""


class KubeAlreadyExists(KubeError):
    """A create found the object already there."""


class KubeConflict(KubeError):
    """The object changed since it was read."""


class KubeForbidden(KubeError):
    """The credentials may not do this."""


class KubeUnreachable(KubeError):
    """The API server could not be reached at all."""


_LEAVES: dict[int, type[KubeError]] = {403: KubeForbidden, 404: KubeNotFound}


def _error_from_status(status: int, body: Any) -> KubeError:
    message, reason = f"the API server answered {status}", ""
    if isinstance(body, dict):
        message = str(body.get("message") or message)
        reason = str(body.get("reason") or "")
    if status == 409:
        leaf: type[KubeError] = KubeAlreadyExists if reason == "AlreadyExists" else KubeConflict
    else:
        leaf = _LEAVES.get(status, KubeError)
    return leaf(message, status, reason)


def failure_summary(exc: BaseException) -> str:
    """A few words on why talking to an API server failed (`connection refused`), instead
    of the client library's paragraph, so a step message stays one readable line."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return "host name not found"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        detail = getattr(exc.certificate_error, "verify_message", "") or exc.certificate_error
        return f"its TLS certificate is not accepted ({detail})"
    if isinstance(exc, aiohttp.ClientSSLError):
        return "the TLS handshake failed"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "the server closed the connection"
    if isinstance(exc, ApiException):
        return f"the API server answered {exc.status} {exc.reason or ''}".rstrip()
    os_error = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
    if isinstance(os_error, OSError) and os_error.errno:
        if os_error.errno == errno.ECONNREFUSED:
            return "connection refused"
        return os.strerror(os_error.errno).lower()
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


class KubeClient:
    """Unstructured access to one cluster."""

    def __init__(self, name: str, api: k8s_client.ApiClient, dynamic: DynamicClient) -> None:
        self.name = name
        self._api = api
        self._dynamic = dynamic

    @property
    def host(self) -> str:
        return str(self._api.configuration.host)

    async def close(self) -> None:
        await self._api.close()

    # discovery ---------------------------------------------------------------------------

    async def _resource(self, api_version: str, kind: str) -> Resource:
        try:
            return await self._dynamic.resources.get(api_version=api_version, kind=kind)
        except dynamic_errors.ResourceNotFoundError as exc:
            raise KubeNotFound(
                f'no kind "{kind}" is registered for version "{api_version}" '
                f'in cluster "{self.name or "local"}"', 404, "NotFound") from exc
        except dynamic_errors.ResourceNotUniqueError as exc:
            raise KubeError(f'kind "{kind}" of "{api_version}" is ambiguous: {exc}') from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise self._unreachable(exc) from exc

    async def is_namespaced(self, api_version: str, kind: str) -> bool:
        return bool((await self._resource(api_version, kind)).namespaced)

    def _unreachable(self, exc: BaseException) -> KubeUnreachable:
        return KubeUnreachable(f'cluster "{self.name or "local"}" at {self.host} is '
                               f"unreachable: {failure_summary(exc)}")

    async def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Obj:
        try:
            response = await self._dynamic.request(
                method, path, body=body, serialize=False,
                _request_timeout=REQUEST_TIMEOUT, **params)
        except dynamic_errors.DynamicApiError as exc:
            raise _error_from_status(exc.status or 0, _decode(exc.body)) from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise self._unreachable(exc) from exc
        try:
            raw = await response.read()
        finally:
            response.release()
        data = _decode(raw)
        if not 200 <= response.status <= 299:
            raise _error_from_status(response.status, data)
        if not isinstance(data, dict):
            raise KubeError(f"the API server answered with a non-object: {raw[:200]!r}")
        return data

    # operations --------------------------------------------------------------------------

    async def _locate(self, obj: Obj) -> tuple[Resource, str, str]:
        """The resource, name and namespace (`default` when namespaced and unset) of `obj`."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version \
                or not kind:
            raise KubeError("the object needs string fields apiVersion and kind")
        meta = obj.get("metadata") or {}
        resource = await self._resource(api_version, kind)
        namespace = str(meta.get("namespace") or "default") if resource.namespaced else ""
        return resource, str(meta.get("name") or ""), namespace

    async def get(self, api_version: str, kind: str, name: str, namespace: str = "") -> Obj:
        resource, _, namespace = await self._locate(
            {"apiVersion": api_version, "kind": kind, "metadata": {"namespace": namespace}})
        return await self._call("get", resource.path(name=name, namespace=namespace))

    async def list(self, api_version: str, kind: str, namespace: str = "",
                   label_selector: str = "", field_selector: str = "") -> Obj:
        """A `<Kind>List`; an empty namespace lists every namespace."""
        resource = await self._resource(api_version, kind)
        return await self._call(
            "get", resource.path(namespace=namespace if resource.namespaced else None),
            label_selector=label_selector or None, field_selector=field_selector or None)

    async def create(self, obj: Obj) -> Obj:
        resource, _, namespace = await self._locate(obj)
        body = _with_namespace(obj, namespace)
        return await self._call("post", resource.path(namespace=namespace), body=body,
                                content_type="application/json")

    async def replace(self, obj: Obj, subresource: str = "") -> Obj:
        """PUT the whole object (or only its `status` with `subresource="status"`); a stale
        `metadata.resourceVersion` raises KubeConflict."""
        resource, name, namespace = await self._locate(obj)
        path = resource.path(name=name, namespace=namespace)
        return await self._call("put", f"{path}/{subresource}" if subresource else path,
                                body=_with_namespace(obj, namespace),
                                content_type="application/json")

    async def patch(self, api_version: str, kind: str, name: str, namespace: str, patch: Any,
                    patch_type: str = "merge", subresource: str = "") -> Obj:
        """Patch with `merge`, `strategic` or `json` (RFC 6902) semantics."""
        content_type = {
            "merge": "application/merge-patch+json",
            "strategic": "application/strategic-merge-patch+json",
            "json": "application/json-patch+json",
        }[patch_type]
        resource, _, namespace = await self._locate(
            {"apiVersion": api_version, "kind": kind, "metadata": {"namespace": namespace}})
        path = resource.path(name=name, namespace=namespace)
        if subresource:
            path = f"{path}/{subresource}"
        return await self._call("patch", path, body=patch, content_type=content_type)

    async def server_side_apply(self, obj: Obj, field_manager: str = "cueflow",
                                force: bool = True) -> Obj:
        resource, name, namespace = await self._locate(obj)
        return await self._call(
            "patch", resource.path(name=name, namespace=namespace),
            body=_with_namespace(obj, namespace), content_type="application/apply-patch+yaml",
            field_manager=field_manager, force_conflicts=force)

    async def delete(self, api_version: str, kind: str, name: str, namespace: str = "") -> Obj:
        resource, _, namespace = await self._locate(
            {"apiVersion": api_version, "kind": kind, "metadata": {"namespace": namespace}})
        return await self._call("delete", resource.path(name=name, namespace=namespace))

    async def delete_collection(self, api_version: str, kind: str, namespace: str = "",
                                label_selector: str = "") -> Obj:
        resource = await self._resource(api_version, kind)
        return await self._call(
            "delete", resource.path(namespace=namespace if resource.namespaced else None),
            label_selector=label_selector or None)

    async def watch(self, api_version: str, kind: str, namespace: str = "",
                    resource_version: str = "", label_selector: str = "",
                    timeout_seconds: int | None = None) -> AsyncIterator[Obj]:
        """Yield watch events (`{"type": ..., "object": {...}}`) until the server ends the
        stream; a `410 Gone` raises `KubeError` with status 410 (list again and resume)."""
        resource = await self._resource(api_version, kind)
        path = resource.path(namespace=namespace if resource.namespaced else None)
        try:
            response = await self._dynamic.request(
                "get", path, serialize=False, watch=True,
                resource_version=resource_version or None,
                label_selector=label_selector or None, timeout_seconds=timeout_seconds,
                _request_timeout=None)
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise self._unreachable(exc) from exc
        try:
            if not 200 <= response.status <= 299:
                raise _error_from_status(response.status, _decode(await response.read()))
            async for line in response.content:
                event = _decode(line)
                if not isinstance(event, dict):
                    continue
                if event.get("type") == "ERROR":
                    status = event.get("object") or {}
                    raise _error_from_status(int(status.get("code") or 500), status)
                yield event
        except (aiohttp.ClientError, OSError) as exc:
            raise self._unreachable(exc) from exc
        finally:
            response.release()


def _with_namespace(obj: Obj, namespace: str) -> Obj:
    if not namespace:
        return obj
    meta = dict(obj.get("metadata") or {})
    meta["namespace"] = namespace
    return {**obj, "metadata": meta}


def _decode(raw: Any) -> Any:
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw
