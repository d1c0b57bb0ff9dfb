"""Reading object files for the CLI, and the names users give to kinds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cueflow import model, store
from cueflow.cli._session import DEFAULT_NAMESPACE, BadInput

RUN = "WorkflowRun"
WORKFLOW = "Workflow"
DEFINITION = "WorkflowStepDefinition"

KIND_ALIASES = {
    alias: kind
    for kind, aliases in {
        RUN: ("run", "runs", "workflowrun", "workflowruns", "wr"),
        WORKFLOW: ("workflow", "workflows", "wf"),
        DEFINITION: (
            "definition",
            "definitions",
            "def",
            "defs",
            "workflowstepdefinition",
            "workflowstepdefinitions",
        ),
    }.items()
    for alias in aliases
}
"""`cueflow get runs`, `cueflow delete workflow NAME`: what users may type for each kind."""

if TYPE_CHECKING:
    from cueflow.model.loading import LoadedDocument

_SUFFIXES = (".yaml", ".yml", ".json")


def resolve_kind(text: str) -> str:
    kind = KIND_ALIASES.get(text.lower())
    if kind is None:
        raise BadInput(f"unknown kind {text!r}: use runs, workflows or definitions")
    return kind


@dataclass
class Loaded:
    """One object and where it came from, for errors that point into the file."""

    obj: model.Resource
    source: LoadedDocument

    def where(self, path: list[str | int]) -> str:
        return self.source.where(path)


def load_path(path: Path) -> list[Loaded]:
    """Every object in a file, or in the YAML/JSON files of a directory (sorted by name)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
        if not files:
            raise BadInput(f"{path}: no .yaml, .yml or .json files in this directory")
    elif path.exists():
        files = [path]
    else:
        raise BadInput(f"{path}: no such file or directory")
    loaded = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BadInput(f"{file}: cannot read: {error}") from error
        for source in model.read_documents(text, str(file)):
            obj = model.parse_object(source)
            if isinstance(obj, model.WorkflowStepDefinition):
                model.check_definition(obj, source)
            loaded.append(Loaded(obj, source))
    if not loaded:
        raise BadInput(f"{path}: holds no objects")
    return loaded


def namespace_of(obj: model.Resource) -> str:
    return obj.metadata.namespace or DEFAULT_NAMESPACE


def to_record(obj: model.Resource) -> store.Record:
    """The store record of a freshly applied object (a run without status, not finished)."""
    doc = obj.to_dict()
    doc.setdefault("metadata", {})["namespace"] = namespace_of(obj)
    return store.Record(kind=obj.kind, namespace=namespace_of(obj), name=obj.metadata.name, doc=doc)


def run_phase(record: store.Record) -> str:
    """A run's phase as its status spells it (`status.status`); empty before it starts."""
    status = record.doc.get("status") or {}
    return str(status.get("status") or record.phase or "")
