"""Reading object files for the CLI, and the names users give to kinds."""

from __future__ import annotations

from collections.abc import Callable
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

_SUFFIXES = (".yaml", ".yml", ".json", ".cue")
_ANY_MANAGED_KIND = model.MANAGED_KINDS.replace(" and ", " or ")


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


def load_path(path: Path, warn: Callable[[str], None]) -> list[Loaded]:
    """Every object in a file, or in the files of a directory (sorted by name).

    `.cue` files hold one definition in the `vela def` layout, the others YAML or JSON.
    Objects of kinds cueflow does not run (a ConfigMap pasted next to a run, a Policy) are
    reported through `warn`, one line each, and left out.
    """
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file())
        if not files:
            raise BadInput(f"{path}: no .yaml, .yml, .json or .cue files in this directory")
    elif path.exists():
        files = [path]
    else:
        raise BadInput(f"{path}: no such file or directory")
    loaded = []
    skipped = 0
    for file in files:
        for source in _read(file):
            try:
                obj = model.parse_object(source)
            except model.UnmanagedKind as other:
                warn(
                    f"{source.where([])}: skipped {other.kind}/{other.name or '(unnamed)'}: "
                    f"cueflow applies only {model.MANAGED_KINDS}"
                )
                skipped += 1
                continue
            if isinstance(obj, model.WorkflowStepDefinition):
                model.check_definition(obj, source)
            loaded.append(Loaded(obj, source))
    if skipped and not loaded:
        objects = "1 object" if skipped == 1 else f"{skipped} objects"
        raise BadInput(f"{path}: holds no {_ANY_MANAGED_KIND} ({objects} skipped)")
    if not loaded:
        raise BadInput(f"{path}: holds no objects")
    return loaded


def _read(file: Path) -> list[LoadedDocument]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"{file}: cannot read: {error}") from error
    if file.suffix == ".cue":
        from cueflow.model.vela_def import read_cue_definition  # loads the CUE parser

        return [read_cue_definition(text, str(file))]
    return model.read_documents(text, str(file))


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
