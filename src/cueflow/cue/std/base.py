"""What a standard-library member looks like to the evaluator.

A `Builtin` is a plain Python function over concrete Python values (see
`cueflow.cue.std` for the value mapping) plus the CUE kinds of its parameters and
result, which the evaluator checks before calling. Nothing here knows about the
evaluator's own value types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# The kinds a parameter or result may declare. A kind may also be two kinds joined
# by "|" ("bytes|string": either is accepted, and the result has the argument's kind).
KINDS = frozenset(
    {"string", "int", "number", "float", "bytes", "bool", "null", "list", "struct", "_"}
)


class BuiltinError(Exception):
    """A call failed; the evaluator shows `error in call to <name>: <message>`."""


class ValidationError(BuiltinError):
    """A validator's argument does not satisfy it (`len(list) < MinItems(3) (2 < 3)`).

    CUE reports it as `invalid value <v> (does not satisfy <validator>): <message>`
    rather than as a failed call; plain `False` results get the same text without
    the message.
    """


@dataclass(frozen=True)
class Builtin:
    """One callable member of a standard-library package.

    `validator` marks a function that may be written with its first argument left
    out (`strings.MinRunes(3)`): the evaluator then calls it with the constrained
    value in front and fails the value when the result is false. CUE allows this
    for every function whose result is a bool.
    """

    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    result: str
    validator: bool = False
    variadic: bool = False

    def __call__(self, *args: Any) -> Any:
        """Call the function, turning Python failures into `BuiltinError`."""
        try:
            return self.fn(*args)
        except BuiltinError:
            raise
        except (ValueError, TypeError, ArithmeticError, IndexError, KeyError) as exc:
            raise BuiltinError(str(exc) or type(exc).__name__) from exc


def builtin(package: str, name: str, fn: Callable[..., Any], params: str, result: str) -> Builtin:
    """Declare a member; `params` is a space-separated kind list ("string int")."""
    kinds = tuple(params.split())
    for kind in (*kinds, result):
        if not set(kind.split("|")) <= KINDS:
            raise ValueError(f"{package}.{name}: unknown kind {kind!r}")
    return Builtin(
        name=f"{package}.{name}",
        fn=fn,
        params=kinds,
        result=result,
        validator=result == "bool" and bool(kinds),
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


def as_int(value: int | Decimal, what: str = "value") -> int:
    """A number that must be integral (CUE accepts `2.0` where an int is needed)."""
    if isinstance(value, bool):
        raise BuiltinError(f"{what}: expected number, found bool")
    if isinstance(value, int):
        return value
    if value != value.to_integral_value():
        raise BuiltinError(f"{what}: {value} is not an integer")
    return int(value)


def decimal_result(d: Decimal) -> int | Decimal:
    """A computed decimal as CUE returns it from a builtin: integral values become ints."""
    return int(d) if d.is_finite() and d == d.to_integral_value() else d


def is_number(value: object) -> bool:
    """A CUE number: an int (not a bool) or a Decimal."""
    return isinstance(value, Decimal) or (isinstance(value, int) and not isinstance(value, bool))


def cue_equal(a: object, b: object) -> bool:
    """CUE `==` on concrete values: numbers by value, bools never equal numbers, structs unordered."""
    if is_number(a) or is_number(b):
        return is_number(a) and is_number(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(cue_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(cue_equal, a, b))
    return type(a) is type(b) and a == b
