"""`cueflow def vet` and `cueflow def render`."""

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
    assert "expected one header field and one `template` field" in result.stderr


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
