"""The CUE `math/bits` package: bit operations on unbounded ints (two's complement)."""

from __future__ import annotations

from cueflow.cue.std.base import BuiltinError, package


def _count(n: int) -> int:
    if n < 0:
        raise BuiltinError(f"cannot use negative shift or index {n}")
    return n


def set_bit(x: int, i: int, bit: int) -> int:
    if bit not in (0, 1):
        raise BuiltinError(f"bit value {bit} is not 0 or 1")
    mask = 1 << _count(i)
    return x | mask if bit else x & ~mask


MEMBERS = package(
    "math/bits",
    [
        ("Lsh", lambda x, n: x << _count(n), "int int", "int"),
        ("Rsh", lambda x, n: x >> _count(n), "int int", "int"),
        ("At", lambda x, i: (x >> _count(i)) & 1, "int int", "int"),
        ("Set", set_bit, "int int int", "int"),
        ("And", lambda a, b: a & b, "int int", "int"),
        ("Or", lambda a, b: a | b, "int int", "int"),
        ("Xor", lambda a, b: a ^ b, "int int", "int"),
        ("Clear", lambda a, b: a & ~b, "int int", "int"),
        ("OnesCount", lambda x: bin(abs(x)).count("1"), "int", "int"),
        ("Len", lambda x: abs(x).bit_length(), "int", "int"),
    ],
)
