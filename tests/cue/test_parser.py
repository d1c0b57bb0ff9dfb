"""The CUE parser: every construct the templates use, positions, docs and errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cueflow.cue import ast
from cueflow.cue.errors import CueSyntaxError
from cueflow.cue.parser import parse_expr, parse_file

SNIPPETS = Path("/work/shared/tools/cue-oracle/snippets")


def only_field(source: str) -> ast.Field:
    decls = parse_file(source).decls
    assert len(decls) == 1
    field = decls[0]
    assert isinstance(field, ast.Field)
    return field


@pytest.mark.parametrize("path", sorted(SNIPPETS.glob("*.cue")), ids=lambda p: p.name)
def test_oracle_snippets_parse(path: Path) -> None:
    parsed = parse_file(path.read_text(), path.name)
    assert parsed.decls


def test_package_and_imports() -> None:
    f = parse_file(
        'package main\nimport "strings"\nimport (\n\tj "encoding/json"\n\t"vela/op"\n)\nx: 1\n'
    )
    assert f.package == "main"
    assert [(i.path, i.alias, i.name) for i in f.imports] == [
        ("strings", None, "strings"),
        ("encoding/json", "j", "j"),
        ("vela/op", None, "op"),
    ]
    assert isinstance(f.decls[0], ast.Field)


def test_doc_comments_and_attributes() -> None:
    f = parse_file(
        '// unrelated\n\n// +usage=The image\n//second\nimage: string @go(Image) @json("x,(y)")\n'
    )
    field = f.decls[0]
    assert isinstance(field, ast.Field)
    assert field.doc == ["+usage=The image", "second"]
    assert [(a.name, a.body) for a in field.attrs] == [("go", "Image"), ("json", '"x,(y)"')]


def test_error_names_line_and_column() -> None:
    with pytest.raises(CueSyntaxError) as info:
        parse_file("a: {\n  b?\n}\n", "t.cue")
    assert info.value.message == "expected ':' after label, found newline"
    assert str(info.value.positions[0]) == "t.cue:2:5"


def test_precedence_and_bounds() -> None:
    e = parse_expr(">=0 & <=10 | *1")
    assert isinstance(e, ast.BinaryExpr) and e.op == "|"
    assert isinstance(e.x, ast.BinaryExpr) and e.x.op == "&"
    assert isinstance(e.y, ast.UnaryExpr) and e.y.op == "*"
