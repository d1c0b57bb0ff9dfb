"""Registered Kubernetes clusters and their (reused) clients.

A cluster is a kubeconfig file plus a context, stored under a name in the
store's key-value space `clusters`. The name `local` is the default cluster:
steps that give no `cluster` (or `""`/`local`) use it. In Kubernetes mode the
engine passes `in_cluster=True` and the default is the cluster it runs in.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import yaml
from kubernetes_asyncio import client as k8s_client
from kubernetes_asyncio import config as k8s_config
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.config.config_exception import ConfigException
from kubernetes_asyncio.dynamic import DynamicClient

from cueflow.clusters import kube

__all__ = [
    "DEFAULT_CLUSTER",
    "KV_SPACE",
    "ClusterError",
    "ClusterRegistry",
    "ClusterSpec",
    "KeyValue",
    "add_cluster",
    "list_clusters",
    "remove_cluster",
]

KV_SPACE = "clusters"
DEFAULT_CLUSTER = "local"
"""The registered name that steps without `cluster` use."""


class ClusterError(Exception):
    """A cluster is unknown, misconfigured or unreachable; the message says what to do."""


class KeyValue(Protocol):
    """The part of the store the registry uses."""

    async def kv_put(self, space: str, key: str, value: dict[str, Any]) -> None: ...
    async def kv_get(self, space: str, key: str) -> dict[str, Any] | None: ...
    async def kv_list(self, space: str) -> dict[str, dict[str, Any]]: ...
    async def kv_delete(self, space: str, key: str) -> bool: ...


@dataclass(frozen=True)
class ClusterSpec:
    """The stored record: `kubeconfig` is an absolute path, `context` a context in it."""

    name: str
    kubeconfig: str
    context: str
    server: str = ""
    added: str = ""

    def to_record(self) -> dict[str, Any]:
        return {"kubeconfig": self.kubeconfig, "context": self.context, "server": self.server,
                "added": self.added}

    @classmethod
    def from_record(cls, name: str, record: Mapping[str, Any]) -> ClusterSpec:
        return cls(name=name, kubeconfig=str(record.get("kubeconfig", "")),
                   context=str(record.get("context", "")), server=str(record.get("server", "")),
                   added=str(record.get("added", "")))


def canonical_name(name: str) -> str:
    """`""` and `local` both mean the default cluster."""
    return name or DEFAULT_CLUSTER


def _read_context(kubeconfig: Path, context: str | None) -> tuple[str, str]:
    """The context to use (given or current) and its server URL, checked against the file."""
    try:
        document = yaml.safe_load(kubeconfig.read_text())
    except OSError as exc:
        raise ClusterError(f"cannot read kubeconfig {kubeconfig}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ClusterError(f"kubeconfig {kubeconfig} is not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise ClusterError(f"kubeconfig {kubeconfig} is not a kubeconfig document")
    contexts = {c.get("name"): c.get("context") or {} for c in document.get("contexts") or []}
    chosen = context or document.get("current-context") or ""
    if chosen not in contexts:
        known = ", ".join(sorted(str(c) for c in contexts)) or "none"
        raise ClusterError(
            f'context "{chosen}" is not in kubeconfig {kubeconfig} (contexts: {known})')
    clusters = {c.get("name"): c.get("cluster") or {} for c in document.get("clusters") or []}
    server = str(clusters.get(contexts[chosen].get("cluster"), {}).get("server", ""))
    return chosen, server


async def add_cluster(store: KeyValue, name: str, kubeconfig: str | Path,
                      context: str | None = None) -> ClusterSpec:
    """Register `name` (replacing an earlier registration) from a kubeconfig file."""
    if not name or "/" in name:
        raise ClusterError(f'invalid cluster name "{name}": use a non-empty name without "/"')
    path = Path(kubeconfig).expanduser().resolve()
    chosen, server = _read_context(path, context)
    spec = ClusterSpec(name=name, kubeconfig=str(path), context=chosen, server=server,
                       added=datetime.now(UTC).isoformat(timespec="seconds"))
    await store.kv_put(KV_SPACE, name, spec.to_record())
    return spec


async def list_clusters(store: KeyValue) -> list[ClusterSpec]:
    """Every registered cluster, sorted by name."""
    records = await store.kv_list(KV_SPACE)
    return [ClusterSpec.from_record(name, records[name]) for name in sorted(records)]


async def remove_cluster(store: KeyValue, name: str) -> None:
    """Forget `name`; an unknown name is an error."""
    if not await store.kv_delete(KV_SPACE, name):
        raise ClusterError(f'cluster "{name}" is not registered')


class ClusterRegistry:
    """Clients by cluster name (implements `providers.base.ClusterAccess`).

    One `ApiClient` and one `DynamicClient` per cluster, created on first use and
    reused until `close()`. A failed connection is not cached, so a cluster that
    comes up later is found on the next call.
    """

    def __init__(self, store: KeyValue | None, *, in_cluster: bool = False) -> None:
        self._store = store
        self._in_cluster = in_cluster
        self._clients: dict[str, kube.KubeClient] = {}
        self._locks: dict[str, asyncio.Lock] = {}  # one per name: a slow cluster blocks no other
        self._cache_dir = tempfile.mkdtemp(prefix="cueflow-discovery-")

    async def has_default(self) -> bool:
        """Whether steps without `cluster` have a cluster to talk to."""
        if self._in_cluster:
            return True
        return self._store is not None and \
            await self._store.kv_get(KV_SPACE, DEFAULT_CLUSTER) is not None

    async def client(self, cluster: str) -> kube.KubeClient:
        name = canonical_name(cluster)
        async with self._locks.setdefault(name, asyncio.Lock()):
            cached = self._clients.get(name)
            if cached is None:
                cached = await self._connect(name)
                self._clients[name] = cached
            return cached

    async def forget(self, cluster: str) -> None:
        """Drop the cached client (after the registration changed)."""
        name = canonical_name(cluster)
        async with self._locks.setdefault(name, asyncio.Lock()):
            cached = self._clients.pop(name, None)
        if cached is not None:
            await cached.close()

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for cached in clients:
            await cached.close()
        shutil.rmtree(self._cache_dir, ignore_errors=True)

    async def _configuration(self, name: str) -> k8s_client.Configuration:
        configuration = k8s_client.Configuration()
        if name == DEFAULT_CLUSTER and self._in_cluster:
            try:
                k8s_config.load_incluster_config(client_configuration=configuration)
            except (ConfigException, OSError) as exc:
                raise ClusterError(
                    f"cannot use the cluster cueflow runs in (no service account?): {exc}"
                ) from exc
            return configuration
        record = await self._store.kv_get(KV_SPACE, name) if self._store else None
        if record is None:
            if name == DEFAULT_CLUSTER:
                raise ClusterError("no default cluster is configured (add one with "
                                   "`cueflow cluster add local --kubeconfig FILE`)")
            raise ClusterError(f'cluster "{name}" is not registered (add it with '
                               f"`cueflow cluster add {name} --kubeconfig FILE`)")
        spec = ClusterSpec.from_record(name, record)
        try:
            await k8s_config.load_kube_config(
                config_file=spec.kubeconfig, context=spec.context or None,
                client_configuration=configuration, persist_config=False)
        except (ConfigException, OSError, yaml.YAMLError) as exc:
            raise ClusterError(
                f'cluster "{name}": cannot load context "{spec.context}" from '
                f"{spec.kubeconfig}: {exc}") from exc
        return configuration

    async def _connect(self, name: str) -> kube.KubeClient:
        configuration = await self._configuration(name)
        api = k8s_client.ApiClient(configuration)
        cache_file = os.path.join(self._cache_dir, f"{name}.json")
        try:
            dynamic = await DynamicClient(api, cache_file=cache_file)
        except Exception as exc:  # discovery fails in many library-specific ways
            await api.close()
            problem = "answered with an error" if isinstance(exc, ApiException) \
                else "is unreachable"
            raise ClusterError(f'cluster "{name}" at {configuration.host} {problem}: '
                               f"{kube.failure_summary(exc)}") from exc
        return kube.KubeClient(name, api, dynamic)
