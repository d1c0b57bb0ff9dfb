"""The public face of `cueflow.cue`: compile, look up, fill, unify, walk and render."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cueflow import cue

KUBE = """
package kube

#Apply: {
	#do:       "apply"
	#provider: "kube"
	$params: {cluster: *"" | string, value: {...}}
	$returns?: {value: {...}, ...}
	...
}
"""

TEMPLATE = """
import "vela/kube"

// +usage=the object to apply
apply: kube.#Apply & {$params: value: {kind: "Job", metadata: name: parameter.name}}
wait: {
	if apply.$returns.value.status.ready {
		done: true
	}
}
parameter: {name: string}
"""


@pytest.fixture
def ctx() -> cue.Context:
    context = cue.Context()
    context.register_package("vela/kube", KUBE)
    return context


def test_compile_keeps_syntax_errors_as_values(ctx: cue.Context) -> None:
    value = ctx.compile("a: {", "broken.cue")
    assert isinstance(value.error, cue.CueSyntaxError)
    assert value.error.positions[0].filename == "broken.cue"
    with pytest.raises(cue.CueError):
        value.to_python()


def test_unknown_import_is_an_error_value(ctx: cue.Context) -> None:
    value = ctx.compile('import "vela/nope"\na: 1')
    assert value.error is not None and "vela/nope" in value.error.message


def test_fill_returns_new_value_and_keeps_original(ctx: cue.Context) -> None:
    template = ctx.compile(TEMPLATE)
    assert template.lookup("apply").is_incomplete()
    filled = template.fill("parameter.name", "job1")
    assert filled.lookup("apply.$params").to_python() == {
        "cluster": "",
        "value": {"kind": "Job", "metadata": {"name": "job1"}},
    }
    assert template.lookup("parameter.name").kind() == "string"
    assert not template.lookup("parameter.name").is_concrete()


def test_optional_returns_exist_only_once_filled(ctx: cue.Context) -> None:
    value = ctx.compile(TEMPLATE).fill("parameter", {"name": "j"})
    assert not value.lookup("apply.$returns").exists()
    assert value.lookup("wait").is_incomplete()
    assert not value.lookup("wait").has_permanent_error()
    done = value.fill("apply", {"$returns": {"value": {"status": {"ready": True}}}})
    assert done.lookup("apply.$returns").exists()
    assert done.lookup("wait").to_python() == {"done": True}
    assert done.eval_expr("apply.$returns.value.status.ready && true").to_python() is True


def test_fill_below_a_looked_up_value_keeps_its_path(ctx: cue.Context) -> None:
    apply = ctx.compile(TEMPLATE).lookup("apply")
    filled = apply.fill("$returns", {"value": {"ok": 1}})
    assert filled.path == "apply"
    assert filled.lookup("$returns.value.ok").to_python() == 1


def test_fields_carry_docs_flags_and_attributes(ctx: cue.Context) -> None:
    value = ctx.compile(TEMPLATE + "\nx: 1 @step(1)\n_h: 2\n")
    fields = {f.label: f for f in value.fields()}
    assert list(fields) == ["apply", "wait", "parameter", "x", "_h"]
    assert fields["apply"].doc == ["+usage=the object to apply"]
    assert fields["x"].attrs[0].name == "step"
    assert fields["_h"].hidden and not fields["_h"].definition
    inner = {f.label: f for f in fields["apply"].value.fields()}
    assert inner["#do"].definition and inner["$returns"].optional


def test_walk_structs_is_post_order_with_step_attributes_first() -> None:
    value = cue.Context().compile(
        "s: {a: {x: 1}, b: {y: 1} @step(2), c: {z: 1} @step(1), #d: {q: {}}, l: [{e: 1}]}"
    )
    paths = [p for p, _ in value.walk_structs()]
    assert paths == ["s.c", "s.b", "s.a", "s.l[0]", "s", ""]


def test_lookup_syntax_and_missing_fields() -> None:
    value = cue.Context().compile('m: {"x-y": [10, {z: 2}]}\n#D: {a: 1}')
    assert value.lookup('m."x-y"[1].z').to_python() == 2
    assert value.lookup("#D.a").to_python() == 1
    missing = value.lookup("m.nope")
    assert not missing.exists() and missing.error is not None and missing.error.incomplete


def test_unify_applies_definition_closedness() -> None:
    value = cue.Context().compile("#D: {a: int}")
    d = value.lookup("#D")
    assert d.unify(cue.Context().compile("a: 1")).to_python() == {"a": 1}
    assert d.unify(cue.Context().compile("b: 1")).has_permanent_error()


def test_kinds_defaults_and_concreteness() -> None:
    value = cue.Context().compile("a: *1 | int\nb: {}\nc: [1]\nd: _\ne: 1 & 2\nf: 1.5")
    assert [value.lookup(k).kind() for k in "abcdef"] == [
        "int",
        "struct",
        "list",
        "top",
        "bottom",
        "float",
    ]
    assert value.lookup("a").default().to_python() == 1
    assert value.lookup("f").to_python() == Decimal("1.5")
    assert value.has_permanent_error()
    assert not value.lookup("d").is_concrete()


def test_exports_json_yaml_and_cue_text() -> None:
    value = cue.Context().compile("a: 1.50\nb: 'hi'\nc: [true, null]\nd: *\"x\" | string")
    assert value.to_json() == '{"a": 1.50, "b": "aGk=", "c": [true, null], "d": "x"}'
    assert value.to_yaml() == "a: 1.50\nb: aGk=\nc:\n- true\n- null\nd: x\n"
    assert cue.format_value(value.lookup("d")) == '*"x" | string'


def test_compile_in_scope_of_another_value() -> None:
    ctx = cue.Context()
    base = ctx.compile('status: {phase: "done"}')
    derived = ctx.compile('ok: status.phase == "done"', scope=base)
    assert derived.to_python() == {"ok": True}


def test_unused_import_is_an_error_only_with_a_package_clause() -> None:
    ctx = cue.Context()
    with_package = ctx.compile('package demo\nimport "strings"\na: 1')
    assert with_package.error is not None
    assert with_package.error.message == 'imported and not used: "strings"'
    assert ctx.compile('import "strings"\na: 1').to_python() == {"a": 1}


def test_fill_accepts_values_and_every_python_kind() -> None:
    ctx = cue.Context()
    value = ctx.compile("x: {a: int}\ny: [...int]\nz?: _")
    other = ctx.compile("q: {a: 3}").lookup("q")
    filled = (
        value.fill("x", other)
        .fill("y", [1, 2])
        .fill("z", {"f": Decimal("1.50"), "b": b"hi", "n": None, "t": True})
    )
    assert filled.to_json() == (
        '{"x": {"a": 3}, "y": [1, 2], "z": {"f": 1.50, "b": "aGk=", "n": null, "t": true}}'
    )
    assert value.fill("x.a", "s").lookup("x.a").error is not None


def test_cue_text_keeps_types_bounds_and_open_lists() -> None:
    value = cue.Context().compile(
        "#D: {a: *1 | int, b?: string, ...}\nx: {c: [1, ...int], d: >0 & <10}"
    )
    assert value.lookup("#D").to_cue() == "{\n\ta: *1 | int\n\tb?: string\n\t...\n}"
    assert value.lookup("x").to_cue() == "{\n\tc: [1, ...int]\n\td: >0 & <10\n}"


def test_top_level_names_resolve_to_fields_a_fill_adds() -> None:
    template = cue.Context().compile('name: "web-\\(context.stage)"\n"q": 1\nr: q')
    assert not template.lookup("name").is_concrete()
    assert template.fill("context", {"stage": "prod"}).lookup("name").to_python() == "web-prod"
    # a quoted label is never an identifier, whoever declares the field
    assert template.fill("q", 1).lookup("r").error is not None


def test_fill_through_a_missing_field_creates_it() -> None:
    value = cue.Context().compile("a: {b: 1}")
    missing = value.lookup("a.c.d")
    assert not missing.exists()
    assert missing.kind() == "bottom"
    filled = missing.fill("e", 2)
    assert filled.path == "a.c.d"
    assert filled.to_python() == {"e": 2}
    broken = cue.Context().compile("a: {")
    assert broken.fill("a", 1).error is broken.error
