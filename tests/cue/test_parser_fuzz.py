"""Fuzzing the CUE parser: whatever the input, it parses or raises CueSyntaxError.

Inputs are random token soups, random text, and valid templates with random
edits, which reach the error paths of every construct. A second property
builds random expression trees, prints them and checks they parse back to the
same tree.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cueflow.cue import ast
from cueflow.cue.errors import CueSyntaxError
from cueflow.cue.parser import parse_expr, parse_file

SEED_SOURCES = [
    'import "strings"\n// +usage=x\na: b?: c!: *1 | int @go(A)\n[N=string]: {name: N}\n',
    'm: """\n\tx \\(y)\n\t"""\nr: #"a\\#(b)"#\nl: [for k, v in s if v > 0 let w = v {(k): w}, ...int]\n',
    "let x = 0x1F + 1.5Ki - .5e3\n#D: {a: x.$r[0][1:2], ...}\nif x != _|_ {y: len(x)}\n",
    'package p\nimport (\n\tj "encoding/json"\n)\n@attr(x)\nX="k-1": {\n\tv: Y={a: Y.b}\n}\nw: X.v\n',
    's: {\n\t// doc\n\tname: *"x" | string\n\tlist: [...{k: =~"^a" & !=""}]\n}\n',
    "t: '\\x00b' + '''\n\tbytes \\(z)\n\t'''\nu: a.\"q\".#D(1, 2,)\nv: (*1 | 2) & >=0 & <=10\n",
]

TOKENS = [
    "a", "b", "#D", "_h", "$p", "_", "for", "if", "let", "in", "import", "package",
    "true", "null", "_|_", "1", "0x1", "1.5", "1Ki", ".5", "1e3", '"s"', '"\\(x)"',
    "#\"r\"#", "'b'", '"""\n', ":", "?", "!", "=", ",", ".", "...", "(", ")", "[", "]",
    "{", "}", "|", "&", "||", "&&", "==", "!=", "<", "<=", ">", ">=", "=~", "!~", "+",
    "-", "*", "/", "@a(x)", "@", "//c\n", "\n", " ", "\t", "\\", "\"", "'", "#", "~",
]  # fmt: skip

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def parses_or_fails_cleanly(source: str) -> None:
    """Parse `source`; a failure must be a CueSyntaxError pointing into the file."""
    try:
        parse_file(source, "f.cue")
    except CueSyntaxError as error:
        assert error.positions, error.message
        pos = error.positions[0]
        assert pos.filename == "f.cue"
        assert 1 <= pos.line <= source.count("\n") + 1
        assert pos.col >= 1


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_token_soup(source: str) -> None:
    parses_or_fails_cleanly(source)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_spaced_token_soup(source: str) -> None:
    parses_or_fails_cleanly(source)


@FUZZ
@given(st.text(max_size=60))
def test_arbitrary_text(source: str) -> None:
    parses_or_fails_cleanly(source)


@st.composite
def mutated_sources(draw: st.DrawFn) -> str:
    """A valid seed source with a few characters deleted, replaced or inserted."""
    source = draw(st.sampled_from(SEED_SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(source)))
        cut = draw(st.integers(0, 3))
        insert = draw(st.sampled_from(["", *TOKENS]))
        source = source[:at] + insert + source[at + cut :]
    return source


@FUZZ
@given(mutated_sources())
def test_mutated_templates(source: str) -> None:
    parses_or_fails_cleanly(source)


BINARY_OPS = [
    "|",
    "&",
    "||",
    "&&",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=~",
    "!~",
    "+",
    "-",
    "*",
    "/",
]
UNARY_OPS = ["-", "+", "!", "*", "<", "<=", ">", ">=", "!=", "=~", "!~"]

leaves = st.sampled_from(["a", "#D", "$p", "_h", "1", "2.5", '"s"', "null", "true", "_|_"])
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(BINARY_OPS), inner, inner),
        st.tuples(st.sampled_from(UNARY_OPS), inner),
        st.tuples(st.just("."), inner, st.sampled_from(["b", "#E", "$r"])),
        st.tuples(st.just("[]"), inner, inner),
        st.tuples(st.just("call"), st.lists(inner, max_size=3)),
        st.tuples(st.just("list"), st.lists(inner, max_size=3)),
    ),
    max_leaves=12,
)


def render(tree: object) -> str:
    """CUE text for a tree, parenthesising every compound operand."""
    if isinstance(tree, str):
        return tree
    assert isinstance(tree, tuple)
    op = tree[0]
    if op == "call":
        return "f(" + ", ".join(render(a) for a in tree[1]) + ")"
    if op == "list":
        return "[" + ", ".join(render(a) for a in tree[1]) + "]"
    if op == ".":
        return f"({render(tree[1])}).{tree[2]}"
    if op == "[]":
        return f"({render(tree[1])})[{render(tree[2])}]"
    if len(tree) == 2:
        return f"{op}({render(tree[1])})"
    return f"({render(tree[1])}) {op} ({render(tree[2])})"


def shape(node: ast.Expr) -> object:
    """The tree a parsed expression stands for, ignoring parentheses."""
    match node:
        case ast.ParenExpr(x=x):
            return shape(x)
        case ast.BinaryExpr(op=op, x=x, y=y):
            return (op, shape(x), shape(y))
        case ast.UnaryExpr(op=op, x=x):
            return (op, shape(x))
        case ast.SelectorExpr(x=x, sel=sel):
            return (".", shape(x), sel)
        case ast.IndexExpr(x=x, index=index):
            return ("[]", shape(x), shape(index))
        case ast.CallExpr(args=args):
            return ("call", [shape(a) for a in args])
        case ast.ListLit(elems=elems):
            return ("list", [shape(e) for e in elems])  # type: ignore[arg-type]
        case ast.Ident(name=name):
            return name
        case ast.IntLit(value=value):
            return str(value)
        case ast.FloatLit(text=text):
            return text
        case ast.StringLit(value=value):
            return f'"{value}"'
        case ast.NullLit():
            return "null"
        case ast.BoolLit(value=value):
            return "true" if value else "false"
        case ast.BottomLit():
            return "_|_"
    raise AssertionError(f"unexpected node {node!r}")


@FUZZ
@given(trees)
def test_printed_expressions_parse_back(tree: object) -> None:
    assert shape(parse_expr(render(tree))) == tree
