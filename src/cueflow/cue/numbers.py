"""CUE numbers in Python: ints are `int`, floats are `decimal.Decimal`.

CUE computes with arbitrary-precision decimals (34 significant digits, rounding
half up) and prints a float with the shortest text that keeps its exponent:
`1.0`, `2.50`, `1E+3`, `1E-7`. The evaluator and the standard library share the
context and the spelling defined here so both agree with `cue export`.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal

PRECISION = 34

CONTEXT = decimal.Context(
    prec=PRECISION,
    rounding=decimal.ROUND_HALF_UP,
    Emax=100_000,
    Emin=-100_000,
    capitals=1,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def add(a: int | Decimal, b: int | Decimal) -> Decimal:
    """Float addition (at least one side is a float)."""
    return CONTEXT.add(Decimal(a), Decimal(b))


def sub(a: int | Decimal, b: int | Decimal) -> Decimal:
    """Float subtraction."""
    return CONTEXT.subtract(Decimal(a), Decimal(b))


def mul(a: int | Decimal, b: int | Decimal) -> Decimal:
    """Float multiplication."""
    return CONTEXT.multiply(Decimal(a), Decimal(b))


def quo(a: int | Decimal, b: int | Decimal) -> Decimal:
    """CUE's `/`: always a float, trailing zeros trimmed down to at most one.

    `10 / 5` is `2.0`, `1 / 4` is `0.25`, `1e12 / 2.0` is `5.0E+11`.
    Raises `decimal.DivisionByZero` (or `InvalidOperation` for `0 / 0`).
    """
    return reduce_keeping_float(CONTEXT.divide(Decimal(a), Decimal(b)))


def reduce_keeping_float(d: Decimal) -> Decimal:
    """Strip trailing zeros of a full-precision result, keeping one decimal place.

    CUE computes a quotient or square root to all 34 digits (so the exponent is
    negative unless the value is huge) and then trims; a value that had decimal
    places keeps one zero so it still reads as a float (`2.0`, `5.0E+11`).
    """
    if d.is_zero():
        return Decimal((0, (0,), -1))
    had_places = d.adjusted() < PRECISION - 1
    reduced = d.normalize(CONTEXT)
    sign, digits, exponent = reduced.as_tuple()
    assert isinstance(exponent, int)
    if had_places and exponent >= 0:
        return Decimal((sign, (*digits, 0), exponent - 1))
    return reduced


def format_float(d: Decimal) -> str:
    """The text CUE prints for a float in JSON, YAML and interpolation.

    This is the General Decimal Arithmetic "to-scientific-string" form: plain
    digits while the exponent is small, `1E+3` / `1E-7` otherwise. A negative
    zero prints without its sign.
    """
    if not d.is_finite():
        raise ValueError(f"{d} is not a CUE number")
    if d.is_zero() and d.is_signed():
        d = d.copy_abs()
    return str(d)


def format_number(n: int | Decimal) -> str:
    """Text for an int (plain digits) or a float (`format_float`)."""
    if isinstance(n, bool):
        raise TypeError("a bool is not a number")
    if isinstance(n, int):
        return str(n)
    return format_float(n)


def parse_float(text: str) -> Decimal:
    """A CUE/JSON float literal as a Decimal that keeps its written exponent."""
    return Decimal(text.replace("_", ""))


def from_float64(value: float) -> Decimal:
    """A Go float64 as CUE stores it: its shortest digits, trailing zeros removed."""
    return Decimal(repr(value)).normalize(CONTEXT)


_MULTIPLIERS = {
    "K": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
    "P": 1000**5,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
    "Pi": 1024**5,
}
_PREFIXED = {"0x": (16, "hexadecimal"), "0o": (8, "octal"), "0b": (2, "binary")}
_DECIMAL_RE = re.compile(r"(?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][+-]?\d+)?")


def parse_number_literal(text: str) -> int | Decimal:
    """A CUE number literal: `1_000`, `0x1F`, `0o17`, `1.5Ki` (ints), `2.50`, `1e3` (floats).

    Raises ValueError when `text` is not a number literal.
    """
    sign = -1 if text.startswith("-") else 1
    body = text[1:] if text[:1] in ("+", "-") else text
    if body[:2].lower() in _PREFIXED:
        base, name = _PREFIXED[body[:2].lower()]
        digits = body[2:].replace("_", "")
        if not digits or body.endswith("_") or "__" in body:
            raise ValueError(f'illegal {name} number "{text}"')
        try:
            return sign * int(digits, base)
        except ValueError:
            raise ValueError(f'illegal {name} number "{text}"') from None
    multiplier = next(
        (m for m in ("Ki", "Mi", "Gi", "Ti", "Pi", "K", "M", "G", "T", "P") if body.endswith(m)), ""
    )
    body = body[: len(body) - len(multiplier)]
    if body.endswith("_") or "__" in body or "_." in body or "._" in body:
        raise ValueError("illegal '_' in number")
    if (
        not body
        or body == "."
        or not _DECIMAL_RE.fullmatch(body)
        or not any(c.isdigit() for c in body)
    ):
        raise ValueError("invalid number literal")
    if multiplier:
        scaled = Decimal(body.replace("_", "")) * _MULTIPLIERS[multiplier]
        if scaled != scaled.to_integral_value():
            raise ValueError("multiplier does not give an integer")
        return sign * int(scaled)
    if any(c in body for c in ".eE"):
        value = Decimal(body.replace("_", ""))
        return value.copy_negate() if sign < 0 else value
    if len(body) > 1 and body.startswith("0"):
        raise ValueError("illegal leading zero")
    return sign * int(body.replace("_", ""))
