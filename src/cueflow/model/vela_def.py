"""Definitions written in the CUE layout of `vela def init` and `vela def apply`.

Such a file holds optional imports, one header field and one `template` field:

    import "vela/op"

    "notify-on-call": {
        type:        "workflow-step"
        description: "Pages the on-call engineer."
        annotations: {category: "External Integration"}
        labels: {}
        attributes: {}
    }
    template: {
        parameter: team: string
    }

It reads as the object `vela def apply` makes of it: the header label names it, `alias` and
`description` become the `definition.oam.dev/...` annotations, annotation and label keys
without `oam.dev` in them get the `custom.definition.oam.dev/` prefix, `attributes` is the
spec, and the template is the imports followed by the body of `template`, dedented. Like
`vela def apply`, it lands in the `vela-system` namespace, where every run can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cueflow.cue import ast
from cueflow.cue.errors import CueError
from cueflow.cue.lexer import tokenize
from cueflow.cue.parser import parse_file
from cueflow.model.loading import SYSTEM_NAMESPACE, LoadedDocument, ModelError

DEFINITION_API_VERSION = "core.oam.dev/v1beta1"
KINDS = {
    "workflow-step": "WorkflowStepDefinition",
    "component": "ComponentDefinition",
    "trait": "TraitDefinition",
    "policy": "PolicyDefinition",
    "workload": "WorkloadDefinition",
}
"""The header `type` of each definition kind `vela def` knows."""

ALIAS_KEY = "definition.oam.dev/alias"
DESCRIPTION_KEY = "definition.oam.dev/description"
USER_PREFIX = "custom.definition.oam.dev/"
TEMPLATE_PATH = ("spec", "schematic", "cue", "template")


class CueDefinitionDocument(LoadedDocument):
    """A definition read from a `.cue` file; positions point into that file.

    `anchors` gives the file position of a few document paths (the header, each annotation,
    the attributes, the template); `origins` gives, for each template line, the file line it
    came from and how many columns dedenting took off it.
    """

    def __init__(
        self,
        data: dict[str, Any],
        filename: str,
        anchors: dict[tuple[str | int, ...], ast.Pos],
        origins: list[tuple[int, int]],
    ) -> None:
        super().__init__(data, None, filename)
        self.anchors = anchors
        self.origins = origins

    def where(self, path: Sequence[str | int] = ()) -> str:
        for length in range(len(path), -1, -1):
            pos = self.anchors.get(tuple(path[:length]))
            if pos is not None:
                return f"{self.filename}:{pos.line}"
        return self.filename

    def template_position(self, line: int, col: int) -> str:
        if 1 <= line <= len(self.origins):
            file_line, shift = self.origins[line - 1]
            return f"{self.filename}:{file_line}:{col + shift}"
        return self.where(TEMPLATE_PATH)


def read_cue_definition(text: str, filename: str) -> CueDefinitionDocument:
    """The object a `vela def` layout file stands for; errors name file:line:col."""
    try:
        tree = parse_file(text, filename)
    except CueError as error:
        where = error.positions[0] if error.positions else filename
        raise ModelError(f"{where}: {error.message}") from error
    fields = [decl for decl in tree.decls if isinstance(decl, ast.Field)]
    others = [decl for decl in tree.decls if not isinstance(decl, ast.Field)]
    templates = [f for f in fields if _name(f) == "template"]
    headers = [f for f in fields if _name(f) != "template"]
    if others or len(templates) != 1 or len(headers) != 1:
        raise ModelError(
            f'{filename}: expected one header field ("name": {{type: ...}}) and one '
            f"`template` field, as `vela def init` writes them"
        )
    header, template = headers[0], templates[0]
    name = _name(header)
    if not name or not isinstance(header.value, ast.StructLit):
        raise ModelError(f'{header.pos}: the header must be a field "name": {{type: ...}}')
    if not isinstance(template.value, ast.StructLit):
        raise ModelError(f"{template.pos}: `template` must be a struct {{...}}")
    meta = {_name(f): f for f in header.value.decls if isinstance(f, ast.Field)}
    kind = KINDS.get(str(_literal(meta["type"].value, name)) if "type" in meta else "")
    if kind is None:
        types = ", ".join(f'"{t}"' for t in KINDS)
        raise ModelError(f"{header.pos}: {name}: the header needs a type, one of {types}")
    if kind != KINDS["workflow-step"]:  # cueflow skips it: only its kind and name matter
        metadata = {"name": name, "namespace": SYSTEM_NAMESPACE}
        doc = {"apiVersion": DEFINITION_API_VERSION, "kind": kind, "metadata": metadata}
        return CueDefinitionDocument(doc, filename, {(): header.pos}, [])
    anchors: dict[tuple[str | int, ...], ast.Pos] = {(): header.pos, ("metadata",): header.pos}
    annotations, labels = _metadata(name, meta, anchors)
    spec: dict[str, Any] = {}
    if "attributes" in meta:
        anchors[("spec",)] = meta["attributes"].pos
        attributes = _literal(meta["attributes"].value, f"{name}.attributes")
        if not isinstance(attributes, dict):
            raise ModelError(f"{meta['attributes'].pos}: {name}.attributes must be a struct")
        spec = attributes
    body, origins = _template_text(text, tree, template.value)
    anchors[TEMPLATE_PATH] = template.pos
    spec.setdefault("schematic", {}).setdefault("cue", {})["template"] = body
    metadata: dict[str, Any] = {"name": name, "namespace": SYSTEM_NAMESPACE}
    if annotations:
        metadata["annotations"] = annotations
    if labels:
        metadata["labels"] = labels
    doc = {"apiVersion": DEFINITION_API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}
    return CueDefinitionDocument(doc, filename, anchors, origins)


def _metadata(
    name: str, meta: dict[str, ast.Field], anchors: dict[tuple[str | int, ...], ast.Pos]
) -> tuple[dict[str, str], dict[str, str]]:
    """The annotations and labels of the object, keyed as `vela def apply` keys them."""
    annotations: dict[str, str] = {}
    labels: dict[str, str] = {}
    for key, target in ((ALIAS_KEY, "alias"), (DESCRIPTION_KEY, "description")):
        if target in meta:
            annotations[key] = _string(meta[target], f"{name}.{target}")
            anchors[("metadata", "annotations", key)] = meta[target].pos
    for field_name, found in (("annotations", annotations), ("labels", labels)):
        if field_name not in meta:
            continue
        block = meta[field_name]
        if not isinstance(block.value, ast.StructLit):
            raise ModelError(f"{block.pos}: {name}.{field_name} must be a struct of strings")
        anchors[("metadata", field_name)] = block.pos
        for item in block.value.decls:
            key = _name(item) if isinstance(item, ast.Field) else ""
            if not key or not isinstance(item, ast.Field):
                raise ModelError(f'{item.pos}: {name}.{field_name}: expected key: "value" fields')
            full = key if "oam.dev" in key else USER_PREFIX + key
            found[full] = _string(item, f"{name}.{field_name}.{key}")
            anchors[("metadata", field_name, full)] = item.pos
    return annotations, labels


def _name(field: ast.Field) -> str:
    """A static label's text (quoted or not); empty for dynamic and pattern labels."""
    return field.label.name if isinstance(field.label, ast.Label) else ""


def _string(field: ast.Field, what: str) -> str:
    value = _literal(field.value, what)
    if not isinstance(value, str):
        raise ModelError(f"{field.value.pos}: {what} must be a string")
    return value


def _literal(node: ast.Expr, what: str) -> Any:
    """The plain value of a header expression: header values are data, never computed."""
    if isinstance(node, ast.StringLit | ast.BoolLit | ast.IntLit):
        return node.value
    if isinstance(node, ast.FloatLit):
        return float(node.value)
    if isinstance(node, ast.NullLit):
        return None
    if isinstance(node, ast.ListLit) and node.ellipsis is None:
        items = []
        for i, elem in enumerate(node.elems):
            if isinstance(elem, ast.Comprehension):
                raise ModelError(f"{elem.pos}: {what}[{i}]: header values must be literals")
            items.append(_literal(elem, f"{what}[{i}]"))
        return items
    if isinstance(node, ast.StructLit):
        value = {}
        for decl in node.decls:
            if not isinstance(decl, ast.Field) or not _name(decl) or decl.constraint:
                raise ModelError(f"{decl.pos}: {what}: expected plain `name: value` fields")
            value[_name(decl)] = _literal(decl.value, f"{what}.{_name(decl)}")
        return value
    raise ModelError(
        f"{node.pos}: {what}: header values must be literals (strings, numbers, booleans, "
        "lists, structs)"
    )


def _template_text(
    text: str, tree: ast.File, body: ast.StructLit
) -> tuple[str, list[tuple[int, int]]]:
    """The imports then the lines between `template: {` and its `}`, dedented; and for each
    line of the result, the file line it came from and the columns taken off it."""
    lines: list[str] = []
    origins: list[tuple[int, int]] = []
    for spec in tree.imports:
        head = f"import {spec.alias} " if spec.alias else "import "
        lines.append(f'{head}"{spec.path}"')
        origins.append((spec.pos.line, spec.pos.col - len("import ") - 1))
    if lines:
        lines.append("")
        origins.append(origins[-1])
    open_line, open_col = body.pos.line, body.pos.col
    close_line, close_col = _closing_brace(text, body.pos)
    source = text.split("\n")
    inner: list[tuple[int, str, int]] = []  # file line, text, columns before the text
    for number in range(open_line, close_line + 1):
        line = source[number - 1]
        start = open_col if number == open_line else 0
        end = close_col - 1 if number == close_line else len(line)
        inner.append((number, line[start:end], start))
    while inner and not inner[0][1].strip():
        inner.pop(0)
    while inner and not inner[-1][1].strip():
        inner.pop()
    indents = [
        part[: len(part) - len(part.lstrip())]
        for number, part, start in inner
        if part.strip() and start == 0
    ]
    indent = _common_prefix_length(indents)
    for number, part, start in inner:
        cut = 0 if start else indent
        lines.append(part[cut:] if part.strip() else "")
        origins.append((number, start + cut))
    return "\n".join(lines) + "\n", origins


def _common_prefix_length(texts: list[str]) -> int:
    """How many leading characters all `texts` share (the first and last in sort order
    share the fewest)."""
    if not texts:
        return 0
    low, high = min(texts), max(texts)
    length = 0
    while length < len(low) and low[length] == high[length]:
        length += 1
    return length


def _closing_brace(text: str, opening: ast.Pos) -> tuple[int, int]:
    """The line and column of the `}` that closes the `{` at `opening` (the parser has
    checked that the braces balance)."""
    tokens, _ = tokenize(text)
    start = next(
        i
        for i, token in enumerate(tokens)
        if token.kind == "{" and (token.line, token.col) == (opening.line, opening.col)
    )
    depth = 0
    for token in tokens[start:]:
        depth += {"{": 1, "}": -1}.get(token.kind, 0)
        if depth == 0:
            return token.line, token.col
    raise AssertionError(f"{opening}: no closing brace, yet the file parsed")
