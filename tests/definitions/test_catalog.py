"""The built-in step library as the catalog loads it: metadata, examples, lookups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cueflow.cue import ast
from cueflow.cue.parser import parse_file
from cueflow.definitions import Catalog, Definition, DefinitionError, parse_definition
from cueflow.definitions.stubs import schema_sources

BUILTIN = Catalog().builtin()

# Spec section 4.1-4.6 step types that work without KubeVela's Application controller.
SPEC_TYPES = {
    "suspend", "step-group", "print-message-in-status", "apply-object", "read-object",
    "apply-deployment", "apply-job", "clean-jobs", "export2config", "export2secret",
    "create-config", "delete-config", "read-config", "list-config", "request", "notification",
    "chat-gpt", "webhook", "build-push-image", "vela-cli", "addon-operation", "apply-app",
    "read-app", "depends-on-app", "apply-terraform-config", "apply-terraform-provider",
    "generate-jdbc-connection", "check-metrics",
}  # fmt: skip
STD_IMPORTS = {"strings", "strconv", "list", "math", "regexp", "encoding/json", "encoding/yaml",
               "encoding/base64", "time", "net"}  # fmt: skip


def test_library_has_at_least_fifty_types_including_the_spec_ones():
    assert len(BUILTIN) >= 50
    assert not SPEC_TYPES - set(BUILTIN)


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_definition_metadata_is_complete(name):
    definition = BUILTIN[name]
    assert definition.path is not None
    assert definition.path.name == f"{name}.cue"
    assert definition.category
    folder = re.sub(r"[^a-z]+", "-", definition.category.lower().replace("&", "and"))
    assert definition.path.parent.name == folder
    assert definition.description.endswith(".")
    assert definition.example is not None, "add sample properties to examples.yaml"


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_template_parses_and_imports_only_known_packages(name):
    tree = parse_file(BUILTIN[name].template, f"{name}.cue")
    vela = {f"vela/{package}" for package in schema_sources()}
    imports = {spec.path for spec in tree.imports}
    assert imports <= vela | STD_IMPORTS
    labels = [d.label.name for d in tree.decls if isinstance(d, ast.Field)]
    assert "parameter" in labels
    # Imports stay one per line so text-rewriting tools (like the CUE oracle) see them.
    assert "import (" in BUILTIN[name].template or not imports


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_parameters_are_documented_and_examples_use_only_known_ones(name):
    definition = BUILTIN[name]
    schema = definition.parameters()
    assert schema["type"] == "object"
    for key, prop in schema["properties"].items():
        assert prop.get("description"), f"parameter {key} lacks a // +usage= comment"
    example = definition.example or {}
    assert set(example) <= set(schema["properties"])
    assert set(schema.get("required", [])) <= set(example)


def test_user_definitions_take_precedence_and_unknown_types_are_none():
    catalog = Catalog()
    assert catalog.get("no-such-type") is None
    mine = Definition("apply-object", "Mine", "Mine.", "parameter: {}\n")
    catalog.add(mine)
    assert catalog.get("apply-object") is mine
    assert catalog.builtin()["apply-object"] is not mine
    assert catalog.all()["apply-object"] is mine
    assert len(catalog) == len(BUILTIN)


def test_parse_definition_returns_the_template_body_with_its_imports():
    text = (Path(__file__).parent / "data" / "hello.cue").read_text()
    definition = parse_definition(text)
    assert definition.name == "hello"
    assert definition.category == "Testing"
    assert definition.labels == {"custom.definition.oam.dev/ui-hidden": "true"}
    assert definition.template == (
        'import (\n\t"vela/builtin"\n)\n\n'
        "msg: builtin.#Message & {\n"
        '\t$params: message: "hello \\(parameter.who)"\n'
        "}\n"
        "parameter: who: string\n"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('"x": {type: "workflow-step"}\n', "one header field and one `template`"),
        ('"x": {type: "trait"}\ntemplate: {\n}\n', '"workflow-step"'),
        ('"x": {type: "workflow-step"}\ntemplate: {a: 1}\n', "must open a line"),
        ('"x": {type: "workflow-step", description: "a" + "b"}\ntemplate: {\n}\n', "literals"),
        ('"x": {\n', "expected"),
    ],
)
def test_malformed_definition_files_are_rejected(text, problem):
    with pytest.raises(DefinitionError, match=re.escape(problem)):
        parse_definition(text)
