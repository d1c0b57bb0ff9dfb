"""CUE idioms that KubeVela's shipped step definitions rely on, evaluated the way the step
runner evaluates a template (the `vela/*` packages registered, `context` and `parameter` filled
in as JSON), checked against stated results and against real CUE."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cueflow import cue
from cueflow.definitions.stubs import lay_out_vela_stubs
from cueflow.providers.registry import default_packages

CONTEXT = {"name": "run1", "namespace": "team-a", "stepName": "step1", "stepSessionID": "s1"}


@dataclass(frozen=True)
class Case:
    id: str
    template: str
    parameter: dict[str, Any]
    path: str
    expected: Any
    oracle: bool = True  # False where the oracle's CUE v0.4 cannot parse the text


CASES = [
    Case(
        "secret-or-literal-token",
        """
import "vela/kube"

token: {
	if parameter.token.value != _|_ {
		text: parameter.token.value
	}
	if parameter.token.fromSecret != _|_ {
		read: kube.#Read & {$params: value: {
			apiVersion: "v1"
			kind:       "Secret"
			metadata: {name: parameter.token.fromSecret.name, namespace: parameter.namespace}
		}}
	}
}
parameter: {
	token: close({value: string}) | close({fromSecret: {name: string, key: string}})
	namespace: *context.namespace | string
}
""",
        {"token": {"fromSecret": {"name": "api", "key": "t"}}},
        'token.read."$params"',
        {"cluster": "", "value": {"apiVersion": "v1", "kind": "Secret",
                                  "metadata": {"name": "api", "namespace": "team-a"}}},
    ),
    Case(
        "json-body-from-guarded-fields",
        """
import (
	"vela/http"
	"encoding/json"
)

send: http.#HTTPDo & {$params: {
	method: "POST"
	url:    parameter.endpoint
	request: {
		body: json.Marshal({
			event: parameter.event
			if parameter.labels != _|_ {
				labels: parameter.labels
			}
			source: context.name
		})
		header: "Content-Type": "application/json"
		if parameter.token != _|_ {
			header: Authorization: "Bearer \\(parameter.token)"
		}
	}
}}
parameter: {
	endpoint: string
	event:    string
	labels?: [string]: string
	token?: string
}
""",
        {"endpoint": "http://h/e", "event": "done", "token": "xyz"},
        'send."$params"',
        {"method": "POST", "url": "http://h/e", "request": {
            "body": '{"event":"done","source":"run1"}',
            "header": {"Content-Type": "application/json", "Authorization": "Bearer xyz"}}},
    ),
    Case(
        "default-definition-by-discriminator",
        """
#Small: {size: "small", cpu: *1 | int}
#Large: {size: "large", cpu: *8 | int, disk: string}
parameter: *#Small | #Large
plan: {cpu: parameter.cpu, size: parameter.size}
""",
        {"size": "large", "disk": "100Gi"},
        "plan",
        {"cpu": 8, "size": "large"},
    ),
    Case(
        "comprehensions-over-parameters",
        """
import "strings"

container: {
	env: [for k, v in parameter.env {name: strings.ToUpper(k), value: v}]
	if parameter.ports != _|_ {
		ports: [for p in parameter.ports if p > 0 {containerPort: p}]
	}
	args: *[] | [...string]
	if parameter.verbose {
		args: ["--verbose"]
	}
}
parameter: {
	env: [string]: string
	ports?: [...int]
	verbose: *false | bool
}
""",
        {"env": {"mode": "fast"}, "ports": [80, 0, 443], "verbose": True},
        "container",
        {"env": [{"name": "MODE", "value": "fast"}],
         "ports": [{"containerPort": 80}, {"containerPort": 443}], "args": ["--verbose"]},
    ),
    Case(
        "multiline-prompt-with-marshalled-content",
        '''
import "encoding/json"

prompt: """
	Review this object.
	Answer in \\(parameter.lang).
	---
	\\(json.Marshal(parameter.object))
	"""
parameter: {
	lang:   *"English" | string
	object: {...}
}
''',
        {"object": {"kind": "Pod", "spec": {"replicas": 2}}},
        "prompt",
        'Review this object.\nAnswer in English.\n---\n{"kind":"Pod","spec":{"replicas":2}}',
    ),
    Case(
        "encoded-credentials",
        """
import (
	"encoding/base64"
	"encoding/json"
	"strconv"
)

auth: {
	pair: base64.Encode(null, parameter.user + ":" + parameter.password)
	config: json.Marshal({auths: "\\(parameter.server)": {auth: pair}})
	port: strconv.FormatInt(parameter.port, 10)
}
parameter: {user: string, password: string, server: string, port: *5000 | int}
""",
        {"user": "u", "password": "p", "server": "reg.local"},
        "auth",
        {"pair": "dTpw", "config": '{"auths":{"reg.local":{"auth":"dTpw"}}}', "port": "5000"},
    ),
    Case(
        "required-field-marker",
        """
parameter: {
	type!: "east" | "west"
	name:  *"default-\\(type)" | string
}
out: parameter.name
""",
        {"type": "west"},
        "out",
        "default-west",
        oracle=False,
    ),
    Case(
        "list-concatenation-with-plus",
        """
job: command: ["tool", parameter.action, parameter.target] + parameter.extra
parameter: {action: string, target: string, extra: *[] | [...string]}
""",
        {"action": "enable", "target": "x", "extra": ["--a=1"]},
        "job.command",
        ["tool", "enable", "x", "--a=1"],
    ),
    Case(
        "config-read-result-is-readable-before-the-call",
        """
import "vela/config"

read: config.#ReadConfig & {$params: {name: parameter.name, namespace: context.namespace}}
settings: read.$returns.config
parameter: name: string
""",
        {"name": "db"},
        "settings",
        {},
    ),
    Case(
        "config-list-result-is-an-empty-list-before-the-call",
        """
import "vela/config"

found: config.#ListConfig & {$params: {template: "db", namespace: context.namespace}}
names: [for c in found.$returns.configs {c.name}]
""",
        {},
        "names",
        [],
    ),
    Case(
        "legacy-patch-result-is-readable-before-the-call",
        """
import "vela/op"

patched: op.#PatchK8sObject & {value: {spec: replicas: 1}, patch: {spec: replicas: 2}}
after: patched.result
""",
        {},
        "after",
        {},
    ),
    Case(
        "list-repetition-with-star",
        """
sep: ["-"] * parameter.width
parameter: width: 3
""",
        {"width": 3},
        "sep",
        ["-", "-", "-"],
    ),
]


def _source(case: Case) -> str:
    fill = f"\ncontext: {json.dumps(CONTEXT)}\nparameter: {json.dumps(case.parameter)}\n"
    return case.template.strip("\n") + "\n" + fill


@pytest.fixture(scope="module")
def step_context() -> cue.Context:
    """A context with the provider packages registered, as the step runner sets it up."""
    context = cue.Context()
    for package in default_packages().values():
        context.register_package(package.path, package.schema, f"{package.path}.cue")
    return context


@pytest.fixture(scope="module")
def vela_stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lay_out_vela_stubs(tmp_path_factory.mktemp("vela-stubs"))


def _json(data: Any) -> Any:
    """Exported data in JSON terms (CUE numbers come back as Decimal)."""
    return json.loads(json.dumps(data, default=lambda d: int(d) if d == int(d) else float(d)))


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_idiom_evaluates_as_upstream_expects(case: Case, step_context: cue.Context) -> None:
    value = step_context.compile(_source(case), filename=f"{case.id}.cue")
    assert value.error is None or value.error.incomplete, value.error
    assert _json(value.lookup(case.path).to_python()) == case.expected


@pytest.mark.oracle
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES if c.oracle])
def test_real_cue_agrees(case: Case, cue_oracle: Any, vela_stubs: Path, tmp_path: Path) -> None:
    source = tmp_path / f"{case.id}.cue"
    source.write_text(_source(case))
    answer = cue_oracle.run(files=[str(source)], cmd="export", vela=str(vela_stubs),
                            flags=["-e", case.path])
    assert answer["code"] == 0, answer["stderr"]
    assert json.loads(answer["stdout"]) == case.expected
