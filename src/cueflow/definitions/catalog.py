"""Step definitions: the built-in library shipped with cueflow plus user ones.

A definition file is CUE in the `vela def` layout: optional imports, a header
field `"<name>": {type: "workflow-step", annotations: {...}, labels: {...},
description: "..."}` and a `template: {...}` field whose body is the step
template the engine evaluates. Built-in files live in
`builtin/<category>/<name>.cue`; sample parameters for each type sit next to
them in `builtin/<category>/examples.yaml`. This module only reads files; it
never evaluates a template.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from cueflow.cue import ast
from cueflow.cue.errors import CueError
from cueflow.cue.parser import parse_file
from cueflow.definitions.schema import Schema, parameter_schema

__all__ = ["Catalog", "Definition", "DefinitionError", "parse_definition"]

CATEGORY_ANNOTATION = "category"
"""Header annotation holding the category (`custom.definition.oam.dev/category` in YAML)."""

EXAMPLES_FILE = "examples.yaml"


class DefinitionError(ValueError):
    """A definition file that does not follow the `vela def` layout."""


@dataclass(frozen=True)
class Definition:
    """One step type: its metadata and the template text the engine compiles."""

    name: str
    category: str
    description: str
    template: str
    """The template body with the file's imports in front, ready to compile."""
    path: Path | None = None
    labels: dict[str, str] = field(default_factory=dict)
    example: dict[str, Any] | None = None
    """Sample `properties` for a step of this type (from `examples.yaml`)."""

    def parameters(self) -> Schema:
        """The `parameter` block as a JSON-schema-like dict (see `cueflow.definitions.schema`)."""
        return parameter_schema(self.template, filename=str(self.path or self.name))


def parse_definition(
    text: str, path: Path | None = None, example: dict[str, Any] | None = None
) -> Definition:
    """Read one definition file's text; raises `DefinitionError` when the layout is wrong."""
    filename = str(path or "-")
    try:
        tree = parse_file(text, filename)
    except CueError as error:
        raise DefinitionError(str(error)) from error
    fields = [decl for decl in tree.decls if isinstance(decl, ast.Field)]
    template_fields = [f for f in fields if _label(f) == "template"]
    headers = [f for f in fields if _label(f) != "template"]
    if len(template_fields) != 1 or len(headers) != 1:
        raise DefinitionError(f"{filename}: expected one header field and one `template` field")
    header = headers[0]
    if not isinstance(header.value, ast.StructLit):
        raise DefinitionError(f"{filename}: the header of {_label(header)!r} is not a struct")
    meta = _literal(header.value)
    if meta.get("type") != "workflow-step":
        raise DefinitionError(f'{filename}: header type must be "workflow-step"')
    annotations = meta.get("annotations") or {}
    return Definition(
        name=_label(header),
        category=str(annotations.get(CATEGORY_ANNOTATION, "")),
        description=str(meta.get("description", "")),
        template=_imports(tree) + _template_body(text, template_fields[0], filename),
        path=path,
        labels={str(k): str(v) for k, v in (meta.get("labels") or {}).items()},
        example=example,
    )


def _label(f: ast.Field) -> str:
    return f.label.name if isinstance(f.label, ast.Label) else ""


def _literal(node: ast.Expr) -> Any:
    """The Python value of a literal header expression (strings, bools, structs)."""
    if isinstance(node, ast.StructLit):
        return {
            _label(d): _literal(d.value)
            for d in node.decls
            if isinstance(d, ast.Field) and _label(d)
        }
    if isinstance(node, ast.StringLit | ast.BoolLit):
        return node.value
    raise DefinitionError(f"{node.pos}: header values must be literals")


def _imports(tree: ast.File) -> str:
    """The import block, one path a line (the form text-rewriting tools expect)."""
    if not tree.imports:
        return ""
    lines = [f'\t{s.alias + " " if s.alias else ""}"{s.path}"' for s in tree.imports]
    return "import (\n" + "\n".join(lines) + "\n)\n\n"


def _template_body(text: str, template: ast.Field, filename: str) -> str:
    """The lines inside `template: {` ... the file's last `}`, one tab of indent removed."""
    lines = text.splitlines()
    start = template.pos.line  # 1-based line of `template: {`; the body starts after it
    end = len(lines)
    while end > start and not lines[end - 1].strip():
        end -= 1
    if lines[start - 1].strip() != "template: {" or lines[end - 1] != "}":
        raise DefinitionError(f"{filename}: `template: {{` must open a line and `}}` end the file")
    body = [line.removeprefix("\t") for line in lines[start : end - 1]]
    return "\n".join(body) + "\n"


class Catalog:
    """The step types known to an engine: the built-in library plus user definitions.

    User definitions added with `add` take precedence over built-in ones of
    the same name, as a definition in a run's namespace does over a shared one.
    """

    def __init__(self) -> None:
        self._user: dict[str, Definition] = {}

    def builtin(self) -> dict[str, Definition]:
        """The definitions shipped with cueflow, by type name."""
        return dict(_builtin_definitions())

    def add(self, definition: Definition) -> None:
        """Register (or replace) a user definition."""
        self._user[definition.name] = definition

    def get(self, type_name: str) -> Definition | None:
        """The definition for a step type, user ones first; None when unknown."""
        return self._user.get(type_name) or _builtin_definitions().get(type_name)

    def all(self) -> dict[str, Definition]:
        """Every known definition by name, sorted, user ones replacing built-in ones."""
        merged = {**_builtin_definitions(), **self._user}
        return dict(sorted(merged.items()))

    def __iter__(self) -> Iterator[Definition]:
        return iter(self.all().values())

    def __len__(self) -> int:
        return len(self.all())


@cache
def _builtin_definitions() -> dict[str, Definition]:
    root = resources.files("cueflow.definitions") / "builtin"
    found: dict[str, Definition] = {}
    for folder in sorted(root.iterdir(), key=lambda item: item.name):
        if not folder.is_dir():
            continue
        examples = _examples(folder)
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if not entry.name.endswith(".cue"):
                continue
            name = entry.name.removesuffix(".cue")
            definition = parse_definition(
                entry.read_text(encoding="utf-8"), Path(str(entry)), examples.get(name)
            )
            if definition.name != name:
                raise DefinitionError(f"{entry}: header names {definition.name!r}")
            found[name] = definition
    return found


def _examples(folder: Traversable) -> dict[str, dict[str, Any]]:
    table = folder / EXAMPLES_FILE
    if not table.is_file():
        return {}
    loaded = yaml.safe_load(table.read_text(encoding="utf-8")) or {}
    return {str(name): dict(params or {}) for name, params in loaded.items()}
