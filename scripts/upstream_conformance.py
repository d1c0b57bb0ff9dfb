"""Evaluate KubeVela's own workflow step definitions with cueflow and with real CUE.

Usage:
    python scripts/upstream_conformance.py --kubevela KUBEVELA_GIT --workflow WORKFLOW_GIT
        [--packages ours|upstream] [--oracle DIR] [--only NAME ...] [--verbose]

KUBEVELA_GIT and WORKFLOW_GIT are checkouts or bare git directories of
github.com/kubevela/kubevela and github.com/kubevela/workflow (files are read
from their HEAD commit with `git show`, so nothing is copied here). The real-CUE
oracle is the one the tests use (`.cache/cue-oracle`, or $CUEFLOW_CUE_ORACLE).
Real CUE gets the `vela/*` packages as `-V` stubs: by default the package CUE
cueflow's step runner registers (this checks the evaluator); with
`--packages upstream` kubevela/workflow's own package CUE (pkg/providers, the
legacy ones joined into `vela/op`), which also checks cueflow's schemas.

For every WorkflowStepDefinition of the two Helm charts and of kubevela's
docs/examples, and every step definition in
vela-templates/definitions/internal/workflowstep/*.cue:

- loads: the file reads with cueflow's loader (`model.load_documents` for chart
  YAML, `definitions.parse_definition` for `vela def` CUE files);
- compiles: the template, with `context` and a `parameter` value filled in the
  way the step runner fills them, evaluates without a permanent error;
- first call: the first provider call the step runner would make (the first
  struct with a concrete `#do`/`#provider`, and its arguments as `export` gives
  them) is the one real CUE gives for the same text. `yes*` marks equality up to
  a documented CUE v0.4/v0.14 difference (docs/cue-versions.md): JSON text that
  differs only in key order or HTML escaping, or fields from comprehensions that
  v0.4 lists after the others. Both stopping at the same task because its
  arguments are not concrete counts as equal.

Each definition is tried with several parameter sets, one row each: `required`
(required members only, defaults left to the template, the first alternative of
a disjunction, a plausible value per type), `full` (every member, defaults as
written) and `example-N` (the `properties` of upstream example documents that use
the step type). Identical template and parameter pairs are evaluated once. Rows
needing KubeVela's Application controller are counted apart. Exit status 0; the
table and the totals are the result.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from cueflow import cue, model
from cueflow.cue import ast
from cueflow.cue.parser import parse_file
from cueflow.definitions import DefinitionError, lay_out_vela_stubs, parse_definition
from cueflow.definitions.schema import Schema, parameter_schema
from cueflow.engine.cuestep import CueStepType, first_permanent_error, plain
from cueflow.providers.base import ProviderPackage
from cueflow.providers.kubevela import op_schema
from cueflow.providers.registry import default_packages

REPO = Path(__file__).resolve().parent.parent

KUBEVELA_CHART = "charts/vela-core/templates/defwithtemplate"
KUBEVELA_CUE = "vela-templates/definitions/internal/workflowstep"
WORKFLOW_CHART = "charts/vela-workflow/templates/definitions"
UPSTREAM_PROVIDERS = "pkg/providers"
KUBEVELA_DOCS = "docs/examples"
EXAMPLE_ROOTS = {"kubevela": ["docs/examples"], "workflow": ["examples"]}

CONTEXT = {
    "name": "conformance-run",
    "namespace": "team-a",
    "workflowName": "",
    "publishVersion": "",
    "stepName": "step-a",
    "stepSessionID": "k3j5h2m9qa",
    "spanID": "i-abcdefgh.k3j5h2m9qa",
}
"""The `context` a WorkflowRun step sees (spec 3.2), with made-up values. The namespace is
not "default", so a template default of `context.namespace` meeting a package default of
"default" shows."""

SAMPLE_OBJECT = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "conformance", "namespace": "default"},
    "data": {"key": "value"},
}

# Plausible strings for parameter names (matched as substrings of the lower-cased name).
SAMPLE_STRINGS = [
    ("url", "http://127.0.0.1:8080/hook"),
    ("endpoint", "http://127.0.0.1:8080/api"),
    ("address", "http://127.0.0.1:8080"),
    ("image", "nginx:1.25"),
    ("namespace", "default"),
    ("cluster", "local"),
    ("duration", "10s"),
    ("timeout", "30s"),
    ("interval", "5s"),
    ("method", "GET"),
    ("email", "ops@example.com"),
    ("from", "ops@example.com"),
    ("to", "dev@example.com"),
    ("host", "smtp.example.com"),
    ("version", "v1"),
    ("kind", "ConfigMap"),
    ("apiversion", "v1"),
    ("query", "up"),
    ("condition", ">=0"),
    ("key", "key"),
    ("path", "/data"),
]


@dataclass
class Upstream:
    """One definition file as found upstream."""

    source: str  # "kubevela-chart", "kubevela-cue", "workflow-chart"
    path: str
    text: str
    name: str = ""
    template: str = ""
    load_error: str = ""


@dataclass
class Row:
    definition: str
    scenario: str
    loads: bool
    compiles: str = "-"
    first_call: str = "-"
    reason: str = ""
    detail: list[str] = field(default_factory=list)


class GitTree:
    """Files of a repository's HEAD commit, read with `git show` (bare or not)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(self.directory), *args],
            check=True, capture_output=True, text=True,
        ).stdout

    def files(self, folder: str) -> list[str]:
        listed = self._git("ls-tree", "-r", "--name-only", "HEAD", "--", folder)
        return [line for line in listed.splitlines() if line]

    def read(self, path: str) -> str:
        return self._git("show", f"HEAD:{path}")


# --- finding and loading definitions ------------------------------------------------------


def upstream_definitions(kubevela: GitTree, workflow: GitTree) -> list[Upstream]:
    found: list[Upstream] = []
    for source, tree, folder in (
        ("kubevela-chart", kubevela, KUBEVELA_CHART),
        ("workflow-chart", workflow, WORKFLOW_CHART),
    ):
        for path in tree.files(folder):
            if not path.endswith(".yaml"):
                continue
            text = tree.read(path)
            if re.search(r"^kind:\s*WorkflowStepDefinition\s*$", text, re.MULTILINE):
                found.append(Upstream(source, path, text))
    for path in kubevela.files(KUBEVELA_CUE):
        if path.endswith(".cue"):
            found.append(Upstream("kubevela-cue", path, kubevela.read(path)))
    found += documented_definitions(kubevela)
    for item in found:
        load(item)
    return found


def documented_definitions(kubevela: GitTree) -> list[Upstream]:
    """Step definitions in KubeVela's documentation examples, one item per document (the
    files also hold Applications and other definition kinds)."""
    found: list[Upstream] = []
    for path in kubevela.files(KUBEVELA_DOCS):
        if not path.endswith((".yaml", ".yml")):
            continue
        text = kubevela.read(path)
        if not re.search(r"^kind:\s*WorkflowStepDefinition\s*$", text, re.MULTILINE):
            continue
        try:
            docs = model.read_documents(text, PurePosixPath(path).name)
        except model.ModelError as exc:
            found.append(Upstream("kubevela-docs", path, text, load_error=one_line(str(exc))))
            continue
        for i, doc in enumerate(docs):
            if doc.data.get("kind") == "WorkflowStepDefinition":
                one = yaml.safe_dump(doc.data, sort_keys=False)
                found.append(Upstream("kubevela-docs", f"{path}#{i}", one))
    return found


def load(item: Upstream) -> None:
    """Read the file with cueflow's own loader; sets name/template or load_error."""
    filename = PurePosixPath(item.path.split("#")[0]).name
    item.name = filename.rsplit(".", 1)[0]
    try:
        if item.path.endswith(".cue"):
            definition = parse_definition(item.text, Path(filename))
            item.name, item.template = definition.name, definition.template
            return
        objects = model.load_documents(item.text, filename)
    except (model.ModelError, DefinitionError) as exc:
        item.load_error = one_line(str(exc))
        return
    steps = [o for o in objects if isinstance(o, model.WorkflowStepDefinition)]
    if len(steps) != 1:
        item.load_error = f"{len(steps)} WorkflowStepDefinitions in the file"
        return
    item.name, item.template = steps[0].metadata.name, steps[0].template


def upstream_packages(workflow: GitTree) -> dict[str, str]:
    """kubevela/workflow's `vela/*` package CUE, as its compiler assembles it.

    `vela/op` joins the legacy packages' files; the Application actions only KubeVela's
    controller registers are taken from cueflow's `vela/op` (they only name the action).
    """
    found: dict[str, str] = {}
    legacy: list[str] = []
    for path in workflow.files(UPSTREAM_PROVIDERS):
        parts = PurePosixPath(path).parts
        if not path.endswith(".cue") or "testdata" in parts:
            continue
        if parts[-3] == "legacy":
            legacy.append(workflow.read(path))
        elif parts[-3] == "providers":
            found[parts[-2]] = f"package {parts[-2]}\n\n" + workflow.read(path)
    found["op"] = "package op\n\n" + "\n".join(legacy) + "\n" + op_schema()
    return found


# --- parameter values -----------------------------------------------------------------------


def example_properties(trees: dict[str, GitTree]) -> dict[str, list[dict[str, Any]]]:
    """Step `properties` from upstream example documents, by step type (duplicates dropped)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for repo, roots in EXAMPLE_ROOTS.items():
        tree = trees[repo]
        for root in roots:
            for path in tree.files(root):
                if not path.endswith((".yaml", ".yml")):
                    continue
                try:
                    docs = list(yaml.safe_load_all(tree.read(path)))
                except yaml.YAMLError:
                    continue
                for step in _steps_in(docs):
                    props = step.get("properties")
                    kind = step.get("type")
                    if isinstance(kind, str) and isinstance(props, dict):
                        known = found.setdefault(kind, [])
                        if props not in known:
                            known.append(props)
    return found


def _steps_in(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _steps_in(item)
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in ("steps", "subSteps") and isinstance(value, list):
                for step in value:
                    if isinstance(step, dict):
                        yield step
            yield from _steps_in(value)


def sample(schema: Schema, name: str = "", full: bool = False) -> Any:
    """A plausible value for a schema: the first enum value or alternative, else by type.

    With `full`, optional members are given too and defaults are given as written.
    """
    if full and "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema and schema.get("type") != "object":
        return sample(schema["oneOf"][0], name, full)
    kind = schema.get("type")
    lowered = name.lower()
    if kind == "object" or "properties" in schema:
        if not schema.get("properties") and lowered in ("value", "object", "resource", "spec"):
            return dict(SAMPLE_OBJECT)
        return sample_object(schema, full)
    if kind == "array":
        return [sample(schema.get("items") or {"type": "string"}, name, full)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "string" or kind is None:
        for hint, text in SAMPLE_STRINGS:
            if hint in lowered:
                return text
        return "example"
    return None


def sample_object(schema: Schema, full: bool = False) -> dict[str, Any]:
    """Required members (defaults left to the template), or with `full` every member; of
    alternative member sets (`oneOf`) only the first is used."""
    properties = schema.get("properties", {})
    options = schema.get("oneOf") or []
    first = set(options[0].get("required", [])) if options else set()
    others = {name for option in options[1:] for name in option.get("required", [])} - first
    if full:
        names = [name for name in properties if name not in others]
    else:
        names = list(schema.get("required", [])) + sorted(first - set(schema.get("required", [])))
    return {name: sample(properties.get(name, {}), name, full) for name in names}


# --- evaluation -------------------------------------------------------------------------------


INCOMPLETE = re.compile(r"incomplete|unresolved disjunction|non-concrete")
"""How real CUE's export errors say a value is not known yet (rather than wrong)."""

REQUIRED_FIELD = re.compile(r"^(\s*[A-Za-z_$][\w$]*)!:", re.MULTILINE)
"""`name!: T` (CUE v0.6+), which the oracle's CUE v0.4 cannot parse."""


IMPORT_GROUP = re.compile(r"^import\s*\(\s*(?=\S)", re.MULTILINE)
"""`import ("vela/op")` on one line; the oracle's import rewrite needs the path on its own."""


@dataclass
class NotConcrete:
    """Real CUE could not export a task argument."""

    message: str


@dataclass
class Call:
    path: str
    provider: str
    function: str
    args: Any


class Evaluators:
    """cueflow's engine set up as the step runner sets it up, and the real-CUE oracle."""

    def __init__(
        self, oracle_dir: Path, stubs: Path, packages: Mapping[str, ProviderPackage]
    ) -> None:
        sys.path.insert(0, str(oracle_dir))
        from oracle_client import CueOracle  # type: ignore[import-not-found]

        self.stubs = stubs
        self.oracle = CueOracle(vela_stubs=str(stubs))
        self.runner = CueStepType("", packages)

    def close(self) -> None:
        self.oracle.close()

    def source(self, template: str, parameter: dict[str, Any]) -> str:
        rendered = "context: " + json.dumps(CONTEXT) + "\nparameter: " + json.dumps(parameter)
        return template + "\n" + rendered

    def ours(self, source: str, name: str) -> tuple[cue.Value, str]:
        """Compile as the step runner does; the error text when it has a permanent error."""
        value = self.runner.context.compile(source, filename=f"{name}.cue")
        error = value.error
        if error is not None and not error.incomplete:
            return value, one_line(str(error))
        if value.has_permanent_error():
            found = first_permanent_error(value)
            return value, one_line(str(found) if found else "permanent error")
        return value, ""

    def our_call(self, value: cue.Value) -> Call | str | None:
        """The first task the step runner would call and its arguments (or why it cannot)."""
        task = self.runner.next_task(value, set())
        if task is None:
            return None
        path, node, provider, function = task
        package = self.runner.by_provider.get(provider)
        try:
            if package is None or not package.legacy:
                args = self.runner.arguments(node, False)
            else:
                args = legacy_arguments(node)
        except (cue.CueError, ValueError, TypeError) as exc:
            return f"{path}: arguments not concrete: {one_line(str(exc))}"
        return Call(path, provider, function, args)

    def theirs(self, source: str) -> tuple[str, str]:
        """Real CUE's `eval` text, or its error."""
        result = self.oracle.eval(source, vela=str(self.stubs))
        if result["code"] != 0:
            return "", one_line(result["stderr"])
        return result["stdout"], ""

    def their_tasks(self, evaluated: str, template: str) -> list[tuple[str, ast.StructLit]] | str:
        """Tasks in real CUE's result, in the step runner's walk order (or why unreadable)."""
        # `eval` breaks a long expression after a `// explicit error` remark; rejoin it.
        evaluated = re.sub(r"[ \t]*//[^\n]*\n\s*(&&|\|\|)", r" \1", evaluated)
        try:
            tree = parse_file(evaluated, "eval.cue")
        except cue.CueError as exc:
            return f"cannot read CUE's eval output: {one_line(str(exc))}"
        root = ast.StructLit(tree.pos, tree.decls)
        return [
            (path, node)
            for path, node in walk_structs(root, (), step_numbers(template))
            if isinstance(_scalar(node, "#do"), str) and _scalar(node, "#do")
            and isinstance(_scalar(node, "#provider"), str)
        ]

    def their_call(self, source: str, task: tuple[str, ast.StructLit]) -> Call | str:
        """One task of real CUE's result with its arguments as `export` gives them."""
        path, node = task
        provider, function = _scalar(node, "#provider"), _scalar(node, "#do")
        package = self.runner.by_provider.get(provider)
        args = self.their_arguments(source, path, node, package.legacy if package else False)
        if isinstance(args, NotConcrete):
            return f"{path}: arguments not concrete: {args.message}"
        return Call(path, provider, function, args)

    def their_arguments(self, source: str, path: str, node: ast.StructLit, legacy: bool) -> Any:
        if not legacy:
            if _field(node, "$params") is None:
                return {}
            return self.export(source, f'{path}."$params"' if path else '"$params"')
        args: dict[str, Any] = {}
        for decl in node.decls:
            if not isinstance(decl, ast.Field) or not isinstance(decl.label, ast.Label):
                continue
            label = decl.label.name
            if label.startswith(("#", "_")) and not decl.label.quoted:
                continue
            expr = f"{path}.{cue_label(label)}" if path else cue_label(label)
            value = self.export(source, expr)
            if isinstance(value, NotConcrete):
                if decl.constraint == "?" or INCOMPLETE.search(value.message):
                    continue
                return value
            args[label] = value
        return args

    def export(self, source: str, expression: str) -> Any:
        result = self.oracle.export(source, vela=str(self.stubs), flags=["-e", expression])
        if result["code"] != 0:
            return NotConcrete(one_line(result["stderr"]))
        return json.loads(result["stdout"])


def legacy_arguments(node: cue.Value) -> dict[str, Any]:
    """A `vela/op` task's regular fields as `export` gives them (incomplete ones left out).

    The step runner also passes concrete optional fields; `export` leaves them out, and so
    does this comparison.
    """
    args: dict[str, Any] = {}
    for member in node.fields():
        if member.definition or member.hidden or member.optional:
            continue
        try:
            args[member.label] = plain(member.value.to_python(), bytes_as_base64=True)
        except cue.CueError:
            if not member.value.is_incomplete():
                raise
    return args


def step_numbers(template: str) -> dict[str, int]:
    """Labels carrying `@step(n)` in a template (real CUE's `eval` output drops attributes)."""
    try:
        tree = parse_file(template, "template.cue")
    except cue.CueError:
        return {}
    found: dict[str, int] = {}

    def visit(node: Any) -> None:
        if isinstance(node, ast.Field):
            for attr in node.attrs:
                if (
                    attr.name == "step"
                    and attr.body.strip().isdigit()
                    and isinstance(node.label, ast.Label)
                ):
                    found[node.label.name] = int(attr.body.strip())
        if dataclasses.is_dataclass(node):
            for member in dataclasses.fields(node):
                value = getattr(node, member.name)
                for child in value if isinstance(value, list) else [value]:
                    if isinstance(child, ast.Node):
                        visit(child)

    visit(tree)
    return found


def walk_structs(
    node: ast.Expr, labels: tuple[str | int, ...], steps: dict[str, int]
) -> Iterator[tuple[str, ast.StructLit]]:
    """Structs of an evaluated tree, children first, `@step` fields first (as cueflow walks)."""
    if isinstance(node, ast.ListLit):
        for i, elem in enumerate(node.elems):
            yield from walk_structs(elem, (*labels, i), steps)
        return
    if not isinstance(node, ast.StructLit):
        return
    children = [
        (d.label.name, d.value)
        for d in node.decls
        if isinstance(d, ast.Field)
        and isinstance(d.label, ast.Label)
        and not (d.label.name.startswith("#") and not d.label.quoted)
    ]
    stepped = sorted((c for c in children if c[0] in steps), key=lambda c: steps[c[0]])
    plain_children = [c for c in children if c[0] not in steps]
    for label, value in stepped + plain_children:
        yield from walk_structs(value, (*labels, label), steps)
    yield path_text(labels), node


def path_text(labels: tuple[str | int, ...]) -> str:
    out = ""
    for label in labels:
        out += f"[{label}]" if isinstance(label, int) else ("." if out else "") + cue_label(label)
    return out


def cue_label(label: str) -> str:
    return label if re.fullmatch(r"[#_]*[A-Za-z_$][A-Za-z0-9_$]*", label) else json.dumps(label)


def _field(node: ast.StructLit, label: str) -> ast.Field | None:
    for decl in node.decls:
        if (
            isinstance(decl, ast.Field)
            and isinstance(decl.label, ast.Label)
            and decl.label.name == label
        ):
            return decl
    return None


def _scalar(node: ast.StructLit, label: str) -> Any:
    found = _field(node, label)
    if found is not None and isinstance(found.value, ast.StringLit):
        return found.value.value
    return None


def one_line(text: str) -> str:
    first = " ".join(text.strip().split())
    return first[:220]


# --- the comparison ---------------------------------------------------------------------------


def scenarios(item: Upstream, examples: dict[str, list[dict[str, Any]]]) -> list[tuple[str, Any]]:
    try:
        schema = parameter_schema(item.template, filename=item.path)
    except cue.CueError as exc:
        return [("required", one_line(str(exc)))]
    found: list[tuple[str, Any]] = [("required", sample_object(schema))]
    full = sample_object(schema, full=True)
    if full != found[0][1]:
        found.append(("full", full))
    for i, props in enumerate(examples.get(item.name, [])):
        found.append((f"example-{i + 1}", props))
    return found


def compare(ev: Evaluators, item: Upstream, scenario: str, parameter: Any) -> Row:
    row = Row(item.name, scenario, True)
    if isinstance(parameter, str):
        row.compiles, row.reason = "no", f"parameter schema unreadable: {parameter}"
        return row
    source = ev.source(item.template, parameter)
    value, ours_error = ev.ours(source, item.name)
    # A required field that is given behaves as a regular one: let CUE v0.4 read it so.
    source, rewritten = REQUIRED_FIELD.subn(r"\1:", source)
    # The oracle serves `vela/*` imports only where the import path starts a line.
    source = IMPORT_GROUP.sub("import (\n", source)
    evaluated, theirs_error = ev.theirs(source)
    if ours_error and theirs_error:
        row.compiles, row.first_call = "no (CUE too)", "no"
        row.reason = f"CUE fails too: {theirs_error}"
        return row
    if ours_error:
        row.compiles, row.first_call = "no", "no"
        row.reason = f"ours fails, CUE evaluates: {ours_error}"
        return row
    row.compiles = "yes"
    ours = ev.our_call(value)
    if theirs_error:
        row.first_call = "no"
        row.reason = f"CUE fails, ours evaluates: {theirs_error}"
        return row
    row = finish(ev, row, ours, source, evaluated, item.template)
    if rewritten:
        row.reason += " (`a!:` given to CUE v0.4 as `a:`)"
    return row


def finish(
    ev: Evaluators, row: Row, ours: Call | str | None, source: str, evaluated: str, template: str
) -> Row:
    """The first-call verdict once both sides evaluated."""
    tasks = ev.their_tasks(evaluated, template)
    if isinstance(tasks, str):
        row.first_call, row.reason = "no", tasks
        return row
    theirs = ev.their_call(source, tasks[0]) if tasks else None
    row.first_call, row.reason = judge(ours, theirs)
    if row.first_call == "no" and isinstance(ours, Call | str):
        # CUE v0.4 lists fields that come from comprehensions after the others; the step
        # runner (like CUE v0.14) keeps declaration order. Compare our task with CUE's.
        path = ours.path if isinstance(ours, Call) else _task(ours)
        same_task = [t for t in tasks if t[0] == path]
        if same_task:
            verdict, reason = judge(ours, ev.their_call(source, same_task[0]))
            if verdict != "no":
                row.first_call = "yes*"
                row.reason = (f"{reason}; CUE v0.4 puts {describe(theirs)} first "
                              "(fields from comprehensions last)")
    if row.first_call == "no" and isinstance(ours, Call) and isinstance(theirs, Call):
        ours_args = plain(ours.args, bytes_as_base64=True)
        row.detail = [f"ours:   {json.dumps(ours_args, sort_keys=True)}",
                      f"theirs: {json.dumps(theirs.args, sort_keys=True)}"]
    return row


def judge(ours: Call | str | None, theirs: Call | str | None) -> tuple[str, str]:
    """"yes", "yes*" (equal up to a known CUE v0.4/v0.14 difference) or "no", and why."""
    if isinstance(ours, Call) and isinstance(theirs, Call):
        ours_args = plain(ours.args, bytes_as_base64=True)
        head = (ours.path, ours.provider, ours.function) == (
            theirs.path, theirs.provider, theirs.function)
        if head and ours_args == theirs.args:
            return "yes", describe(ours)
        if head and same_json_texts(ours_args, theirs.args):
            return "yes*", (f"{describe(ours)}; json.Marshal text differs only in key order "
                            "or HTML escaping (CUE v0.4 vs v0.14)")
        return "no", describe_difference(ours, theirs)
    if ours is None and theirs is None:
        return "yes", "no provider call in either"
    if isinstance(ours, str) and isinstance(theirs, str) and _task(ours) == _task(theirs):
        return "yes", f"both stop at {_task(ours)}: arguments not concrete"
    return "no", f"ours: {describe(ours)}; CUE: {describe(theirs)}"


def same_json_texts(a: Any, b: Any) -> bool:
    """Equal, where strings that hold JSON are compared by the data they hold."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json_texts(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json_texts(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) and isinstance(b, str) and a != b:
        try:
            return json.loads(a) == json.loads(b)
        except ValueError:
            return False
    return a == b


def _task(failure: str) -> str:
    return failure.split(": ", 1)[0]


def describe(call: Call | str | None) -> str:
    if call is None:
        return "no provider call"
    if isinstance(call, str):
        return call
    return f"{call.provider}.{call.function} at {call.path}"


def describe_difference(ours: Call, theirs: Call) -> str:
    if (ours.path, ours.function) != (theirs.path, theirs.function):
        return f"first call differs: ours {describe(ours)}, CUE {describe(theirs)}"
    diffs = list(_differences(plain(ours.args, bytes_as_base64=True), theirs.args, ""))
    return f"arguments of {describe(ours)} differ at " + ", ".join(diffs[:3])


def _differences(a: Any, b: Any, where: str) -> Iterator[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a:
                yield f"{where}.{key} (CUE only)"
            elif key not in b:
                yield f"{where}.{key} (ours only)"
            else:
                yield from _differences(a[key], b[key], f"{where}.{key}")
    elif a != b:
        yield f"{where or '.'} (ours {json.dumps(a)[:60]}, CUE {json.dumps(b)[:60]})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubevela", type=Path, required=True, help="kubevela/kubevela git dir")
    parser.add_argument("--workflow", type=Path, required=True, help="kubevela/workflow git dir")
    default_oracle = Path(os.environ.get("CUEFLOW_CUE_ORACLE", REPO / ".cache" / "cue-oracle"))
    parser.add_argument("--oracle", type=Path, default=default_oracle)
    parser.add_argument(
        "--packages", choices=("ours", "upstream"), default="ours",
        help="the vela/* package CUE real CUE is given: cueflow's schemas (checks the "
        "evaluator) or kubevela/workflow's own (also checks cueflow's schemas)")
    parser.add_argument("--only", nargs="*", default=[], help="definition names to check")
    parser.add_argument("--verbose", "-v", action="store_true", help="print differing arguments")
    args = parser.parse_args(argv)

    trees = {"kubevela": GitTree(args.kubevela), "workflow": GitTree(args.workflow)}
    items = upstream_definitions(trees["kubevela"], trees["workflow"])
    if args.only:
        items = [i for i in items if i.name in args.only or PurePosixPath(i.path).stem in args.only]
    examples = example_properties(trees)
    rows: list[tuple[Upstream, Row]] = []
    with tempfile.TemporaryDirectory(prefix="vela-stubs-") as stubs:
        packages = default_packages()
        sources = {path.removeprefix("vela/"): p.schema for path, p in packages.items()}
        if args.packages == "upstream":
            sources = upstream_packages(trees["workflow"])
        ev = Evaluators(args.oracle, lay_out_vela_stubs(Path(stubs), sources), packages)
        done: dict[tuple[str, str], Row] = {}
        try:
            for item in items:
                if item.load_error:
                    rows.append((item, Row(item.name, "-", False, reason=item.load_error)))
                    continue
                for scenario, parameter in scenarios(item, examples):
                    key = (item.template, json.dumps(parameter, sort_keys=True))
                    if key not in done:
                        done[key] = compare(ev, item, scenario, parameter)
                    rows.append((item, done[key]))
        finally:
            ev.close()
    print_table(rows, args.verbose)
    return 0


KUBEVELA_ONLY = ("kubevela-only:", "vela/query", "vela/multicluster")
"""What marks a row as needing KubeVela's Application controller (`vela/op` actions on the
Application, and packages only KubeVela's controller serves)."""


def needs_kubevela(row: Row) -> bool:
    return any(mark in row.reason for mark in KUBEVELA_ONLY)


def print_table(rows: list[tuple[Upstream, Row]], verbose: bool) -> None:
    print(f"{'source':15} {'definition':34} {'scenario':10} {'loads':5} {'compiles':12} "
          f"{'1st call':8} reason")
    for item, row in rows:
        print(f"{item.source:15} {row.definition:34} {row.scenario:10} "
              f"{'yes' if row.loads else 'no':5} {row.compiles:12} {row.first_call:8} "
              f"{row.reason if row.first_call != 'yes' or verbose or needs_kubevela(row) else ''}")
        if verbose:
            for line in row.detail:
                print(" " * 20 + line)
    files = {item.path: item for item, _ in rows}
    loaded = sum(1 for item in files.values() if not item.load_error)
    scenario_rows = [row for _, row in rows if row.loads]
    compiled = sum(1 for row in scenario_rows if row.compiles == "yes")
    equal = sum(1 for row in scenario_rows if row.first_call.startswith("yes"))
    starred = sum(1 for row in scenario_rows if row.first_call == "yes*")
    print()
    print(f"definition files: {len(files)}, load: {loaded}/{len(files)}")
    print(f"scenarios: {len(scenario_rows)}, compile: {compiled}/{len(scenario_rows)}, "
          f"first provider call equal to CUE's: {equal}/{len(scenario_rows)} ({starred} of them "
          "up to CUE v0.4/v0.14 differences, marked yes*)")
    both_fail = sum(1 for row in scenario_rows if row.compiles == "no (CUE too)")
    print(f"  agree with CUE (equal first call, or both reject the template or its "
          f"parameters): {equal + both_fail}/{len(scenario_rows)}")
    kubevela = sum(1 for row in scenario_rows if needs_kubevela(row))
    print(f"  of which need a KubeVela Application (op.#Apply*/#Load*, vela/query, "
          f"vela/multicluster): {kubevela}")
    for source in sorted({item.source for item in files.values()}):
        mine = [row for item, row in rows if item.source == source and row.loads]
        print(f"  {source:15} compile {sum(r.compiles == 'yes' for r in mine)}/{len(mine)}, "
              f"first call equal {sum(r.first_call.startswith('yes') for r in mine)}/{len(mine)}")


if __name__ == "__main__":
    sys.exit(main())
