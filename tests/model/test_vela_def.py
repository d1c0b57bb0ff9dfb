"""Definitions in the `vela def` CUE layout read as the objects `vela def apply` makes."""

from __future__ import annotations

import pytest

from cueflow import model
from cueflow.model.vela_def import read_cue_definition

ROTATE = """\
// Rotates a database credential and records when it happened.
import (
\t"vela/kube"
\tstrs "strings"
)

"rotate-credential": {
\talias: "rotate"
\ttype:  "workflow-step"
\tannotations: {
\t\t"category":                   "Resource Management"
\t\t"definition.oam.dev/example": "rotate-credential"
\t}
\tlabels: {
\t\t"ui-hidden":            "true"
\t\t"addons.oam.dev/name": "db"
\t}
\tdescription: "Rotates the password of a database user."
\tattributes: {
\t\tmanageHealthCheck: true
\t\tweights: [1, 2.5, null]
\t}
}
template: {
\tparameter: {
\t\t// +usage=The database user
\t\tuser: string
\t\tcluster: *"" | string
\t}
\tnote: \"\"\"
\t\trotated \\(strs.ToUpper(parameter.user))
\t\t\"\"\"
\tsecret: kube.#Apply & {
\t\t$params: cluster: parameter.cluster
\t}
}
"""

TEMPLATE = """\
import "vela/kube"
import strs "strings"

parameter: {
\t// +usage=The database user
\tuser: string
\tcluster: *"" | string
}
note: \"\"\"
\trotated \\(strs.ToUpper(parameter.user))
\t\"\"\"
secret: kube.#Apply & {
\t$params: cluster: parameter.cluster
}
"""


def test_header_and_template_become_the_object_vela_def_apply_makes():
    doc = read_cue_definition(ROTATE, "rotate.cue")
    assert doc.data == {
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": "WorkflowStepDefinition",
        "metadata": {
            "name": "rotate-credential",
            "namespace": "vela-system",
            "annotations": {
                "definition.oam.dev/alias": "rotate",
                "definition.oam.dev/description": "Rotates the password of a database user.",
                "custom.definition.oam.dev/category": "Resource Management",
                "definition.oam.dev/example": "rotate-credential",
            },
            "labels": {
                "custom.definition.oam.dev/ui-hidden": "true",
                "addons.oam.dev/name": "db",
            },
        },
        "spec": {
            "manageHealthCheck": True,
            "weights": [1, 2.5, None],
            "schematic": {"cue": {"template": TEMPLATE}},
        },
    }
    definition = model.parse_object(doc)
    assert isinstance(definition, model.WorkflowStepDefinition)
    model.check_definition(definition, doc)


def test_any_indentation_and_a_one_line_template():
    spaced = '"noop": {\n  type: "workflow-step"\n}\ntemplate: {\n  parameter: {}\n  x: {\n    y: 1\n  }\n}\n'
    doc = read_cue_definition(spaced, "noop.cue")
    assert doc.data["spec"]["schematic"]["cue"]["template"] == "parameter: {}\nx: {\n  y: 1\n}\n"
    assert "metadata" in doc.data and "annotations" not in doc.data["metadata"]
    inline = read_cue_definition(
        'template: {parameter: {}}\n"noop": {type: "workflow-step"}\n', "n.cue"
    )
    assert inline.data["spec"]["schematic"]["cue"]["template"] == "parameter: {}\n"


def test_positions_point_into_the_cue_file():
    doc = read_cue_definition(ROTATE, "rotate.cue")
    assert doc.where(["metadata", "name"]) == "rotate.cue:7"
    assert (
        doc.where(["metadata", "labels", "custom.definition.oam.dev/ui-hidden"]) == "rotate.cue:15"
    )
    assert doc.where(["spec", "weights"]) == "rotate.cue:19"
    # template line 5 is `\t// +usage=...`, file line 26 `\t\t// +usage=...`: one tab taken off
    assert doc.template_position(5, 2) == "rotate.cue:26:3"
    assert doc.template_position(2, 8) == "rotate.cue:4:2"  # `import strs "strings"`

    broken = read_cue_definition(ROTATE.replace('"vela/kube"', '"vela/nope"'), "rotate.cue")
    definition = model.parse_object(broken)
    packages = {"vela/kube": "package kube\n#Apply: {...}\n", "strings": "package strings\n"}
    with pytest.raises(model.ModelError, match=r"^rotate\.cue:3:\d+: .*'vela/nope'"):
        model.check_definition(definition, broken, packages=packages)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '"a": {type: "workflow-step"}\ntemplate: {\n\tx: (\n}\n',
            r"^bad\.cue:4:1: expected operand",
        ),
        ('"a": {type: "workflow-step"}\n', r"^bad\.cue: expected one header field"),
        ('"a": {type: "workflow-step"}\n"b": {}\ntemplate: {}\n', "expected one header field"),
        ('"a": {description: "d"}\ntemplate: {}\n', r"^bad\.cue:1:1: a: the header needs a type"),
        ('"a": {type: "task"}\ntemplate: {}\n', '"workflow-step", "component"'),
        (
            '"a": {type: "workflow-step", description: strings.Join(["a"], "")}\ntemplate: {}\n',
            r"^bad\.cue:1:\d+: a\.description: header values must be literals",
        ),
        (
            '"a": {type: "workflow-step", labels: {team: 3}}\ntemplate: {}\n',
            r"^bad\.cue:1:\d+: a\.labels\.team must be a string",
        ),
        (
            '"a": {type: "workflow-step"}\ntemplate: "x"\n',
            r"^bad\.cue:2:1: `template` must be a struct",
        ),
    ],
)
def test_layout_errors_name_file_and_position(text, message):
    with pytest.raises(model.ModelError, match=message):
        read_cue_definition(text, "bad.cue")


def test_other_definition_types_are_left_to_the_caller_to_skip():
    text = '"web": {\n\ttype: "component"\n\tattributes: workload: type: parameter.kind\n}\ntemplate: {}\n'
    doc = read_cue_definition(text, "web.cue")
    assert (doc.data["kind"], doc.data["metadata"]["name"]) == ("ComponentDefinition", "web")
    with pytest.raises(model.UnmanagedKind) as raised:
        model.parse_object(doc)
    assert (raised.value.kind, raised.value.name) == ("ComponentDefinition", "web")
