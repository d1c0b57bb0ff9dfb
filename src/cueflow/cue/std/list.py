"""The CUE `list` package.

`Sort`, `SortStable` and `IsSorted` take a comparator, which is CUE (a struct with
`x`, `y` and `less`). Only the evaluator can run an arbitrary one; the package
exposes `Ascending` and `Descending` as `SortOrder` markers and sorts natively when
given them. The evaluator must handle any other comparator itself (see `SortOrder`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cueflow.cue import numbers
from cueflow.cue.std.base import (
    BuiltinError,
    Schema,
    ValidationError,
    cue_equal,
    cue_text,
    decimal_result,
    is_number,
    kind_of,
    package,
    strings_of,
)
from cueflow.cue.std.encoding_json import conform

MAX_REPEAT = 1_000_000


@dataclass(frozen=True)
class SortOrder:
    """`list.Ascending` / `list.Descending`: the CUE comparators with a native meaning.

    For another comparator the evaluator calls `Sort` itself: unify the comparator
    with `{x: a, y: b}` for each pair and read `less`, sorting stably (Go's
    `sort.Stable` for `SortStable`; `Sort` is not guaranteed stable but stable is
    a valid outcome).
    """

    descending: bool

    def key_compare(self, a: Any, b: Any) -> int:
        if not (is_number(a) and is_number(b)) and not (isinstance(a, str) and isinstance(b, str)):
            raise BuiltinError(f"cannot compare {a!r} and {b!r}: need two numbers or two strings")
        result = (a > b) - (a < b)
        return -result if self.descending else result


ASCENDING = SortOrder(descending=False)
DESCENDING = SortOrder(descending=True)


def _order(cmp: object) -> SortOrder:
    if not isinstance(cmp, SortOrder):
        raise BuiltinError(
            "only list.Ascending and list.Descending are built in; the evaluator runs other comparators"
        )
    return cmp


def sort(xs: list[Any], cmp: object) -> list[Any]:
    return sorted(xs, key=functools.cmp_to_key(_order(cmp).key_compare))


def is_sorted(xs: list[Any], cmp: object) -> bool:
    order = _order(cmp)
    return all(order.key_compare(a, b) <= 0 for a, b in itertools.pairwise(xs))


def concat(lists: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in lists:
        if not isinstance(item, list):
            raise BuiltinError(f"cannot use value {cue_text(item)} (type {kind_of(item)}) as list")
        out.extend(item)
    return out


def flatten_n(xs: Any, depth: int) -> list[Any]:
    if not isinstance(xs, list):
        raise BuiltinError(f"cannot use value {cue_text(xs)} (type {kind_of(xs)}) as list")
    out: list[Any] = []
    for item in xs:
        if isinstance(item, list) and depth != 0:
            out.extend(flatten_n(item, depth - 1))
        else:
            out.append(item)
    return out


def repeat(xs: list[Any], count: int) -> list[Any]:
    if count < 0:
        raise BuiltinError("negative count")
    if count > MAX_REPEAT:
        raise BuiltinError(f"count {count} exceeds limit of {MAX_REPEAT}")
    return xs * count


def take(xs: list[Any], n: int) -> list[Any]:
    if n < 0:
        raise BuiltinError("negative index")
    return xs[:n]


def drop(xs: list[Any], n: int) -> list[Any]:
    if n < 0:
        raise BuiltinError("negative index")
    return xs[n:]


def slice_(xs: list[Any], i: int, j: int) -> list[Any]:
    if i < 0:
        raise BuiltinError("negative index")
    if i > j:
        raise BuiltinError(f"invalid index: {i} > {j}")
    if i > len(xs) or j > len(xs):
        raise BuiltinError("slice bounds out of range")
    return xs[i:j]


def min_items(xs: list[Any], n: int) -> bool:
    if len(xs) < n:
        raise ValidationError(f"len(list) < MinItems({n}) ({len(xs)} < {n})")
    return True


def max_items(xs: list[Any], n: int) -> bool:
    if len(xs) > n:
        raise ValidationError(f"len(list) > MaxItems({n}) ({len(xs)} > {n})")
    return True


def unique_items(xs: list[Any]) -> bool:
    for i, a in enumerate(xs):
        for j in range(i + 1, len(xs)):
            if cue_equal(a, xs[j]):
                if isinstance(a, dict | list):
                    raise ValidationError(f"equal values at position {i} and {j}")
                raise ValidationError(f"equal value ({cue_text(a)}) at position {i} and {j}")
    return True


def _matches(value: Any, schema: Any) -> bool:
    try:
        return conform(value, schema, concrete=False)
    except BuiltinError:
        return False


def match_n(xs: list[Any], n: Any, schema: Any) -> bool:
    """Whether the number of elements that unify with `schema` satisfies `n` (a number or bound)."""
    matched = sum(_matches(x, schema) for x in xs)
    if not _matches(matched, n):
        shown = cue_text(n) if not isinstance(n, Schema) else "n"
        raise ValidationError(f"number of matched elements is {matched}: does not satisfy {shown}")
    return True


def _numbers(xs: list[Any]) -> list[int | Decimal]:
    for x in xs:
        if not is_number(x):
            raise BuiltinError(f"cannot use value {cue_text(x)} (type {kind_of(x)}) as number")
    return xs


def _fold(xs: list[Any], start: int, op: Callable[[Decimal, Decimal], Decimal]) -> int | Decimal:
    total = Decimal(start)
    for x in _numbers(xs):
        total = op(total, Decimal(x))
    return decimal_result(total)


def sum_(xs: list[Any]) -> int | Decimal:
    return _fold(xs, 0, numbers.CONTEXT.add)


def product(xs: list[Any]) -> int | Decimal:
    return _fold(xs, 1, numbers.CONTEXT.multiply)


def avg(xs: list[Any]) -> int | Decimal:
    if not xs:
        raise BuiltinError("empty list")
    total = sum_(xs)
    return decimal_result(numbers.quo(total, len(xs)))


def max_(xs: list[Any]) -> int | Decimal:
    if not xs:
        raise BuiltinError("empty list")
    return decimal_result(Decimal(max(_numbers(xs))))


def min_(xs: list[Any]) -> int | Decimal:
    if not xs:
        raise BuiltinError("empty list")
    return decimal_result(Decimal(min(_numbers(xs))))


def range_(start: int | Decimal, limit: int | Decimal, step: int | Decimal) -> list[int | Decimal]:
    if step == 0:
        raise BuiltinError("step must be non zero")
    if step > 0 and start > limit:
        raise BuiltinError("end must be greater than start when step is positive")
    if step < 0 and start < limit:
        raise BuiltinError("end must be less than start when step is negative")
    out: list[int | Decimal] = []
    value = Decimal(start)
    while (value < limit) if step > 0 else (value > limit):
        if len(out) >= MAX_REPEAT:
            raise BuiltinError(f"range exceeds limit of {MAX_REPEAT} elements")
        out.append(decimal_result(value))
        value = numbers.CONTEXT.add(value, Decimal(step))
    return out


MEMBERS = package(
    "list",
    [
        ("Drop", drop, "list int", "list"),
        ("FlattenN", flatten_n, "_ int", "list"),
        ("Repeat", repeat, "list int", "list"),
        ("Concat", concat, "list", "list"),
        ("Take", take, "list int", "list"),
        ("Slice", slice_, "list int int", "list"),
        ("Reverse", lambda xs: xs[::-1], "list", "list"),
        ("MinItems", min_items, "list int", "bool"),
        ("MaxItems", max_items, "list int", "bool"),
        ("UniqueItems", unique_items, "list", "bool"),
        ("MatchN", match_n, "list schema schema", "bool"),
        ("Contains", lambda xs, v: any(cue_equal(x, v) for x in xs), "list _", "bool"),
        ("Avg", avg, "list", "number"),
        ("Max", max_, "list", "number"),
        ("Min", min_, "list", "number"),
        ("Product", product, "list", "number"),
        ("Range", range_, "number number number", "list"),
        ("Sum", sum_, "list", "number"),
        ("Sort", sort, "list _", "list"),
        ("SortStable", sort, "list _", "list"),
        ("SortStrings", lambda xs: sorted(strings_of(xs)), "list", "list"),
        ("IsSorted", is_sorted, "list _", "bool"),
        ("IsSortedStrings", lambda xs: strings_of(xs) == sorted(xs), "list", "bool"),
    ],
    {"Ascending": ASCENDING, "Descending": DESCENDING},
)
