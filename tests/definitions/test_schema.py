"""Parameter schemas read from templates: types, defaults, required, docs."""

from __future__ import annotations

from cueflow.definitions.schema import parameter_schema


def schema(body: str) -> dict:
    return parameter_schema(f"parameter: {{\n{body}\n}}\n")


def test_types_defaults_and_required():
    result = schema(
        "\t// +usage=Name of it\n\tname: string\n"
        "\treplicas: *1 | int\n"
        "\tcmd?: [...string]\n"
        "\tratio: number & >=0 & <=1\n"
    )
    assert result == {
        "type": "object",
        "properties": {
            "name": {"type": "string", "description": "Name of it"},
            "replicas": {"type": "integer", "default": 1},
            "cmd": {"type": "array", "items": {"type": "string"}},
            "ratio": {"type": "number", "minimum": 0, "maximum": 1},
        },
        "required": ["name", "ratio"],
    }


def test_literal_disjunctions_are_enums_with_their_default():
    prop = schema('\tmode: *"a" | "b" | "c"')["properties"]["mode"]
    assert prop == {"enum": ["a", "b", "c"], "type": "string", "default": "a"}


def test_reference_and_interpolated_defaults_are_kept_as_text():
    props = schema(
        '\tnamespace: *context.namespace | string\n\tjob: *"\\(context.name)-x" | string'
    )["properties"]
    assert props["namespace"] == {"type": "string", "x-default-expression": "context.namespace"}
    assert props["job"] == {"type": "string", "x-default-expression": '"\\(context.name)-x"'}


def test_maps_open_structs_and_empty_defaults():
    props = schema("\tlabels?: {[string]: string}\n\tdata: *{} | {...}\n\targs: *[] | [...string]")[
        "properties"
    ]
    assert props["labels"] == {
        "type": "object",
        "properties": {},
        "additionalProperties": {"type": "string"},
    }
    assert props["data"] == {
        "type": "object",
        "properties": {},
        "additionalProperties": True,
        "default": {},
    }
    assert props["args"] == {"type": "array", "items": {"type": "string"}, "default": []}


def test_closed_alternatives_and_local_definitions():
    text = (
        "#Ref: close({value: string}) | close({secretRef: {name: string}})\n"
        "parameter: {\n\turl: #Ref\n\tother?: #Missing\n}\n"
    )
    props = parameter_schema(text)["properties"]
    assert props["url"] == {
        "oneOf": [
            {
                "type": "object",
                "properties": {"value": {"type": "string"}},
                "required": ["value"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {
                    "secretRef": {
                        "type": "object",
                        "properties": {"name": {"type": "string"}},
                        "required": ["name"],
                    }
                },
                "required": ["secretRef"],
                "additionalProperties": False,
            },
        ]
    }
    assert props["other"] == {}


def test_alternative_parameter_sets_become_one_object():
    text = (
        'parameter: *close({type: "a", key: string}) | close({\n'
        '\ttype: "b"\n\t// +usage=Token\n\ttoken: *"" | string\n})\n'
    )
    result = parameter_schema(text)
    assert result["properties"]["type"] == {"type": "string", "enum": ["a", "b"]}
    assert result["properties"]["token"]["description"] == "Token"
    assert result["oneOf"] == [{"required": ["type", "key"]}, {"required": ["type"]}]


def test_template_without_parameters_has_an_empty_schema():
    assert parameter_schema("nop: {}\n") == {"type": "object", "properties": {}}
