"""What users hand to `cueflow apply` and `cueflow run`: `vela def` CUE files, files that mix
in objects cueflow does not run, and input that is wrong in every usual way."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

NOTICE_CUE = """\
// A step that tells a team channel which version went out.
import (
\t"vela/http"
\t"encoding/json"
)

"deploy-notice": {
\talias: ""
\ttype:  "workflow-step"
\tannotations: {
\t\t"category": "External Integration"
\t}
\tlabels: {
\t\t"ui-hidden": "false"
\t}
\tdescription: "Posts a deployment notice to a team channel."
\tattributes: {}
}
template: {
\tparameter: {
\t\t// +usage=The channel webhook to post to
\t\turl: string
\t\t// +usage=The team that owns the service
\t\tteam: *"platform" | string
\t\t// +usage=The version that was deployed
\t\tversion: string
\t}

\tmessage: json.Marshal({
\t\ttext: \"\"\"
\t\t\t\\(parameter.team): deployed \\(parameter.version)
\t\t\t\"\"\"
\t})

\tpost: http.#HTTPDo & {
\t\t$params: {
\t\t\tmethod: "POST"
\t\t\turl:    parameter.url
\t\t\trequest: {
\t\t\t\tbody: message
\t\t\t\theader: "Content-Type": "application/json"
\t\t\t}
\t\t}
\t}
}
"""

NOTICE_YAML = """\
apiVersion: core.oam.dev/v1beta1
kind: WorkflowStepDefinition
metadata:
  name: deploy-notice
  namespace: vela-system
  annotations:
    definition.oam.dev/alias: ""
    definition.oam.dev/description: Posts a deployment notice to a team channel.
    custom.definition.oam.dev/category: External Integration
  labels:
    custom.definition.oam.dev/ui-hidden: "false"
spec:
  schematic:
    cue:
      template: |
        import "vela/http"
        import "encoding/json"

        parameter: {
        \t// +usage=The channel webhook to post to
        \turl: string
        \t// +usage=The team that owns the service
        \tteam: *"platform" | string
        \t// +usage=The version that was deployed
        \tversion: string
        }

        message: json.Marshal({
        \ttext: \"\"\"
        \t\t\\(parameter.team): deployed \\(parameter.version)
        \t\t\"\"\"
        })

        post: http.#HTTPDo & {
        \t$params: {
        \t\tmethod: "POST"
        \t\turl:    parameter.url
        \t\trequest: {
        \t\t\tbody: message
        \t\t\theader: "Content-Type": "application/json"
        \t\t}
        \t}
        }
"""

RELEASE_RUN = """\
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: release
spec:
  workflowSpec:
    steps:
      - name: notify
        type: deploy-notice
        properties:
          url: {url}
          version: v1.2.3
"""

SKIPPED = "cueflow applies only WorkflowRun, Workflow and WorkflowStepDefinition"

MIXED_RUN = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: shop-settings
  namespace: shop
data:
  replicas: "3"
---
apiVersion: core.oam.dev/v1alpha1
kind: Policy
metadata:
  name: topology
properties:
  clusters: [local]
---
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: mixed
spec:
  workflowSpec:
    steps:
      - name: note
        type: print-message-in-status
        properties:
          message: settings ready
"""


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback HTTP server that records the bodies posted to it."""
    received: list[bytes] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_cue_definition_is_stored_exactly_as_its_yaml_form(cli, in_store, tmp_path):
    cue_file = tmp_path / "deploy-notice.cue"
    cue_file.write_text(NOTICE_CUE)
    vetted = cli("def", "vet", str(cue_file))
    assert vetted.stdout == "workflowstepdefinition/deploy-notice: ok\n", vetted.stderr

    applied = cli("apply", "-f", str(cue_file))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout == "workflowstepdefinition/deploy-notice stored\n"
    from_cue = in_store(lambda s: s.get("WorkflowStepDefinition", "vela-system", "deploy-notice"))
    assert cli("delete", "definition", "vela-system/deploy-notice").returncode == 0

    yaml_file = tmp_path / "deploy-notice.yaml"
    yaml_file.write_text(NOTICE_YAML)
    assert cli("apply", "-f", str(yaml_file)).returncode == 0
    from_yaml = in_store(lambda s: s.get("WorkflowStepDefinition", "vela-system", "deploy-notice"))
    assert from_cue.doc == from_yaml.doc
    assert from_cue.doc == yaml.safe_load(NOTICE_YAML)

    shown = cli("def", "show", "deploy-notice")
    assert "Posts a deployment notice to a team channel." in shown.stdout
    assert "The team that owns the service" in shown.stdout


def test_a_directory_of_cue_and_yaml_files_applies_and_runs(cli, tmp_path, webhook):
    url, received = webhook
    folder = tmp_path / "release"
    folder.mkdir()
    (folder / "deploy-notice.cue").write_text(NOTICE_CUE)
    (folder / "release.yaml").write_text(RELEASE_RUN.format(url=url))
    (folder / "README.md").write_text("How we release.\n")

    ran = cli("run", str(folder))
    assert ran.returncode == 0, ran.stderr
    assert "notify (deploy-notice) succeeded" in ran.stdout
    assert [json.loads(body) for body in received] == [{"text": "platform: deployed v1.2.3"}]

    applied = cli("apply", "-f", str(folder))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == [
        "workflowstepdefinition/deploy-notice stored",
        "workflowrun/release stored",
    ]


def test_objects_cueflow_does_not_run_are_skipped_with_one_warning_each(cli, tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text(MIXED_RUN)
    warnings = [
        f"warning: {path}:1: skipped Namespace/shop: {SKIPPED}",
        f"warning: {path}:6: skipped ConfigMap/shop-settings: {SKIPPED}",
        f"warning: {path}:14: skipped Policy/topology: {SKIPPED}",
    ]
    ran = cli("run", str(path))
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.splitlines() == warnings
    assert "note (print-message-in-status) succeeded" in ran.stdout
    assert ran.stdout.rstrip().endswith("  settings ready")

    applied = cli("apply", "-f", str(path))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout == "workflowrun/mixed stored\n"
    assert applied.stderr.splitlines()[:3] == warnings

    component = tmp_path / "web.cue"
    component.write_text('"web": {\n\ttype: "component"\n}\ntemplate: {\n\toutput: {}\n}\n')
    vetted = cli("def", "vet", str(component))
    assert vetted.returncode == 2
    assert (
        vetted.stderr.splitlines()[0]
        == f"warning: {component}:1: skipped ComponentDefinition/web: {SKIPPED}"
    )


def test_an_application_is_refused_with_what_to_do_instead(cli, tmp_path):
    path = tmp_path / "app.yaml"
    path.write_text(
        MIXED_RUN.split("---")[0]
        + "---\napiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: shop\n"
        "spec:\n  components: []\n"
    )
    for command in (["run"], ["apply", "-f"]):
        result = cli(*command, str(path))
        assert result.returncode == 2
        assert result.stderr.splitlines()[-1] == (
            f"error: {path}:7: Application 'shop': cueflow runs WorkflowRuns, not KubeVela "
            "Applications; put the application's workflow steps in a WorkflowRun "
            "(spec.workflowSpec.steps)"
        )


RUN_HEAD = """\
apiVersion: core.oam.dev/v1alpha1
kind: WorkflowRun
metadata:
  name: bad
spec:
  workflowSpec:
    steps:
"""


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Each bad input: the path to hand over, and the error line expected (after `error: `)."""

    def file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    step = "      - name: build\n        type: {type}\n"
    bad_yaml = file("syntax.yaml", RUN_HEAD + "      - name: build\n       type: suspend\n")
    steps_int = file("steps.yaml", RUN_HEAD.replace("steps:\n", "steps: 3\n"))
    timeout_int = file(
        "timeout.yaml", RUN_HEAD + step.format(type="suspend") + "        timeout: 5\n"
    )
    depends_on = file(
        "depends.yaml", RUN_HEAD + step.format(type="suspend") + "        dependsOn: a\n"
    )
    typo = file("typo.yaml", RUN_HEAD + step.format(type="suspnd"))
    properties = file(
        "props.yaml",
        RUN_HEAD + step.format(type="suspend") + "        properties:\n          duration: 30\n",
    )
    (tmp_path / "no-resources").mkdir()
    (tmp_path / "no-resources" / "notes.txt").write_text("nothing to apply\n")
    (tmp_path / "only-empty").mkdir()
    file("only-empty/blank.yaml", "# just a comment\n---\n")
    return {
        "yaml syntax": (
            bad_yaml,
            f"{bad_yaml}:9:8: invalid YAML: ",
        ),
        "steps: 3": (steps_int, f"{steps_int}:7: spec.workflowSpec.steps: expected a list, got 3"),
        "timeout: 5": (
            timeout_int,
            f"{timeout_int}:10: spec.workflowSpec.steps[0].timeout: expected a string, got 5 "
            '(a duration such as "30s")',
        ),
        "dependsOn: a": (
            depends_on,
            f'{depends_on}:10: spec.workflowSpec.steps[0].dependsOn: expected a list, got "a"',
        ),
        "unknown step type": (
            typo,
            f"{typo}:9: step 'build': unknown step type 'suspnd': not built in, not in the file, "
            "not stored (did you mean 'suspend'? see `cueflow def list`)",
        ),
        "cue error in properties": (
            properties,
            f"{properties}:11: step 'build': properties do not fit step type 'suspend': "
            "parameter.duration: conflicting values string and 30 (mismatched types string and int)",
        ),
        "empty file": (file("empty.yaml", ""), f"{tmp_path / 'empty.yaml'}: holds no objects"),
        "missing file": (
            tmp_path / "nope.yaml",
            f"{tmp_path / 'nope.yaml'}: no such file or directory",
        ),
        "directory without resources": (
            tmp_path / "no-resources",
            f"{tmp_path / 'no-resources'}: no .yaml, .yml, .json or .cue files in this directory",
        ),
        "directory of empty files": (
            tmp_path / "only-empty",
            f"{tmp_path / 'only-empty'}: holds no objects",
        ),
    }


CASES = [
    "yaml syntax",
    "steps: 3",
    "timeout: 5",
    "dependsOn: a",
    "unknown step type",
    "cue error in properties",
    "empty file",
    "missing file",
    "directory without resources",
    "directory of empty files",
]


@pytest.mark.parametrize("command", [("run",), ("apply", "-f")], ids=["run", "apply"])
@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_one_line_naming_where_and_exit_2(cli, in_store, tmp_path, command, case):
    path, expected = _bad_inputs(tmp_path)[case]
    result = cli(*command, str(path))
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {expected}")
    assert in_store(lambda s: s.list("WorkflowRun")) == []


def test_get_runs_shows_progress_start_and_duration_and_one_run_as_a_tree(cli, in_store, tmp_path):
    assert cli("run", str(EXAMPLES / "hello.yaml")).returncode == 0
    waiting = tmp_path / "waiting.yaml"
    waiting.write_text(
        RUN_HEAD.replace("name: bad", "name: waiting")
        + "      - name: first\n        type: suspend\n"
        + "      - name: group\n        type: step-group\n        subSteps:\n"
        + "          - name: inner\n            type: suspend\n"
    )
    assert cli("apply", "-f", str(waiting)).returncode == 0

    table = cli("get", "runs")
    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split() == [
        "NAMESPACE",
        "NAME",
        "PHASE",
        "STEPS",
        "STARTED",
        "DURATION",
        "MESSAGE",
    ]
    hello = in_store(lambda s: s.get("WorkflowRun", "default", "hello")).doc["status"]
    start = datetime.fromisoformat(hello["startTime"].replace("Z", "+00:00")).astimezone()
    took = datetime.fromisoformat(hello["endTime"].replace("Z", "+00:00")) - start
    assert sorted(row.split() for row in rows) == [
        [
            "default",
            "hello",
            "succeeded",
            "3/3",
            *f"{start:%Y-%m-%d %H:%M:%S}".split(),
            f"{int(took.total_seconds())}s",
        ],
        ["default", "waiting", "pending", "0/2", "-"],
    ]

    tree = cli("get", "run", "hello")
    assert tree.returncode == 0, tree.stderr
    lines = tree.stdout.splitlines()
    assert lines[0].startswith("hello succeeded")
    assert [line.split()[:3] for line in lines[1:]] == [
        ["├──", "greet", "(greet)"],
        ["├──", "take-a-breath", "(step-group)"],
        ["│", "├──", "pause"],
        ["│", "└──", "note"],
        ["└──", "echo", "(print-message-in-status)"],
    ]
    assert "echo (print-message-in-status) succeeded" in lines[-1]
    assert lines[-1].endswith("  Hello, cueflow!")

    pending = cli("get", "run", "waiting").stdout.splitlines()
    assert pending == [
        "waiting pending",
        "├── first (suspend) pending",
        "└── group (step-group) pending",
        "    └── inner (suspend) pending",
    ]


def test_a_definition_importing_an_unknown_package_is_refused_at_its_import(cli, tmp_path):
    path = tmp_path / "deploy-notice.cue"
    path.write_text(NOTICE_CUE.replace('"vela/http"', '"vela/https"'))
    for command in (["def", "vet"], ["apply", "-f"]):
        result = cli(*command, str(path))
        assert result.returncode == 2
        assert result.stderr == (
            f"error: {path}:3:2: WorkflowStepDefinition 'deploy-notice': template does not "
            "compile: package 'vela/https' not found\n"
        )
