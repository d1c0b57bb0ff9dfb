"""Evaluator semantics, one feature per case: what `cue export` gives (v0.14 rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cueflow import cue


def export(source: str) -> Any:
    return cue.Context().compile(source, "t.cue").to_python()


def export_error(source: str) -> cue.CueError:
    with pytest.raises(cue.CueError) as info:
        export(source)
    return info.value


EXPORTS = {
    "reference-cycle-is-top-unified": ("a: b\nb: a\na: 1", {"a": 1, "b": 1}),
    "forward-reference": ("b: a + 1\na: c * 2\nc: 5", {"b": 11, "a": 10, "c": 5}),
    "self-reference-through-parent": ("x: {a: 1, b: x.a + 1}", {"x": {"a": 1, "b": 2}}),
    "definition-fields-see-unified-value": (
        "#D: {a: int, b: a + 1}\nv: #D & {a: 1}",
        {"v": {"a": 1, "b": 2}},
    ),
    "default-kept-through-reference": ("a: *1 | int\nb: a", {"a": 1, "b": 1}),
    "default-overridden-by-unification": ("a: *1 | 2\nb: a & 2", {"a": 1, "b": 2}),
    "nested-default-in-marked-disjunct": ("a: *1 | 2\nb: *a | 3", {"a": 1, "b": 1}),
    "bottom-default-dropped": ("a: *_|_ | 3", {"a": 3}),
    "eliminated-default-gives-way": (
        'a: (*"GET" | "POST" | "PUT") & (*"POST" | "PUT")',
        {"a": "POST"},
    ),
    "default-of-the-side-whose-mark-survives": ("a: (*1 | 3) & (*2 | 1)", {"a": 1}),
    "struct-disjunction-selected-by-field": (
        'a: {k: "x", n: int} | {k: "y"}\na: k: "y"',
        {"a": {"k": "y"}},
    ),
    "disjunction-dedup": ("a: (1 | 1 | 2) & 1", {"a": 1}),
    "bounds-and-regex": (
        'a: >=0 & <=10 & 5\nb: =~"^a" & "abc"\nc: !="" & "x"',
        {"a": 5, "b": "abc", "c": "x"},
    ),
    "pattern-regex-label": (
        'p: [=~"^p"]: int\np: {p1: 1, q: "s"}',
        {"p": {"p1": 1, "q": "s"}},
    ),
    "pattern-alias": (
        "s: [N=string]: {name: N}\ns: web: {}",
        {"s": {"web": {"name": "web"}}},
    ),
    "ellipsis-opens-definition": (
        "#D: {a: int, ...}\nv: #D & {a: 1, b: 2}",
        {"v": {"a": 1, "b": 2}},
    ),
    "hidden-and-definition-not-exported": ("_h: 1\n#D: 2\n_#x: 3\n$p: _h", {"$p": 1}),
    "let-declaration": ("let X = 3\na: X * 2", {"a": 6}),
    "comprehension-for-if-let": (
        "a: [for i, x in [5, 6, 7] if i > 0 let y = x * 2 {y}]",
        {"a": [12, 14]},
    ),
    "struct-comprehension-dynamic-labels": (
        'a: {for k, v in {x: 1, y: 2} {"\\(k)-n": v + 1}}',
        {"a": {"x-n": 2, "y-n": 3}},
    ),
    "comprehension-fields-in-place": (
        "x: {a: 1, if true {b: 2}, c: 3}",
        {"x": {"a": 1, "b": 2, "c": 3}},
    ),
    "comprehension-refines-guarded-field": (
        "c: true\n_f: *false | bool\nif c {_f: true}\nr: _f",
        {"c": True, "r": True},
    ),
    "comprehension-waits-for-one-declaring-its-input": (
        "if _f {y: 1}\n_f: *false | bool\nif c {_f: true}\nc: true",
        {"y": 1, "c": True},
    ),
    "if-else-scalar-idiom": (
        'm: "p"\nr: {\n\tif m == "p" {3}\n\tif m != "p" {1}\n}',
        {"m": "p", "r": 3},
    ),
    "nested-disjunction-default": ("a: 1 | (*2 | 3)\nb: (*1 | 2) | 3", {"a": 2, "b": 1}),
    "quoted-hash-label-is-regular": ('"#x": 1\n"_y": 2', {"#x": 1, "_y": 2}),
    "reference-cycle-resolved-by-value": ("a: b + 1\nb: a - 1\na: 10", {"a": 10, "b": 9}),
    "patterns-skip-definitions": ('m: [string]: int\nm: {a: 1, #d: "s"}', {"m": {"a": 1}}),
    "dynamic-field-alias": ('k: "key"\nX=(k): 1\nv: X', {"k": "key", "key": 1, "v": 1}),
    "scalar-embedding": ("a: {1}\nb: [for x in [1] {x + 1}]", {"a": 1, "b": [2]}),
    "embedding-struct": ("b: {x: 1}\na: {b, y: 2}", {"b": {"x": 1}, "a": {"x": 1, "y": 2}}),
    "dynamic-field": ('k: "kk"\no: {(k): 1}', {"k": "kk", "o": {"kk": 1}}),
    "interpolation-kinds": (
        "a: \"\\(1) \\(1.5) \\(true) \\('by')\"",
        {"a": "1 1.5 true by"},
    ),
    "decimal-arithmetic": (
        "a: 0.1 + 0.2\nb: a == 0.3\nc: 7 / 2",
        {"a": Decimal("0.3"), "b": True, "c": Decimal("3.5")},
    ),
    "integer-division-builtins": (
        "a: div(-7, 2)\nb: mod(-7, 2)\nc: quo(-7, 2)\nd: rem(-7, 2)",
        {"a": -4, "b": 1, "c": -3, "d": -1},
    ),
    "string-ops": ('a: "ab" * 2\nb: "a" + "b"\nc: "a" < "b"', {"a": "abab", "b": "ab", "c": True}),
    "struct-and-list-equality": (
        "a: {x: 1} == {x: 1}\nb: [1, 2] == [1, 3]",
        {"a": True, "b": False},
    ),
    "len-counts": (
        'a: len("héllo")\nb: len([1, 2])\nc: len({x: 1, _h: 2, o?: 3})',
        {"a": 6, "b": 2, "c": 1},
    ),
    "and-or-builtins": ('a: and([int, >0, 5])\nb: or(["a", "b"]) & "b"', {"a": 5, "b": "b"}),
    "typed-list-defaults": (
        'l: [...{n: string, p: *80 | int}]\nl: [{n: "a"}, {n: "b", p: 1}]',
        {"l": [{"n": "a", "p": 80}, {"n": "b", "p": 1}]},
    ),
    "list-slice-and-index": (
        "l: [1, 2, 3]\na: l[1:]\nb: l[0]",
        {"l": [1, 2, 3], "a": [2, 3], "b": 1},
    ),
    "required-field-given": ("a!: int\na: 2", {"a": 2}),
    "closed-union-picks-matching-struct": (
        "#S: close({v: string}) | close({r: int})\na: #S & {r: 1}",
        {"a": {"r": 1}},
    ),
    "optional-made-regular": ("a?: int\na: 3\nb?: string", {"a": 3}),
}


@pytest.mark.parametrize("source, want", EXPORTS.values(), ids=EXPORTS.keys())
def test_export(source: str, want: Any) -> None:
    assert export(source) == want


def test_existence_tests_catch_missing_optional_and_non_concrete() -> None:
    source = (
        "p: {a: 1, o?: int, t: int, d: *1 | 2}\n"
        "a: p.a != _|_\no: p.o != _|_\nt: p.t != _|_\nd: p.d != _|_\nm: p.x.y == _|_"
    )
    value = cue.Context().compile(source)
    got = {k: value.lookup(k).to_python() for k in "aotdm"}
    assert got == {"a": True, "o": False, "t": False, "d": True, "m": True}


ERRORS = {
    "conflict": ("a: 1\na: 2", "a", False),
    "nested-conflict": ("a: {b: 1} & {b: 2}", "a.b", False),
    "closed-definition": ("#D: {a: int}\nv: #D & {a: 1, x: 2}", "v", False),
    "closed-recursively": ("#D: {a: {b: int}}\nv: #D & {a: {b: 1, c: 2}}", "v.a", False),
    "embedded-definition-closes": ("#D: {a: int}\nv: {#D, a: 1}\nw: v & {z: 1}", "w", False),
    "close-builtin": ("x: close({a: 1})\ny: x & {b: 2}", "y", False),
    "bound": ("p: int & >0\np: 0", "p", False),
    "builtin-validator": ('import "strings"\na: strings.MinRunes(3) & "ab"', "a", False),
    "kind-mismatch": ("a: int & 1.0", "a", False),
    "float-kind-division": ("a: 10 / 5 & int", "a", False),
    "index-out-of-range": ("l: [1]\nx: l[3]", "x", False),
    "structural-cycle": ("a: {x: a}", "a.x", False),
    "list-plus-struct": ("a: [1] + {b: 1}", "a", False),
    "interpolate-struct": ('a: "\\({x: 1})"', "a", False),
    "explicit-bottom": ("a: _|_", "a", False),
    "incomplete-type": ("a: int\nb: a + 1", "a", True),
    "ambiguous-defaults": ("a: *1 | *2 | int", "a", True),
    "no-default-after-unify": ("a: (*1 | 2 | 3) & (1 | *2 | 3)", "a", True),
    "all-defaults-eliminated": ("a: (*1 | 3 | 4) & (*5 | 3 | 4)", "a", True),
    "required-missing": ("a!: int", "a", True),
    "optional-reference": ("p: {a?: int}\nx: p.a", "x", True),
    "if-on-missing-field": ("s: {...}\nif s.x.y > 0 {f: 1}", "", True),
    "let-redeclared": ("let x = 1\nlet x = 2\nv: x", "", False),
    "let-and-field-share-a-name": ("x: 1\nlet x = 2", "", False),
    "preference-mark-outside-disjunction": ("a: *1", "a", False),
    "conflict-in-unused-definition": ("#D: {a: 1} & {a: 2}\nx: 1", "#D.a", False),
    "conflict-in-hidden-field": ("_p: {a: 1 & 2}\nv: _p.a == _|_", "_p.a", False),
    "sized-int-bound": ("a: int8 & 128", "a", False),
    "unsigned-bound": ("a: [...uint] & [1, -1]", "a.1", False),
    "close-of-scalar": ("a: close(5)", "a", False),
    "empty-disjunction": ("#S: close({v: string}) | close({r: int})\nc: #S & {o: 1}", "c", False),
}


@pytest.mark.parametrize("source, path, is_incomplete", ERRORS.values(), ids=ERRORS.keys())
def test_export_error(source: str, path: str, is_incomplete: bool) -> None:
    err = export_error(source)
    assert err.path == path
    assert err.incomplete == is_incomplete


def test_conflict_names_both_sources() -> None:
    err = export_error("a: 1\na: 2")
    assert err.message == "conflicting values 2 and 1"
    assert sorted((p.line, p.col) for p in err.positions) == [(1, 4), (2, 4)]


def test_undecided_if_leaves_other_fields_exportable() -> None:
    value = cue.Context().compile("s: {...}\nif s.x > 0 {f: 1}\ng: 2")
    assert value.lookup("g").to_python() == 2
    assert value.error is not None and value.error.incomplete
    assert value.is_incomplete()
    assert value.fill("s.x", 1).to_python() == {"s": {"x": 1}, "f": 1, "g": 2}
