"""A small in-memory Kubernetes API server for tests and local experiments.

It speaks enough of the real API for `kubernetes_asyncio` (and kubectl-like
clients) to work against it: discovery, CRUD on namespaced and cluster-scoped
kinds, label and field selectors, merge / strategic merge / JSON patches,
server-side apply that creates, collection deletes and `watch=true` with
resourceVersion resume. Like the real API server it folds a Secret's
`stringData` into `data`. Like a cluster with a job controller it completes
Jobs right after they are created (unless suspended, or `complete_jobs=False`):
the create answer has no status yet, any later request sees the Job complete.
It keeps no field ownership, runs no other controllers and does not validate
schemas; namespaces are not required to exist.

    async with run_emulator() as api:
        api.write_kubeconfig(path)

From a shell, `python -m cueflow.testing.kube_emulator --kubeconfig FILE [--port N]`
serves one until interrupted.
"""

from __future__ import annotations

import asyncio
import base64
import bisect
import contextlib
import copy
import json
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from cueflow.testing import serving

__all__ = ["Controller", "KindInfo", "KubeEmulator", "job_complete_status", "run_emulator",
           "workloads_ready"]

Obj = dict[str, Any]


@dataclass(frozen=True)
class KindInfo:
    """One served resource: `group` is empty for the core group."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    status_subresource: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


COMMON_KINDS = (
    KindInfo("", "v1", "Namespace", "namespaces", namespaced=False, status_subresource=True),
    KindInfo("", "v1", "ConfigMap", "configmaps"),
    KindInfo("", "v1", "Secret", "secrets"),
    KindInfo("", "v1", "Pod", "pods", status_subresource=True),
    KindInfo("", "v1", "Service", "services", status_subresource=True),
    KindInfo("", "v1", "ServiceAccount", "serviceaccounts"),
    KindInfo("", "v1", "Event", "events"),
    KindInfo("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", status_subresource=True),
    KindInfo("", "v1", "Node", "nodes", namespaced=False, status_subresource=True),
    KindInfo("apps", "v1", "Deployment", "deployments", status_subresource=True),
    KindInfo("apps", "v1", "StatefulSet", "statefulsets", status_subresource=True),
    KindInfo("apps", "v1", "DaemonSet", "daemonsets", status_subresource=True),
    KindInfo("apps", "v1", "ReplicaSet", "replicasets", status_subresource=True),
    KindInfo("batch", "v1", "Job", "jobs", status_subresource=True),
    KindInfo("batch", "v1", "CronJob", "cronjobs", status_subresource=True),
    KindInfo("networking.k8s.io", "v1", "Ingress", "ingresses", status_subresource=True),
    KindInfo("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    KindInfo("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    KindInfo("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced=False),
    KindInfo(
        "rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings",
        namespaced=False,
    ),
    KindInfo("coordination.k8s.io", "v1", "Lease", "leases"),
    KindInfo(
        "apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
        namespaced=False, status_subresource=True,
    ),
    KindInfo("core.oam.dev", "v1alpha1", "WorkflowRun", "workflowruns", status_subresource=True),
    KindInfo("core.oam.dev", "v1alpha1", "Workflow", "workflows"),
    KindInfo("core.oam.dev", "v1beta1", "WorkflowStepDefinition", "workflowstepdefinitions"),
    KindInfo("core.oam.dev", "v1beta1", "Application", "applications", status_subresource=True),
)

EVENT_LOG_SIZE = 10_000

Controller = Callable[[KindInfo, Obj], None]
"""Stands in for a cluster controller: may change an object (its status) as it is written."""


def job_complete_status(obj: Obj) -> Obj:
    """The status a job controller leaves on a Job whose pods all succeeded."""
    now = _now()
    return {"succeeded": (obj.get("spec") or {}).get("completions", 1), "active": 0,
            "startTime": now, "completionTime": now,
            "conditions": [{"type": "Complete", "status": "True", "lastProbeTime": now,
                            "lastTransitionTime": now}]}


def _job_finished(obj: Obj) -> bool:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in conditions)


def workloads_ready(info: KindInfo, obj: Obj) -> None:
    """Deployments, StatefulSets and ReplicaSets become ready and Jobs complete at once
    (already in the answer to the create)."""
    spec = obj.get("spec") or {}
    generation = obj["metadata"].get("generation", 1)
    if info.group == "apps" and info.kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        replicas = spec.get("replicas", 1)
        obj["status"] = {"observedGeneration": generation, "replicas": replicas,
                         "readyReplicas": replicas, "availableReplicas": replicas,
                         "updatedReplicas": replicas}
    elif info.group == "batch" and info.kind == "Job" and not _job_finished(obj):
        obj["status"] = job_complete_status(obj)


class ApiError(Exception):
    """Becomes a `Status` response."""

    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message

    def response(self) -> JSONResponse:
        body = {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        }
        return JSONResponse(body, status_code=self.code)


def _not_found(info: KindInfo, name: str) -> ApiError:
    resource = f"{info.plural}.{info.group}" if info.group else info.plural
    return ApiError(404, "NotFound", f'{resource} "{name}" not found')


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- selectors ---------------------------------------------------------------------------

_SET_RE = re.compile(r"^\s*(!?)([\w./-]+)\s*(?:(in|notin)\s*\(([^)]*)\)|(==|=|!=)\s*([\w./-]*))?\s*$")


def _split_requirements(selector: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in selector:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [part for part in parts if part.strip()]


def label_matcher(selector: str) -> Callable[[dict[str, str]], bool]:
    """Compile a label selector (`a=b,c!=d,e in (x,y),!f`) into a predicate."""
    tests: list[Callable[[dict[str, str]], bool]] = []
    for requirement in _split_requirements(selector or ""):
        match = _SET_RE.match(requirement)
        if not match:
            raise ApiError(400, "BadRequest", f"unable to parse requirement: {requirement!r}")
        negate, key, set_op, set_values, op, value = match.groups()
        if set_op:
            values = {v.strip() for v in set_values.split(",") if v.strip()}
            if set_op == "in":
                tests.append(lambda labels, k=key, vs=values: labels.get(k) in vs)
            else:
                tests.append(lambda labels, k=key, vs=values: labels.get(k) not in vs)
        elif op in ("=", "=="):
            tests.append(lambda labels, k=key, v=value: labels.get(k) == v)
        elif op == "!=":
            tests.append(lambda labels, k=key, v=value: labels.get(k) != v)
        elif negate:
            tests.append(lambda labels, k=key: k not in labels)
        else:
            tests.append(lambda labels, k=key: k in labels)
    return lambda labels: all(test(labels) for test in tests)


def field_matcher(selector: str) -> Callable[[Obj], bool]:
    """Compile a field selector (`metadata.name=x,status.phase!=Running`) into a predicate."""
    tests: list[Callable[[Obj], bool]] = []
    for requirement in _split_requirements(selector or ""):
        match = re.match(r"^\s*([\w.]+)\s*(==|=|!=)\s*(.*?)\s*$", requirement)
        if not match:
            raise ApiError(400, "BadRequest", f"invalid field selector: {requirement!r}")
        path, op, value = match.groups()

        def lookup(obj: Obj, path: str = path) -> str:
            current: Any = obj
            for part in path.split("."):
                current = current.get(part) if isinstance(current, dict) else None
            return "" if current is None else str(current)

        if op == "!=":
            tests.append(lambda obj, f=lookup, v=value: f(obj) != v)
        else:
            tests.append(lambda obj, f=lookup, v=value: f(obj) == v)
    return lambda obj: all(test(obj) for test in tests)


# --- patches -----------------------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    """An approximation of Kubernetes' strategic merge: lists of objects that all carry
    `name` are merged by name; `$patch: replace|delete` on objects is honoured."""
    if isinstance(patch, dict):
        directive = patch.get("$patch")
        body = {k: v for k, v in patch.items() if k != "$patch"}
        if directive == "replace":
            return copy.deepcopy(body)
        result = copy.deepcopy(target) if isinstance(target, dict) else {}
        for key, value in body.items():
            if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
                result.pop(key, None)
            else:
                result[key] = strategic_merge_patch(result.get(key), value)
        return result
    if isinstance(patch, list) and isinstance(target, list) and _named_list(patch) and _named_list(
        target
    ):
        merged = copy.deepcopy(target)
        for item in patch:
            index = next((i for i, old in enumerate(merged) if old["name"] == item["name"]), None)
            if item.get("$patch") == "delete":
                if index is not None:
                    merged.pop(index)
            elif index is None:
                merged.append(strategic_merge_patch(None, item))
            else:
                merged[index] = strategic_merge_patch(merged[index], item)
        return merged
    return copy.deepcopy(patch)


def _named_list(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "name" in item for item in items)


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise ApiError(422, "Invalid", f"invalid JSON pointer {path!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(doc: Any, parts: list[str]) -> Any:
    current = doc
    for part in parts[:-1]:
        try:
            current = current[int(part)] if isinstance(current, list) else current[part]
        except (KeyError, IndexError, ValueError) as exc:
            raise ApiError(422, "Invalid", f"path not found: /{'/'.join(parts)}") from exc
    return current


def json_patch(doc: Any, operations: Any) -> Any:
    """RFC 6902 JSON patch (add, remove, replace, move, copy, test)."""
    if not isinstance(operations, list):
        raise ApiError(400, "BadRequest", "a JSON patch must be a list of operations")
    doc = copy.deepcopy(doc)
    for op in operations:
        kind, parts = op.get("op"), _pointer(op.get("path", ""))
        if kind in ("move", "copy"):
            source = _pointer(op.get("from", ""))
            holder = _parent(doc, source)
            value = _get_at(holder, source[-1])
            if kind == "move":
                _remove_at(holder, source[-1])
            doc = _add(doc, parts, copy.deepcopy(value))
        elif kind == "add":
            doc = _add(doc, parts, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove_at(_parent(doc, parts), parts[-1])
        elif kind == "replace":
            if not parts:
                doc = copy.deepcopy(op.get("value"))
                continue
            holder = _parent(doc, parts)
            _get_at(holder, parts[-1])
            if isinstance(holder, list):
                holder[int(parts[-1])] = copy.deepcopy(op.get("value"))
            else:
                holder[parts[-1]] = copy.deepcopy(op.get("value"))
        elif kind == "test":
            current = _get_at(_parent(doc, parts), parts[-1]) if parts else doc
            if current != op.get("value"):
                raise ApiError(422, "Invalid", f"test operation failed at {op.get('path')}")
        else:
            raise ApiError(400, "BadRequest", f"unknown JSON patch operation {kind!r}")
    return doc


def _get_at(holder: Any, key: str) -> Any:
    try:
        return holder[int(key)] if isinstance(holder, list) else holder[key]
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise ApiError(422, "Invalid", f"path element {key!r} not found") from exc


def _remove_at(holder: Any, key: str) -> None:
    _get_at(holder, key)
    if isinstance(holder, list):
        holder.pop(int(key))
    else:
        del holder[key]


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    holder = _parent(doc, parts)
    key = parts[-1]
    if isinstance(holder, list):
        holder.insert(len(holder) if key == "-" else int(key), value)
    elif isinstance(holder, dict):
        holder[key] = value
    else:
        raise ApiError(422, "Invalid", f"cannot add at /{'/'.join(parts)}")
    return doc


# --- the server state --------------------------------------------------------------------


class KubeEmulator:
    """The in-memory API: a Starlette app plus the objects it serves."""

    def __init__(self, kinds: tuple[KindInfo, ...] = COMMON_KINDS,
                 history: int = EVENT_LOG_SIZE, controllers: tuple[Controller, ...] = (),
                 complete_jobs: bool = True) -> None:
        self.history = history
        """How many change events a watch can resume from."""
        self.controllers = controllers
        self.complete_jobs = complete_jobs
        """Whether created (or resumed) Jobs complete, as a job controller would run them."""
        self._jobs_to_complete: dict[tuple[str, str], str] = {}  # (namespace, name): uid
        self.kinds: dict[tuple[str, str, str], KindInfo] = {}
        self.objects: dict[tuple[str, str], dict[tuple[str, str], Obj]] = {}
        self.events: list[tuple[int, str, tuple[str, str], Obj]] = []
        self.revision = 0
        self.changed = asyncio.Condition()
        self.closing = asyncio.Event()
        self.url = ""
        self.requests: list[tuple[str, str]] = []  # (method, path), for tests that count calls
        for info in kinds:
            self.register_kind(info)
        self.app = Starlette(routes=self._routes())

    def register_kind(self, info: KindInfo) -> None:
        """Serve one more kind (a CRD-like resource); discovery shows it at once."""
        self.kinds[(info.group, info.version, info.plural)] = info
        self.objects.setdefault((info.group, info.plural), {})

    def objects_of(self, api_version: str, kind: str) -> list[Obj]:
        """Every stored object of a kind, for assertions in tests."""
        info = self._by_kind(api_version, kind)
        return [copy.deepcopy(obj) for obj in self.objects[(info.group, info.plural)].values()]

    def set_status(self, api_version: str, kind: str, name: str, namespace: str,
                   status: Obj) -> Obj:
        """Replace an object's status as its controller would (call inside the event loop)."""
        info = self._by_kind(api_version, kind)
        old = self._get(info, namespace if info.namespaced else "", name)
        return copy.deepcopy(self._update(info, old, {**old, "status": status}, "status"))

    def _by_kind(self, api_version: str, kind: str) -> KindInfo:
        group, _, version = api_version.rpartition("/")
        for info in self.kinds.values():
            if (info.group, info.version, info.kind) == (group, version, kind):
                return info
        raise KeyError(f"kind {kind} of {api_version} is not served")

    # routes ------------------------------------------------------------------------------

    def _routes(self) -> list[Route]:
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return [
            Route("/version", self._version),
            Route("/version/", self._version),
            Route("/api", self._api_versions),
            Route("/api/", self._api_versions),
            Route("/apis", self._api_groups),
            Route("/apis/", self._api_groups),
            Route("/api/{version}", self._resource_list),
            Route("/api/{version}/", self._resource_list),
            Route("/apis/{group}/{version}", self._resource_list),
            Route("/apis/{group}/{version}/", self._resource_list),
            Route("/api/{version}/{rest:path}", self._core, methods=methods),
            Route("/apis/{group}/{version}/{rest:path}", self._grouped, methods=methods),
        ]

    async def _version(self, request: Request) -> Response:
        return JSONResponse({"major": "1", "minor": "29", "gitVersion": "v1.29.0-cueflow-emulator",
                             "platform": "linux/amd64"})

    async def _api_versions(self, request: Request) -> Response:
        return JSONResponse({"kind": "APIVersions", "versions": ["v1"],
                             "serverAddressByClientCIDRs": []})

    async def _api_groups(self, request: Request) -> Response:
        groups: dict[str, list[str]] = {}
        for info in self.kinds.values():
            if info.group and info.version not in groups.setdefault(info.group, []):
                groups[info.group].append(info.version)
        body = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
            {"name": group, "versions": [
                {"groupVersion": f"{group}/{v}", "version": v} for v in versions],
             "preferredVersion": {"groupVersion": f"{group}/{versions[0]}",
                                  "version": versions[0]}}
            for group, versions in groups.items()]}
        return JSONResponse(body)

    async def _resource_list(self, request: Request) -> Response:
        group = request.path_params.get("group", "")
        version = request.path_params["version"]
        resources = []
        for info in self.kinds.values():
            if (info.group, info.version) != (group, version):
                continue
            verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update",
                     "watch"]
            resources.append({"name": info.plural, "singularName": info.kind.lower(),
                              "namespaced": info.namespaced, "kind": info.kind, "verbs": verbs})
            if info.status_subresource:
                resources.append({"name": f"{info.plural}/status", "singularName": "",
                                  "namespaced": info.namespaced, "kind": info.kind,
                                  "verbs": ["get", "patch", "update"]})
        if not resources:
            return ApiError(404, "NotFound", "the server could not find the requested resource"
                            ).response()
        group_version = f"{group}/{version}" if group else version
        return JSONResponse({"kind": "APIResourceList", "apiVersion": "v1",
                             "groupVersion": group_version, "resources": resources})

    async def _core(self, request: Request) -> Response:
        return await self._dispatch(request, "", request.path_params["version"])

    async def _grouped(self, request: Request) -> Response:
        return await self._dispatch(request, request.path_params["group"],
                                    request.path_params["version"])

    async def _dispatch(self, request: Request, group: str, version: str) -> Response:
        self.requests.append((request.method, request.url.path))
        self._complete_jobs()
        parts = [p for p in request.path_params["rest"].split("/") if p]
        namespace = ""
        if len(parts) >= 2 and parts[0] == "namespaces" and (group, version, parts[2] if len(
                parts) > 2 else "") in self.kinds:
            namespace, parts = parts[1], parts[2:]
        try:
            info = self.kinds.get((group, version, parts[0]))
            if info is None:
                raise ApiError(404, "NotFound",
                               "the server could not find the requested resource")
            name = parts[1] if len(parts) > 1 else ""
            subresource = parts[2] if len(parts) > 2 else ""
            if subresource and (subresource != "status" or not info.status_subresource):
                raise ApiError(404, "NotFound",
                               "the server could not find the requested resource")
            return await self._handle(request, info, namespace, name, subresource)
        except ApiError as error:
            return error.response()

    async def _handle(self, request: Request, info: KindInfo, namespace: str, name: str,
                      subresource: str) -> Response:
        method = request.method
        if not info.namespaced:
            namespace = ""
        if not name:
            if method == "GET":
                if request.query_params.get("watch", "").lower() in ("true", "1", "t"):
                    return self._watch(request, info, namespace)
                return JSONResponse(self._list(request, info, namespace))
            if method == "POST":
                body = await _json_body(request)
                return JSONResponse(self._create(info, namespace, body), status_code=201)
            if method == "DELETE":
                return JSONResponse(self._delete_collection(request, info, namespace))
            raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed on a collection")
        if method == "GET":
            return JSONResponse(self._get(info, namespace, name))
        if method == "PUT":
            body = await _json_body(request)
            return JSONResponse(self._replace(info, namespace, name, body, subresource))
        if method == "PATCH":
            return await self._patch(request, info, namespace, name, subresource)
        if method == "DELETE":
            return JSONResponse(self._delete(info, namespace, name))
        raise ApiError(405, "MethodNotAllowed", f"{method} is not allowed")

    # storage operations ------------------------------------------------------------------

    def _store(self, info: KindInfo) -> dict[tuple[str, str], Obj]:
        return self.objects[(info.group, info.plural)]

    def _get(self, info: KindInfo, namespace: str, name: str) -> Obj:
        obj = self._store(info).get((namespace, name))
        if obj is None:
            raise _not_found(info, name)
        return obj

    def _list(self, request: Request, info: KindInfo, namespace: str) -> Obj:
        labels = label_matcher(request.query_params.get("labelSelector", ""))
        fields = field_matcher(request.query_params.get("fieldSelector", ""))
        items = [
            obj for (ns, _), obj in sorted(self._store(info).items())
            if (not namespace or ns == namespace)
            and labels(obj["metadata"].get("labels") or {}) and fields(obj)
        ]
        return {"kind": f"{info.kind}List", "apiVersion": info.api_version,
                "metadata": {"resourceVersion": str(self.revision)}, "items": items}

    def _bump(self, event: str, info: KindInfo, obj: Obj) -> None:
        self.revision += 1
        obj["metadata"]["resourceVersion"] = str(self.revision)
        self.events.append((self.revision, event, (info.group, info.plural), copy.deepcopy(obj)))
        del self.events[:-self.history]
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    def _check_identity(self, info: KindInfo, namespace: str, name: str, body: Obj) -> None:
        if not isinstance(body, dict):
            raise ApiError(400, "BadRequest", "the body must be a JSON object")
        meta = body.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiError(400, "BadRequest", "metadata must be an object")
        if name and meta.get("name", name) != name:
            raise ApiError(400, "BadRequest",
                           "the name of the object does not match the name on the URL")
        if info.namespaced and namespace and meta.get("namespace", namespace) != namespace:
            raise ApiError(400, "BadRequest",
                           "the namespace of the object does not match the namespace on the URL")
        body["apiVersion"], body["kind"] = info.api_version, info.kind

    def _create(self, info: KindInfo, namespace: str, body: Obj) -> Obj:
        self._check_identity(info, namespace, "", body)
        meta = body["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + uuid.uuid4().hex[:5]
        name = meta.get("name")
        if not name:
            raise ApiError(422, "Invalid", f"{info.kind} is invalid: metadata.name: Required value")
        if info.namespaced:
            meta["namespace"] = namespace or meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        key = (meta.get("namespace", ""), name)
        if key in self._store(info):
            resource = f"{info.plural}.{info.group}" if info.group else info.plural
            raise ApiError(409, "AlreadyExists", f'{resource} "{name}" already exists')
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=_now(), generation=1)
        meta.pop("resourceVersion", None)
        obj = copy.deepcopy(body)
        _fold_string_data(info, obj)
        for controller in self.controllers:
            controller(info, obj)
        self._store(info)[key] = obj
        self._bump("ADDED", info, obj)
        self._start_job(info, obj)
        return obj

    def _start_job(self, info: KindInfo, obj: Obj) -> None:
        """Queue a Job that should now run to completion; it completes on the next loop
        turn (for watchers) or before the next request is served, whichever is first."""
        if not self.complete_jobs or (info.group, info.kind) != ("batch", "Job") \
                or (obj.get("spec") or {}).get("suspend") or _job_finished(obj):
            return
        meta = obj["metadata"]
        self._jobs_to_complete[(meta.get("namespace", ""), meta["name"])] = meta["uid"]
        asyncio.get_running_loop().call_soon(self._complete_jobs)

    def _complete_jobs(self) -> None:
        pending, self._jobs_to_complete = self._jobs_to_complete, {}
        if not pending:
            return
        info = self._by_kind("batch/v1", "Job")
        for key, uid in pending.items():
            job = self._store(info).get(key)
            if job is not None and job["metadata"].get("uid") == uid and not _job_finished(job):
                self._update(info, job, {**job, "status": job_complete_status(job)}, "status")

    def _update(self, info: KindInfo, old: Obj, new: Obj, subresource: str) -> Obj:
        """Store `new` in place of `old`, keeping the server-owned metadata."""
        if subresource == "status":
            new = {**copy.deepcopy(old), "status": new.get("status")}
        elif info.status_subresource and "status" in old:
            new = {**new, "status": old["status"]}
        elif info.status_subresource:
            new.pop("status", None)
        meta = new.setdefault("metadata", {})
        for key in ("uid", "creationTimestamp", "name", "namespace", "generation"):
            if key in old["metadata"]:
                meta[key] = old["metadata"][key]
        new["apiVersion"], new["kind"] = info.api_version, info.kind
        if subresource != "status":
            _fold_string_data(info, new)
        if _spec_of(new) != _spec_of(old):
            meta["generation"] = old["metadata"].get("generation", 1) + 1
        if subresource != "status":
            for controller in self.controllers:
                controller(info, new)
        if new == old:
            return old
        key = (meta.get("namespace", ""), meta["name"])
        self._store(info)[key] = new
        self._bump("MODIFIED", info, new)
        if subresource != "status":
            self._start_job(info, new)
        return new

    def _replace(self, info: KindInfo, namespace: str, name: str, body: Obj,
                 subresource: str) -> Obj:
        self._check_identity(info, namespace, name, body)
        old = self._get(info, namespace, name)
        expected = body["metadata"].get("resourceVersion")
        if expected and expected != old["metadata"]["resourceVersion"]:
            resource = f"{info.plural}.{info.group}" if info.group else info.plural
            raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {resource} "{name}"'
                           ": the object has been modified; please apply your changes to the "
                           "latest version and try again")
        return self._update(info, old, copy.deepcopy(body), subresource)

    async def _patch(self, request: Request, info: KindInfo, namespace: str, name: str,
                     subresource: str) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        raw = await request.body()
        try:
            patch = yaml.safe_load(raw) if content_type == "application/apply-patch+yaml" \
                else json.loads(raw or b"null")
        except (ValueError, yaml.YAMLError) as exc:
            raise ApiError(400, "BadRequest", f"the patch is not valid: {exc}") from exc
        existing = self._store(info).get((namespace, name))
        if content_type == "application/apply-patch+yaml":
            if existing is None:
                if not isinstance(patch, dict):
                    raise ApiError(400, "BadRequest", "an apply patch must be an object")
                patch.setdefault("metadata", {}).setdefault("name", name)
                return JSONResponse(self._create(info, namespace, patch), status_code=201)
            patched = strategic_merge_patch(existing, patch)
        elif existing is None:
            raise _not_found(info, name)
        elif content_type == "application/merge-patch+json":
            patched = merge_patch(existing, patch)
        elif content_type == "application/strategic-merge-patch+json":
            patched = strategic_merge_patch(existing, patch)
        elif content_type == "application/json-patch+json":
            patched = json_patch(existing, patch)
        else:
            raise ApiError(415, "UnsupportedMediaType",
                           f"the patch content type {content_type!r} is not supported")
        if not isinstance(patched, dict):
            raise ApiError(422, "Invalid", "the patched object is not an object")
        return JSONResponse(self._update(info, existing, patched, subresource))

    def _delete(self, info: KindInfo, namespace: str, name: str) -> Obj:
        obj = self._get(info, namespace, name)
        self._remove(info, obj)
        return obj

    def _remove(self, info: KindInfo, obj: Obj) -> None:
        meta = obj["metadata"]
        del self._store(info)[(meta.get("namespace", ""), meta["name"])]
        self._bump("DELETED", info, obj)
        if info.kind == "Namespace" and not info.group:
            for other in self.kinds.values():
                if other.namespaced:
                    for (ns, _), child in list(self._store(other).items()):
                        if ns == meta["name"]:
                            self._remove(other, child)

    def _delete_collection(self, request: Request, info: KindInfo, namespace: str) -> Obj:
        listed = self._list(request, info, namespace)
        for obj in listed["items"]:
            self._remove(info, obj)
        return listed

    # watch -------------------------------------------------------------------------------

    def _watch(self, request: Request, info: KindInfo, namespace: str) -> Response:
        labels = label_matcher(request.query_params.get("labelSelector", ""))
        fields = field_matcher(request.query_params.get("fieldSelector", ""))
        since = request.query_params.get("resourceVersion", "")
        timeout = float(request.query_params.get("timeoutSeconds") or 0) or None
        start = int(since) if since.isdigit() and since != "0" else None
        if start is not None and self.events and start < self.events[0][0] - 1:
            raise ApiError(410, "Expired", f"too old resource version: {start}")

        def wanted(obj: Obj) -> bool:
            return (not namespace or obj["metadata"].get("namespace", "") == namespace) and \
                labels(obj["metadata"].get("labels") or {}) and fields(obj)

        async def stream() -> AsyncIterator[bytes]:
            sent = start
            if sent is None:
                sent = self.revision
                for obj in self._list(request, info, namespace)["items"]:
                    yield _event_line("ADDED", obj)
            deadline = asyncio.get_running_loop().time() + timeout if timeout else None
            while not self.closing.is_set():
                first = bisect.bisect_right(self.events, sent, key=lambda event: event[0])
                for _, event, key, obj in self.events[first:]:
                    if key == (info.group, info.plural) and wanted(obj):
                        yield _event_line(event, obj)
                sent = max(sent, self.revision)
                remaining = deadline - asyncio.get_running_loop().time() if deadline else 1.0
                if remaining <= 0:
                    return
                async with self.changed:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.changed.wait(), min(remaining, 1.0))

        return StreamingResponse(stream(), media_type="application/json")

    # kubeconfig --------------------------------------------------------------------------

    def kubeconfig(self, context: str = "emulator", namespace: str = "default") -> Obj:
        """A kubeconfig document pointing at this server."""
        return {
            "apiVersion": "v1", "kind": "Config", "current-context": context,
            "clusters": [{"name": context, "cluster": {"server": self.url}}],
            "users": [{"name": context, "user": {"token": "emulator-token"}}],
            "contexts": [{"name": context, "context": {
                "cluster": context, "user": context, "namespace": namespace}}],
        }

    def write_kubeconfig(self, path: str | Path, context: str = "emulator") -> Path:
        """Write a kubeconfig for this server to `path` and return it."""
        path = Path(path)
        path.write_text(yaml.safe_dump(self.kubeconfig(context)))
        return path


def _fold_string_data(info: KindInfo, obj: Obj) -> None:
    """A Secret's write-only `stringData` goes into `data`, base64 encoded, winning over a
    `data` key of the same name; it is never stored or returned."""
    if (info.group, info.kind) != ("", "Secret") or "stringData" not in obj:
        return
    text = obj.pop("stringData") or {}
    if not isinstance(text, dict) or not all(isinstance(v, str) for v in text.values()):
        raise ApiError(400, "BadRequest", "stringData must map keys to strings")
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        raise ApiError(400, "BadRequest", "data must map keys to base64 strings")
    obj["data"] = {**data, **{key: base64.b64encode(value.encode()).decode("ascii")
                              for key, value in text.items()}}


def _spec_of(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


def _event_line(event: str, obj: Obj) -> bytes:
    return json.dumps({"type": event, "object": obj}).encode() + b"\n"


async def _json_body(request: Request) -> Obj:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError as exc:
        raise ApiError(400, "BadRequest", f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "BadRequest", "the body must be a JSON object")
    return body


@contextlib.asynccontextmanager
async def run_emulator(
    kinds: tuple[KindInfo, ...] = COMMON_KINDS, port: int = 0,
    controllers: tuple[Controller, ...] = (), complete_jobs: bool = True,
) -> AsyncIterator[KubeEmulator]:
    """Serve a fresh emulator on 127.0.0.1 (a free port by default) for the block."""
    emulator = KubeEmulator(kinds, controllers=controllers, complete_jobs=complete_jobs)
    async with serving.serve(emulator.app, port) as port:
        emulator.url = f"http://127.0.0.1:{port}"
        try:
            yield emulator
        finally:
            emulator.closing.set()
            await emulator._notify()


async def _serve_until_interrupted(kubeconfig: Path, port: int) -> None:
    async with run_emulator(port=port) as api:
        api.write_kubeconfig(kubeconfig)
        print(f"Kubernetes API emulator at {api.url}; kubeconfig written to {kubeconfig}")
        await asyncio.Event().wait()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Serve an in-memory Kubernetes API.")
    parser.add_argument("--kubeconfig", type=Path, required=True, help="where to write it")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    arguments = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_interrupted(arguments.kubeconfig, arguments.port))
