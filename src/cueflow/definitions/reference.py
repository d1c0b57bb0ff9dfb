"""Human-facing views of the step library: listings and Markdown reference pages.

The CLI (`cueflow def list`, `cueflow def show`) and the docs generator
(`scripts/gen_step_docs.py`) read definitions only through these functions.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from cueflow.definitions.catalog import Catalog, Definition
from cueflow.definitions.schema import Schema

__all__ = [
    "list_definitions",
    "parameter_rows",
    "render_index",
    "render_reference",
    "type_text",
]


def list_definitions(catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """Every known step type as `{name, category, description, parameters}`, by name."""
    catalog = catalog or Catalog()
    return [
        {
            "name": d.name,
            "category": d.category,
            "description": d.description,
            "parameters": d.parameters(),
        }
        for d in catalog
    ]


def parameter_rows(schema: Schema, prefix: str = "") -> list[dict[str, str]]:
    """Flatten an object schema into rows (dotted name, type, required, default, description)."""
    rows: list[dict[str, str]] = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        rows.append(
            {
                "name": path,
                "type": type_text(prop),
                "required": "yes" if name in required else "no",
                "default": _default_text(prop),
                "description": prop.get("description", ""),
            }
        )
        if prop.get("type") == "object":
            rows += parameter_rows(prop, f"{path}.")
        elif prop.get("type") == "array" and prop.get("items", {}).get("type") == "object":
            rows += parameter_rows(prop["items"], f"{path}[].")
    return rows


def type_text(schema: Schema) -> str:
    """A short type name: `string`, `"a" | "b"`, `[...string]`, `{...}`, `string | {...}`."""
    if "enum" in schema and schema.get("type") != "array":
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "oneOf" in schema:
        return " | ".join(type_text(s) for s in schema["oneOf"])
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return f"[...{type_text(items)}]" if items else "list"
    if kind == "object" and schema.get("additionalProperties") is False:
        return _inline(schema)
    if kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            return f"map of {type_text(extra)}"
        return "{...}" if extra or not schema.get("properties") else "object"
    return str(kind or "any")


def _inline(schema: Schema) -> str:
    """`{name: string, key?: string}`: an object spelled out, for alternatives."""
    required = set(schema.get("required", []))
    parts = []
    for name, prop in schema.get("properties", {}).items():
        mark = "" if name in required else "?"
        text = (
            _inline(prop)
            if prop.get("type") == "object" and prop.get("properties")
            else (type_text(prop))
        )
        parts.append(f"{name}{mark}: {text}")
    return "{" + ", ".join(parts) + "}"


def _default_text(schema: Schema) -> str:
    if "default" in schema:
        return f"`{json.dumps(schema['default'])}`"
    if "x-default-expression" in schema:
        return f"`{schema['x-default-expression']}`"
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_reference(definition: Definition) -> str:
    """The Markdown reference page of one step type."""
    lines = [f"# {definition.name}", "", definition.description, ""]
    if definition.category:
        lines += [f"Category: {definition.category}", ""]
    lines += ["## Parameters", ""]
    rows = parameter_rows(definition.parameters())
    if rows:
        lines += [
            "| name | type | required | default | description |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            "| `{name}` | {type} | {required} | {default} | {description} |".format(
                **{key: _cell(value) for key, value in row.items()}
            )
            for row in rows
        ]
    else:
        lines.append("This step type takes no parameters.")
    if definition.example is not None:
        step: dict[str, Any] = {"name": f"my-{definition.name}", "type": definition.name}
        if definition.example:
            step["properties"] = definition.example
        snippet = yaml.safe_dump({"steps": [step]}, sort_keys=False, default_flow_style=False)
        lines += ["", "## Example", "", "```yaml", snippet.rstrip(), "```"]
    lines += ["", "## Template", "", "```cue", definition.template.rstrip(), "```", ""]
    return "\n".join(lines)


def render_index(definitions: list[Definition]) -> str:
    """The Markdown index of the step library, grouped by category."""
    lines = [
        "# Built-in step types",
        "",
        f"{len(definitions)} step types, by category. To write your own, see"
        " [Writing step types](writing-step-types.md).",
        "",
    ]
    categories = sorted({d.category for d in definitions})
    for category in categories:
        lines += [f"## {category or 'Other'}", "", "| type | description |", "| --- | --- |"]
        lines += [
            f"| [{d.name}]({d.name}.md) | {_cell(d.description)} |"
            for d in sorted(definitions, key=lambda d: d.name)
            if d.category == category
        ]
        lines.append("")
    return "\n".join(lines)
