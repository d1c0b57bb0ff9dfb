"""The CUE `encoding/yaml` package.

`Marshal` writes the YAML CUE writes: block style, two-space indent, sequences
indented under their key, strings quoted only when they would read back as
something else (double quotes) or cannot be plain (single quotes), multi-line
strings as literal blocks, long lines folded at 80 columns. `Unmarshal` reads
YAML 1.2 scalars (`yes`/`on` stay strings); floats keep their written text.
"""

from __future__ import annotations

import base64
import re
from decimal import Decimal
from typing import Any

import yaml

from cueflow.cue import numbers
from cueflow.cue.std.base import BuiltinError, as_text, package
from cueflow.cue.std.encoding_json import unify_plain

WIDTH = 80
INDENT = 2

# Plain text that a YAML reader would take for another type, or that old YAML 1.1
# readers would (CUE quotes those too).
_LEGACY = frozenset(
    [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "t",
        "T",
        "f",
        "F",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        ".Nan",
    ]
)
_NON_STRING = re.compile(
    r"""~|null|Null|NULL|
    [-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)|
    [-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|
    [-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|
    [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?|
    [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?""",
    re.VERBOSE,
)
_CUE_QUOTED = re.compile(r"[-+0-9:. \t]+([-:]|[tT])[-+0-9:. \t]+[zZ]?|0x[a-fA-F0-9]+")
_DOUBLE_ESCAPES = {
    "\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}  # fmt: skip


def _printable(char: str) -> bool:
    code = ord(char)
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or code == 0x85
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


def _plain_allowed(s: str) -> tuple[bool, bool, bool]:
    """(plain, single-quoted, literal block) allowed, as libyaml's scalar analysis decides."""
    if not s:
        return False, True, False
    if s.startswith(("---", "...")):
        return False, True, True
    plain, single, block = True, True, True
    for i, char in enumerate(s):
        before = s[i - 1] if i else " "
        after = s[i + 1] if i + 1 < len(s) else " "
        if i == 0 and (char in "#,[]{}&*!|>'\"%@`" or (char in "?:-" and after in " \n")):
            plain = False
        if i and (
            char in ",?[]{}"
            or (char == ":" and after in " \n")
            or (char == "#" and before in " \n")
        ):
            plain = False
        if not _printable(char):
            plain = single = block = False
        if char == " " and after == "\n":
            plain = single = block = False
        if char == " " and before == "\n":
            plain = single = False
        if char == "\n":
            plain = False
    if s[0] in " \n" or s[-1] in " \n":
        plain = False
    if s[-1] == " ":
        block = False
    return plain, single, block


def _double_quoted(s: str, indent: int, column: int) -> str:
    out = ['"']
    column += 1
    for i, char in enumerate(s):
        if char in _DOUBLE_ESCAPES or not _printable(char) or char == "\ufeff":
            code = ord(char)
            if char in _DOUBLE_ESCAPES:
                piece = "\\" + _DOUBLE_ESCAPES[char]
            elif code <= 0xFF:
                piece = f"\\x{code:02X}"
            elif code <= 0xFFFF:
                piece = f"\\u{code:04X}"
            else:
                piece = f"\\U{code:08X}"
        elif char == " " and column > WIDTH and 0 < i < len(s) - 1:
            nxt = s[i + 1]
            out.append("\n" + " " * indent + ("\\" if nxt == " " else ""))
            column = indent + (1 if nxt == " " else 0)
            continue
        else:
            piece = char
        out.append(piece)
        column += len(piece)
    out.append('"')
    return "".join(out)


def _folded(s: str, indent: int, column: int) -> str:
    """Plain or single-quoted text, breaking at a space once past the width."""
    out = []
    for i, char in enumerate(s):
        nxt = s[i + 1] if i + 1 < len(s) else ""
        previous = s[i - 1] if i else ""
        if char == " " and column > WIDTH and previous != " " and nxt not in ("", " "):
            out.append("\n" + " " * indent)
            column = indent
            continue
        out.append(char)
        column += 1
    return "".join(out)


def _literal(s: str, indent: int) -> str:
    trailing = len(s) - len(s.rstrip("\n"))
    chomp = "-" if trailing == 0 else ("" if trailing == 1 else "+")
    hint = str(INDENT) if s[0] in " \n" else ""
    body = s[:-1] if trailing else s
    lines = body.split("\n")
    return (
        "|" + hint + chomp + "".join("\n" + (" " * indent + line if line else "") for line in lines)
    )


def scalar_text(s: str, indent: int, column: int, key: bool = False) -> str:
    """A string as a YAML scalar starting at `column`; continuation lines at `indent`."""
    plain, single, block = _plain_allowed(s)
    if s in _LEGACY or _NON_STRING.fullmatch(s) or _CUE_QUOTED.fullmatch(s) or not s:
        return _double_quoted(s, indent, column)
    if "\n" in s:
        if block and not key:
            return _literal(s, indent)
        return _double_quoted(s, indent, column)
    if plain:
        return _folded(s, indent, column)
    if single:
        return "'" + _folded(s.replace("'", "''"), indent, column + 1) + "'"
    return _double_quoted(s, indent, column)


def _scalar(value: Any, indent: int, column: int) -> str | None:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return numbers.format_number(value)
    if isinstance(value, str):
        return scalar_text(value, indent, column)
    if isinstance(value, bytes):
        return "!!binary " + base64.b64encode(value).decode("ascii")
    if value == {} or value == []:
        return "{}" if isinstance(value, dict) else "[]"
    if isinstance(value, dict | list):
        return None
    raise BuiltinError(f"cannot convert value of type {type(value).__name__} to YAML")


def _node(value: Any, indent: int, out: list[str]) -> None:
    """Write a non-empty mapping or sequence whose first line starts at column `indent`."""
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    for i, (key, item) in enumerate(items):
        lead = " " * indent if i else ""
        if key is None:
            head = lead + "- "
            text = _scalar(item, indent + INDENT, indent + 2)
            if text is None:
                out.append(head)
                _node(item, indent + INDENT, out)
                continue
        else:
            head = lead + scalar_text(key, indent + INDENT, indent, key=True) + ":"
            text = _scalar(item, indent + INDENT, len(head) - len(lead) + indent + 1)
            if text is None:
                out.append(head + "\n" + " " * (indent + INDENT))
                _node(item, indent + INDENT, out)
                continue
            head += " "
        out.append(head + text + "\n")


def marshal(value: Any) -> str:
    text = _scalar(value, 0, 0)
    if text is not None:
        return text + "\n"
    out: list[str] = []
    _node(value, 0, out)
    return "".join(out)


def marshal_stream(values: Any) -> str:
    if not isinstance(values, list):
        raise BuiltinError("MarshalStream needs a list")
    return "---\n".join(marshal(v) for v in values)


class _Loader(yaml.SafeLoader):
    """PyYAML with YAML 1.2 core-schema scalars: `yes`/`on`/dates stay strings."""


_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"<<", ["<"]),
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        list("-+.0123456789"),
    ),
]:
    _Loader.add_implicit_resolver(_tag, re.compile(rf"^(?:{_pattern})$"), _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = node.value
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body.startswith("0o"):
        return sign * int(body[2:], 8)
    if body.startswith("0x"):
        return sign * int(body[2:], 16)
    return sign * int(body)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    if "inf" in node.value.lower() or "nan" in node.value.lower():
        raise BuiltinError(f"yaml: unsupported float {node.value}")
    text = node.value.lstrip("+")
    return Decimal(("0" + text) if text.startswith(".") else text.replace("-.", "-0."))


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
    loader.flatten_mapping(node)
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, dict | list):
            raise BuiltinError("yaml: invalid map key: only scalar keys are supported")
        label = key if isinstance(key, str) else _label(key)
        value = loader.construct_object(value_node, deep=True)
        result[label] = unify_plain(result[label], value, label) if label in result else value
    return result


def _label(key: Any) -> str:
    if key is None:
        return "null"
    if key is True or key is False:
        return "true" if key else "false"
    if isinstance(key, bytes):
        return key.decode("utf-8", "replace")
    return numbers.format_number(key) if isinstance(key, int | Decimal) else str(key)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _yaml_error(exc: yaml.YAMLError) -> BuiltinError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"{mark.line + 1}:{mark.column + 1}: " if mark is not None else ""
    return BuiltinError(f"{where}{problem}")


def unmarshal_stream(data: str | bytes) -> list[Any]:
    """Every document of a YAML stream; an empty stream is one null document."""
    try:
        documents = list(yaml.load_all(as_text(data), Loader=_Loader))
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from exc
    return documents or [None]


def unmarshal(data: str | bytes) -> Any:
    """The single document of a YAML text; a second document is an error, even a broken one."""
    text = as_text(data)
    loader = _Loader(text)
    try:
        if not loader.check_node():
            return None
        value = loader.construct_document(loader.get_node())
        if not loader.check_event(yaml.StreamEndEvent):
            start = loader.peek_event().end_mark
            rest = text[start.index :]
            skipped = len(rest) - len(re.sub(r"^(?:\s|#[^\n]*)*", "", rest))
            before = text[: start.index + skipped]
            line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
            raise BuiltinError(f"{line}:{column}: expected a single YAML document")
        return value
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from exc
    finally:
        loader.dispose()


MEMBERS = package(
    "encoding/yaml",
    [
        ("Marshal", marshal, "_", "string"),
        ("MarshalStream", marshal_stream, "_", "string"),
        ("Unmarshal", unmarshal, "bytes|string", "_"),
        ("UnmarshalStream", unmarshal_stream, "bytes|string", "_"),
    ],
)
