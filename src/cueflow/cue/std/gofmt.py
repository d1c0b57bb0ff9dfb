"""Go's `fmt` printing of the values a CUE value decodes to, for `text/template`.

CUE hands a template `interface{}` data: int64 for an int, float64 for a float,
string, bool, nil, []byte, []interface{} and map[string]interface{} (printed
with sorted keys). `sprint`, `sprintln` and `sprintf` print those as Go does,
including its `%!verb(type=value)` notes for a verb that does not fit.
"""

from __future__ import annotations

import math
from typing import Any

from cueflow.cue.std.strconv import go_format_float, go_quote


class IdealInt(int):
    """An integer constant written in a template: Go's `int`, where data ints are int64."""


def type_name(value: Any) -> str:
    """The Go type a decoded value has."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, IdealInt):
        return "int"
    names = {
        int: "int64",
        float: "float64",
        str: "string",
        bytes: "[]uint8",
        list: "[]interface {}",
        dict: "map[string]interface {}",
    }
    return names.get(type(value), type(value).__name__)


def sprint(args: list[Any]) -> str:
    """fmt.Sprint: a space between two operands when neither is a string."""
    out = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(format_value(arg, "v"))
    return "".join(out)


def sprintln(args: list[Any]) -> str:
    return " ".join(format_value(arg, "v") for arg in args) + "\n"


class _Spec:
    """One `%` directive: flags, width, precision and verb."""

    def __init__(self) -> None:
        self.minus = self.plus = self.sharp = self.space = self.zero = False
        self.width: int | None = None
        self.precision: int | None = None
        self.verb = ""


def sprintf(format_: str, args: list[Any]) -> str:
    out: list[str] = []
    i, used = 0, 0
    while i < len(format_):
        percent = format_.find("%", i)
        if percent < 0:
            out.append(format_[i:])
            break
        out.append(format_[i:percent])
        i = percent + 1
        spec = _Spec()
        while i < len(format_) and format_[i] in "+-# 0":
            flag = format_[i]
            spec.plus |= flag == "+"
            spec.minus |= flag == "-"
            spec.sharp |= flag == "#"
            spec.space |= flag == " "
            spec.zero |= flag == "0"
            i += 1
        spec.width, i, used = _number(format_, i, args, used)
        if format_.startswith(".", i):
            spec.precision, i, used = _number(format_, i + 1, args, used)
            spec.precision = spec.precision or 0
        if i >= len(format_):
            out.append("%!(NOVERB)")
            break
        spec.verb = format_[i]
        i += 1
        if spec.verb == "%":
            out.append("%")
            continue
        if used >= len(args):
            out.append(f"%!{spec.verb}(MISSING)")
            continue
        out.append(_pad(_directive(args[used], spec), spec))
        used += 1
    if used < len(args):
        extra = ", ".join(f"{type_name(a)}={format_value(a, 'v')}" for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _number(text: str, i: int, args: list[Any], used: int) -> tuple[int | None, int, int]:
    """A width or precision: digits, or `*` taking an int argument."""
    if text.startswith("*", i):
        if used < len(args) and isinstance(args[used], int) and not isinstance(args[used], bool):
            return args[used], i + 1, used + 1
        return None, i + 1, used + 1
    start = i
    while i < len(text) and text[i].isdigit():
        i += 1
    return (int(text[start:i]) if i > start else None), i, used


def _pad(text: str, spec: _Spec) -> str:
    """Width padding: spaces, or zeros after any sign with the `0` flag (`-` wins)."""
    if spec.width is None or len(text) >= spec.width:
        return text
    if spec.minus:
        return text.ljust(spec.width)
    if not spec.zero:
        return text.rjust(spec.width)
    if text[:1] in "+- " and spec.verb in "dboOxXeEfFgGv":
        return text[0] + text[1:].rjust(spec.width - 1, "0")
    return text.rjust(spec.width, "0")


def _bad(value: Any, verb: str) -> str:
    if value is None:
        return f"%!{verb}(<nil>)"
    return f"%!{verb}({type_name(value)}={format_value(value, 'v')})"


def _directive(value: Any, spec: _Spec) -> str:
    verb = spec.verb
    if isinstance(value, list):
        return "[" + " ".join(_directive(item, spec) for item in value) + "]"
    if isinstance(value, dict):
        items = (f"{_directive(k, spec)}:{_directive(value[k], spec)}" for k in sorted(value))
        return "map[" + " ".join(items) + "]"
    if value is None:
        return "<nil>" if verb == "v" else _bad(value, verb)
    if isinstance(value, bool):
        return ("true" if value else "false") if verb in "vt" else _bad(value, verb)
    if isinstance(value, int):
        return _format_int(value, spec)
    if isinstance(value, float):
        return _format_float(value, spec)
    if isinstance(value, bytes):
        if verb in "sqxX":
            return _format_string(value.decode("utf-8", "replace"), spec, value)
        return "[" + " ".join(_format_int(b, spec) for b in value) + "]"
    return _format_string(value, spec, value.encode("utf-8"))


def _format_int(value: int, spec: _Spec) -> str:
    verb = spec.verb
    digits_by_verb = {"v": "d", "d": "d", "b": "b", "o": "o", "O": "o", "x": "x", "X": "X"}
    if verb == "c":
        return chr(value) if 0 <= value <= 0x10FFFF else "\ufffd"
    if verb == "q":
        return go_quote(chr(value) if 0 <= value <= 0x10FFFF else "\ufffd", "'", spec.plus, False)
    if verb == "U":
        return f"U+{value:04X}"
    if verb not in digits_by_verb:
        return _bad(value, verb)
    digits = format(abs(value), digits_by_verb[verb])
    if spec.precision is not None:
        digits = digits.rjust(spec.precision, "0") if spec.precision or value else ""
    prefix = {"O": "0o"}.get(verb, "")
    if spec.sharp:
        prefix = {"x": "0x", "X": "0X", "o": "0", "b": "0b"}.get(verb, prefix)
    sign = "-" if value < 0 else "+" if spec.plus else " " if spec.space else ""
    return sign + prefix + digits


def _format_float(value: float, spec: _Spec) -> str:
    verb = spec.verb
    if verb not in "veEfFgG":
        return _bad(value, verb)
    fmt = {"v": "g", "F": "f"}.get(verb, verb)
    prec = -1 if spec.precision is None and verb in "vgG" else spec.precision
    text = go_format_float(value, fmt, 6 if prec is None else prec, 64)
    if spec.plus and not text.startswith("-") and not math.isnan(value):
        text = "+" + text.removeprefix("+")
    elif text.startswith("+") and not spec.plus:
        text = text[1:]  # +Inf prints as Inf without the + flag
    elif spec.space and not text.startswith("-"):
        text = " " + text
    return text


def _format_string(text: str, spec: _Spec, raw: bytes) -> str:
    verb = spec.verb
    if spec.precision is not None:
        text = text[: spec.precision]
        raw = text.encode("utf-8")
    if verb in "sv":
        return text
    if verb == "q":
        if spec.sharp and "`" not in text and all(c == "\t" or c >= " " for c in text):
            return "`" + text + "`"
        return go_quote(text, '"', spec.plus, False)
    if verb in "xX":
        cells = [format(b, "02x" if verb == "x" else "02X") for b in raw]
        prefix = ("0x" if verb == "x" else "0X") if spec.sharp else ""
        if spec.space:
            return " ".join(prefix + cell for cell in cells)
        return prefix + "".join(cells) if cells else ""
    return _bad(text, verb)


def format_value(value: Any, verb: str) -> str:
    """A value as `%v` (or another verb without flags) prints it."""
    spec = _Spec()
    spec.verb = verb
    return _directive(value, spec)
