"""`cueflow def vet|render|list|show`."""

from __future__ import annotations

import json
import re
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

DEFINITION_CUE = """\
"shout": {
\ttype: "workflow-step"
\tannotations: {}
\tlabels: {}
\tdescription: "Upper-cases a word."
}
template: {
\tparameter: word: string
\tloud: parameter.word + "!"
}
"""


def test_vet_accepts_the_example_and_a_cue_file(cli, in_store, tmp_path):
    result = cli("def", "vet", str(EXAMPLES / "hello.yaml"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "workflowstepdefinition/greet: ok",
        "workflowrun/hello: ok",
    ]
    cue_file = tmp_path / "shout.cue"
    cue_file.write_text(DEFINITION_CUE)
    result = cli("def", "vet", str(cue_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "workflowstepdefinition/shout: ok"
    assert in_store(lambda s: s.list("WorkflowStepDefinition")) == []  # vet stores nothing


def test_vet_reports_cue_errors_with_their_position(cli, tmp_path):
    broken = tmp_path / "hello.yaml"
    broken.write_text((EXAMPLES / "hello.yaml").read_text().replace("who: *", "who: ( *"))
    result = cli("def", "vet", str(broken))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {broken}:")
    assert "template does not compile" in result.stderr

    layout = tmp_path / "shout.cue"
    layout.write_text(DEFINITION_CUE.replace("template: {", "body: {"))
    result = cli("def", "vet", str(layout))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {layout}: expected one header field")


def test_render_shows_the_template_and_the_calls_it_would_make(cli):
    result = cli(
        "def", "render", "apply-object", "--param", "value={kind: ConfigMap, apiVersion: v1}"
    )
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert '#provider: "kube"' in text
    calls = text.split("// provider calls it would make (1, none executed):\n")[1]
    call = re.fullmatch(r"//\s+(\S+): (\S+) (.*)", calls.strip())
    assert call is not None, calls
    assert call.group(1, 2) == ("apply", "kube.apply")
    assert json.loads(call.group(3)) == {
        "cluster": "",
        "value": {"kind": "ConfigMap", "apiVersion": "v1"},
    }


def test_render_a_definition_from_a_file(cli):
    result = cli("def", "render", "greet", "-f", str(EXAMPLES / "hello.yaml"), "-p", "who=you")
    assert result.returncode == 0, result.stderr
    assert 'greeting: "Hello, you!"' in result.stdout
    assert result.stdout.endswith(
        '(1, none executed):\n//   log: util.log {"data": "Hello, you!", "level": 3}\n'
    )


def test_render_rejects_unknown_types_and_wrong_parameters(cli):
    unknown = cli("def", "render", "no-such-type")
    assert unknown.returncode == 2
    assert "unknown step type 'no-such-type'" in unknown.stderr
    wrong = cli("def", "render", "print-message-in-status", "-p", "message=[1, 2]")
    assert wrong.returncode == 2
    assert "parameters do not fit step type 'print-message-in-status'" in wrong.stderr


SHOUT_DEFINITION = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata:
  name: shout
  annotations:
    definition.oam.dev/description: Upper-cases a word.
    custom.definition.oam.dev/category: Process Control
spec:
  schematic:
    cue:
      template: |
        parameter: {
          // +usage=The word to shout
          word: string
        }
"""


def test_list_shows_builtin_and_applied_definitions_by_category(cli, tmp_path):
    applied = tmp_path / "shout.yaml"
    applied.write_text(SHOUT_DEFINITION)
    assert cli("apply", "-f", str(applied)).returncode == 0

    result = cli("def", "list", "-o", "json", "--category", "process-control")
    assert result.returncode == 0, result.stderr
    listed = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert {"suspend", "sleep", "shout"} <= set(listed)
    assert {entry["category"] for entry in listed.values()} == {"Process Control"}
    assert listed["shout"] == {
        "name": "shout",
        "category": "Process Control",
        "description": "Upper-cases a word.",
        "parameters": {
            "type": "object",
            "properties": {"word": {"type": "string", "description": "The word to shout"}},
            "required": ["word"],
        },
    }

    table = cli("def", "list").stdout
    assert table.split()[:3] == ["CATEGORY", "NAME", "DESCRIPTION"]
    shout = re.search(r"^Process Control +shout +Upper-cases a word\. *$", table, re.M)
    apply = re.search(r"^Resource Management +apply-object +Apply one", table, re.M)
    assert shout is not None and apply is not None, table
    assert shout.start() < apply.start()  # grouped by category, in order


def test_show_gives_the_parameters_with_their_usage_docs(cli):
    table = cli("def", "show", "apply-object")
    assert table.returncode == 0, table.stderr
    lines = [line.rstrip() for line in table.stdout.splitlines()]
    assert lines[0].startswith("apply-object: Apply one Kubernetes object")
    assert lines[1].split() == ["PARAMETER", "TYPE", "REQUIRED", "DEFAULT", "DESCRIPTION"]
    assert lines[2].split(None, 3) == ["value", "{...}", "yes", "The Kubernetes object to apply"]
    assert re.match(r'cluster +string +no +"" +The cluster to use', lines[3])

    schema = json.loads(cli("def", "show", "request", "-o", "json").stdout)
    assert schema["name"] == "request" and schema["category"] == "External Integration"
    assert schema["parameters"]["properties"]["method"]["default"] == "GET"
    assert schema["parameters"]["properties"]["url"]["description"] == "The URL to call"

    page = cli("def", "show", "sleep", "--markdown").stdout
    assert page.startswith("# sleep\n")
    assert "## Parameters" in page and "| `duration` |" in page and "```cue" in page


def test_show_and_list_reject_unknown_types_and_categories(cli):
    for args, message in (
        (
            ["show", "no-such-type"],
            "error: unknown step type 'no-such-type' (see `cueflow def list`)",
        ),
        (["list", "--category", "nothing"], "error: unknown category 'nothing' (categories: "),
    ):
        result = cli("def", *args)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(message), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
