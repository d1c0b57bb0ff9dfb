"""cueflow's CUE engine: compile CUE text, unify, look up, fill and export values.

    ctx = Context()
    v = ctx.compile('a: *1 | int, b: a + 1')
    v.lookup("b").to_python()        # 2
    v.fill("a", 5).to_json()         # '{"a": 5, "b": 6}'

Compiling never raises for CUE errors: they are carried by the value (`v.error`)
and raised as `CueError` only by the exporting methods (`to_python`, `to_json`,
`to_yaml`). Evaluation is lazy: fields are computed when first read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cueflow.cue import ast
from cueflow.cue.builtins import std_package
from cueflow.cue.errors import CueError, CueSyntaxError
from cueflow.cue.evaluator import (
    LIST,
    STRUCT,
    TOP,
    Bottom,
    Env,
    Vertex,
    VertexExpr,
    first_error,
    format_label,
    is_definition,
    is_hidden,
    kind_name,
    python_to_expr,
    temp_vertex,
    to_python,
)
from cueflow.cue.export import cue_text, json_text, yaml_text

__all__ = ["Context", "CueError", "CueSyntaxError", "Field", "Value", "format_value"]

_CACHE_SIZE = 512

# A parsed file, the struct literal of its declarations, and its first unused import.
_Parsed = tuple[ast.File, ast.StructLit, ast.ImportSpec | None]


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a struct value, with what the source said about it."""

    label: str
    value: Value
    doc: list[str]
    attrs: list[ast.Attribute]
    optional: bool
    definition: bool
    hidden: bool
    required: bool = False


class Context:
    """Compiles CUE text and resolves imports: std packages and registered CUE packages."""

    def __init__(self) -> None:
        self._packages: dict[str, list[ast.File]] = {}
        self._roots: dict[str, Vertex] = {}
        self._parsed: dict[tuple[str, str], _Parsed | CueSyntaxError] = {}

    def register_package(self, path: str, source: str, filename: str | None = None) -> None:
        """Make `import "path"` load this CUE source (call again to add another file)."""
        parsed = self._parse(source, filename or f"{path}.cue")
        if isinstance(parsed, CueError):
            raise parsed
        self._packages.setdefault(path, []).append(parsed[0])
        self._roots.pop(path, None)

    def compile(self, text: str, filename: str = "x.cue", scope: Value | None = None) -> Value:
        """Compile one file; identifiers it does not declare may resolve in `scope`."""
        parsed = self._checked(text, filename)
        if isinstance(parsed, CueError):
            return Value._failed(self, parsed)
        file, lit, _ = parsed
        parent = Env(None, vertex=scope._vertex) if scope is not None else None
        try:
            env = self._file_env(file, parent)
        except Bottom as b:
            return Value._failed(self, b.err)
        root = Vertex()
        root.regular = True
        root.conjuncts.append((lit, env, None, (0,)))
        return Value(self, root, root, ())

    def _checked(self, text: str, filename: str) -> _Parsed | CueError:
        """The parsed file, or its syntax error or first unused import."""
        parsed = self._parse(text, filename)
        if isinstance(parsed, CueError) or parsed[2] is None:
            return parsed
        unused = parsed[2]
        return CueError(f'imported and not used: "{unused.path}"', "", [unused.pos])

    def _parse(self, text: str, filename: str) -> _Parsed | CueSyntaxError:
        key = (filename, text)
        hit = self._parsed.get(key)
        if hit is None:
            from cueflow.cue.parser import parse_file

            try:
                file = parse_file(text, filename)
                hit = (file, ast.StructLit(file.pos, file.decls), _unused_import(file))
            except CueSyntaxError as exc:
                hit = exc
            if len(self._parsed) >= _CACHE_SIZE:
                self._parsed.pop(next(iter(self._parsed)))
            self._parsed[key] = hit
        return hit

    def _file_env(self, file: ast.File, parent: Env | None) -> Env:
        names: dict[str, Any] = {}
        for imp in file.imports:
            names[imp.name] = self._import(imp)
        return Env(parent, names=names)

    def _import(self, imp: ast.ImportSpec) -> Any:
        path = imp.path.split(":", 1)[0]
        if path in self._packages:
            root = self._roots.get(path)
            if root is None:
                root = self._roots[path] = Vertex()
                root.regular = True
                files = self._packages[path]
                names: dict[str, Any] = {}
                for f in files:
                    for spec in f.imports:
                        names[spec.name] = self._import(spec)
                lit = ast.StructLit(files[0].pos, [d for f in files for d in f.decls])
                root.conjuncts.append((lit, Env(None, names=names), None, (0,)))
            return root
        pkg = std_package(path)
        if pkg is None:
            raise Bottom(CueError(f"package {path!r} not found", "", [imp.pos]))
        return pkg


def _unused_import(file: ast.File) -> ast.ImportSpec | None:
    """An import the file never names; only files with a package clause must use them all."""
    if file.package is None or not file.imports:
        return None
    names: set[str] = set()
    stack: list[Any] = list(file.decls)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Ident):
            names.add(node.name)
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, ast.Node):
            stack.extend(getattr(node, f) for f in node.__dataclass_fields__)
    return next((imp for imp in file.imports if imp.name not in names), None)


def _parse_path(text: str) -> list[str | int]:
    """`a.b`, `a."x-y"`, `#D`, `a.$returns`, `a[0]`, `a["k"]` as a list of labels."""
    out: list[str | int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == ".":
            i += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(json.loads(text[i : j + 1]))
            i = j + 1
        elif c == "[":
            j = text.index("]", i)
            inner = text[i + 1 : j].strip()
            out.append(json.loads(inner) if inner.startswith('"') else int(inner))
            i = j + 1
        else:
            j = i
            while j < n and text[j] not in ".[":
                j += 1
            out.append(text[i:j])
            i = j
    return out


def _path_text(labels: tuple[str | int, ...]) -> str:
    out = ""
    for lab in labels:
        if isinstance(lab, int):
            out += f"[{lab}]"
        else:
            out += ("." if out else "") + format_label(lab)
    return out


class Value:
    """An evaluated (lazily) CUE value, with the root it belongs to and its path there."""

    __slots__ = ("_ctx", "_labels", "_missing", "_root", "_vertex")

    def __init__(
        self, ctx: Context, vertex: Vertex, root: Vertex, labels: tuple[str | int, ...]
    ) -> None:
        self._ctx = ctx
        self._vertex = vertex
        self._root = root
        self._labels = labels
        self._missing = False

    @classmethod
    def _failed(
        cls,
        ctx: Context,
        err: CueError,
        labels: tuple[str | int, ...] = (),
        root: Vertex | None = None,
    ) -> Value:
        """A value standing for an error; with `root`, `fill` still works at its path."""
        v = Vertex()
        v.err = err
        v.state = 2
        v.kind = 0
        value = cls(ctx, v, root or v, labels)
        value._missing = True
        return value

    def __repr__(self) -> str:
        return f"Value({self.path or '<root>'})"

    # -- navigation -------------------------------------------------------------

    @property
    def path(self) -> str:
        """The selector path of this value from its root (`a.b`, `l[0]`, `m."x-y"`)."""
        return _path_text(self._labels)

    def lookup(self, path: str | list[str | int]) -> Value:
        """The value at a selector path; a missing field gives a value whose `exists()` is false."""
        labels = _parse_path(path) if isinstance(path, str) else list(path)
        if self._missing:
            return Value._failed(self._ctx, self._vertex.err, (*self._labels, *labels), self._root)  # type: ignore[arg-type]
        v = self._vertex
        done = self._labels
        for lab in labels:
            done = (*done, lab)
            try:
                d = v.default_vertex()
            except Bottom as b:
                return Value._failed(self._ctx, b.err, (*self._labels, *labels), self._root)
            a = d.arcs.get(lab)
            if a is None:
                err = d.err or CueError(
                    f"field not found: {format_label(lab)}", _path_text(done), [], True
                )
                return Value._failed(self._ctx, err, (*self._labels, *labels), self._root)
            v = a
        return Value(self._ctx, v, self._root, done)

    def fields(self) -> list[Field]:
        """The fields of a struct in source order (definitions, hidden and optional included)."""
        try:
            d = self._vertex.default_vertex()
        except Bottom:
            return []
        out = []
        for lab, a in d.arcs.items():
            if not isinstance(lab, str):
                continue
            out.append(
                Field(
                    label=lab,
                    value=Value(self._ctx, a, self._root, (*self._labels, lab)),
                    doc=list(a.docs or ()),
                    attrs=list(a.attrs or ()),
                    optional=a.optional,
                    definition=is_definition(lab),
                    hidden=is_hidden(lab) and not is_definition(lab),
                    required=a.required and not a.regular,
                )
            )
        return out

    def elements(self) -> list[Value]:
        """The elements of a list value."""
        try:
            d = self._vertex.default_vertex()
        except Bottom:
            return []
        if d.kind != LIST:
            return []
        return [
            Value(self._ctx, d.arcs[i], self._root, (*self._labels, i)) for i in range(len(d.arcs))
        ]

    # -- building ---------------------------------------------------------------

    def fill(self, path: str | list[str | int], value: Any) -> Value:
        """A new value with `value` (Python data or a Value) unified at `path` below this one.

        Top-level names the compiled file does not declare resolve to fields a fill
        adds, so a template can read `context` that is filled in later.
        """
        if self._missing and self._root is self._vertex:
            return self  # a value that failed to compile stays failed
        labels = [*self._labels, *(_parse_path(path) if isinstance(path, str) else path)]
        expr: Any = python_to_expr(value)
        for lab in reversed(labels):
            if isinstance(lab, int):
                elems: list[Any] = [ast.Ident(ast.NO_POS, "_") for _ in range(lab)]
                expr = ast.ListLit(ast.NO_POS, [*elems, expr], ast.Ellipsis(ast.NO_POS))
            else:
                field = ast.Field(ast.NO_POS, ast.Label(ast.NO_POS, lab, False), expr)
                expr = ast.StructLit(ast.NO_POS, [field])
        root = Vertex()
        root.regular = True
        root.conjuncts = [*self._root.conjuncts, (expr, None, None, (len(self._root.conjuncts),))]
        new = Value(self._ctx, root, root, ())
        return new.lookup(list(self._labels)) if self._labels else new

    def extend(self, text: str, filename: str = "x.cue") -> Value:
        """This compiled file with `text` written at its end, without parsing the file again.

        The declarations of `text` join the file's top-level struct, so names resolve
        between the two as within one file (a template reads the `context` that `text`
        declares), and imports of `text` are in scope for both. Only `text` is parsed
        (cached, as `compile` does): start it with as many newlines as the file has lines
        and its error positions are those of the joined file. The value must be one that
        `Context.compile` returned; one that failed to compile stays failed.
        """
        if self._missing and self._root is self._vertex:
            return self
        conjuncts = self._root.conjuncts
        if self._labels or not conjuncts or type(conjuncts[0][0]) is not ast.StructLit:
            raise ValueError("extend needs a value that Context.compile returned")
        lit, env, group, key = conjuncts[0]
        parsed = self._ctx._checked(text, filename)
        if isinstance(parsed, CueError):
            return Value._failed(self._ctx, parsed)
        file, more, _ = parsed
        if file.imports:
            try:
                env = self._ctx._file_env(file, env)
            except Bottom as b:
                return Value._failed(self._ctx, b.err)
        joined = ast.StructLit(lit.pos, [*lit.decls, *more.decls])
        root = Vertex()
        root.regular = True
        root.conjuncts = [(joined, env, group, key), *conjuncts[1:]]
        return Value(self._ctx, root, root, ())

    def unify(self, other: Value) -> Value:
        """The meet of two values, as a new root value."""
        v = Vertex()
        v.regular = True
        v.conjuncts = [
            (VertexExpr(ast.NO_POS, self._vertex), None, None, (0,)),
            (VertexExpr(ast.NO_POS, other._vertex), None, None, (1,)),
        ]
        return Value(self._ctx, v, v, ())

    def eval_expr(self, text: str) -> Value:
        """Evaluate a CUE expression with this value's fields in scope (`if:` conditions)."""
        from cueflow.cue.parser import parse_expr

        try:
            expr = parse_expr(text, "<expr>")
        except CueSyntaxError as exc:
            return Value._failed(self._ctx, exc)
        v = temp_vertex(expr, Env(None, vertex=self._vertex))
        return Value(self._ctx, v, v, ())

    # -- inspection ---------------------------------------------------------------

    @property
    def error(self) -> CueError | None:
        """This value's own error (permanent or incomplete), or None."""
        v = self._vertex
        v.eval()
        if v.err is not None:
            return v.err
        return v.pending_err

    def exists(self) -> bool:
        """False for a missing field or an optional field nothing has defined."""
        if self._missing:
            return False
        v = self._vertex
        return v.label is None or not v.optional

    def is_concrete(self) -> bool:
        try:
            d = self._vertex.default_vertex()
        except Bottom:
            return False
        return d.err is None and (d.atom is not None or d.kind in (STRUCT, LIST))

    def is_incomplete(self) -> bool:
        """True when the value is not fully known yet but has no permanent error."""
        try:
            to_python(self._vertex)
        except Bottom as b:
            return b.err.incomplete
        return False

    def has_permanent_error(self) -> bool:
        """Whether any non-optional field at any depth (definitions aside) holds a permanent error."""
        return first_error(self._vertex, permanent_only=True, definitions=False) is not None

    def kind(self) -> str:
        """ "struct", "list", "string", "int", ... for a value, "bottom" or "top"."""
        try:
            d = self._vertex.default_vertex()
        except Bottom as b:
            return "top" if b.err.incomplete else "bottom"
        if (d.err is not None and not d.err.incomplete) or d.kind == 0:
            return "bottom"
        if d.disj is not None:
            return kind_name(d.kind)
        if d.atom is not None:
            return kind_name(d.atom.kind)
        return "top" if d.kind == TOP else kind_name(d.kind)

    def default(self) -> Value:
        """The default of a disjunction (this value when there is none)."""
        try:
            d = self._vertex.default_vertex()
        except Bottom:
            return self
        return self if d is self._vertex else Value(self._ctx, d, self._root, self._labels)

    def walk_structs(self) -> Iterator[tuple[str, Value]]:
        """Struct values below (and including) this one, children first, in field order.

        Optional and hidden fields and list elements are entered; definitions never.
        Fields carrying `@step(n)` come first, ordered by n.
        """
        yield from self._walk(self._vertex, self._labels)

    def _walk(self, v: Vertex, labels: tuple[str | int, ...]) -> Iterator[tuple[str, Value]]:
        try:
            d = v.default_vertex()
        except Bottom:
            return
        if d.atom is not None or d.kind not in (STRUCT, LIST):
            return
        stepped: list[tuple[int, str | int, Vertex]] = []
        plain: list[tuple[str | int, Vertex]] = []
        for lab, a in d.arcs.items():
            if is_definition(lab):
                continue
            n = _step_number(a)
            if n is None:
                plain.append((lab, a))
            else:
                stepped.append((n, lab, a))
        stepped.sort(key=lambda t: t[0])
        for lab, a in [(lab, a) for _, lab, a in stepped] + plain:
            yield from self._walk(a, (*labels, lab))
        if d.kind == STRUCT:
            yield _path_text(labels), Value(self._ctx, v, self._root, labels)

    # -- export -------------------------------------------------------------------

    def to_python(self) -> Any:
        """The value as `cue export` sees it: ints, `Decimal` floats, str, bytes, lists, dicts."""
        if self._missing:
            raise self._vertex.err  # type: ignore[misc]
        try:
            return to_python(self._vertex)
        except Bottom as b:
            raise b.err from None

    def to_json(self, indent: int | None = None) -> str:
        return json_text(self.to_python(), indent)

    def to_yaml(self) -> str:
        return yaml_text(self.to_python())

    def to_cue(self) -> str:
        """This value rendered as CUE source text (defaults marked, types kept)."""
        return cue_text(self._vertex)


def _step_number(v: Vertex) -> int | None:
    for attr in v.attrs or ():
        if attr.name == "step":
            try:
                return int(attr.body.strip())
            except ValueError:
                return None
    return None


def format_value(v: Value) -> str:
    """`v` as CUE source text."""
    return v.to_cue()
