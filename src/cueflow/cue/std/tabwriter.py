"""The CUE `text/tabwriter` package: Go's elastic tabstops, as CUE configures them.

CUE's `Write` uses a Go tabwriter with minimum width 0, padding 1 and spaces: a
tab ends a cell, and each column of consecutive lines that have a cell there is
as wide as its widest cell plus one. The text after a line's last tab is not a
cell and is never padded.
"""

from __future__ import annotations

from typing import Any

from cueflow.cue.std.base import BuiltinError, as_text, kind_of, package

_PADDING = 1


def write(data: Any) -> str:
    """The text (or each list element as a line) aligned into columns."""
    if isinstance(data, str | bytes):
        text = as_text(data)
    elif isinstance(data, list):
        for item in data:
            if not isinstance(item, str | bytes):
                raise BuiltinError(f"cannot use value of type {kind_of(item)} as bytes")
        text = "".join(as_text(item) + "\n" for item in data)
    else:
        raise BuiltinError(f"tabwriter.Write: unsupported type {kind_of(data)}")
    *lines, partial = text.split("\n")
    rows = [line.split("\t") for line in [*lines, partial]]
    out: list[str] = []
    _format(rows, [], 0, len(rows), out)
    return "\n".join(out)


def _format(rows: list[list[str]], widths: list[int], first: int, end: int, out: list[str]) -> None:
    """Lay out rows[first:end], whose columns left of `len(widths)` are already sized.

    Each run of rows with a cell in the next column is a column block: its width is
    fixed by the block's widest cell, then the block is laid out one column further.
    """
    column = len(widths)
    row = first
    while row < end:
        if column >= len(rows[row]) - 1:
            row += 1
            continue
        _write_rows(rows, widths, first, row, out)
        first = row
        width = 0
        while row < end and column < len(rows[row]) - 1:
            width = max(width, len(rows[row][column]) + _PADDING)
            row += 1
        _format(rows, [*widths, width], first, row, out)
        first = row
    _write_rows(rows, widths, first, end, out)


def _write_rows(
    rows: list[list[str]], widths: list[int], first: int, end: int, out: list[str]
) -> None:
    for cells in rows[first:end]:
        out.append(
            "".join(
                cell + " " * (widths[j] - len(cell)) if j < len(widths) else cell
                for j, cell in enumerate(cells)
            )
        )


MEMBERS = package("text/tabwriter", [("Write", write, "_", "string")])
