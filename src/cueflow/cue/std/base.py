"""What a standard-library member looks like to the evaluator.

A `Builtin` is a plain Python function over concrete Python values (see
`cueflow.cue.std` for the value mapping) plus the CUE kinds of its parameters and
result, which the evaluator checks before calling. Nothing here knows about the
evaluator's own value types.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from cueflow.cue.numbers import format_number

# The kinds a parameter or result may declare; "bytes|string" accepts either
# ("_" accepts any concrete value).
KINDS = frozenset(
    {"string", "int", "number", "float", "bytes", "bool", "null", "list", "struct", "_"}
)


@runtime_checkable
class Schema(Protocol):
    """A CUE value handed to a builtin as it is, not made concrete (`yaml.Validate(s, #Config)`).

    A parameter declared with kind `schema` takes one. An evaluator that does not
    pass one gives the concrete Python value instead, and the builtin treats that
    as a schema whose fields all must be equal.
    """

    def check(self, value: Any, *, concrete: bool) -> str | None:
        """Unify with a concrete Python value: the first error's message, or None.

        With `concrete`, a field the schema leaves non-concrete (`b: int` where the
        value has no `b`) is an error too.
        """
        ...


class BuiltinError(Exception):
    """A call failed; the evaluator shows `error in call to <name>: <message>`."""


class ValidationError(BuiltinError):
    """Raised by a validator whose argument does not satisfy it, with the reason.

    `Builtin.__call__` turns it into `False` (a direct call `list.MinItems([1], 3)`
    is false in CUE); `Builtin.check` returns the reason, which CUE shows as
    `invalid value [1] (does not satisfy list.MinItems(3)): len(list) < MinItems(3) (1 < 3)`.
    """


@dataclass(frozen=True)
class Builtin:
    """One callable member of a standard-library package.

    `validator` marks a function that may be written with its first argument left
    out (`strings.MinRunes(3)`): the evaluator then runs `check` with the
    constrained value in front. CUE allows this for every function whose result
    is a bool, unless the parameter left over has a default.

    `optional` counts trailing parameters with a default (`path.Base(p)` means
    `path.Base(p, path.Unix)`); such a function is `variadic` to the evaluator,
    which checks the kinds of the arguments given, and the count is checked here.
    `schemas` are the positions of parameters that take a `Schema` (kind `_` in
    `params`).
    """

    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    result: str
    validator: bool = False
    variadic: bool = False
    optional: int = 0
    schemas: tuple[int, ...] = ()

    def __call__(self, *args: Any) -> Any:
        """Call the function; failures raise `BuiltinError`, a failed validation is False."""
        try:
            return self._run(args)
        except ValidationError:
            return False

    def check(self, *args: Any) -> str | None:
        """Run as a validator: None when satisfied, else the reason ("" if none is given).

        Raises `BuiltinError` when the call itself fails (`time.Duration("1x")`).
        """
        try:
            result = self._run(args)
        except ValidationError as exc:
            return str(exc)
        return None if result is True else ""

    def _run(self, args: tuple[Any, ...]) -> Any:
        if self.optional and not len(self.params) - self.optional <= len(args) <= len(self.params):
            want = len(self.params) - self.optional
            raise BuiltinError(f"expected {want} to {len(self.params)} arguments, got {len(args)}")
        try:
            return self.fn(*args)
        except BuiltinError:
            raise
        except (ValueError, TypeError, ArithmeticError, IndexError, KeyError) as exc:
            raise BuiltinError(str(exc) or type(exc).__name__) from exc


def builtin(package: str, name: str, fn: Callable[..., Any], params: str, result: str) -> Builtin:
    """Declare a member; `params` is a space-separated kind list ("string int").

    A kind ending in `?` marks a parameter with a default, which `fn` supplies;
    only trailing parameters may have one. Kind `schema` is a `Schema` parameter.
    """
    declared = params.split()
    schemas = tuple(i for i, kind in enumerate(declared) if kind == "schema")
    kinds = tuple("_" if kind == "schema" else kind.removesuffix("?") for kind in declared)
    optional = sum(kind.endswith("?") for kind in declared)
    if any(kind.endswith("?") for kind in declared[: len(declared) - optional]):
        raise ValueError(f"{package}.{name}: only trailing parameters may have a default")
    for kind in (*kinds, result):
        if not set(kind.split("|")) <= KINDS:
            raise ValueError(f"{package}.{name}: unknown kind {kind!r}")
    return Builtin(
        name=f"{package}.{name}",
        fn=fn,
        params=kinds,
        result=result,
        validator=result == "bool" and bool(kinds) and not optional,
        variadic=bool(optional),
        optional=optional,
        schemas=schemas,
    )


def package(
    path: str,
    functions: Iterable[tuple[str, Callable[..., Any], str, str]],
    constants: Mapping[str, object] | None = None,
) -> dict[str, Builtin | object]:
    """The members of the package imported as `path`: (name, fn, params, result) rows.

    A function's name is qualified by the full import path ("encoding/json.Marshal"),
    as CUE's messages name it.
    """
    members: dict[str, Builtin | object] = dict(constants or {})
    for name, fn, params, result in functions:
        members[name] = builtin(path, name, fn, params, result)
    return members


def as_text(value: str | bytes) -> str:
    """A `bytes|string` argument as text (bytes decoded as UTF-8, bad bytes replaced)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def as_bytes(value: str | bytes) -> bytes:
    """A `bytes|string` argument as bytes (text encoded as UTF-8)."""
    return value if isinstance(value, bytes) else value.encode("utf-8")


MAX_INT_DIGITS = 4000  # below Python's limit for int <-> text conversion


def decimal_result(d: Decimal) -> int | Decimal:
    """A computed decimal as CUE returns it from a builtin: integral values become ints."""
    if not (d.is_finite() and d == d.to_integral_value()):
        return d
    if d.adjusted() >= MAX_INT_DIGITS:
        raise BuiltinError(f"result {d:.6E} has more than {MAX_INT_DIGITS} digits")
    return int(d)


def is_number(value: object) -> bool:
    """A CUE number: an int (not a bool) or a Decimal."""
    return isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool))


def cue_text(value: object) -> str:
    """A concrete value as CUE writes it in a message: `1`, `"a"`, `[1,2]`, `{a: 1}`."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else str(value).lower()
    if isinstance(value, int | Decimal):
        return format_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes):
        return "'" + value.decode("utf-8", "backslashreplace").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ",".join(cue_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{cue_text(v)}" for k, v in value.items()) + "}"
    return repr(value)


def kind_of(value: object) -> str:
    """The CUE kind name of a concrete Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    names = {Decimal: "float", str: "string", bytes: "bytes", dict: "struct", list: "list"}
    return names.get(type(value), type(value).__name__)


def strings_of(values: list[Any]) -> list[str]:
    """A list argument that must hold only strings (`strings.Join`, `list.SortStrings`)."""
    for i, value in enumerate(values):
        if not isinstance(value, str):
            raise BuiltinError(
                f"invalid list element {i} in argument 0 to call: "
                f"cannot use value {cue_text(value)} ({kind_of(value)}) as string"
            )
    return values


def cue_equal(a: object, b: object) -> bool:
    """CUE `==` on concrete values: numbers by value, bools never equal numbers, structs unordered."""
    if is_number(a) or is_number(b):
        return is_number(a) and is_number(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(cue_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(cue_equal, a, b))
    return type(a) is type(b) and a == b
