"""How the CLI shows objects: tables by default, the whole document as JSON or YAML, and the
tree of a run's steps (phase, duration, message) that `cueflow run` keeps live."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from cueflow import store
from cueflow.cli._documents import DEFINITION, RUN, WORKFLOW, run_phase

DESCRIPTION_ANNOTATION = "definition.oam.dev/description"


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


PHASE_STYLES = {
    "succeeded": "green",
    "failed": "red",
    "terminated": "red",
    "skipped": "dim",
    "running": "cyan",
    "executing": "cyan",
    "suspending": "yellow",
    "pending": "dim",
    "initializing": "dim",
}


def dump(docs: list[dict[str, Any]] | dict[str, Any], fmt: Format) -> str:
    if fmt is Format.JSON:
        return json.dumps(docs, indent=2, ensure_ascii=False)
    if isinstance(docs, list):
        text: str = yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)
    else:
        text = yaml.safe_dump(docs, sort_keys=False, allow_unicode=True)
    return text.rstrip("\n")


def print_records(
    console: Console,
    kind: str,
    records: list[store.Record],
    fmt: Format,
    single: bool,
    workflow_steps: Mapping[tuple[str, str], int] | None = None,
) -> None:
    """`get`: a table, or the documents (one object when a name was given, else a list).

    `workflow_steps` counts the steps of stored workflows, for runs that refer to one."""
    if fmt is not Format.TABLE:
        docs = [r.doc for r in records]
        typer.echo(dump(docs[0] if single else docs, fmt))
        return
    rows: dict[str, Callable[[store.Record], tuple[str, ...]]] = {
        RUN: lambda record: _run_row(record, workflow_steps or {}),
        WORKFLOW: _workflow_row,
        DEFINITION: _definition_row,
    }
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in _COLUMNS[kind]:
        table.add_column(column)
    for record in records:
        table.add_row(*rows[kind](record))
    console.print(table)


def _run_row(
    record: store.Record, workflow_steps: Mapping[tuple[str, str], int]
) -> tuple[str, ...]:
    status = record.doc.get("status") or {}
    steps = status.get("steps") or []
    done = sum(1 for s in steps if s.get("phase") in ("succeeded", "skipped"))
    spec = record.doc.get("spec") or {}
    planned = ((spec.get("workflowSpec") or {}).get("steps")) or []
    ref = spec.get("workflowRef")
    total = max(len(steps), len(planned), workflow_steps.get((record.namespace, ref), 0))
    return (
        record.namespace,
        record.name,
        _styled(run_phase(record) or "pending"),
        f"{done}/{total}",
        started(status.get("startTime")) or "-",
        duration(status.get("startTime"), status.get("endTime")),
        escape(status.get("message") or ""),
    )


def _workflow_row(record: store.Record) -> tuple[str, ...]:
    return (
        record.namespace,
        record.name,
        str(len(record.doc.get("steps") or [])),
        age(record.created),
    )


def _definition_row(record: store.Record) -> tuple[str, ...]:
    annotations = (record.doc.get("metadata") or {}).get("annotations") or {}
    return (
        record.namespace,
        record.name,
        escape(annotations.get(DESCRIPTION_ANNOTATION, "")),
        age(record.created),
    )


_COLUMNS = {
    RUN: ("NAMESPACE", "NAME", "PHASE", "STEPS", "STARTED", "DURATION", "MESSAGE"),
    WORKFLOW: ("NAMESPACE", "NAME", "STEPS", "AGE"),
    DEFINITION: ("NAMESPACE", "NAME", "DESCRIPTION", "AGE"),
}


def _styled(phase: str) -> str:
    style = PHASE_STYLES.get(phase)
    return f"[{style}]{phase}[/{style}]" if style else escape(phase)


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _short(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60}s" if seconds < 600 else f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{(seconds % 3600) // 60}m"
    return f"{seconds // 86400}d"


def started(start: Any) -> str:
    """A status' RFC 3339 start in local time, to the second."""
    begun = _parse_time(start)
    return begun.astimezone().strftime("%Y-%m-%d %H:%M:%S") if begun else ""


def age(created: datetime | None) -> str:
    return _short((datetime.now(UTC) - created).total_seconds()) if created else ""


def duration(start: Any, end: Any, now: datetime | None = None) -> str:
    """From a status' RFC 3339 start to its end (or to now while it runs)."""
    begun = _parse_time(start)
    if begun is None:
        return ""
    finished = _parse_time(end) or now or datetime.now(UTC)
    return _short((finished - begun).total_seconds())


def run_tree(doc: dict[str, Any], planned: list[dict[str, Any]] | None = None) -> Tree:
    """The steps of a run as a tree: name, type, phase, duration and message per step.

    Steps of the plan (the run's `workflowSpec` steps, else `planned`) that have not
    started yet show as pending, so the tree shows the whole run from the start."""
    meta = doc.get("metadata") or {}
    status = doc.get("status") or {}
    phase = status.get("status") or "pending"
    head = Text.from_markup(f"[bold]{escape(meta.get('name', ''))}[/bold] {_styled(phase)}")
    took = duration(status.get("startTime"), status.get("endTime"))
    if took:
        head.append(f" {took}", style="dim")
    if status.get("message"):
        head.append(f"  {status['message']}", style="dim")
    tree = Tree(head)
    if planned is None:
        planned = ((doc.get("spec") or {}).get("workflowSpec") or {}).get("steps") or []
    for step, subs in _with_pending(status.get("steps") or [], planned):
        branch = tree.add(_step_line(step))
        for sub, _ in subs:
            branch.add(_step_line(sub))
    return tree


def _with_pending(
    statuses: list[dict[str, Any]], planned: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], list[Any]]]:
    """Step statuses with their sub-step statuses, then the planned steps not among them."""
    by_name = {step.get("name"): step for step in planned}
    seen = {step.get("name") for step in statuses}
    merged = [
        (
            step,
            _with_pending(
                step.get("subSteps") or [], by_name.get(step.get("name"), {}).get("subSteps") or []
            ),
        )
        for step in statuses
    ]
    for step in planned:
        if step.get("name") not in seen:
            pending = {"name": step.get("name", ""), "type": step.get("type", "")}
            merged.append((pending, _with_pending([], step.get("subSteps") or [])))
    return merged


def _step_line(step: dict[str, Any]) -> Text:
    phase = step.get("phase") or "pending"
    line = Text.from_markup(
        f"{escape(step.get('name', ''))} [dim]({escape(step.get('type', ''))})[/dim] "
        f"{_styled(phase)}"
    )
    took = duration(step.get("firstExecuteTime"), step.get("lastExecuteTime"))
    if took and phase not in ("running", "pending", "suspending"):
        line.append(f" {took}", style="dim")
    if step.get("message"):
        first, _, rest = str(step["message"]).partition("\n")
        line.append(f"  {first}" + (" …" if rest else ""), style="dim")
    if step.get("reason"):
        line.append(f" [{step['reason']}]", style="dim")
    return line
