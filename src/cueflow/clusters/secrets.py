"""Where step templates' secrets come from (implements `providers.base.SecretAccess`).

With a default cluster, secrets are that cluster's `Secret` objects (values
base64-decoded). Without one, they live in cueflow's own secret store. The same
object backs `cueflow secret set|get|list|delete`, so what the CLI writes is
what steps read. Secret values never appear in messages raised from here.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

from cueflow.clusters import kube
from cueflow.clusters.registry import ClusterError, ClusterRegistry
from cueflow.store.base import NotFound

__all__ = ["LocalSecrets", "SecretNotFound", "SecretResolver"]


class SecretNotFound(LookupError):
    """No secret with that namespace and name."""


class LocalSecrets(Protocol):
    """cueflow's own secret store (`cueflow.store.secrets.SecretStore`)."""

    async def get(self, namespace: str, name: str) -> dict[str, str]: ...
    async def set(self, namespace: str, name: str, data: dict[str, str]) -> None: ...
    async def list(self, namespace: str) -> list[str]: ...
    async def delete(self, namespace: str, name: str) -> None: ...


def _decode_data(secret: dict[str, Any]) -> dict[str, str]:
    """`data` decoded (an API server never returns `stringData`: it folds it into `data`)."""
    return {key: base64.b64decode(value).decode("utf-8", "replace")
            for key, value in (secret.get("data") or {}).items()}


class SecretResolver:
    """Secrets from the default cluster when there is one, else from the local store."""

    def __init__(self, clusters: ClusterRegistry | None, local: LocalSecrets | None) -> None:
        self._clusters = clusters
        self._local = local

    async def _cluster(self) -> kube.KubeClient | None:
        if self._clusters is not None and await self._clusters.has_default():
            return await self._clusters.client("")
        return None

    def _require_local(self) -> LocalSecrets:
        if self._local is None:
            raise SecretNotFound("no secret store is configured and no default cluster is set")
        return self._local

    async def get(self, namespace: str, name: str) -> dict[str, str]:
        """The decoded data; raises SecretNotFound, or ClusterError when the default cluster
        cannot be asked."""
        cluster = await self._cluster()
        if cluster is None:
            try:
                return dict(await self._require_local().get(namespace, name))
            except NotFound as exc:
                raise SecretNotFound(f'secret "{namespace}/{name}" not found') from exc
        try:
            secret = await cluster.get("v1", "Secret", name, namespace)
        except kube.KubeNotFound as exc:
            raise SecretNotFound(
                f'secret "{namespace}/{name}" not found in cluster "{cluster.name}"') from exc
        except kube.KubeError as exc:
            raise ClusterError(f'cannot read secret "{namespace}/{name}" from cluster '
                               f'"{cluster.name}": {exc}') from exc
        return _decode_data(secret)

    async def set(self, namespace: str, name: str, data: dict[str, str]) -> None:
        """Create or replace the secret's data."""
        cluster = await self._cluster()
        if cluster is None:
            await self._require_local().set(namespace, name, data)
            return
        encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
        body = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": name, "namespace": namespace}, "data": encoded}
        try:
            await cluster.create(body)
        except kube.KubeAlreadyExists:
            await cluster.patch("v1", "Secret", name, namespace, {"data": None})
            await cluster.patch("v1", "Secret", name, namespace, {"data": encoded})

    async def list(self, namespace: str) -> list[str]:
        """The names of the secrets in `namespace`, sorted."""
        cluster = await self._cluster()
        if cluster is None:
            return sorted(await self._require_local().list(namespace))
        items = (await cluster.list("v1", "Secret", namespace))["items"]
        return sorted(item["metadata"]["name"] for item in items)

    async def delete(self, namespace: str, name: str) -> None:
        cluster = await self._cluster()
        if cluster is None:
            try:
                await self._require_local().delete(namespace, name)
            except NotFound as exc:
                raise SecretNotFound(f'secret "{namespace}/{name}" not found') from exc
            return
        try:
            await cluster.delete("v1", "Secret", name, namespace)
        except kube.KubeNotFound as exc:
            raise SecretNotFound(f'secret "{namespace}/{name}" not found') from exc
