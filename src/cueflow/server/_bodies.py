"""Request bodies: JSON or YAML documents read into typed objects, errors with positions.

YAML goes through the model's loader, so a mistake is reported as `body:LINE: field: problem`,
the same message `cueflow apply` gives for a file. JSON is parsed as JSON (one object, a list
of objects, or a `v1` List); its errors name the line and column of the syntax error, or the
field path of a validation error.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from cueflow import model

if TYPE_CHECKING:
    from cueflow.model.loading import LoadedDocument

BODY_NAME = "body"
"""What error positions call the request body (`body:3: spec.workflowSpec: ...`)."""

YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
JSON_TYPES = frozenset({"application/json"})

REQUEST_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One or more objects (JSON: an object or a list; YAML: `---` documents).",
        "content": {
            "application/json": {"schema": {"type": "object", "additionalProperties": True}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}
"""The OpenAPI entry for endpoints that read objects with `read_objects`."""


class BodyError(ValueError):
    """The body is not a document of the expected kind; the message says where."""


class UnsupportedMediaType(BodyError):
    """The Content-Type is neither JSON nor YAML."""


def read_objects(raw: bytes, content_type: str, kinds: Collection[str]) -> list[model.Resource]:
    """The objects of a request body, each of one of `kinds` (the first one at least once);
    definitions are compile-checked."""
    media = content_type.partition(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"{BODY_NAME}: not UTF-8 text: {exc}") from exc
    sources: list[LoadedDocument | dict[str, Any]]
    if media in YAML_TYPES:
        sources = list(model.read_documents(text, BODY_NAME))
    elif media in JSON_TYPES or not media:
        sources = list(_json(text))
    else:
        raise UnsupportedMediaType(
            f"unsupported Content-Type {media!r}: send application/json or application/yaml"
        )
    objects: list[model.Resource] = []
    for source in sources:
        obj = model.parse_object(source, BODY_NAME)
        loaded = None if isinstance(source, dict) else source
        if obj.kind not in kinds:
            where = loaded.where(["kind"]) if loaded is not None else BODY_NAME
            raise BodyError(
                f"{where}: expected {' or '.join(kinds)}, got {obj.kind} (post it to its own path)"
            )
        if isinstance(obj, model.WorkflowStepDefinition):
            model.check_definition(obj, loaded)
        objects.append(obj)
    main = next(iter(kinds))
    if not any(obj.kind == main for obj in objects):
        raise BodyError(f"{BODY_NAME}: holds no {main}")
    return objects


def _json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BodyError(f"{BODY_NAME}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
    if isinstance(data, dict) and data.get("kind") == "List" and data.get("apiVersion") == "v1":
        data = data.get("items")
    items = data if isinstance(data, list) else [data]
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            where = f"[{i}]" if isinstance(data, list) else ""
            raise BodyError(f"{BODY_NAME}{where}: expected an object, got {type(item).__name__}")
    return items
