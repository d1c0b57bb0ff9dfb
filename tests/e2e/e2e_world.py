"""Helpers for the end-to-end tests. The whole product on loopback: a real engine over SQLite with the built-in step library and
every provider package, two emulated Kubernetes clusters (default `local` and `eu`), an HTTP
server that records what it receives, a Prometheus query API and an SMTP server.

Tests get one `World` and drive runs through `World.run` / `World.start`; what the outside
world saw is in `world.http.requests`, `world.local` / `world.eu` (the emulators) and
`world.mail.messages`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import yaml
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from cueflow import clusters
from cueflow.definitions import Catalog
from cueflow.engine import Engine
from cueflow.providers.registry import default_packages
from cueflow.store.sql import SqlStore
from cueflow.testing.kube_emulator import (
    COMMON_KINDS,
    KindInfo,
    KubeEmulator,
    run_emulator,
    workloads_ready,
)
from cueflow.testing.serving import serve

NAMESPACE = "default"
SMTP_USER, SMTP_PASSWORD = "bot@example.com", "smtp-pass"

EXTRA_KINDS = (
    KindInfo("apps.kruise.io", "v1alpha1", "ImagePullJob", "imagepulljobs", status_subresource=True),
    KindInfo("rollouts.kruise.io", "v1beta1", "Rollout", "rollouts", status_subresource=True),
    KindInfo("terraform.core.oam.dev", "v1beta2", "Configuration", "configurations",
             status_subresource=True),
    KindInfo("terraform.core.oam.dev", "v1beta1", "Provider", "providers",
             status_subresource=True),
    KindInfo("cert-manager.io", "v1", "Certificate", "certificates", status_subresource=True),
)
"""Custom resources some steps and examples work with (their CRDs, as a cluster would have)."""


UNPULLABLE = "does-not-exist"
"""Deployments whose image names contain this never get ready pods (an image pull error)."""


def cluster_controllers(info: KindInfo, obj: dict[str, Any]) -> None:
    """Stand-ins for the controllers of a real cluster: workloads get ready (not with an
    UNPULLABLE image), Jobs complete, Pods succeed, image pull jobs finish, Applications run."""
    workloads_ready(info, obj)
    if info.kind == "Deployment" and any(
        UNPULLABLE in c.get("image", "")
        for c in obj["spec"].get("template", {}).get("spec", {}).get("containers", [])
    ):
        obj["status"].update(readyReplicas=0, availableReplicas=0)
    generation = obj["metadata"].get("generation", 1)
    if (info.group, info.kind) == ("", "Pod"):
        obj["status"] = {"phase": "Succeeded"}
    elif info.kind == "ImagePullJob":
        nodes = 2
        obj["status"] = {"desired": nodes, "succeeded": nodes, "failed": 0,
                         "completionTime": "2026-01-01T00:00:00Z"}
    elif info.kind == "Application":
        obj["status"] = {"status": "running", "observedGeneration": generation}


# --- loopback HTTP ----------------------------------------------------------------------------


@dataclass
class Received:
    """One request the recorder answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True})
    """A str is sent as text/plain, anything else as JSON."""

    def response(self) -> Response:
        if isinstance(self.body, str):
            return PlainTextResponse(self.body, status_code=self.status)
        return JSONResponse(self.body, status_code=self.status)


class Recorder:
    """A loopback HTTP server: records every request, answers per path (replies are used in
    order, the last one repeats; a callable reply is asked each time)."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[Received] = []
        self._replies: dict[str, list[Reply | Callable[[Received], Reply]]] = {}

    def answer(self, path: str, *replies: Reply | Callable[[Received], Reply]) -> str:
        """Set the replies for `path`; returns the full URL."""
        self._replies[path] = list(replies)
        return self.url + path

    def to(self, path: str) -> list[Received]:
        """The requests received at `path`, oldest first."""
        return [r for r in self.requests if r.path == path]

    async def _handle(self, request: Request) -> Response:
        received = Received(request.method, request.url.path, dict(request.query_params),
                            {k.lower(): v for k, v in request.headers.items()},
                            await request.body())
        self.requests.append(received)
        replies = self._replies.get(received.path) or [Reply()]
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        return (reply(received) if callable(reply) else reply).response()

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=methods)])


def prometheus_value(value: float) -> Reply:
    """A Prometheus instant-query answer with one sample."""
    return Reply(body={"status": "success", "data": {
        "resultType": "vector", "result": [{"metric": {}, "value": [1700000000, str(value)]}]}})


# --- SMTP ---------------------------------------------------------------------------------------


class Inbox:
    """Mail the SMTP server accepted: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                  data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        SMTP_USER.encode(), SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the world --------------------------------------------------------------------------------


class CatalogTemplates:
    """The engine's view of `cueflow.definitions.Catalog` (template text by type name)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def get(self, type_name: str, namespace: str) -> str | None:
        found = self.catalog.get(type_name)
        return found.template if found is not None else None


@dataclass
class World:
    engine: Engine
    store: SqlStore
    local: KubeEmulator
    eu: KubeEmulator
    http: Recorder
    mail: Inbox

    async def start(self, steps: list[dict[str, Any]], name: str = "run",
                    **spec: Any) -> None:
        """Submit a WorkflowRun with these steps (extra `spec` fields as given)."""
        await self.engine.apply(run_doc(steps, name, **spec))

    async def apply(self, doc: dict[str, Any]) -> None:
        await self.engine.apply(doc)

    async def finish(self, name: str = "run", timeout: float = 10) -> dict[str, Any]:
        """The finished run's document (status, engine state)."""
        try:
            record = await self.engine.wait(NAMESPACE, name, timeout=timeout)
        except TimeoutError:
            status = await self.status(name)
            raise AssertionError(f"run {name} did not finish in {timeout}s: {status}") from None
        return record.doc

    async def run(self, steps: list[dict[str, Any]], name: str = "run", timeout: float = 10,
                  **spec: Any) -> dict[str, Any]:
        await self.start(steps, name, **spec)
        return await self.finish(name, timeout)

    async def status(self, name: str = "run") -> dict[str, Any]:
        record = await self.engine.get(NAMESPACE, name)
        return record.doc.get("status") or {}

    async def until(self, check: Callable[[dict[str, Any]], bool], name: str = "run",
                    timeout: float = 20) -> dict[str, Any]:
        """Poll the stored status until `check` holds; returns that status."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            status = await self.status(name)
            if check(status):
                return status
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition never held; last status: {status}")
            await asyncio.sleep(0.05)

    async def logs(self, name: str = "run", step: str | None = None) -> list[str]:
        return [line.text for line in await self.store.logs(f"{NAMESPACE}/{name}", step)]

    def secret(self, name: str, data: dict[str, str], cluster: str = "local") -> None:
        """Create a Secret directly in an emulated cluster (as an operator would)."""
        self.cluster(cluster)._create(_kind(self.local, "v1", "Secret"), NAMESPACE, {
            "metadata": {"name": name, "namespace": NAMESPACE},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}})

    def put(self, obj: dict[str, Any], cluster: str = "local") -> dict[str, Any]:
        """Create an object directly in an emulated cluster."""
        api = self.cluster(cluster)
        info = _kind(api, obj["apiVersion"], obj["kind"])
        namespace = obj["metadata"].get("namespace", NAMESPACE) if info.namespaced else ""
        return api._create(info, namespace, json.loads(json.dumps(obj)))

    def cluster(self, name: str) -> KubeEmulator:
        return self.eu if name == "eu" else self.local

    def objects(self, api_version: str, kind: str, cluster: str = "local") -> dict[str, Any]:
        """The stored objects of a kind in a cluster, by name."""
        return {o["metadata"]["name"]: o for o in self.cluster(cluster).objects_of(api_version,
                                                                                    kind)}


def _kind(api: KubeEmulator, api_version: str, kind: str) -> KindInfo:
    return api._by_kind(api_version, kind)


def run_doc(steps: list[dict[str, Any]], name: str = "run", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "core.oam.dev/v1alpha1", "kind": "WorkflowRun",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"workflowSpec": {"steps": steps}, **spec}}


def steps_of(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every step and sub-step status of a run document (or status) by name."""
    status = doc.get("status") or {} if "metadata" in doc else doc
    found: dict[str, dict[str, Any]] = {}
    for entry in status.get("steps", []):
        found[entry["name"]] = entry
        for sub in entry.get("subSteps", []):
            found[sub["name"]] = sub
    return found


def phases(doc: dict[str, Any]) -> dict[str, str]:
    return {name: entry.get("phase", "") for name, entry in steps_of(doc).items()}


def variables(doc: dict[str, Any]) -> dict[str, Any]:
    """The run-global variables (step outputs) of a finished run document."""
    return doc["cueflowState"]["context"]["vars"]


def load_yaml_documents(path: Path, context: dict[str, Any]) -> list[dict[str, Any]]:
    """The documents of an example file, with `context` merged into the run's spec.context."""
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    for doc in docs:
        if doc["kind"] == "WorkflowRun":
            doc["spec"]["context"] = {**(doc["spec"].get("context") or {}), **context}
    return docs


@contextlib.contextmanager
def smtp_server() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on loopback that wants LOGIN/PLAIN auth."""
    inbox = Inbox()
    inbox.port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port,
                            authenticator=_authenticate, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@contextlib.asynccontextmanager
async def running_world(tmp_path: Path, inbox: Inbox) -> AsyncIterator[World]:
    """Two emulated clusters (registered as `local`, the default, and `eu`), the recorder,
    and a started engine over SQLite with every built-in step type and provider package."""
    kinds = COMMON_KINDS + EXTRA_KINDS
    async with (
        run_emulator(kinds, controllers=(cluster_controllers,)) as local,
        run_emulator(kinds, controllers=(cluster_controllers,)) as eu,
    ):
        recorder = Recorder()
        async with serve(recorder.app()) as port:
            recorder.url = f"http://127.0.0.1:{port}"
            store = SqlStore(f"sqlite+aiosqlite:///{tmp_path / 'cueflow.db'}")
            await store.open()
            await clusters.add_cluster(store, "local", local.write_kubeconfig(tmp_path / "l.yaml"))
            await clusters.add_cluster(store, "eu", eu.write_kubeconfig(tmp_path / "eu.yaml"))
            registry = clusters.ClusterRegistry(store)
            engine = Engine(store, default_packages(kv=store), CatalogTemplates(Catalog()),
                            clusters=registry, secrets=clusters.SecretResolver(registry, None))
            await engine.start()
            try:
                yield World(engine, store, local, eu, recorder, inbox)
            finally:
                await engine.stop()
                await registry.close()
                await store.close()
