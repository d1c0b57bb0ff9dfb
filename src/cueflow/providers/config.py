"""`vela/config`: named configurations (properties plus rendered objects) per namespace.

A config is a Secret-shaped document: labels `config.oam.dev/catalog:
velacore-config` and `config.oam.dev/type: <template>`, the properties as JSON
in data key `input-properties`. With a default cluster the documents are real
Secrets there (the layout other tools read); without one they are kept in the
store's key-value space `configs`, and config templates in `config-templates`
(ConfigMap-shaped: `data.template` holds the CUE).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Protocol

from cueflow import clusters, cue
from cueflow.providers import kube, params
from cueflow.providers.base import ProviderContext, ProviderError, ProviderPackage

__all__ = ["KV_SPACE", "TEMPLATES_KV_SPACE", "ConfigProvider", "package"]

PACKAGE_PATH = "vela/config"
KV_SPACE = "configs"
TEMPLATES_KV_SPACE = "config-templates"
CATALOG = "velacore-config"
DEFAULT_TEMPLATE_NAMESPACE = "vela-system"
LABEL_CATALOG = "config.oam.dev/catalog"
LABEL_TYPE = "config.oam.dev/type"
LABEL_SCOPE = "config.oam.dev/scope"
ANNOTATION_ALIAS = "config.oam.dev/alias"
ANNOTATION_DESCRIPTION = "config.oam.dev/description"
ANNOTATION_SENSITIVE = "config.oam.dev/sensitive"
ANNOTATION_TEMPLATE_NAMESPACE = "config.oam.dev/template-namespace"
DATA_PROPERTIES = "input-properties"
DATA_OBJECTS = "objects-reference"

Obj = dict[str, Any]


class _Backend(Protocol):
    async def get(self, kind: str, namespace: str, name: str) -> Obj | None: ...
    async def put(self, secret: Obj) -> None: ...
    async def list(self, namespace: str, config_type: str) -> list[Obj]: ...
    async def delete(self, namespace: str, name: str) -> None: ...
    async def apply_objects(self, objects: list[Obj]) -> None: ...
    async def delete_objects(self, references: list[Obj]) -> None: ...


class _KeyValue(Protocol):
    async def kv_put(self, space: str, key: str, value: dict[str, Any]) -> None: ...
    async def kv_get(self, space: str, key: str) -> dict[str, Any] | None: ...
    async def kv_list(self, space: str) -> dict[str, dict[str, Any]]: ...
    async def kv_delete(self, space: str, key: str) -> bool: ...


class _ClusterBackend:
    def __init__(self, client: clusters.KubeClient) -> None:
        self.client = client

    async def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        try:
            return await self.client.get("v1", kind, name, namespace)
        except clusters.KubeNotFound:
            return None
        except clusters.KubeError as exc:
            raise ProviderError(f"cannot read {kind} {namespace}/{name}: {exc}") from exc

    async def put(self, secret: Obj) -> None:
        await kube.apply_object(self.client, secret, annotation_domain="config.oam.dev")

    async def list(self, namespace: str, config_type: str) -> list[Obj]:
        selector = f"{LABEL_CATALOG}={CATALOG},{LABEL_TYPE}={config_type}"
        try:
            return list((await self.client.list("v1", "Secret", namespace, selector))["items"])
        except clusters.KubeError as exc:
            raise ProviderError(f"cannot list configs in {namespace}: {exc}") from exc

    async def delete(self, namespace: str, name: str) -> None:
        try:
            await self.client.delete("v1", "Secret", name, namespace)
        except clusters.KubeError as exc:
            raise ProviderError(f"cannot delete config {namespace}/{name}: {exc}") from exc

    async def apply_objects(self, objects: list[Obj]) -> None:
        for obj in objects:
            await kube.apply_object(self.client, obj)

    async def delete_objects(self, references: list[Obj]) -> None:
        for ref in references:
            try:
                await self.client.delete(ref["apiVersion"], ref["kind"], ref["name"],
                                         ref.get("namespace", ""))
            except clusters.KubeNotFound:
                continue
            except clusters.KubeError as exc:
                raise ProviderError(
                    f"cannot delete {ref['kind']} {ref['name']} of the config: {exc}") from exc


class _StoreBackend:
    def __init__(self, kv: _KeyValue) -> None:
        self.kv = kv

    async def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        space = KV_SPACE if kind == "Secret" else TEMPLATES_KV_SPACE
        return await self.kv.kv_get(space, f"{namespace}/{name}")

    async def put(self, secret: Obj) -> None:
        meta = secret["metadata"]
        await self.kv.kv_put(KV_SPACE, f"{meta['namespace']}/{meta['name']}", secret)

    async def list(self, namespace: str, config_type: str) -> list[Obj]:
        found = await self.kv.kv_list(KV_SPACE)
        return [found[key] for key in sorted(found)
                if found[key]["metadata"]["namespace"] == namespace
                and found[key]["metadata"].get("labels", {}).get(LABEL_TYPE) == config_type]

    async def delete(self, namespace: str, name: str) -> None:
        await self.kv.kv_delete(KV_SPACE, f"{namespace}/{name}")

    async def apply_objects(self, objects: list[Obj]) -> None:
        if objects:
            raise ProviderError("this config template renders Kubernetes objects "
                                "(template.outputs), which needs a cluster; add one with "
                                "`cueflow cluster add local --kubeconfig FILE`")

    async def delete_objects(self, references: list[Obj]) -> None:
        await self.apply_objects(references)


def _encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _decoded(secret: Obj, key: str) -> str | None:
    value = (secret.get("data") or {}).get(key)
    if value is None:
        return None
    try:
        return base64.b64decode(value).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ProviderError(f"config data {key} is not valid base64 text") from exc


def _properties(secret: Obj) -> Obj:
    text = _decoded(secret, DATA_PROPERTIES)
    try:
        return json.loads(text) if text else {}
    except ValueError as exc:
        raise ProviderError("the config's input-properties are not JSON") from exc


def _is_config(secret: Obj | None) -> bool:
    return secret is not None and \
        (secret.get("metadata", {}).get("labels") or {}).get(LABEL_CATALOG) == CATALOG


def _render_template(template: Obj, name: str, namespace: str, config: Obj,
                     template_name: str) -> tuple[Obj, dict[str, Obj]]:
    """The `template.output` Secret fields and the `template.outputs` objects."""
    text = (template.get("data") or {}).get("template")
    if not isinstance(text, str):
        raise ProviderError(f'config template "{template_name}" has no data key "template"')
    engine = cue.Context()
    scope = engine.compile(json.dumps({"context": {"name": name, "namespace": namespace}}))
    value = engine.compile(text, filename=f"config-template-{template_name}.cue", scope=scope)
    value = value.fill("template.parameter", config)
    try:
        message = value.lookup("template.validation.$returns.message")
        if message.exists() and message.is_concrete() and message.to_python():
            raise ProviderError(f"failed to validate config: {message.to_python()}")
        output = value.lookup("template.output")
        outputs = value.lookup("template.outputs")
        return (output.to_python() if output.exists() else {},
                outputs.to_python() if outputs.exists() else {})
    except cue.CueError as exc:
        raise ProviderError(f'cannot render config template "{template_name}": {exc}') from exc


class ConfigProvider:
    """The `vela/config` functions; `kv` holds configs when no default cluster is set."""

    def __init__(self, kv: _KeyValue | None = None) -> None:
        self.kv = kv

    async def _backend(self, ctx: ProviderContext) -> _Backend:
        access = ctx.clusters
        has_default = getattr(access, "has_default", None)
        if access is not None and (has_default is None or await has_default()):
            try:
                return _ClusterBackend(await access.client(""))
            except clusters.ClusterError as exc:
                raise ProviderError(str(exc)) from exc
        if self.kv is None:
            raise ProviderError("configs need a default cluster or a store; add a cluster "
                                "with `cueflow cluster add local --kubeconfig FILE`")
        return _StoreBackend(self.kv)

    async def create(self, ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
        """`#CreateConfig`: render (with the template, if any) and create or update."""
        name = params.require_str(args, "name")
        namespace = params.require_str(args, "namespace")
        config = params.require_object(args, "config")
        template_ref = params.optional_str(args, "template")
        backend = await self._backend(ctx)
        labels = {LABEL_CATALOG: CATALOG, LABEL_TYPE: ""}
        annotations = {ANNOTATION_ALIAS: "", ANNOTATION_DESCRIPTION: ""}
        secret: Obj = {"type": ""}
        outputs: dict[str, Obj] = {}
        if template_ref:
            template_namespace, _, template_name = template_ref.rpartition("/")
            template_namespace = template_namespace or DEFAULT_TEMPLATE_NAMESPACE
            template = await backend.get("ConfigMap", template_namespace,
                                         f"config-template-{template_name}")
            if template is None:
                raise ProviderError(f'the template does not exist: "{template_namespace}/'
                                    f'{template_name}"')
            output, outputs = _render_template(template, name, namespace, config,
                                               template_name)
            secret = {**output, "type": output.get("type") or f"/{template_name}"}
            template_meta = template.get("metadata") or {}
            labels[LABEL_TYPE] = template_name
            scope = (template_meta.get("labels") or {}).get(LABEL_SCOPE)
            if scope:
                labels[LABEL_SCOPE] = scope
            annotations[ANNOTATION_SENSITIVE] = (template_meta.get("annotations") or {}).get(
                ANNOTATION_SENSITIVE, "false")
            annotations[ANNOTATION_TEMPLATE_NAMESPACE] = template_namespace
        meta = dict(secret.get("metadata") or {})
        meta.update(name=meta.get("name") or name, namespace=namespace,
                    labels={**(meta.get("labels") or {}), **labels},
                    annotations={**annotations, **(meta.get("annotations") or {})})
        data = dict(secret.get("data") or {})
        data[DATA_PROPERTIES] = _encode(json.dumps(config, sort_keys=True))
        if outputs:
            references = [{"apiVersion": o.get("apiVersion"), "kind": o.get("kind"),
                           "name": (o.get("metadata") or {}).get("name"),
                           "namespace": (o.get("metadata") or {}).get("namespace", "")}
                          for o in outputs.values()]
            data[DATA_OBJECTS] = _encode(json.dumps(references))
        secret = {**secret, "apiVersion": "v1", "kind": "Secret", "metadata": meta, "data": data}
        existing = await backend.get("Secret", namespace, meta["name"])
        if existing is not None:
            old_type = (existing.get("metadata", {}).get("labels") or {}).get(LABEL_TYPE, "")
            if old_type != labels[LABEL_TYPE]:
                raise ProviderError(f'config "{namespace}/{name}" was made from template '
                                    f'"{old_type}"; the template cannot be changed')
            if existing.get("type", "") != secret.get("type", ""):
                raise ProviderError(f'config "{namespace}/{name}" has secret type '
                                    f'"{existing.get("type", "")}"; it cannot be changed')
        await backend.apply_objects(list(outputs.values()))
        await backend.put(secret)
        return {}

    async def _existing(self, backend: _Backend, namespace: str, name: str) -> Obj:
        secret = await backend.get("Secret", namespace, name)
        if secret is None:
            raise ProviderError(f'config "{namespace}/{name}" does not exist')
        if not _is_config(secret):
            raise ProviderError(f'secret "{namespace}/{name}" is not a config')
        return secret

    async def delete(self, ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
        """`#DeleteConfig`: delete the objects the config recorded, then the config."""
        name = params.require_str(args, "name")
        namespace = params.require_str(args, "namespace")
        backend = await self._backend(ctx)
        secret = await self._existing(backend, namespace, name)
        references = json.loads(_decoded(secret, DATA_OBJECTS) or "[]")
        await backend.delete_objects(references)
        await backend.delete(namespace, name)
        return {}

    async def read(self, ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
        """`#ReadConfig`: `{"config": <properties>}`; sensitive configs are refused."""
        name = params.require_str(args, "name")
        namespace = params.require_str(args, "namespace")
        secret = await self._existing(await self._backend(ctx), namespace, name)
        annotations = secret.get("metadata", {}).get("annotations") or {}
        if annotations.get(ANNOTATION_SENSITIVE) == "true":
            raise ProviderError("the config is sensitive")
        return {"config": _properties(secret)}

    async def list(self, ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
        """`#ListConfig`: `{"configs": [{name, alias, description, config}]}` of a template."""
        template = args.get("template")
        namespace = args.get("namespace")
        if not isinstance(template, str) or not template or not isinstance(namespace, str) \
                or not namespace:
            raise ProviderError("the request is invalid: template and namespace are required")
        template = template.rpartition("/")[2]
        configs = []
        for secret in await (await self._backend(ctx)).list(namespace, template):
            meta = secret["metadata"]
            annotations = meta.get("annotations") or {}
            configs.append({"name": meta["name"],
                            "alias": annotations.get(ANNOTATION_ALIAS, ""),
                            "description": annotations.get(ANNOTATION_DESCRIPTION, ""),
                            "config": _properties(secret)})
        return {"configs": configs}


def package(provider: ConfigProvider | None = None) -> ProviderPackage:
    provider = provider or ConfigProvider()
    return ProviderPackage(
        path=PACKAGE_PATH, provider="config", schema=params.load_schema("config"),
        functions={"create": provider.create, "delete": provider.delete, "read": provider.read,
                   "list": provider.list})
