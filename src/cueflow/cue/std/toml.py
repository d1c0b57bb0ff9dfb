"""The CUE `encoding/toml` package: TOML as CUE v0.14 writes (go-toml v2) and reads it.

`Marshal` lays a struct out as go-toml does for a decoded Go map: keys sorted,
plain key-values before tables, a blank line before each table, `[[name]]` for a
list of structs, inline `{...}` tables inside arrays; strings are literal
(`'...'`) unless they hold `'`, a line break or a control character; a float
always shows a decimal point; null fields are left out. `Unmarshal` keeps a
float's text (`1.50`); dates and times become strings, written as RFC 3339 (a
zero UTC offset as `Z`).
"""

from __future__ import annotations

import datetime
import tomllib
from decimal import Decimal
from typing import Any

from cueflow.cue.std.base import BuiltinError, as_text, package
from cueflow.cue.std.strconv import go_format_float

_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_STRING_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def _invalid_ascii(char: str) -> bool:
    return (char < " " and char not in "\t\n\r") or char == "\x7f"


def _needs_quoting(s: str) -> bool:
    return any(c in "'\r\n" or _invalid_ascii(c) for c in s)


def _quoted(s: str) -> str:
    out = ['"']
    for char in s:
        if char in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[char])
        elif _invalid_ascii(char):
            out.append(f"\\u00{ord(char):02X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _string(s: str) -> str:
    return _quoted(s) if _needs_quoting(s) else f"'{s}'"


def _key(k: str) -> str:
    if k == "":
        return "''"
    if all(c in _BARE_KEY for c in k):
        return k
    return _quoted(k) if "'" in k or _needs_quoting(k) else f"'{k}'"


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_table_or_array_table(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(map(_is_table, value))
    return _is_table(value)


def _scalar(value: Any) -> str:
    if value is None:
        raise BuiltinError("toml: encoding a nil interface is not supported")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        f = float(value)
        return go_format_float(f, "f", 1 if f.is_integer() else -1, 64)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bytes):
        return _inline(list(value))
    return _inline(value)


def _inline(value: Any) -> str:
    """A value inside a key-value: arrays as `[a, b]`, structs as `{k = v}`."""
    if isinstance(value, list):
        return "[" + ", ".join(_inline(item) for item in value) + "]"
    if isinstance(value, dict):
        fields = sorted((k, v) for k, v in value.items() if v is not None)
        return "{" + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in fields) + "}"
    return _scalar(value)


def _table(value: dict[str, Any], path: list[str], header: bool, out: list[str]) -> None:
    if header and path:
        out.append("[" + ".".join(map(_key, path)) + "]\n")
    present = sorted((k, v) for k, v in value.items() if v is not None)
    kvs = [(k, v) for k, v in present if not _is_table_or_array_table(v)]
    tables = [(k, v) for k, v in present if _is_table_or_array_table(v)]
    for k, v in kvs:
        out.append(f"{_key(k)} = {_inline(v)}\n")
    for i, (k, v) in enumerate(tables):
        if i or kvs:
            out.append("\n")
        if isinstance(v, dict):
            _table(v, [*path, k], True, out)
            continue
        for j, item in enumerate(v):
            if j:
                out.append("\n")
            out.append("[[" + ".".join(map(_key, [*path, k])) + "]]\n")
            _table(item, [*path, k], False, out)


def marshal(value: Any) -> str:
    if value is None:
        raise BuiltinError("toml: cannot encode a nil interface")
    if isinstance(value, dict):
        out: list[str] = []
        _table(value, [], True, out)
        return "".join(out)
    if isinstance(value, list) and _is_table_or_array_table(value):
        raise BuiltinError("toml: a list of structs cannot be the document")
    return _inline(value)


def _time_text(value: datetime.date | datetime.time) -> str:
    text = value.isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def _plain(value: Any) -> Any:
    """tomllib's result as CUE values: dates and times as their text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        return _time_text(value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise BuiltinError(f"toml: {value} has no CUE value")
    return value


def unmarshal(data: str | bytes) -> Any:
    try:
        return _plain(tomllib.loads(as_text(data), parse_float=Decimal))
    except tomllib.TOMLDecodeError as exc:
        raise BuiltinError(f"toml: {exc}") from None


MEMBERS = package(
    "encoding/toml",
    [("Marshal", marshal, "_", "string"), ("Unmarshal", unmarshal, "bytes|string", "_")],
)
