"""The CUE `math` package.

Rounding, `Abs`, `Pow`, `Exp`, `Log*` and friends compute on decimals (34 digits)
and return an int when the result is integral, as CUE does. The trigonometric
and other Go float64 functions compute on an IEEE double and return a float
spelled with the double's shortest digits (`math.Sqrt(2)` is 1.4142135623730951).
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Callable
from decimal import Decimal

from cueflow.cue import numbers
from cueflow.cue.std.base import BuiltinError, decimal_result, package

Number = int | Decimal


def _rounded(rounding: str) -> Callable[[Number], Number]:
    def apply(x: Number) -> Number:
        return decimal_result(Decimal(x).to_integral_value(rounding=rounding))

    return apply


def multiple_of(x: Number, y: Number) -> bool:
    if y == 0:
        raise BuiltinError("division by zero")
    quotient = numbers.CONTEXT.divide(Decimal(x), Decimal(y))
    return quotient == quotient.to_integral_value()


def _decimal(fn: Callable[[Decimal], Decimal]) -> Callable[[Number], Number]:
    def apply(x: Number) -> Number:
        try:
            result = fn(Decimal(x))
        except decimal.InvalidOperation as exc:
            raise BuiltinError(f"invalid operation on {x}") from exc
        if not result.is_finite():  # ln(0): CUE has no infinite numbers
            raise BuiltinError(f"invalid operation: the result for {x} is {result}")
        return decimal_result(result)

    return apply


def _log2(x: Decimal) -> Decimal:
    """ln(x) / ln(2), each rounded to 34 digits as CUE does (so the last digit matches)."""
    ln = numbers.CONTEXT.ln(x)
    return ln if not ln.is_finite() else numbers.quo(ln, numbers.CONTEXT.ln(Decimal(2)))


def _cbrt(x: Decimal) -> Decimal:
    if x.is_zero():
        return x
    wide = numbers.CONTEXT.copy()
    wide.prec += 10
    root = wide.power(x.copy_abs(), wide.divide(Decimal(1), Decimal(3)))
    rounded = root.to_integral_value()
    if rounded**3 == x.copy_abs():
        root = rounded
    return numbers.CONTEXT.plus(root.copy_sign(x))


def pow_(x: Number, y: Number) -> Number:
    try:
        if isinstance(y, int) or y == y.to_integral_value():
            if x == 0 and y < 0:
                raise BuiltinError("invalid operation: zero to a negative power")
            result = numbers.CONTEXT.power(Decimal(x), int(y))
        else:
            result = numbers.CONTEXT.power(Decimal(x), Decimal(y))
    except decimal.InvalidOperation as exc:
        raise BuiltinError(f"invalid operation: {x} ** {y}") from exc
    return decimal_result(result)


def _float64(fn: Callable[..., float]) -> Callable[..., Decimal]:
    """A Go float64 function: the arguments become doubles, the result a CUE float."""

    def apply(*args: Number) -> Decimal:
        try:
            result = fn(*(float(a) if isinstance(a, Decimal) else a for a in args))
        except (ValueError, OverflowError) as exc:
            raise BuiltinError(f"{exc}") from exc
        if not math.isfinite(result):
            raise BuiltinError(f"result is not a finite number: {result}")
        return numbers.from_float64(result)

    return apply


def jacobi(x: int, y: int) -> int:
    """The Jacobi symbol (x/y) for odd y, as Go's big.Jacobi."""
    if y % 2 == 0:
        raise BuiltinError(f"big: invalid 2nd argument to Int.Jacobi: need odd integer but got {y}")
    a, b, result = x, y, 1
    if b < 0:
        if a < 0:
            result = -1
        b = -b
    a %= b
    while a:
        while a % 2 == 0:
            a //= 2
            if b % 8 in (3, 5):
                result = -result
        a, b = b, a
        if a % 4 == 3 and b % 4 == 3:
            result = -result
        a %= b
    return result if b == 1 else 0


def _ilogb(x: Number) -> int:
    if x == 0:
        raise BuiltinError("Ilogb of zero")
    return math.frexp(float(x))[1] - 1


def _logb(x: float) -> float:
    return float(math.frexp(x)[1] - 1)


# Go computes these in Go (Cephes' algorithms), not with the C library, and the
# last digit differs for many inputs; these follow Go's steps operation by operation.
_ATAN_P = (
    -8.750608600031904122785e-01,
    -1.615753718733365076637e01,
    -7.500855792314704667340e01,
    -1.228866684490136173410e02,
    -6.485021904942025371773e01,
)
_ATAN_Q = (
    2.485846490142306297962e01,
    1.650270098316988542046e02,
    4.328810604912902668951e02,
    4.853903996359136964868e02,
    1.945506571482613964425e02,
)
_PI_2_LOW_BITS = 6.123233995736765886130e-17  # pi/2 = math.pi/2 + this
_TAN_3PI_8 = 2.41421356237309504880


def _xatan(x: float) -> float:
    """atan on [0, 0.66]: a rational approximation."""
    p0, p1, p2, p3, p4 = _ATAN_P
    q0, q1, q2, q3, q4 = _ATAN_Q
    z = x * x
    z = (
        z
        * ((((p0 * z + p1) * z + p2) * z + p3) * z + p4)
        / (((((z + q0) * z + q1) * z + q2) * z + q3) * z + q4)
    )
    return x * z + x


def _satan(x: float) -> float:
    """atan of x >= 0, reduced to [0, 0.66]."""
    if x <= 0.66:
        return _xatan(x)
    if x > _TAN_3PI_8:
        return math.pi / 2 - _xatan(1 / x) + _PI_2_LOW_BITS
    return math.pi / 4 + _xatan((x - 1) / (x + 1)) + 0.5 * _PI_2_LOW_BITS


def go_atan(x: float) -> float:
    if x == 0:
        return x
    return _satan(x) if x > 0 else -_satan(-x)


def go_atan2(y: float, x: float) -> float:
    if y == 0:
        return (
            math.copysign(0.0, y)
            if x >= 0 and math.copysign(1.0, x) > 0
            else math.copysign(math.pi, y)
        )
    if x == 0:
        return math.copysign(math.pi / 2, y)
    q = go_atan(y / x)
    if x < 0:
        return q + math.pi if q <= 0 else q - math.pi
    return q


def go_asin(x: float) -> float:
    if x == 0:
        return x
    magnitude = abs(x)
    if magnitude > 1:
        return math.nan
    root = math.sqrt(1 - magnitude * magnitude)
    result = math.pi / 2 - _satan(root / magnitude) if magnitude > 0.7 else _satan(magnitude / root)
    return -result if x < 0 else result


def go_acos(x: float) -> float:
    return math.pi / 2 - go_asin(x)


def go_hypot(p: float, q: float) -> float:
    """max * sqrt(1 + (min/max)**2), not the correctly rounded C hypot."""
    p, q = abs(p), abs(q)
    if p < q:
        p, q = q, p
    if p == 0:
        return 0.0
    q = q / p
    return p * math.sqrt(1 + q * q)


def _remainder(x: float, y: float) -> float:
    return math.remainder(x, y)


_CONSTANTS: dict[str, object] = {
    name: Decimal(text)
    for name, text in {
        "E": "2.71828182845904523536028747135266249775724709369995957496696763",
        "Pi": "3.14159265358979323846264338327950288419716939937510582097494459",
        "Phi": "1.61803398874989484820458683436563811772030917980576286213544861",
        "Sqrt2": "1.41421356237309504880168872420969807856967187537694807317667974",
        "SqrtE": "1.64872127070012814684865078781416357165377610071014801157507931",
        "SqrtPi": "1.77245385090551602729816748334114518279754945612238712821380779",
        "SqrtPhi": "1.27201964951406896425242246173749149171560804184009624861664038",
        "Ln2": "0.693147180559945309417232121458176568075500134360255254120680009",
        "Log2E": "1.442695040888963407359924681001892137426645954152985934135449408",
        "Ln10": "2.3025850929940456840179914546843642076011014886287729760333278",
        "Log10E": "0.43429448190325182765112891891660508229439700580366656611445378",
    }.items()
}
_CONSTANTS.update(
    {
        "MaxExp": 2147483647,
        "MinExp": -2147483648,
        "MaxPrec": 4294967295,
        "ToNearestEven": 0,
        "ToNearestAway": 1,
        "ToZero": 2,
        "AwayFromZero": 3,
        "ToNegativeInf": 4,
        "ToPositiveInf": 5,
        "Below": -1,
        "Exact": 0,
        "Above": 1,
        "MaxBase": 62,
    }
)

_FLOAT_FUNCTIONS: dict[str, Callable[..., float]] = {
    "Acosh": math.acosh,
    "Asin": go_asin,
    "Acos": go_acos,
    "Asinh": math.asinh,
    "Atan": go_atan,
    "Atanh": math.atanh,
    "Erf": math.erf,
    "Erfc": math.erfc,
    "Expm1": math.expm1,
    "Gamma": math.gamma,
    "Log1p": math.log1p,
    "Logb": _logb,
    "Cos": math.cos,
    "Sin": math.sin,
    "Sinh": math.sinh,
    "Cosh": math.cosh,
    "Sqrt": math.sqrt,
    "Tan": math.tan,
    "Tanh": math.tanh,
}

MEMBERS = package(
    "math",
    [
        ("Floor", _rounded(decimal.ROUND_FLOOR), "number", "int"),
        ("Ceil", _rounded(decimal.ROUND_CEILING), "number", "int"),
        ("Trunc", _rounded(decimal.ROUND_DOWN), "number", "int"),
        ("Round", _rounded(decimal.ROUND_HALF_UP), "number", "int"),
        ("RoundToEven", _rounded(decimal.ROUND_HALF_EVEN), "number", "int"),
        ("MultipleOf", multiple_of, "number number", "bool"),
        ("Abs", _decimal(numbers.CONTEXT.abs), "number", "number"),
        ("Cbrt", _decimal(_cbrt), "number", "number"),
        (
            "Copysign",
            lambda x, y: decimal_result(Decimal(x).copy_sign(Decimal(y))),
            "number number",
            "number",
        ),
        (
            "Dim",
            lambda x, y: decimal_result(
                max(numbers.CONTEXT.subtract(Decimal(x), Decimal(y)), Decimal(0))
            ),
            "number number",
            "number",
        ),
        ("Exp", _decimal(numbers.CONTEXT.exp), "number", "number"),
        ("Exp2", lambda x: pow_(2, x), "number", "number"),
        ("Log", _decimal(numbers.CONTEXT.ln), "number", "number"),
        ("Log10", _decimal(numbers.CONTEXT.log10), "number", "number"),
        ("Log2", _decimal(_log2), "number", "number"),
        ("Pow", pow_, "number number", "number"),
        ("Pow10", lambda n: decimal_result(Decimal(1).scaleb(n)), "int", "number"),
        ("Signbit", lambda x: Decimal(x).is_signed(), "number", "bool"),
        ("Ilogb", _ilogb, "number", "int"),
        ("Jacobi", jacobi, "int int", "int"),
        ("Atan2", _float64(go_atan2), "number number", "number"),
        ("Hypot", _float64(go_hypot), "number number", "number"),
        ("Mod", _float64(math.fmod), "number number", "number"),
        ("Remainder", _float64(_remainder), "number number", "number"),
        ("Ldexp", _float64(math.ldexp), "number int", "number"),
        *((name, _float64(fn), "number", "number") for name, fn in _FLOAT_FUNCTIONS.items()),
    ],
    _CONSTANTS,
)
