"""The CUE `encoding/csv` package: Go's encoding/csv reader and writer (RFC 4180).

`Encode` writes strings as they are and every other value as its JSON text; a
field is quoted when it holds a comma, quote, line break, or starts with a space.
`Decode` reads quoted fields that may span lines, drops `\\r` before line ends,
and needs every record to have as many fields as the first.
"""

from __future__ import annotations

from typing import Any

from cueflow.cue.std.base import BuiltinError, as_text, cue_text, kind_of, package
from cueflow.cue.std.encoding_json import marshal


def _field(value: Any) -> str:
    text = value if isinstance(value, str) else marshal(value)
    if text == "" or not (any(c in text for c in ',"\r\n') or text[0] in " \t"):
        return text
    return '"' + text.replace('"', '""') + '"'


def encode(rows: list[Any]) -> str:
    out = []
    for row in rows:
        if not isinstance(row, list):
            raise BuiltinError(f"cannot use value {cue_text(row)} (type {kind_of(row)}) as list")
        out.append(",".join(_field(value) for value in row) + "\n")
    return "".join(out)


_BARE_QUOTE = 'bare " in non-quoted-field'
_QUOTE = 'extraneous or missing " in quoted-field'


def _line_end(text: str, pos: int) -> int:
    """The length of the line break at `pos` (a `\\r` ending the text counts), else 0."""
    if text.startswith("\n", pos) or (text.startswith("\r", pos) and pos == len(text) - 1):
        return 1
    return 2 if text.startswith("\r\n", pos) else 0


def _error(start: int, line: int, problem: str) -> BuiltinError:
    if start == line:
        return BuiltinError(f"parse error on line {line}: {problem}")
    return BuiltinError(f"record on line {start}; parse error on line {line}: {problem}")


def decode(data: str | bytes) -> list[list[str]]:
    """Every record; blank lines are skipped, a quoted field may hold line breaks."""
    text = as_text(data)
    records: list[list[str]] = []
    pos, line = 0, 1
    while pos < len(text):
        if skip := _line_end(text, pos):
            pos, line = pos + skip, line + 1
            continue
        start = line
        record: list[str] = []
        while True:
            if text.startswith('"', pos):
                field, pos, line = _quoted(text, pos + 1, start, line)
            else:
                end = pos
                while end < len(text) and text[end] != "," and not _line_end(text, end):
                    end += 1
                field, pos = text[pos:end], end
                if '"' in field:
                    raise _error(start, line, _BARE_QUOTE)
            record.append(field)
            if text.startswith(",", pos):
                pos += 1
                continue
            if pos < len(text) and not _line_end(text, pos):
                raise _error(start, line, _QUOTE)
            pos, line = pos + _line_end(text, pos), line + 1
            break
        if records and len(record) != len(records[0]):
            raise BuiltinError(f"record on line {start}: wrong number of fields")
        records.append(record)
    return records


def _quoted(text: str, pos: int, start: int, line: int) -> tuple[str, int, int]:
    """A quoted field's value from just after its opening quote; `""` is a quote."""
    parts: list[str] = []
    while True:
        quote = text.find('"', pos)
        if quote < 0:
            raise _error(start, line + text.count("\n", pos), _QUOTE)
        chunk = text[pos:quote]
        line += chunk.count("\n")
        parts.append(chunk.replace("\r\n", "\n"))
        if not text.startswith('""', quote):
            return "".join(parts), quote + 1, line
        parts.append('"')
        pos = quote + 2


MEMBERS = package(
    "encoding/csv",
    [("Encode", encode, "list", "string"), ("Decode", decode, "bytes|string", "list")],
)
