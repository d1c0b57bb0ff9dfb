"""The `vela/*` package schemas: names as the spec lists them, valid for real CUE."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cueflow.definitions.stubs import lay_out_vela_stubs, schema_sources

# Function definitions of each package with their `#do` names (spec 3.6, 3.7).
EXPECTED = {
    "kube": {
        "Apply": "apply",
        "Patch": "patch",
        "ApplyInParallel": "apply-in-parallel",
        "Read": "read",
        "List": "list",
        "Delete": "delete",
    },
    "http": {
        "HTTPDo": "do",
        "HTTPGet": "do",
        "HTTPPost": "do",
        "HTTPPut": "do",
        "HTTPDelete": "do",
    },
    "builtin": {
        "ConditionalWait": "wait",
        "Suspend": "suspend",
        "Break": "break",
        "Fail": "fail",
        "Message": "message",
        "DoVar": "var",
    },
    "util": {"PatchK8sObject": "patch-k8s-object", "ConvertString": "string", "Log": "log"},
    "email": {"SendEmail": "send"},
    "time": {"DateToTimestamp": "timestamp", "TimestampToDate": "date"},
    "metrics": {"PromCheck": "promCheck"},
    "config": {
        "CreateConfig": "create",
        "DeleteConfig": "delete",
        "ReadConfig": "read",
        "ListConfig": "list",
    },
    "op": {
        "Apply": "apply",
        "Patch": "patch",
        "ApplyInParallel": "apply-in-parallel",
        "Read": "read",
        "List": "list",
        "Delete": "delete",
        "HTTPDo": "do",
        "HTTPGet": "do",
        "HTTPPost": "do",
        "HTTPPut": "do",
        "HTTPDelete": "do",
        "SendEmail": "send",
        "PromCheck": "promCheck",
        "DateToTimestamp": "timestamp",
        "TimestampToDate": "date",
        "PatchK8sObject": "patch-k8s-object",
        "ConvertString": "string",
        "Log": "log",
        "DoVar": "var",
        "ConditionalWait": "wait",
        "Suspend": "suspend",
        "Break": "break",
        "Fail": "fail",
        "Message": "message",
        "CreateConfig": "create-config",
        "DeleteConfig": "delete-config",
        "ReadConfig": "read-config",
        "ListConfig": "list-config",
    },
}


def test_every_package_has_a_schema_with_its_package_clause():
    sources = schema_sources()
    assert set(sources) == set(EXPECTED)
    for name, text in sources.items():
        first = next(line for line in text.splitlines() if line.strip())
        assert first == f"package {name}"


def test_legacy_package_is_self_contained():
    text = schema_sources()["op"]
    assert "import" not in text
    assert re.search(r"^NoExist: _\|_$", text, re.M)
    assert re.search(r"^context: _$", text, re.M)


def test_stub_layout_is_refreshed_in_place(tmp_path: Path):
    lay_out_vela_stubs(tmp_path)
    target = tmp_path / "cue.mod/pkg/kubevela.local/vela/kube/kube.cue"
    target.write_text("stale")
    lay_out_vela_stubs(tmp_path)
    assert target.read_text().startswith("package kube")
    assert (tmp_path / "cue.mod/module.cue").is_file()


@pytest.mark.oracle
@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_each_definition_names_its_function_and_provider(cue_oracle, vela_stubs, package):
    functions = EXPECTED[package]
    lines = [f'import "vela/{package}"']
    lines += [
        f'"{name}": {{do: {package}.#{name}.#do, provider: {package}.#{name}.#provider}}'
        for name in functions
    ]
    result = cue_oracle.export("\n".join(lines), vela=str(vela_stubs))
    assert result["code"] == 0, result["stderr"]
    provider = package
    assert json.loads(result["stdout"]) == {
        name: {"do": do, "provider": provider} for name, do in functions.items()
    }


@pytest.mark.oracle
def test_http_aliases_fix_the_method_inside_params(cue_oracle, vela_stubs):
    source = (
        'import "vela/http"\nr: http.#HTTPPost & {$params: url: "http://h"}\nm: r.$params.method'
    )
    result = cue_oracle.export(source, vela=str(vela_stubs), flags=["-e", "m"])
    assert result["code"] == 0, result["stderr"]
    assert json.loads(result["stdout"]) == "POST"


@pytest.mark.oracle
def test_params_defaults_fill_in(cue_oracle, vela_stubs):
    source = "\n".join(
        [
            'import (\n\t"vela/kube"\n\t"vela/metrics"\n)',
            'a: kube.#Apply & {$params: value: {kind: "ConfigMap"}}',
            'p: metrics.#PromCheck & {$params: {query: "up", condition: ">0"}}',
            "out: {cluster: a.$params.cluster, fail: p.$params.failDuration, dur: p.$params.duration}",
        ]
    )
    result = cue_oracle.export(source, vela=str(vela_stubs), flags=["-e", "out"])
    assert result["code"] == 0, result["stderr"]
    assert json.loads(result["stdout"]) == {"cluster": "", "fail": "2m", "dur": "5m"}
