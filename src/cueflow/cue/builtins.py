"""Predeclared identifiers (`int`, `len`, `close`, `and`, `div`, ...) and std calls."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cueflow.cue import ast
from cueflow.cue.evaluator import (
    BOOL,
    BYTES,
    FLOAT,
    INT,
    LIST,
    NULL,
    NUMBER,
    STRING,
    TOP_VALUE,
    Atom,
    Bottom,
    Env,
    FuncValue,
    KindValue,
    PackageValue,
    ValidatorValue,
    Vertex,
    VertexExpr,
    concrete,
    concrete_atom,
    describe_vertex,
    eval_expr,
    fail,
    first_error,
    format_atom,
    iter_regular,
    python_to_expr,
    resolve,
    temp_vertex,
    to_python,
)
from cueflow.cue.export import python_to_cue

try:
    from cueflow.cue.std import PACKAGES as STD_PACKAGES
    from cueflow.cue.std.base import BuiltinError
except ImportError:  # the standard library is optional for the evaluator itself
    STD_PACKAGES = {}

    class BuiltinError(Exception):  # type: ignore[no-redef]
        """Stand-in when the standard library is absent."""


def _args(expr: ast.CallExpr, n: int) -> list[Any]:
    if len(expr.args) != n:
        name = expr.fun.name if isinstance(expr.fun, ast.Ident) else "call"
        raise fail(f"{name}: expected {n} arguments, got {len(expr.args)}", expr.pos)
    return expr.args


def _len(expr: ast.CallExpr, env: Env | None) -> Atom:
    (arg,) = _args(expr, 1)
    x = concrete(eval_expr(arg, env), expr.pos, "len")
    if type(x) is Atom:
        if x.kind == STRING:
            return Atom(INT, len(x.value.encode("utf-8")), expr.pos)
        if x.kind == BYTES:
            return Atom(INT, len(x.value), expr.pos)
        raise fail(f"invalid argument {format_atom(x)} to len", expr.pos)
    if x.kind == LIST:
        return Atom(INT, len(x.arcs), expr.pos)
    return Atom(INT, sum(1 for _ in iter_regular(x)), expr.pos)


def _list_elements(expr: ast.CallExpr, env: Env | None, name: str) -> list[Vertex]:
    (arg,) = _args(expr, 1)
    x = concrete(eval_expr(arg, env), expr.pos, name)
    if type(x) is not Vertex or x.kind != LIST:
        raise fail(f"{name}: argument must be a list", expr.pos)
    return [x.arcs[i] for i in range(len(x.arcs))]


def _and(expr: ast.CallExpr, env: Env | None) -> Vertex:
    v = Vertex(None, None)
    v.regular = True
    for i, e in enumerate(_list_elements(expr, env, "and")):
        v.conjuncts.append((VertexExpr(expr.pos, e), None, None, (i,)))
    return v


def _or(expr: ast.CallExpr, env: Env | None) -> Any:
    elems = _list_elements(expr, env, "or")
    if not elems:
        raise fail("empty disjunction in or()", expr.pos)
    node: Any = VertexExpr(expr.pos, elems[0])
    for e in elems[1:]:
        node = ast.BinaryExpr(expr.pos, "|", node, VertexExpr(expr.pos, e))
    return temp_vertex(node, None)


def _int_pair(expr: ast.CallExpr, env: Env | None, name: str) -> tuple[int, int]:
    a, b = (concrete_atom(eval_expr(x, env), expr.pos, name) for x in _args(expr, 2))
    if a.kind != INT or b.kind != INT:
        raise fail(f"{name}: arguments must be integers", expr.pos)
    if b.value == 0:
        raise fail(f"{name}: division by zero", expr.pos)
    return a.value, b.value


def _euclid(a: int, b: int) -> tuple[int, int]:
    """Euclidean division: the remainder is never negative."""
    q, r = divmod(a, b)
    if r < 0:
        q, r = q + 1, r - b
    return q, r


def _trunc(a: int, b: int) -> tuple[int, int]:
    """Truncated division, as Go's `/` and `%`."""
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q, a - b * q


def _divider(name: str, fn: Any, part: int) -> FuncValue:
    def impl(expr: ast.CallExpr, env: Env | None) -> Atom:
        return Atom(INT, fn(*_int_pair(expr, env, name))[part], expr.pos)

    return FuncValue(name, impl)


_INT_RANGES: dict[str, tuple[int, int | None]] = {
    **{f"int{n}": (-(2 ** (n - 1)), 2 ** (n - 1) - 1) for n in (8, 16, 32, 64, 128)},
    **{f"uint{n}": (0, 2**n - 1) for n in (8, 16, 32, 64, 128)},
    "uint": (0, None),
    "byte": (0, 255),
    "rune": (0, 0x10FFFF),
}


def _int_range(lo: int, hi: int | None) -> ast.Expr:
    """`int & >=lo & <=hi` as a syntax tree: resolving it yields a fresh vertex each time."""
    pos = ast.NO_POS
    expr: ast.Expr = ast.BinaryExpr(
        pos, "&", ast.Ident(pos, "int"), ast.UnaryExpr(pos, ">=", ast.IntLit(pos, lo))
    )
    if hi is not None:
        expr = ast.BinaryExpr(pos, "&", expr, ast.UnaryExpr(pos, "<=", ast.IntLit(pos, hi)))
    return expr


PREDECLARED: dict[str, Any] = {
    "_": TOP_VALUE,
    "int": KindValue(INT),
    "float": KindValue(FLOAT),
    "number": KindValue(NUMBER),
    "string": KindValue(STRING),
    "bytes": KindValue(BYTES),
    "bool": KindValue(BOOL),
    "null": Atom(NULL, None),
    "true": Atom(BOOL, True),
    "false": Atom(BOOL, False),
    "len": FuncValue("len", _len),
    "and": FuncValue("and", _and),
    "or": FuncValue("or", _or),
    "div": _divider("div", _euclid, 0),
    "mod": _divider("mod", _euclid, 1),
    "quo": _divider("quo", _trunc, 0),
    "rem": _divider("rem", _trunc, 1),
    **{name: _int_range(lo, hi) for name, (lo, hi) in _INT_RANGES.items()},
    "float32": KindValue(NUMBER),
    "float64": KindValue(NUMBER),
}


def std_package(path: str) -> PackageValue | None:
    members = STD_PACKAGES.get(path)
    return None if members is None else PackageValue(path, members)


def package_member(pkg: PackageValue, name: str, pos: ast.Pos) -> Any:
    if name not in pkg.members:
        raise fail(f"undefined field: {name} in package {pkg.path!r}", pos)
    m = pkg.members[name]
    if callable(getattr(m, "fn", None)):
        return FuncValue(getattr(m, "name", name), std=m)
    try:
        return from_python(m, pos)
    except TypeError:
        return OpaqueValue(m)


class OpaqueValue:
    """A std constant with no CUE form (`list.Ascending`), passed back to std functions."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj


def from_python(value: Any, pos: ast.Pos) -> Any:
    """A builtin's Python result as an evaluator value."""
    e = python_to_expr(value, pos)
    if isinstance(e, ast.StructLit | ast.ListLit):
        return temp_vertex(e, None)
    return eval_expr(e, None)


def _python_arg(v: Any, pos: ast.Pos, name: str) -> Any:
    if type(v) is OpaqueValue:
        return v.obj
    c = concrete(v, pos, name)
    if type(c) is Atom:
        return c.value
    return to_python(c)


_PY_KINDS: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "int": int,
    "number": (int, Decimal),
    "float": (int, Decimal),
    "bytes": bytes,
    "bool": bool,
    "null": type(None),
    "list": list,
    "struct": dict,
    "_": object,
}


class ExprSchema:
    """A std builtin's `schema` argument: the expression as written (implements std.base.Schema)."""

    __slots__ = ("env", "expr")

    def __init__(self, expr: ast.Expr, env: Env | None) -> None:
        self.expr = expr
        self.env = env

    def __repr__(self) -> str:
        v = Vertex(None, None)
        v.regular = True
        v.conjuncts = [(self.expr, self.env, None, (0,))]
        try:
            v.eval()
        except Bottom:
            return "_|_"
        return describe_vertex(v)

    def check(self, value: Any, *, concrete: bool) -> str | None:
        v = Vertex(None, None)
        v.regular = True
        v.conjuncts = [
            (self.expr, self.env, None, (0,)),
            (python_to_expr(value, self.expr.pos), None, None, (1,)),
        ]
        try:
            if concrete:
                to_python(v)
                return None
            err = first_error(v, permanent_only=True)
        except Bottom as exc:
            err = exc.err
        if err is None:
            return None
        return f"{err.path}: {err.message}" if err.path else err.message


def call(expr: ast.CallExpr, env: Env | None) -> Any:
    fun = resolve(expr.fun, env)
    if type(fun) is not FuncValue:
        raise fail("cannot call a non-function", expr.pos)
    if fun.call is not None:
        return fun.call(expr, env)
    b = fun.std
    # a validator written without its first argument: argument i is parameter i + 1
    shift = 1 if b.validator and len(expr.args) == len(b.params) - 1 else 0
    args = [
        ExprSchema(a, env) if i + shift in b.schemas else _python_arg(eval_expr(a, env), a.pos, b.name)
        for i, a in enumerate(expr.args)
    ]
    if shift:
        return ValidatorValue(b, args)
    if not b.variadic and len(args) != len(b.params):
        raise fail(f"{b.name}: expected {len(b.params)} arguments, got {len(args)}", expr.pos)
    for i, (arg, kind) in enumerate(zip(args, b.params, strict=False)):
        if not any(isinstance(arg, _PY_KINDS[k]) for k in kind.split("|")) or (
            isinstance(arg, bool) and "bool" not in kind and "_" not in kind
        ):
            raise fail(
                f"cannot use {python_to_cue(arg)} as {kind} in argument {i + 1} to {b.name}",
                expr.args[i].pos,
            )
    try:
        result = b(*args)
    except BuiltinError as exc:
        raise fail(f"error in call to {b.name}: {exc}", expr.pos) from None
    return from_python(result, expr.pos)


def call_validator(v: ValidatorValue, a: Atom) -> None:
    try:
        ok = v.builtin(a.value, *v.args)
    except BuiltinError as exc:
        raise fail(f"error in call to {v.builtin.name}: {exc}", a.pos) from None
    if ok is not True:
        raise fail(f"invalid value {format_atom(a)} (does not satisfy {v!r})", a.pos)


__all__ = [
    "PREDECLARED",
    "call",
    "call_validator",
    "package_member",
    "std_package",
]
