"""Reading objects from YAML/JSON text, and the admission rules applied before storing them.

Errors name the file, the line and the field, so a user can fix the document directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from cueflow.model.durations import DurationError, parse_duration
from cueflow.model.resources import (
    RESOURCE_TYPES,
    Resource,
    StepBase,
    WorkflowRun,
    WorkflowStep,
    WorkflowStepDefinition,
)

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _Loader = yaml.SafeLoader


class ModelError(ValueError):
    """A document is malformed or breaks an admission rule; the message says where."""


class UnmanagedKind(ModelError):
    """A well-formed object of a kind cueflow does not run (a ConfigMap, a Policy...)."""

    def __init__(self, message: str, kind: str, name: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


class LoadedDocument:
    """One object read from a file, with the YAML node kept for error positions."""

    def __init__(self, data: dict[str, Any], node: yaml.Node | None, filename: str) -> None:
        self.data = data
        self.node = node
        self.filename = filename

    def where(self, path: Sequence[str | int] = ()) -> str:
        """`file:line` of the node at `path`, or of the nearest existing parent."""
        node = self.node
        for key in path:
            child = _child(node, key)
            if child is None:
                break
            node = child
        if node is None:
            return self.filename
        return f"{self.filename}:{node.start_mark.line + 1}"

    def template_position(self, line: int, col: int) -> str:
        """`file:line:col` of a position in the definition template this document holds."""
        node: yaml.Node | None = self.node
        for key in ("spec", "schematic", "cue", "template"):
            node = _child(node, key)
        if node is None:
            return f"{self.filename}:{line}:{col}"
        # a block scalar (`template: |`) starts on the line after its indicator
        offset = node.start_mark.line + 1 if node.style in ("|", ">") else node.start_mark.line
        return f"{self.filename}:{line + offset}:{col}"


def _child(node: yaml.Node | None, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


SYSTEM_NAMESPACE = "vela-system"
"""Where KubeVela keeps the definitions its Helm charts install."""

_CHART_NAMESPACE = re.compile(
    r"""^(?P<key>[ \t]*namespace:[ \t]+)(?P<q>["']?)\{\{-?\s*include\s+"""
    r""""systemDefinitionNamespace"\s+\.\s*-?\}\}(?P=q)[ \t]*$""",
    re.MULTILINE,
)
"""`namespace: {{ include "systemDefinitionNamespace" . }}`: the one template directive in the
definition files of KubeVela's Helm charts, so that those files can be applied as published."""

_NULL_TAG = "tag:yaml.org,2002:null"


def read_documents(text: str, filename: str = "<input>") -> list[LoadedDocument]:
    """Split multi-document YAML (JSON is YAML) into objects.

    Empty documents are dropped, a `v1` `List` (`kubectl get -o yaml`) gives its items, and a
    KubeVela chart's system-namespace directive reads as `vela-system`.
    """
    text = _CHART_NAMESPACE.sub(rf"\g<key>{SYSTEM_NAMESPACE}", text)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise _invalid_yaml(exc, text, filename) from exc
    docs: list[LoadedDocument] = []
    for node in nodes:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG):
            continue  # an empty document: `---` at the end, or only comments
        try:
            data = _Loader("").construct_document(node)
        except yaml.YAMLError as exc:
            raise _invalid_yaml(exc, text, filename) from exc
        if data is None:
            continue
        if not isinstance(data, dict):
            raise ModelError(
                f"{filename}:{node.start_mark.line + 1}: expected an object, got {type(data).__name__}"
            )
        docs.extend(_list_items(LoadedDocument(data, node, filename)))
    return docs


def _list_items(doc: LoadedDocument) -> list[LoadedDocument]:
    """The objects of a `v1` `List`, each with its own node for error positions; else `doc`."""
    if doc.data.get("kind") != "List" or doc.data.get("apiVersion") != "v1":
        return [doc]
    items = doc.data.get("items") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ModelError(f"{doc.where(['items'])}: the items of a List must be objects")
    parent = _child(doc.node, "items")
    return [LoadedDocument(item, _child(parent, i), doc.filename) for i, item in enumerate(items)]


def _invalid_yaml(exc: yaml.YAMLError, text: str, filename: str) -> ModelError:
    """`file:line:col: invalid YAML: ...`, with a hint when the line holds a Helm directive."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return ModelError(f"{filename}: invalid YAML: {exc}")
    problem = " ".join(
        part for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part
    ) or str(exc)
    lines = text.splitlines()
    hint = ""
    if mark.line < len(lines) and "{{" in lines[mark.line]:
        hint = " (this looks like a Helm chart template: render it with `helm template` first)"
    return ModelError(f"{filename}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {problem}{hint}")


OAM_GROUP = "core.oam.dev"
MANAGED_KINDS = "WorkflowRun, Workflow and WorkflowStepDefinition"


def parse_object(doc: LoadedDocument | dict[str, Any], filename: str = "<input>") -> Resource:
    """Validate one object into its model; unknown kinds and bad fields raise ModelError.

    A well-formed object of another kind (`apiVersion` and `kind` set) raises UnmanagedKind,
    so that callers may pass over it; a KubeVela Application is an error of its own.
    """
    loaded = doc if isinstance(doc, LoadedDocument) else LoadedDocument(doc, None, filename)
    data = loaded.data
    kind = data.get("kind")
    api_version = data.get("apiVersion")
    group = api_version.rpartition("/")[0] if isinstance(api_version, str) else ""
    model = next((m for m in RESOURCE_TYPES if kind == m.KIND), None)
    if model is None or group not in ("", OAM_GROUP):
        raise _not_managed(loaded, kind, api_version, group)
    if api_version not in model.API_VERSIONS:
        raise ModelError(
            f"{loaded.where(['apiVersion'])}: {kind} needs apiVersion "
            f"{' or '.join(model.API_VERSIONS)}, got {api_version!r}"
        )
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        raise ModelError(_describe(exc, loaded)) from exc
    if not obj.metadata.name:
        raise ModelError(f"{loaded.where(['metadata'])}: metadata.name is required")
    return obj


def _not_managed(loaded: LoadedDocument, kind: Any, api_version: Any, group: str) -> ModelError:
    where = loaded.where(["kind"])
    metadata = loaded.data.get("metadata")
    name = str(metadata.get("name") or "") if isinstance(metadata, dict) else ""
    if not isinstance(kind, str) or not kind:
        return ModelError(f"{where}: not an object: `kind` is missing (expected {MANAGED_KINDS})")
    if kind == "Application" and group == OAM_GROUP:
        return ModelError(
            f"{where}: Application {name!r}: cueflow runs WorkflowRuns, not KubeVela "
            "Applications; put the application's workflow steps in a WorkflowRun "
            "(spec.workflowSpec.steps)"
        )
    message = f"{where}: unknown kind {kind!r} (expected {MANAGED_KINDS} of {OAM_GROUP})"
    if not isinstance(api_version, str) or not api_version:
        return ModelError(message)
    return UnmanagedKind(message, kind, name)


def _describe(exc: ValidationError, doc: LoadedDocument) -> str:
    """The first error as `file:line: field.path: expected ..., got ...` (one line)."""
    errors = exc.errors()
    error = errors[0]
    loc = [p for p in error["loc"] if isinstance(p, str | int)]
    field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    if error["type"] == "missing":
        problem = "required, but missing"
    else:
        problem = _EXPECTED.get(error["type"]) or error["msg"].replace("Input should be", "expected")
        problem += f", got {_shown(error.get('input'))}"
        if loc and loc[-1] == "timeout":
            problem += ' (a duration such as "30s")'
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{doc.where(loc)}: {field}: {problem}{more}"


_EXPECTED = {
    "model_type": "expected an object",
    "dict_type": "expected an object",
    "model_attributes_type": "expected an object",
    "list_type": "expected a list",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
}
"""Pydantic's error types in the words of a YAML file."""


def _shown(value: Any) -> str:
    """A short rendering of a wrong value, as JSON (which is YAML)."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def load_documents(text: str, filename: str = "<input>") -> list[Resource]:
    """Parse every object of a YAML/JSON text; definitions are also compile-checked."""
    objects = []
    for doc in read_documents(text, filename):
        obj = parse_object(doc)
        if isinstance(obj, WorkflowStepDefinition):
            check_definition(obj, doc)
        objects.append(obj)
    return objects


# --- admission (spec 1.8) ----------------------------------------------------------------


def name_steps(steps: Iterable[WorkflowStep]) -> None:
    """Mutation: an unnamed i-th step becomes `step-<i>`, its j-th sub-step `step-<i>-<j>`."""
    for i, step in enumerate(steps):
        if not step.name:
            step.name = f"step-{i}"
        for j, sub in enumerate(step.sub_steps or []):
            if not sub.name:
                sub.name = f"step-{i}-{j}"


def validate_steps(steps: Sequence[WorkflowStep]) -> None:
    """Names present and unique across steps and sub-steps; every timeout a Go duration."""
    errors: list[str] = []
    seen: set[str] = set()

    def check(step: StepBase, where: str) -> None:
        if not step.name:
            errors.append(f"{where}: empty step name")
        elif step.name in seen:
            errors.append(f"{where}: duplicated step name {step.name!r}")
        seen.add(step.name)
        if step.timeout is not None:
            try:
                parse_duration(step.timeout)
            except DurationError as exc:
                errors.append(f"{where}: invalid timeout {step.timeout!r}: {exc}")

    for i, step in enumerate(steps):
        check(step, f"steps[{i}]")
        for j, sub in enumerate(step.sub_steps or []):
            check(sub, f"steps[{i}].subSteps[{j}]")
    if errors:
        raise ModelError("; ".join(errors))


def admit_run(run: WorkflowRun, workflow_exists: bool | None = None) -> None:
    """Mutate then validate a run; `workflow_exists` answers whether its workflowRef resolves."""
    spec = run.spec
    if spec.workflow_spec is None:
        if not spec.workflow_ref:
            raise ModelError("neither spec.workflowSpec nor spec.workflowRef is set")
        if workflow_exists is False:
            raise ModelError(
                f"failed to get workflow ref: Workflow {spec.workflow_ref!r} not found "
                f"in namespace {run.metadata.namespace or 'default'!r}"
            )
        return
    name_steps(spec.workflow_spec.steps)
    validate_steps(spec.workflow_spec.steps)


def check_definition(
    definition: WorkflowStepDefinition,
    doc: LoadedDocument | None = None,
    packages: Mapping[str, str] | None = None,
) -> None:
    """Reject a definition whose CUE template does not compile, naming file:line:col.

    `packages` (import path to CUE source) are the packages templates may import; without
    them only the syntax is checked, since imports cannot be resolved.
    """
    from cueflow import cue  # the model only needs CUE for this check
    from cueflow.cue.parser import parse_file

    template = definition.template
    filename = doc.filename if doc else f"{definition.metadata.name}.cue"
    error: Any = None
    if packages is None:
        try:
            parse_file(template, filename)
        except cue.CueError as exc:
            error = exc
    else:
        context = cue.Context()
        for path, source in packages.items():
            context.register_package(path, source, f"{path}.cue")
        error = context.compile(template, filename=filename).error
    if error is None or getattr(error, "incomplete", False):
        return
    positions = getattr(error, "positions", None) or []
    pos = next((p for p in positions if p.filename == filename), None)
    if pos is not None and doc is not None:
        head = doc.template_position(pos.line, pos.col)
    else:
        head = str(pos or (positions[0] if positions else filename))
    message = getattr(error, "message", str(error))
    raise ModelError(
        f"{head}: WorkflowStepDefinition {definition.metadata.name!r}: template does not compile: {message}"
    )
