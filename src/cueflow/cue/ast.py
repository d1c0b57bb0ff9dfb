"""The CUE syntax tree: what the parser builds and the evaluator reads.

Every node carries a `pos` so that errors can name file:line:col. Labels keep
their spelling (`#D`, `_x`, `$p`, `_#h`); whether a label is a definition,
hidden or regular is decided from that spelling unless it was quoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Pos:
    filename: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}:{self.col}"


NO_POS = Pos("-", 0, 0)


# --- expressions -------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Node:
    pos: Pos


@dataclass(slots=True, eq=False)
class Ident(Node):
    """A reference: `a`, `#D`, `_h`, `$p`, `_` (top), `int`, `len`, an import name."""

    name: str


@dataclass(slots=True, eq=False)
class IntLit(Node):
    value: int


@dataclass(slots=True, eq=False)
class FloatLit(Node):
    """A float literal; `text` keeps the spelling CUE prints back (`1.50`, `1e3`)."""

    value: Decimal
    text: str


@dataclass(slots=True, eq=False)
class StringLit(Node):
    value: str


@dataclass(slots=True, eq=False)
class BytesLit(Node):
    value: bytes


@dataclass(slots=True, eq=False)
class BoolLit(Node):
    value: bool


@dataclass(slots=True, eq=False)
class NullLit(Node):
    pass


@dataclass(slots=True, eq=False)
class BottomLit(Node):
    """`_|_`."""


@dataclass(slots=True, eq=False)
class Interpolation(Node):
    """`"a\\(x)b"`: literal text pieces alternate with expressions."""

    parts: list[str | Expr]
    is_bytes: bool = False


@dataclass(slots=True, eq=False)
class UnaryExpr(Node):
    """`-x`, `+x`, `!x`, `*x` (default mark) and bounds `<x <=x >x >=x !=x =~x !~x`."""

    op: str
    x: Expr


@dataclass(slots=True, eq=False)
class BinaryExpr(Node):
    """`|`, `&`, `||`, `&&`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `=~`, `!~`, `+`, `-`, `*`, `/`."""

    op: str
    x: Expr
    y: Expr


@dataclass(slots=True, eq=False)
class SelectorExpr(Node):
    """`x.sel`; `sel` is the label text (`b`, `#D`, `$returns`, or a quoted label's value)."""

    x: Expr
    sel: str
    quoted: bool = False


@dataclass(slots=True, eq=False)
class IndexExpr(Node):
    x: Expr
    index: Expr


@dataclass(slots=True, eq=False)
class SliceExpr(Node):
    x: Expr
    lo: Expr | None
    hi: Expr | None


@dataclass(slots=True, eq=False)
class CallExpr(Node):
    fun: Expr
    args: list[Expr]


@dataclass(slots=True, eq=False)
class ParenExpr(Node):
    """Kept so that `(*1 | 2)` and `*(1 | 2)` stay distinguishable."""

    x: Expr


@dataclass(slots=True, eq=False)
class Alias(Node):
    """A value alias `X=expr` (in field value or embedding position)."""

    name: str
    expr: Expr


@dataclass(slots=True, eq=False)
class StructLit(Node):
    decls: list[Decl]


@dataclass(slots=True, eq=False)
class ListLit(Node):
    """`[a, b, for x in y {...}, ...T]`; `ellipsis` is set when the list is open."""

    elems: list[Expr | Comprehension]
    ellipsis: Ellipsis | None = None


# --- comprehensions ----------------------------------------------------------


@dataclass(slots=True, eq=False)
class ForClause(Node):
    """`for key, value in source`; `key` is None for `for value in source`."""

    key: str | None
    value: str
    source: Expr


@dataclass(slots=True, eq=False)
class IfClause(Node):
    cond: Expr


@dataclass(slots=True, eq=False)
class LetClause(Node):
    """`let x = expr`, as a comprehension clause or as a declaration in a struct."""

    name: str
    expr: Expr


Clause = ForClause | IfClause | LetClause


@dataclass(slots=True, eq=False)
class Comprehension(Node):
    """Clauses followed by a struct body; in a list the body is one element."""

    clauses: list[Clause]
    body: StructLit


# --- labels and declarations -------------------------------------------------


@dataclass(slots=True, eq=False)
class Label(Node):
    """A static label. `quoted` labels are always regular fields, whatever their text."""

    name: str
    quoted: bool = False


@dataclass(slots=True, eq=False)
class DynamicLabel(Node):
    """`(expr): v` or `"\\(x)": v`: the label is the string value of `expr`."""

    expr: Expr


@dataclass(slots=True, eq=False)
class PatternLabel(Node):
    """`[expr]: v` or `[X=expr]: v`: a constraint on every field whose label matches."""

    expr: Expr
    alias: str | None = None


@dataclass(slots=True, eq=False)
class Attribute(Node):
    """`@name(body)`; `body` is the raw text between the parentheses."""

    name: str
    body: str


@dataclass(slots=True, eq=False)
class Field(Node):
    """`label: value`, `label?: value`, `label!: value`, `X=label: value`.

    A label chain `a: b: c: 1` is parsed as nested single-field structs.
    `doc` holds the text of the comment lines right above the field, without `//`.
    """

    label: Label | DynamicLabel | PatternLabel
    value: Expr
    constraint: str = ""  # "", "?" or "!"
    alias: str | None = None
    attrs: list[Attribute] = field(default_factory=list)
    doc: list[str] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Embed(Node):
    """An expression in a struct that is not a field: its value is merged into the struct."""

    expr: Expr


@dataclass(slots=True, eq=False)
class Ellipsis(Node):
    """`...` or `...T` in a struct or list."""

    type: Expr | None = None


Decl = Field | Embed | LetClause | Comprehension | Ellipsis | Attribute


@dataclass(slots=True, eq=False)
class ImportSpec(Node):
    path: str
    alias: str | None = None

    @property
    def name(self) -> str:
        """The identifier the import binds: its alias, else the path's last element."""
        if self.alias:
            return self.alias
        last = self.path.rsplit("/", 1)[-1]
        return last.split(":", 1)[-1] if ":" in last else last


@dataclass(slots=True, eq=False)
class File(Node):
    filename: str
    package: str | None
    imports: list[ImportSpec]
    decls: list[Decl]
    attrs: list[Attribute] = field(default_factory=list)


Expr = (
    Ident
    | IntLit
    | FloatLit
    | StringLit
    | BytesLit
    | BoolLit
    | NullLit
    | BottomLit
    | Interpolation
    | UnaryExpr
    | BinaryExpr
    | SelectorExpr
    | IndexExpr
    | SliceExpr
    | CallExpr
    | ParenExpr
    | Alias
    | StructLit
    | ListLit
)
