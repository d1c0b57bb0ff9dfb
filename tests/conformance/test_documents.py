"""Reading definition and run files the way KubeVela publishes them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cueflow import model

TEMPLATE = """
import "vela/builtin"

say: builtin.#Message & {$params: message: parameter.text}
parameter: text: string
"""


def test_chart_layout_definition_loads(layout: Any) -> None:
    text = layout.definition("say", TEMPLATE, namespace="vela-system")
    [definition] = model.load_documents(text, "say.yaml")
    assert isinstance(definition, model.WorkflowStepDefinition)
    assert definition.metadata.namespace == "vela-system"
    assert 'say: builtin.#Message & {$params: message: parameter.text}' in definition.template


@pytest.mark.parametrize("tail", ["---\n", "---\n# nothing more\n", "---\n---\n"])
def test_empty_documents_are_skipped(layout: Any, tail: str) -> None:
    text = layout.definition("say", TEMPLATE, namespace="vela-system") + tail
    loaded = model.load_documents(text, "say.yaml")
    assert [obj.metadata.name for obj in loaded] == ["say"]


def test_chart_namespace_directive_reads_as_system_namespace(layout: Any) -> None:
    [definition] = model.load_documents(layout.definition("say", TEMPLATE), "say.yaml")
    assert definition.metadata.namespace == "vela-system"
    assert "{{" not in definition.template


def test_other_template_directives_are_reported_with_their_line(layout: Any) -> None:
    text = layout.definition("say", TEMPLATE, namespace="vela-system").replace(
        "  name: say\n", "  name: {{ .Values.stepName }}\n")
    with pytest.raises(model.ModelError) as raised:
        model.read_documents(text, "say.yaml")
    message = str(raised.value)
    assert message.startswith("say.yaml:7:")
    assert "helm template" in message


def test_directive_text_inside_a_template_is_kept(layout: Any) -> None:
    template = TEMPLATE.replace("parameter.text", '"{{ kept }} " + parameter.text')
    [definition] = model.load_documents(
        layout.definition("say", template, namespace="vela-system"), "say.yaml")
    assert '"{{ kept }} " + parameter.text' in definition.template


def test_kubectl_list_output_gives_its_items(layout: Any) -> None:
    listed = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "core.oam.dev/v1beta1", "kind": "WorkflowStepDefinition",
             "metadata": {"name": name, "namespace": "vela-system", "resourceVersion": "7"},
             "spec": {"schematic": {"cue": {"template": TEMPLATE}}},
             "status": {"latestRevision": {"name": f"{name}-v1", "revision": 1}}}
            for name in ("say", "shout")
        ],
        "metadata": {"resourceVersion": ""},
    }
    loaded = model.load_documents(json.dumps(listed, indent=2), "export.yaml")
    assert [(obj.kind, obj.metadata.name) for obj in loaded] == [
        ("WorkflowStepDefinition", "say"), ("WorkflowStepDefinition", "shout")]
    with pytest.raises(model.ModelError, match=r"^export\.yaml:\d+: .*unknown kind 'Thing'"):
        model.load_documents(json.dumps({**listed, "items": [{"kind": "Thing"}]}), "export.yaml")
