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
from cueflow.cue.std.encoding_json import conform, unify_plain

WIDTH = 80
INDENT = 2

# Text CUE always double-quotes: YAML 1.1 booleans and time- or hex-looking text.
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
_CUE_QUOTED = re.compile(r"[-+0-9:. \t]+([-:]|[tT])[-+0-9:. \t]+[zZ]?|0x[a-fA-F0-9]+")

# Plain text a YAML reader would not read back as a string (go-yaml v3's resolver).
_RESOLVED = frozenset(
    ["", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "<<"]
    + [sign + inf for sign in ("", "+", "-") for inf in (".inf", ".Inf", ".INF")]
    + [".nan", ".NaN", ".NAN"]
)
_DOT_FLOAT = re.compile(r"\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:[Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:Z|[-+][0-9]{2}:[0-9]{2})"
    r"| [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?)?"
)
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)")
_YAML_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


def resolves_to_non_string(s: str) -> bool:
    """Whether plain `s` would read back as null, bool, number, timestamp or merge key."""
    if s in _RESOLVED:
        return True
    if s.startswith("."):
        return bool(_DOT_FLOAT.fullmatch(s))
    if s[:1] in ("+", "-") or s[:1].isdigit():
        plain = s.replace("_", "")
        return bool(
            _TIMESTAMP.fullmatch(s) or _GO_INT.fullmatch(plain) or _YAML_FLOAT.fullmatch(plain)
        )
    return False


_DOUBLE_ESCAPES = {
    "\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r",
    "\x1b": "e", '"': '"', "\\": "\\", "\x85": "N", "\xa0": "_", "\u2028": "L", "\u2029": "P",
}  # fmt: skip


_BREAKS = frozenset("\r\n\x85\u2028\u2029")


def _printable(char: str) -> bool:
    """go-yaml's is_printable: no C0/C1 controls, BOM, non-characters or non-BMP text."""
    code = ord(char)
    return (
        code == 0x0A
        or 0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
    )


def _analyze(s: str) -> tuple[bool, bool, bool]:
    """(plain, single-quoted, literal block) allowed in block context, as go-yaml decides."""
    indicators = s.startswith(("---", "..."))
    line_breaks = special = tabs = False
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = False
    preceded_by_blank, previous_space, previous_break = True, False, False
    last = len(s) - 1
    for i, char in enumerate(s):
        followed_by_blank = i == last or s[i + 1] in " \t"
        if i == 0:
            indicators |= char in "#,[]{}&*!|>'\"%@`" or (char in "?:-" and followed_by_blank)
        else:
            indicators |= (char == ":" and followed_by_blank) or (char == "#" and preceded_by_blank)
        if char == "\t":
            tabs = True
        elif not _printable(char):
            special = True
        if char == " ":
            leading_space |= i == 0
            trailing_space |= i == last
            break_space |= previous_break
            previous_space, previous_break = True, False
        elif char in _BREAKS:
            line_breaks = True
            leading_break |= i == 0
            trailing_break |= i == last
            space_break |= previous_space
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
        preceded_by_blank = char in " \t" or char in _BREAKS
    plain = not (
        leading_space
        or leading_break
        or trailing_space
        or trailing_break
        or line_breaks
        or indicators
    )
    single = not (break_space or space_break or tabs or special)
    block = not (trailing_space or space_break or special) and bool(s)
    return plain and single, single, block


def _escape(char: str) -> str:
    if char in _DOUBLE_ESCAPES:
        return "\\" + _DOUBLE_ESCAPES[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02X}"
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _double_quoted(s: str, indent: int, column: int) -> str:
    """A double-quoted scalar, folded at a space past the width (`\\` keeps a leading space)."""
    out = ['"']
    column += 1
    spaces = False
    for i, char in enumerate(s):
        if not _printable(char) or char in _BREAKS or char in '"\\':
            piece, spaces = _escape(char), False
        elif char == " " and not spaces and column > WIDTH and 0 < i < len(s) - 1:
            out.append("\n" + " " * indent)
            column = indent
            if s[i + 1] == " ":
                out.append("\\")
                column += 1
            spaces = True
            continue
        else:
            piece, spaces = char, char == " "
        out.append(piece)
        column += len(piece)
    out.append('"')
    return "".join(out)


def _folded(s: str, indent: int, column: int, quoted: bool) -> str:
    """Plain or single-quoted text, broken at a lone space once past the width."""
    out = []
    spaces = breaks = False
    for i, char in enumerate(s):
        following_space = i + 1 < len(s) and s[i + 1] == " "
        inner = 0 < i < len(s) - 1 or not quoted
        if char == " " and not spaces and column > WIDTH and inner and not following_space:
            out.append("\n" + " " * indent)
            column, spaces = indent, True
            continue
        if char in _BREAKS:
            out.append(char)
            column, breaks = 0, True
            continue
        if breaks:
            out.append(" " * indent)
            column, breaks = indent, False
        out.append("''" if quoted and char == "'" else char)
        column += 2 if quoted and char == "'" else 1
        spaces = char == " "
    return "".join(out)


def _literal(s: str, indent: int) -> str:
    """A literal block: `|`, an indent hint for leading space, `-`/`+` chomping, then the lines.

    Any line break (also U+2028/U+2029) ends a line; a final break ends the block.
    """
    if s[-1] not in _BREAKS:
        chomp = "-"
    elif len(s) == 1 or s[-2] in _BREAKS:
        chomp = "+"
    else:
        chomp = ""
    hint = str(INDENT) if s[0] == " " or s[0] in _BREAKS else ""
    out = ["|", hint, chomp, "\n"]
    breaks = True
    for char in s:
        if char in _BREAKS:
            out.append(char)
            breaks = True
            continue
        if breaks:
            out.append(" " * indent)
            breaks = False
        out.append(char)
    return "".join(out)


def scalar_text(s: str, indent: int, column: int, key: bool = False) -> str:
    """A string as a YAML scalar starting at `column`; continuation lines at `indent`.

    A key with a line break is double-quoted (go-yaml would write a complex `? ` key).
    """
    if s in _LEGACY or _CUE_QUOTED.fullmatch(s) or resolves_to_non_string(s):
        return _double_quoted(s, indent, column)
    if key and _BREAKS.intersection(s):
        return _double_quoted(s, indent, column)
    plain, single, block = _analyze(s)
    if "\n" in s:
        return _literal(s, indent) if block and not key else _double_quoted(s, indent, column)
    if plain:
        return _folded(s, indent, column, quoted=False)
    if single:
        return "'" + _folded(s, indent, column + 1, quoted=True) + "'"
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
        out.append(head + _line_end(text))


def _line_end(text: str) -> str:
    """A scalar's text ending its line (a literal block ending in a break already does)."""
    return text if text.startswith("|") and text[-1] in _BREAKS else text + "\n"


def marshal(value: Any) -> str:
    text = _scalar(value, INDENT, 0)
    if text is not None:
        return _line_end(text)
    out: list[str] = []
    _node(value, 0, out)
    return "".join(out)


def marshal_stream(values: Any) -> str:
    if not isinstance(values, list):
        raise BuiltinError("MarshalStream needs a list")
    return "---\n".join(marshal(v) for v in values)


class _Loader(yaml.SafeLoader):
    """PyYAML reading scalars as go-yaml v3 resolves them and CUE converts them.

    Only `true`/`false` (three spellings) are bools, so `yes`/`on` stay strings;
    ints may use `_`, `0x`, `0o`, `0b` or a leading-zero octal; octal-looking text
    that is not an int (`09`) stays a string; dates stay strings.
    """


_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"

_Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
    (_NULL, r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    (_MERGE, r"<<", ["<"]),
    (_BOOL, r"true|True|TRUE|false|False|FALSE", list("tTfF")),
    (
        _INT,
        r"[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)",
        list("-+0123456789"),
    ),
    (
        _FLOAT,
        r"[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|\.[0-9]+(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        list("-+.0123456789"),
    ),
]:
    _Loader.add_implicit_resolver(_tag, re.compile(rf"^(?:{_pattern})$"), _first)

_OCTAL_LOOKING = re.compile(r"[-+]?0[0-9_]+")


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = node.value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    base = {"0x": 16, "0o": 8, "0b": 2}.get(body[:2].lower())
    if base:
        return sign * int(body[2:], base)
    return sign * int(body, 8 if len(body) > 1 and body[0] == "0" else 10)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    text = node.value
    if _OCTAL_LOOKING.fullmatch(text):
        return text
    if "inf" in text.lower() or "nan" in text.lower():
        raise BuiltinError(f"yaml: unsupported float {text}")
    body = text.replace("_", "").lstrip("+")
    return Decimal(body.replace(".", "0.", 1) if body.lstrip("-").startswith(".") else body)


def _merge_sources(loader: yaml.SafeLoader, node: yaml.Node) -> list[dict[str, Any]]:
    """The mappings a merge key brings in, in the order they are applied (last wins)."""
    value = loader.construct_object(node, deep=True)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return list(reversed(value))
    raise BuiltinError("map merge requires map or sequence of maps as the value")


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
    """A mapping as CUE builds it: after a merge key, later keys replace earlier ones."""
    result: dict[str, Any] = {}
    merging = False
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            merging = True
            for source in _merge_sources(loader, value_node):
                result.update(source)
            continue
        label = _label(loader, key_node)
        value = loader.construct_object(value_node, deep=True)
        if label in result and not merging:
            value = unify_plain(result[label], value, label)
        result[label] = value
    return result


def _label(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    """A key as a field name: scalars keep their text (`1.50`), bools and null their keyword."""
    if not isinstance(node, yaml.ScalarNode):
        raise BuiltinError(f"invalid map key: {node.tag.rsplit(':', 1)[-1]}")
    if node.tag == _BOOL:
        return "true" if node.value in ("true", "True", "TRUE") else "false"
    if node.tag == _NULL:
        return "null"
    key = loader.construct_object(node)
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else node.value


_Loader.add_constructor(_INT, _construct_int)
_Loader.add_constructor(_FLOAT, _construct_float)
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
    try:
        loader = _Loader(text)  # the reader refuses control characters up front
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from exc
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


def validate(data: str | bytes, schema: Any) -> bool:
    """Every document of the stream unified with `schema` is error-free and concrete."""
    return all(conform(doc, schema, concrete=True) for doc in unmarshal_stream(data))


def validate_partial(data: str | bytes, schema: Any) -> bool:
    """Every document of the stream unifies with `schema` without error."""
    return all(conform(doc, schema, concrete=False) for doc in unmarshal_stream(data))


MEMBERS = package(
    "encoding/yaml",
    [
        ("Marshal", marshal, "_", "string"),
        ("MarshalStream", marshal_stream, "_", "string"),
        ("Unmarshal", unmarshal, "bytes|string", "_"),
        ("UnmarshalStream", unmarshal_stream, "bytes|string", "_"),
        ("Validate", validate, "bytes|string schema", "bool"),
        ("ValidatePartial", validate_partial, "bytes|string schema", "bool"),
    ],
)
