"""The CUE `encoding/json` package.

`Marshal` writes CUE's JSON: compact, fields in order, floats in CUE's spelling
(`1.0`, `1E+3`), bytes as base64, and no HTML escaping of `<>&` (unlike Go's
`json.Marshal`; `HTMLEscape` does that on request). `Unmarshal` reads numbers as
CUE literals: `1` is an int, `1.0` and `1e3` are floats that keep their text.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

from cueflow.cue import numbers
from cueflow.cue.std.base import BuiltinError, Schema, as_text, cue_equal, package

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def quote(s: str) -> str:
    """A JSON string as Go writes it without HTML escaping."""
    out = ['"']
    for char in s:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char < " " or char in "\u2028\u2029":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def marshal(value: Any) -> str:
    """Compact JSON text of a concrete CUE value."""
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif isinstance(value, int | Decimal):
        out.append(numbers.format_number(value))
    elif isinstance(value, str):
        out.append(quote(value))
    elif isinstance(value, bytes):
        out.append(quote(base64.b64encode(value).decode("ascii")))
    elif isinstance(value, list):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(quote(key))
            out.append(":")
            _write(item, out)
        out.append("}")
    else:
        raise BuiltinError(f"cannot convert value of type {type(value).__name__} to JSON")


def marshal_stream(values: Any) -> str:
    if not isinstance(values, list):
        raise BuiltinError("MarshalStream needs a list")
    return "".join(marshal(v) + "\n" for v in values)


def _number(text: str) -> int | Decimal:
    return numbers.parse_number_literal(text)


def _reject_constant(name: str) -> None:
    raise ValueError(f"invalid JSON constant {name}")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a CUE struct: a repeated key must unify with its first value."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            result[key] = unify_plain(result[key], value, key)
        else:
            result[key] = value
    return result


def unify_plain(a: Any, b: Any, path: str) -> Any:
    """Unify two concrete values: structs merge, anything else must be equal."""
    where = f"{path}: " if path else ""
    if isinstance(a, dict) and isinstance(b, dict):
        merged = dict(a)
        for key, value in b.items():
            inner = f"{path}.{key}" if path else key
            merged[key] = unify_plain(merged[key], value, inner) if key in merged else value
        return merged
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            raise BuiltinError(f"{where}incompatible list lengths ({len(a)} and {len(b)})")
        return [
            unify_plain(x, y, f"{path}.{i}" if path else str(i))
            for i, (x, y) in enumerate(zip(a, b, strict=True))
        ]
    if not cue_equal(a, b):
        raise BuiltinError(f"{where}conflicting values {marshal(a)} and {marshal(b)}")
    return a


def conform(value: Any, schema: Any, *, concrete: bool) -> bool:
    """`value` unified with `schema` without error (and, with `concrete`, fully concrete).

    True, or `BuiltinError` with the first conflict; what `Validate` returns.
    """
    if isinstance(schema, Schema):
        problem = schema.check(value, concrete=concrete)
        if problem is not None:
            raise BuiltinError(problem)
    else:
        unify_plain(value, schema, "")
    return True


_DECODER = json.JSONDecoder(
    parse_float=_number,
    parse_int=_number,
    parse_constant=_reject_constant,
    object_pairs_hook=_object,
)


def unmarshal(data: str | bytes) -> Any:
    try:
        return _DECODER.decode(as_text(data))
    except ValueError as exc:
        raise BuiltinError("json: invalid JSON") from exc


def unmarshal_stream(data: str | bytes) -> list[Any]:
    text = as_text(data)
    values: list[Any] = []
    position = _skip_space(text, 0)
    while position < len(text):
        try:
            value, position = _DECODER.raw_decode(text, position)
        except ValueError as exc:
            raise BuiltinError("json: invalid JSON") from exc
        values.append(value)
        position = _skip_space(text, position)
    return values


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def valid(data: str | bytes) -> bool:
    try:
        _DECODER.decode(as_text(data))
    except ValueError:
        return False
    return True


def validate(data: str | bytes, schema: Any) -> bool:
    """Whether the JSON text is valid and agrees with `schema` (it need not be complete)."""
    return conform(unmarshal(data), schema, concrete=False)


def _tokens(text: str) -> list[str]:
    """Split valid JSON text into tokens, keeping strings and numbers as written."""
    tokens: list[str] = []
    position = _skip_space(text, 0)
    while position < len(text):
        char = text[position]
        if char in "{}[],:":
            tokens.append(char)
            position += 1
        elif char == '"':
            end = position + 1
            while text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            tokens.append(text[position : end + 1])
            position = end + 1
        else:
            end = position
            while end < len(text) and text[end] not in " \t\r\n{}[],:":
                end += 1
            tokens.append(text[position:end])
            position = end
        position = _skip_space(text, position)
    return tokens


def _checked_tokens(data: str | bytes) -> list[str]:
    text = as_text(data)
    if not valid(text):
        raise BuiltinError("json: invalid JSON")
    return _tokens(text)


def compact(data: str | bytes) -> str:
    return "".join(_checked_tokens(data))


def indent(data: str | bytes, prefix: str, step: str) -> str:
    """Go's json.Indent: one element per line, `prefix` then `step` per nesting level.

    Leading white space is dropped and trailing white space kept, as in Go.
    """
    text = as_text(data)
    trailing = text[len(text.rstrip(" \t\r\n")) :]
    tokens = _checked_tokens(text)
    out: list[str] = []
    depth = 0
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in "{[" and following in "}]":
            out.append(token)
        elif token in "{[":
            depth += 1
            out.append(token + "\n" + prefix + step * depth)
        elif token in "}]":
            if tokens[i - 1] not in "{[":
                depth -= 1
                out.append("\n" + prefix + step * depth)
            out.append(token)
        elif token == ",":
            out.append(",\n" + prefix + step * depth)
        elif token == ":":
            out.append(": ")
        else:
            out.append(token)
    return "".join(out) + trailing


def html_escape(data: str | bytes) -> str:
    text = as_text(data)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


MEMBERS = package(
    "encoding/json",
    [
        ("Valid", valid, "bytes|string", "bool"),
        ("Compact", compact, "bytes|string", "string"),
        ("Indent", indent, "bytes|string string string", "string"),
        ("HTMLEscape", html_escape, "bytes|string", "string"),
        ("Marshal", marshal, "_", "string"),
        ("MarshalStream", marshal_stream, "_", "string"),
        ("UnmarshalStream", unmarshal_stream, "bytes|string", "_"),
        ("Unmarshal", unmarshal, "bytes|string", "_"),
        ("Validate", validate, "bytes|string schema", "bool"),
    ],
)
