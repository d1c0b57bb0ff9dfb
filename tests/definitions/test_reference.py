"""Listings and Markdown pages of the step library, and the generated docs being current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from cueflow.definitions import Catalog, Definition, list_definitions, render_reference

REPO = Path(__file__).resolve().parents[2]


def test_listing_has_every_type_with_its_parameters_and_user_ones():
    catalog = Catalog()
    catalog.add(Definition("zz-mine", "Custom", "Mine.", "parameter: {who: string}\n"))
    listed = list_definitions(catalog)
    names = [item["name"] for item in listed]
    assert names == sorted(names)
    assert set(names) == set(catalog.builtin()) | {"zz-mine"}
    mine = listed[-1]
    assert mine == {
        "name": "zz-mine",
        "category": "Custom",
        "description": "Mine.",
        "parameters": {
            "type": "object",
            "properties": {"who": {"type": "string"}},
            "required": ["who"],
        },
    }


def test_reference_page_lists_nested_parameters_and_a_runnable_example():
    definition = Catalog().get("copy-secret")
    assert definition is not None
    page = render_reference(definition)
    assert page.startswith("# copy-secret\n")
    assert "| `to.clusters` | [...string] | yes |  | Clusters to write to |" in page
    assert "| `from.namespace` | string | no | `context.namespace` |" in page
    example = page.split("```yaml\n", 1)[1].split("```", 1)[0]
    step = yaml.safe_load(example)["steps"][0]
    assert step == {
        "name": "my-copy-secret",
        "type": "copy-secret",
        "properties": definition.example,
    }
    assert definition.template.strip() in page


def test_reference_page_of_a_type_without_parameters():
    page = render_reference(Definition("noop", "", "Do nothing.", "nop: {}\n"))
    assert "This step type takes no parameters." in page
    assert "## Example" not in page


def test_generated_step_docs_are_current():
    spec = importlib.util.spec_from_file_location("gen", REPO / "scripts" / "gen_step_docs.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.main(["--check"]) == 0, "run: python scripts/gen_step_docs.py"
