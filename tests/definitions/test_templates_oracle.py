"""Each built-in template checked with real CUE: it evaluates with its sample
parameters, its first task is ready to call, and its wait logic reads
provider results the way the providers fill them in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cueflow import cue
from cueflow.cue import ast
from cueflow.cue.parser import parse_file
from cueflow.definitions import Catalog
from cueflow.definitions.stubs import schema_sources

pytestmark = pytest.mark.oracle

BUILTIN = Catalog().builtin()

# The context a WorkflowRun step sees (spec 3.2), with made-up values.
CONTEXT = """
context: {
	name:           "release-42"
	namespace:      "apps"
	workflowName:   ""
	publishVersion: ""
	stepName:       "step-a"
	stepSessionID:  "k3j5h2m9qa"
	spanID:         "i-abcdefgh.k3j5h2m9qa"
}
"""


def _source(name: str, parameters: dict[str, Any] | None = None, extra: str = "") -> str:
    definition = BUILTIN[name]
    params = definition.example if parameters is None else parameters
    return f"{definition.template}\nparameter: {json.dumps(params)}\n{CONTEXT}\n{extra}\n"


def _task_paths(template: str) -> list[tuple[str, bool]]:
    """Paths of the task fields in declaration order (the order the engine calls them).

    Tasks under a computed label (`"cluster-\\(i)": kube.#Apply`) are represented
    by their enclosing field, whose export then covers every one of them.
    """
    tree = parse_file(template)
    packages = {spec.name for spec in tree.imports if spec.path.startswith("vela/")}
    fields = [d for d in tree.decls if isinstance(d, ast.Field) and isinstance(d.label, ast.Label)]
    local_tasks = {
        f.label.name for f in fields if f.label.name.startswith("#") and _is_task(f.value, packages)
    }

    def walk(decls: list[ast.Decl], prefix: str) -> list[tuple[str, bool]]:
        found: list[tuple[str, bool]] = []
        for decl in decls:
            if isinstance(decl, ast.Comprehension):
                found += walk(decl.body.decls, prefix)
            elif isinstance(decl, ast.Field) and isinstance(decl.label, ast.Label):
                if decl.label.name.startswith("#") or decl.label.name == "parameter":
                    continue
                path = f"{prefix}{decl.label.name}"
                value = decl.value
                if _is_task(value, packages, local_tasks):
                    found.append((path, False))
                elif isinstance(value, ast.StructLit):
                    inner = walk(value.decls, f"{path}.")
                    found += inner
                    if _has_computed_task(value, packages, local_tasks) and not inner:
                        found.append((path, True))
        return found

    return walk(tree.decls, "")


def _is_task(value: ast.Expr, packages: set[str], local: set[str] = frozenset()) -> bool:
    head = value.x if isinstance(value, ast.BinaryExpr) and value.op == "&" else value
    if isinstance(head, ast.Ident):
        return head.name in local
    return (
        isinstance(head, ast.SelectorExpr)
        and head.sel.startswith("#")
        and isinstance(head.x, ast.Ident)
        and head.x.name in packages
    )


def _has_computed_task(struct: ast.StructLit, packages: set[str], local: set[str]) -> bool:
    for decl in struct.decls:
        if isinstance(decl, ast.Comprehension):
            if _has_computed_task(decl.body, packages, local):
                return True
        elif (
            isinstance(decl, ast.Field)
            and not isinstance(decl.label, ast.Label)
            and _is_task(decl.value, packages, local)
        ):
            return True
    return False


def _lookup(root: ast.StructLit, path: str) -> ast.Expr | None:
    """The value at a dotted path of `cue eval` output (a plain tree of fields)."""
    node: ast.Expr = root
    for label in path.split("."):
        if not isinstance(node, ast.StructLit):
            return None
        values = [
            d.value
            for d in node.decls
            if isinstance(d, ast.Field) and isinstance(d.label, ast.Label) and d.label.name == label
        ]
        if not values:
            return None
        node = values[0]
    return node


def _is_concrete(node: ast.Expr) -> bool:
    """True when every regular field below holds a literal (what `export` would accept)."""
    if isinstance(node, ast.StructLit):
        return all(
            _is_concrete(d.value)
            for d in node.decls
            if isinstance(d, ast.Field)
            and d.constraint != "?"
            and not (isinstance(d.label, ast.Label) and d.label.name.startswith(("#", "_")))
        )
    if isinstance(node, ast.ListLit):
        return node.ellipsis is None and all(_is_concrete(e) for e in node.elems)
    return isinstance(
        node,
        ast.StringLit | ast.IntLit | ast.FloatLit | ast.BoolLit | ast.NullLit | ast.BytesLit,
    )


def _literal(node: ast.Expr) -> Any:
    """The Python value of a concrete `cue eval` subtree (as `export` would give it)."""
    if isinstance(node, ast.StructLit):
        return {
            d.label.name: _literal(d.value)
            for d in node.decls
            if isinstance(d, ast.Field)
            and isinstance(d.label, ast.Label)
            and d.constraint != "?"
            and not d.label.name.startswith(("#", "_"))
        }
    if isinstance(node, ast.ListLit):
        return [_literal(e) for e in node.elems]
    if isinstance(node, ast.FloatLit):
        return float(node.value)
    return node.value


_EVALUATED: dict[str, dict[str, Any]] = {}


def _evaluated(cue_oracle, vela_stubs, name: str) -> dict[str, Any]:
    """Real CUE's `eval` of a type with its sample parameters (once per test session)."""
    if name not in _EVALUATED:
        _EVALUATED[name] = cue_oracle.eval(_source(name), vela=str(vela_stubs))
    return _EVALUATED[name]


def _first_task(name: str, evaluated: str) -> tuple[str, ast.Expr] | None:
    """The first task that exists in an evaluated template: its argument path and value."""
    tree = parse_file(evaluated)
    root = ast.StructLit(tree.pos, tree.decls)
    legacy = "vela/op" in BUILTIN[name].template
    for path, group in _task_paths(BUILTIN[name].template):
        target = path if legacy or group else f"{path}.$params"
        node = _lookup(root, target)
        if node is not None:
            return target, node
    return None


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_template_evaluates_and_its_first_task_is_ready(cue_oracle, vela_stubs, name):
    """No error with the sample parameters, and the first task that exists with them
    has concrete arguments (the engine could call it as it stands)."""
    result = _evaluated(cue_oracle, vela_stubs, name)
    assert result["code"] == 0, result["stderr"]
    if _task_paths(BUILTIN[name].template):
        found = _first_task(name, result["stdout"])
        assert found is not None, "no task exists with the sample parameters"
        assert _is_concrete(found[1]), f"{found[0]} is not ready:\n{result['stdout']}"


@pytest.fixture(scope="module")
def engine() -> cue.Context:
    """cueflow's own CUE engine with the `vela/*` packages registered."""
    ctx = cue.Context()
    for package, text in schema_sources().items():
        ctx.register_package(f"vela/{package}", text, f"{package}.cue")
    return ctx


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_cueflow_engine_computes_the_same_first_task_arguments(
    cue_oracle, vela_stubs, engine, name
):
    result = _evaluated(cue_oracle, vela_stubs, name)
    assert result["code"] == 0, result["stderr"]
    value = engine.compile(_source(name), filename=f"{name}.cue")
    assert value.error is None
    assert not value.has_permanent_error()
    found = _first_task(name, result["stdout"])
    if found is not None:
        path, node = found
        assert value.lookup(path).to_python() == _literal(node)


def _export(cue_oracle, vela_stubs, name, expr, extra, parameters=None):
    result = cue_oracle.export(
        _source(name, parameters, extra), vela=str(vela_stubs), flags=["-e", expr]
    )
    assert result["code"] == 0, result["stderr"]
    return json.loads(result["stdout"])


DEPLOYMENT_ROLLED_OUT = (
    "{metadata: generation: 2, spec: replicas: 3, status: {observedGeneration: 2, replicas: 3,"
    " updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3}}"
)
DEPLOYMENT_ROLLING = (
    "{metadata: generation: 2, spec: replicas: 3, status: {observedGeneration: 2, replicas: 4,"
    " updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3}}"
)

# (type, provider results to fill in, whether the step's wait lets it continue)
WAITS = [
    ("apply-deployment", "output: $returns: value: {status: {readyReplicas: 2}}", True),
    ("apply-deployment", "output: $returns: value: {status: {}}", False),
    ("apply-job", "apply: $returns: value: {spec: completions: 2, status: succeeded: 1}", False),
    ("apply-job", "apply: $returns: value: {spec: completions: 2, status: succeeded: 2}", True),
    ("wait-for-rollout", f"workload: $returns: value: {DEPLOYMENT_ROLLED_OUT}", True),
    ("wait-for-rollout", f"workload: $returns: value: {DEPLOYMENT_ROLLING}", False),
    ("scale-deployment", f"deployment: $returns: value: {DEPLOYMENT_ROLLING}", False),
    ("restart-deployment", f"deployment: $returns: value: {DEPLOYMENT_ROLLED_OUT}", True),
    ("restart-deployment", f"deployment: $returns: value: {DEPLOYMENT_ROLLING}", False),
    (
        "wait-for-object",
        'object: $returns: value: status: conditions: [{type: "Ready", status: "True"}]',
        True,
    ),
    (
        "wait-for-object",
        'object: $returns: value: status: conditions: [{type: "Ready", status: "False"}]',
        False,
    ),
    ("wait-for-object", 'object: $returns: {value: {}, err: "not found"}', False),
    (
        "kruise-rollout-batch",
        'rollout: $returns: value: status: canaryStatus: {currentStepIndex: 2, currentStepState: "StepPaused"}',
        True,
    ),
    (
        "kruise-rollout-batch",
        'rollout: $returns: value: status: canaryStatus: {currentStepIndex: 2, currentStepState: "StepUpgrade"}',
        False,
    ),
]


@pytest.mark.parametrize(("name", "returns", "proceeds"), WAITS)
def test_wait_follows_the_provider_results(cue_oracle, vela_stubs, name, returns, proceeds):
    params = _export(cue_oracle, vela_stubs, name, "wait.$params", returns)
    assert params["continue"] is proceeds
    assert isinstance(params["message"], str)


@pytest.mark.parametrize(("name", "returns", "proceeds"), WAITS)
def test_cueflow_engine_waits_the_same_way(engine, name, returns, proceeds):
    value = engine.compile(_source(name, None, returns), filename=f"{name}.cue")
    assert value.lookup("wait.$params.continue").to_python() is proceeds


def test_apply_to_clusters_names_the_clusters_still_waiting(cue_oracle, vela_stubs):
    ok = 'status: {observedGeneration: 1, conditions: [{type: "Available", status: "True"}]}'
    returns = "\n".join(
        [
            f'applied: "cluster-0": $returns: value: {{metadata: generation: 1, {ok}}}',
            f'applied: "cluster-1": $returns: value: {{metadata: generation: 2, {ok}}}',
            'applied: "cluster-2": $returns: value: {metadata: generation: 1, status: {}}',
        ]
    )
    params = _export(cue_oracle, vela_stubs, "apply-to-clusters", "wait.$params", returns)
    assert params == {
        "continue": False,
        "message": "waiting for: eu-west (observedGeneration); us-east (Available)",
    }


def test_delete_object_fails_only_for_errors_other_than_not_found(cue_oracle, vela_stubs):
    missing = 'delete: $returns: err: "configmaps \\"app-settings\\" not found"'
    denied = 'delete: $returns: err: "forbidden"'
    found = _export(cue_oracle, vela_stubs, "delete-object", "fail", denied)
    assert found["$params"]["message"].endswith("forbidden")
    result = cue_oracle.export(
        _source("delete-object", None, missing), vela=str(vela_stubs), flags=["-e", "fail"]
    )
    assert result["code"] != 0  # no `fail` task appears


# (type, parameters or None for the sample, provider results, expected fields of the result)
OUTCOMES = [
    (
        "request",
        None,
        'req: $returns: {statusCode: 200, body: "{\\"id\\": 7}"}',
        {"response": {"id": 7}},
    ),
    (
        "request",
        None,
        'req: $returns: {statusCode: 400, body: "bad"}',
        {"fail": {"message": "request of https://api.example.com/v1/deployments is fail: 400"}},
    ),
    (
        "webhook",
        None,
        'secret: read: $returns: value: data: "release-url": "aHR0cDovL2hvb2s="\n'
        'attempt0: $returns: {statusCode: 503, body: ""}\n'
        'attempt1: $returns: {statusCode: 502, body: ""}\n'
        'attempt2: $returns: {statusCode: 404, body: ""}',
        {"attempt2": {"url": "http://hook"}, "fail": {"message": "webhook answered 404"}},
    ),
    (
        "notify-lark",
        None,
        'post: $returns: {statusCode: 200, body: "{\\"code\\": 19001}"}',
        {"failed": {"message": 'Lark answered 200: {"code": 19001}'}},
    ),
    (
        "send-email",
        None,
        'secret: read: $returns: value: data: password: "cHc="',
        {"send": {"from": {"password": "pw", "port": 587}}},
    ),
    (
        "manual-approval",
        {"approvers": ["alice"]},
        "",
        {"approval": {"message": "Waiting for manual approval (approvers: alice)"}},
    ),
]


def _expected_in(actual: Any, expected: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and _expected_in(actual[k], v) for k, v in expected.items()
        )
    return actual == expected


def _outcome_expr(expected: dict[str, Any]) -> str:
    """A list of the fields to look at: `$params` of tasks, plain fields as they are."""
    parts = [key if key == "response" else f"{key}.$params" for key in expected]
    return "[" + ", ".join(parts) + "]"


@pytest.mark.parametrize(("name", "parameters", "returns", "expected"), OUTCOMES)
def test_outcome_follows_the_provider_results(
    cue_oracle, vela_stubs, engine, name, parameters, returns, expected
):
    expr = _outcome_expr(expected)
    real = dict(
        zip(expected, _export(cue_oracle, vela_stubs, name, expr, returns, parameters), strict=True)
    )
    assert _expected_in(real, expected), real
    ours = engine.compile(_source(name, parameters, returns), filename=f"{name}.cue")
    assert dict(zip(expected, ours.eval_expr(expr).to_python(), strict=True)) == real


@pytest.mark.parametrize(
    ("parameters", "labels"),
    [
        ({}, {"workflow.oam.dev/name": "release-42"}),
        ({"labelselector": {"app": "x"}}, {"app": "x"}),
    ],
)
def test_clean_jobs_selects_by_the_given_labels_only(
    cue_oracle, vela_stubs, engine, parameters, labels
):
    expr = "cleanJobs.$params.filter.matchingLabels"
    assert _export(cue_oracle, vela_stubs, "clean-jobs", expr, "", parameters) == labels
    ours = engine.compile(_source("clean-jobs", parameters), filename="clean-jobs.cue")
    assert ours.lookup(expr).to_python() == labels
