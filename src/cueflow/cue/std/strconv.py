"""The CUE `strconv` package: Go's number and quoting conversions.

Integers are unbounded (CUE ints are big); `ParseFloat`/`FormatFloat` go through
an IEEE double as in Go, so `ParseFloat("0.1", 64)` is the double nearest 0.1.
"""

from __future__ import annotations

import decimal
import math
import re
import struct
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal

from cueflow.cue.numbers import from_float64, parse_number_literal
from cueflow.cue.std.base import BuiltinError, kind_of, package

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PREFIX_BASES = {"0b": 2, "0o": 8, "0x": 16}
# Wide enough for every digit of any double, so rounding happens only where asked.
_EXACT = decimal.Context(prec=2000, Emax=100_000, Emin=-100_000)


def format_int(i: int, base: int) -> str:
    if not 2 <= base <= 62:
        raise BuiltinError(f"invalid base {base}")
    if i == 0:
        return "0"
    digits = []
    n = abs(i)
    while n:
        n, r = divmod(n, base)
        digits.append(_DIGITS[r])
    return ("-" if i < 0 else "") + "".join(reversed(digits))


def format_uint(i: int, base: int) -> str:
    if i < 0:
        raise BuiltinError(f"cannot use {i} as unsigned integer")
    return format_int(i, base)


def _parse_big(func: str, s: str, base: int) -> int:
    """Go's big.Int SetString: optional sign, base 0 reads 0b/0o/0x/0 prefixes and `_`."""
    error = BuiltinError(f'strconv.{func}: parsing "{s}": invalid syntax')
    body, sign = s, 1
    if body[:1] in ("+", "-"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:]
    if base == 0:
        base = 10
        prefix = body[:2].lower()
        if prefix in _PREFIX_BASES:
            base, body = _PREFIX_BASES[prefix], body[2:]
        elif body[:1] == "0" and len(body) > 1:
            base, body = 8, body[1:]
        if "_" in body:
            if body.startswith("_") or body.endswith("_") or "__" in body:
                raise error
            body = body.replace("_", "")
    elif not 2 <= base <= 36:
        raise BuiltinError(f'strconv.{func}: parsing "{s}": invalid base {base}')
    if not body or not all(c.lower() in _DIGITS[:base] for c in body):
        raise error
    return sign * int(body, base)


def parse_int(s: str, base: int, bit_size: int) -> int:
    value = _parse_big("ParseInt", s, base)
    if bit_size < 0 or (bit_size and not -(1 << (bit_size - 1)) <= value < 1 << (bit_size - 1)):
        raise BuiltinError(f'strconv.ParseInt: parsing "{s}": value out of range')
    return value


def parse_uint(s: str, base: int, bit_size: int) -> int:
    value = _parse_big("ParseUint", s, base)
    if bit_size < 0 or value < 0 or (bit_size and value.bit_length() > bit_size):
        raise BuiltinError(f'strconv.ParseUint: parsing "{s}": value out of range')
    return value


def atoi(s: str) -> int:
    return _parse_big("Atoi", s, 10)


_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:\d[\d_]*)?\.?[\d_]*(?:[eE][+-]?\d+)?|0[xX][\da-fA-F_.]+[pP][+-]?\d+|inf(?:inity)?|nan)",
    re.IGNORECASE,
)


def parse_float(s: str, bit_size: int) -> Decimal:
    """Go's ParseFloat: the nearest double (or single), as CUE stores a Go float64.

    The double's shortest decimal text becomes the number with trailing zeros
    removed, so "1.0" gives `1` and "100" gives `1E+2`, as in CUE.
    """
    error = BuiltinError(f'strconv.ParseFloat: parsing "{s}": invalid syntax')
    if not _FLOAT_RE.fullmatch(s) or not re.search(r"\d|inf|nan", s, re.IGNORECASE):
        raise error
    text = s.replace("_", "")
    try:
        value = float.fromhex(text) if "x" in text.lower() else float(text)
    except ValueError as exc:
        raise error from exc
    if bit_size == 32:
        value = struct.unpack("f", struct.pack("f", value))[0]
    if not math.isfinite(value):
        raise BuiltinError(f'strconv.ParseFloat: parsing "{s}": value out of range')
    return from_float64(value)


def parse_number(s: str) -> int | Decimal:
    """A CUE number literal (`1_000`, `0x1F`, `1.5Ki`, `1e3`) as an int or float."""
    try:
        return parse_number_literal(s)
    except ValueError as exc:
        raise BuiltinError(f'strconv.ParseNumber: parsing "{s}": {exc}') from exc


def parse_bool(s: str) -> bool:
    if s in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if s in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise BuiltinError(f'strconv.ParseBool: parsing "{s}": invalid syntax')


def is_print(r: int) -> bool:
    """Go's unicode.IsPrint: graphic, with ASCII space as the only space."""
    if r == 0x20:
        return True
    return 0 <= r <= 0x10FFFF and unicodedata.category(chr(r))[0] in "LMNPS"


def is_graphic(r: int) -> bool:
    """Go's unicode.IsGraphic: printable or any Unicode space separator."""
    return is_print(r) or (0 <= r <= 0x10FFFF and unicodedata.category(chr(r)) == "Zs")


_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": "\\\\",
}


def go_quote(s: str, quote: str, ascii_only: bool, graphic: bool) -> str:
    out = [quote]
    for char in s:
        code = ord(char)
        if char == quote:
            out.append("\\" + char)
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif (code < 0x80 or not ascii_only) and (is_graphic(code) if graphic else is_print(code)):
            out.append(char)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append(quote)
    return "".join(out)


def _rune(r: int) -> str:
    return chr(r) if 0 <= r <= 0x10FFFF and not 0xD800 <= r <= 0xDFFF else "\ufffd"


def _digits(value: float, fmt: str, prec: int) -> tuple[str, int]:
    """Decimal digits (no trailing zeros) and decimal-point position of |value|.

    With prec < 0 these are the shortest digits that read back as the same double
    (Python's repr and Go agree); otherwise the exact binary value rounded half to
    even at the place `fmt` and `prec` ask for.
    """
    exact = Decimal(repr(abs(value))) if prec < 0 else Decimal(abs(value))
    if exact.is_zero():
        return "", 0
    if prec >= 0:
        places = {"e": prec + 1, "g": max(prec, 1)}.get(fmt.lower())
        quantum = (
            Decimal(1).scaleb(exact.adjusted() - places + 1) if places else Decimal(1).scaleb(-prec)
        )
        exact = exact.quantize(quantum, rounding=ROUND_HALF_EVEN, context=_EXACT)
    _, digit_tuple, exponent = exact.normalize(_EXACT).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    if not digits:
        return "", 0
    return digits, len(digit_tuple) + exponent


def _fmt_e(digits: str, dp: int, prec: int, letter: str) -> str:
    first, rest = (digits or "0")[0], (digits or "0")[1:]
    fraction = (rest + "0" * prec)[:prec]
    exp = dp - 1 if digits else 0
    mantissa = first + ("." + fraction if prec > 0 else "")
    return f"{mantissa}{letter}{'-' if exp < 0 else '+'}{abs(exp):02d}"


def _fmt_f(digits: str, dp: int, prec: int) -> str:
    whole = (digits[:dp] if dp > 0 else "").ljust(max(dp, 0), "0") or "0"
    fraction_digits = ("0" * -dp + digits) if dp < 0 else digits[dp:]
    fraction = (fraction_digits + "0" * prec)[:prec]
    return whole + ("." + fraction if prec > 0 else "")


def go_format_float(value: float, fmt: str, prec: int, bit_size: int) -> str:
    """Go's strconv.FormatFloat for the formats 'e', 'E', 'f', 'g' and 'G'."""
    if bit_size == 32:
        value = struct.unpack("f", struct.pack("f", value))[0]
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if fmt not in "eEfgG" or not fmt:
        return "%" + fmt
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    shortest = prec < 0
    digits, dp = _digits(value, fmt, prec)
    nd = len(digits)
    if fmt in "eE":
        return sign + _fmt_e(digits, dp, max(nd - 1, 0) if shortest else prec, fmt)
    if fmt == "f":
        return sign + _fmt_f(digits, dp, max(nd - dp, 0) if shortest else prec)
    if shortest:
        prec, eprec = nd, 6
    else:
        prec = max(prec, 1)
        eprec = nd if prec > nd >= dp else prec
    exp = dp - 1
    if digits and (exp < -4 or exp >= eprec):
        return sign + _fmt_e(digits, dp, min(prec, nd) - 1, "e" if fmt == "g" else "E")
    if prec > dp:
        prec = nd
    return sign + _fmt_f(digits, dp, max(prec - dp, 0))


def format_float(f: int | Decimal, fmt: str | int, prec: int, bit_size: int) -> str:
    """FormatFloat(number, fmt, prec, bitSize): `fmt` is a one-letter string or its code."""
    if isinstance(fmt, str):
        if len(fmt) != 1:
            raise BuiltinError("expected single character string")
    elif not isinstance(fmt, int) or isinstance(fmt, bool):
        raise BuiltinError(f"unexpected kind {kind_of(fmt)}")
    elif not 0 <= fmt <= 255:
        raise BuiltinError(f"format value {fmt} out of range [0, 255]")
    else:
        fmt = chr(fmt)
    return go_format_float(float(f), fmt, prec, bit_size)


_UNQUOTE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "/": "/",
    '"': '"',
    "'": "'",
}


def unquote(s: str) -> str:
    """A quoted CUE string (`"..."`, `'...'`, `#"..."#`, multi-line `\"\"\"`) as text."""
    error = BuiltinError("invalid syntax")
    hashes = len(s) - len(s.lstrip("#"))
    if hashes != len(s) - len(s.rstrip("#")):
        raise error
    body = s[hashes : len(s) - hashes]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    if (
        quote not in ('"', "'", '"""', "'''")
        or len(body) < 2 * len(quote)
        or not body.endswith(quote)
    ):
        raise error
    inner = body[len(quote) : len(body) - len(quote)]
    if len(quote) == 3:
        inner = _strip_multiline(inner)
    elif "\n" in inner:
        raise error
    escape = "\\" + "#" * hashes
    out: list[str] = []
    i = 0
    while i < len(inner):
        if not inner.startswith(escape, i):
            if len(quote) == 1 and inner[i] == quote and not hashes:
                raise error
            out.append(inner[i])
            i += 1
            continue
        i += len(escape)
        if i >= len(inner):
            raise error
        char = inner[i]
        widths = {"x": 2, "u": 4, "U": 8}
        if char in widths:
            code = inner[i + 1 : i + 1 + widths[char]]
            if len(code) != widths[char] or not all(c in "0123456789abcdefABCDEF" for c in code):
                raise error
            out.append(chr(int(code, 16)))
            i += 1 + widths[char]
        elif char in _UNQUOTE_ESCAPES:
            out.append(_UNQUOTE_ESCAPES[char].encode().decode("unicode_escape"))
            i += 1
        else:
            raise error
    return "".join(out)


def _strip_multiline(inner: str) -> str:
    """The content of a multi-line literal: after the first newline, minus the indent."""
    if not inner.startswith("\n"):
        raise BuiltinError("invalid syntax")
    lines = inner[1:].split("\n")
    indent = lines[-1]
    if indent.strip(" \t"):
        raise BuiltinError("invalid syntax")
    body = lines[:-1]
    if any(line and not line.startswith(indent) for line in body):
        raise BuiltinError("invalid whitespace in multi-line string")
    return "\n".join(line[len(indent) :] for line in body)


MEMBERS = package(
    "strconv",
    [
        ("Unquote", unquote, "string", "string"),
        ("ParseBool", parse_bool, "string", "bool"),
        ("FormatBool", lambda b: "true" if b else "false", "bool", "string"),
        ("ParseFloat", parse_float, "string int", "number"),
        ("ParseNumber", parse_number, "string", "number"),
        ("ParseUint", parse_uint, "string int int", "int"),
        ("ParseInt", parse_int, "string int int", "int"),
        ("Atoi", atoi, "string", "int"),
        ("FormatFloat", format_float, "number _ int int", "string"),
        ("FormatUint", format_uint, "int int", "string"),
        ("FormatInt", format_int, "int int", "string"),
        ("Quote", lambda s: go_quote(s, '"', False, False), "string", "string"),
        ("QuoteToASCII", lambda s: go_quote(s, '"', True, False), "string", "string"),
        ("QuoteToGraphic", lambda s: go_quote(s, '"', False, True), "string", "string"),
        ("QuoteRune", lambda r: go_quote(_rune(r), "'", False, False), "int", "string"),
        ("QuoteRuneToASCII", lambda r: go_quote(_rune(r), "'", True, False), "int", "string"),
        ("QuoteRuneToGraphic", lambda r: go_quote(_rune(r), "'", False, True), "int", "string"),
        ("IsPrint", is_print, "int", "bool"),
        ("IsGraphic", is_graphic, "int", "bool"),
    ],
    {"IntSize": 64},
)
