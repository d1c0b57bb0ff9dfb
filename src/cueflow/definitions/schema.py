"""A JSON-schema-like description of a template's `parameter` block.

Built from the syntax tree (not by evaluating the template), so it works for
any template that parses, and it keeps what evaluation would lose: the
`// +usage=` comments and defaults written as expressions (`*context.namespace
| string`). The result follows JSON Schema where it can (`type`,
`properties`, `required`, `items`, `enum`, `default`, `description`,
`additionalProperties`, `oneOf`, `minimum`...); a default that is not a literal
is given as CUE text in `x-default-expression`.
"""

from __future__ import annotations

from typing import Any

from cueflow.cue import ast
from cueflow.cue.parser import parse_file

__all__ = ["parameter_schema", "schema_of"]

_TYPES = {
    "string": "string",
    "int": "integer",
    "int64": "integer",
    "int32": "integer",
    "uint": "integer",
    "number": "number",
    "float": "number",
    "bool": "boolean",
    "bytes": "string",
    "null": "null",
}
_BOUNDS = {">=": "minimum", "<=": "maximum", ">": "exclusiveMinimum", "<": "exclusiveMaximum"}
_USAGE = "+usage="

Schema = dict[str, Any]


def parameter_schema(template: str, filename: str = "-") -> Schema:
    """The schema of the top-level `parameter` field of a template (empty object if none).

    References to the template's own top-level definitions (`url: #URL`) are
    described by what those definitions hold.
    """
    tree = parse_file(template, filename)
    fields = [decl for decl in tree.decls if isinstance(decl, ast.Field)]
    definitions = {_name(f): f.value for f in fields if _name(f).startswith("#")}
    for f in fields:
        if _name(f) == "parameter":
            return _one_object(schema_of(f.value, definitions))
    return {"type": "object", "properties": {}}


def _one_object(schema: Schema) -> Schema:
    """Alternative parameter sets (`close({a: ...}) | close({b: ...})`) as one object.

    The properties of every alternative are listed together; `oneOf` keeps
    which ones each alternative requires.
    """
    options = schema.get("oneOf")
    if not options or not all(option.get("type") == "object" for option in options):
        return schema
    properties: dict[str, Schema] = {}
    for option in options:
        for name, prop in option.get("properties", {}).items():
            known = properties.setdefault(name, dict(prop))
            if "enum" in known and "enum" in prop:
                known["enum"] = known["enum"] + [v for v in prop["enum"] if v not in known["enum"]]
            if "description" in prop:
                known.setdefault("description", prop["description"])
    merged: Schema = {"type": "object", "properties": properties}
    merged["oneOf"] = [{"required": option.get("required", [])} for option in options]
    return merged


def schema_of(expr: ast.Expr, definitions: dict[str, ast.Expr] | None = None) -> Schema:
    """Describe one CUE type expression; `definitions` resolves `#Name` references."""
    return _Describer(definitions or {}).schema(expr)


class _Describer:
    """Turns type expressions into schemas, resolving local definitions once each."""

    def __init__(self, definitions: dict[str, ast.Expr]) -> None:
        self.definitions = definitions
        self.resolving: set[str] = set()

    def schema(self, expr: ast.Expr) -> Schema:
        if isinstance(expr, ast.Ident) and expr.name in self.definitions:
            if expr.name in self.resolving:
                return {}
            self.resolving.add(expr.name)
            try:
                return self.schema(self.definitions[expr.name])
            finally:
                self.resolving.discard(expr.name)
        return _describe(expr, self)


def _describe(expr: ast.Expr, d: _Describer) -> Schema:
    if isinstance(expr, ast.ParenExpr):
        return d.schema(expr.x)
    if isinstance(expr, ast.StructLit):
        return _struct(expr, d)
    if isinstance(expr, ast.ListLit):
        return _list(expr, d)
    if isinstance(expr, ast.BinaryExpr) and expr.op == "|":
        return _disjunction(_alternatives(expr), d)
    if isinstance(expr, ast.BinaryExpr) and expr.op == "&":
        return {**d.schema(expr.x), **d.schema(expr.y)}
    if isinstance(expr, ast.UnaryExpr) and expr.op in _BOUNDS and _is_literal(expr.x):
        return {_BOUNDS[expr.op]: _literal(expr.x)}
    if isinstance(expr, ast.UnaryExpr) and expr.op == "=~" and isinstance(expr.x, ast.StringLit):
        return {"type": "string", "pattern": expr.x.value}
    if isinstance(expr, ast.CallExpr) and _is_close(expr.fun) and len(expr.args) == 1:
        closed = d.schema(expr.args[0])
        return (
            {**closed, "additionalProperties": False} if closed.get("type") == "object" else closed
        )
    if isinstance(expr, ast.Ident) and expr.name in _TYPES:
        return {"type": _TYPES[expr.name]}
    if _is_literal(expr):
        value = _literal(expr)
        return {"type": _json_type(value), "enum": [value]}
    return {}


def _struct(struct: ast.StructLit, d: _Describer) -> Schema:
    properties: dict[str, Schema] = {}
    required: list[str] = []
    schema: Schema = {"type": "object", "properties": properties}
    for decl in struct.decls:
        if isinstance(decl, ast.Ellipsis):
            schema["additionalProperties"] = d.schema(decl.type) if decl.type else True
        elif isinstance(decl, ast.Field) and isinstance(decl.label, ast.PatternLabel):
            schema["additionalProperties"] = d.schema(decl.value)
        elif isinstance(decl, ast.Field) and isinstance(decl.label, ast.Label):
            name = decl.label.name
            if not decl.label.quoted and name.startswith(("#", "_")):
                continue
            prop = d.schema(decl.value)
            usage = _usage(decl.doc)
            if usage:
                prop["description"] = usage
            properties[name] = prop
            if decl.constraint != "?" and _is_required(prop):
                required.append(name)
    if required:
        schema["required"] = required
    return schema


def _list(lst: ast.ListLit, d: _Describer) -> Schema:
    if lst.ellipsis is not None:
        items = d.schema(lst.ellipsis.type) if lst.ellipsis.type else {}
        return {"type": "array", "items": items}
    if all(_is_literal(e) for e in lst.elems):
        return {"type": "array", "enum": [[_literal(e) for e in lst.elems]]}
    return {"type": "array"}


def _alternatives(expr: ast.Expr) -> list[ast.Expr]:
    if isinstance(expr, ast.BinaryExpr) and expr.op == "|":
        return _alternatives(expr.x) + _alternatives(expr.y)
    return [expr]


def _disjunction(options: list[ast.Expr], d: _Describer) -> Schema:
    default: ast.Expr | None = None
    kept: list[ast.Expr] = []
    for option in options:
        if isinstance(option, ast.UnaryExpr) and option.op == "*":
            default = option.x
            option = option.x
        kept.append(option)
    if all(_is_literal(option) for option in kept):
        values = [_literal(option) for option in kept]
        merged: Schema = {"enum": values}
        types = {_json_type(v) for v in values}
        if len(types) == 1:
            merged["type"] = types.pop()
    else:
        # A default that is a value (`*"x" | string`, `*{} | {...}`, `*context.namespace |
        # string`) only says what is used when nothing is given; a default that is a
        # type (`*close({...}) | close({...})`) is one of the alternatives.
        is_value = default is not None and (
            _literal(default) is not _NOT_LITERAL
            or isinstance(default, ast.Ident | ast.SelectorExpr | ast.Interpolation)
        )
        merged = _merge_alternatives([o for o in kept if not (is_value and o is default)], d)
        if not is_value:
            default = None
    if default is not None:
        literal = _literal(default)
        if literal is _NOT_LITERAL:
            merged["x-default-expression"] = _text(default)
        else:
            merged["default"] = literal
    return merged


def _merge_alternatives(options: list[ast.Expr], d: _Describer) -> Schema:
    """Several alternatives: one schema when they agree, else `oneOf`."""
    distinct: list[Schema] = []
    for schema in (d.schema(option) for option in options):
        if schema and schema not in distinct:
            distinct.append(schema)
    if len(distinct) == 1:
        return dict(distinct[0])
    return {"oneOf": distinct} if distinct else {}


_NOT_LITERAL = object()


def _literal(expr: ast.Expr) -> Any:
    """The Python value of a literal expression, or `_NOT_LITERAL`."""
    if isinstance(expr, ast.StringLit | ast.BoolLit | ast.IntLit):
        return expr.value
    if isinstance(expr, ast.FloatLit):
        return float(expr.value)
    if isinstance(expr, ast.NullLit):
        return None
    if isinstance(expr, ast.UnaryExpr) and expr.op == "-" and isinstance(expr.x, ast.IntLit):
        return -expr.x.value
    if isinstance(expr, ast.ListLit) and expr.ellipsis is None:
        items = [_literal(e) for e in expr.elems if not isinstance(e, ast.Comprehension)]
        return _NOT_LITERAL if _NOT_LITERAL in items else items
    if isinstance(expr, ast.StructLit):
        out: dict[str, Any] = {}
        for decl in expr.decls:
            if not (isinstance(decl, ast.Field) and isinstance(decl.label, ast.Label)):
                return _NOT_LITERAL
            out[decl.label.name] = _literal(decl.value)
            if out[decl.label.name] is _NOT_LITERAL:
                return _NOT_LITERAL
        return out
    return _NOT_LITERAL


def _is_literal(expr: ast.Expr) -> bool:
    scalar = ast.StringLit | ast.BoolLit | ast.IntLit | ast.FloatLit | ast.NullLit
    negative = isinstance(expr, ast.UnaryExpr) and expr.op == "-" and isinstance(expr.x, ast.IntLit)
    return isinstance(expr, scalar) or negative


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "string"


def _is_required(schema: Schema) -> bool:
    """No default, and for an object at least one required member (else `{}` will do)."""
    if "default" in schema or "x-default-expression" in schema:
        return False
    return (
        schema.get("type") != "object"
        or bool(schema.get("required"))
        or not schema.get("properties")
    )


def _is_close(fun: ast.Expr) -> bool:
    return isinstance(fun, ast.Ident) and fun.name == "close"


def _name(f: ast.Field) -> str:
    return f.label.name if isinstance(f.label, ast.Label) else ""


def _usage(doc: list[str]) -> str:
    for line in doc:
        text = line.strip()
        if text.startswith(_USAGE):
            return text[len(_USAGE) :].strip()
    return ""


def _text(expr: ast.Expr) -> str:
    """Short CUE text for a default expression (references and selectors)."""
    if isinstance(expr, ast.Ident):
        return expr.name
    if isinstance(expr, ast.SelectorExpr):
        return f"{_text(expr.x)}.{expr.sel}"
    if isinstance(expr, ast.ParenExpr):
        return f"({_text(expr.x)})"
    if isinstance(expr, ast.Interpolation):
        parts = [p if isinstance(p, str) else f"\\({_text(p)})" for p in expr.parts]
        return '"' + "".join(parts) + '"'
    return "<expression>"
