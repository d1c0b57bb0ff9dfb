"""How the CLI shows objects: tables by default, the whole document as JSON or YAML, and the
tree of a run's steps (phase, duration, message) that `cueflow run` keeps live."""

from __future__ import annotations

import json
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
    console: Console, kind: str, records: list[store.Record], fmt: Format, single: bool
) -> None:
    """`get`: a table, or the documents (one object when a name was given, else a list)."""
    if fmt is not Format.TABLE:
        docs = [r.doc for r in records]
        typer.echo(dump(docs[0] if single else docs, fmt))
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    columns, row = _TABLES[kind]
    for column in columns:
        table.add_column(column)
    for record in records:
        table.add_row(*row(record))
    console.print(table)


def _run_row(record: store.Record) -> tuple[str, ...]:
    status = record.doc.get("status") or {}
    steps = status.get("steps") or []
    done = sum(1 for s in steps if s.get("phase") in ("succeeded", "skipped"))
    phase = run_phase(record) or "pending"
    return (
        record.namespace,
        record.name,
        _styled(phase),
        f"{done}/{len(steps)}",
        age(record.created),
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


_TABLES = {
    RUN: (
        ("NAMESPACE", "NAME", "PHASE", "STEPS", "AGE", "DURATION", "MESSAGE"),
        _run_row,
    ),
    WORKFLOW: (("NAMESPACE", "NAME", "STEPS", "AGE"), _workflow_row),
    DEFINITION: (("NAMESPACE", "NAME", "DESCRIPTION", "AGE"), _definition_row),
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


def age(created: datetime | None) -> str:
    return _short((datetime.now(UTC) - created).total_seconds()) if created else ""


def duration(start: Any, end: Any, now: datetime | None = None) -> str:
    """From a status' RFC 3339 start to its end (or to now while it runs)."""
    begun = _parse_time(start)
    if begun is None:
        return ""
    finished = _parse_time(end) or now or datetime.now(UTC)
    return _short((finished - begun).total_seconds())


def run_tree(doc: dict[str, Any]) -> Tree:
    """The steps of a run as a tree: name, type, phase, duration and message per step."""
    meta = doc.get("metadata") or {}
    status = doc.get("status") or {}
    phase = status.get("status") or "pending"
    head = Text.from_markup(
        f"[bold]{escape(meta.get('name', ''))}[/bold] {_styled(phase)}"
        f" [dim]{duration(status.get('startTime'), status.get('endTime'))}[/dim]"
    )
    if status.get("message"):
        head.append(f"  {status['message']}", style="dim")
    tree = Tree(head)
    for step in status.get("steps") or []:
        branch = tree.add(_step_line(step))
        for sub in step.get("subSteps") or []:
            branch.add(_step_line(sub))
    return tree


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
        line.append(f"  {step['message']}", style="dim")
    if step.get("reason"):
        line.append(f" [{step['reason']}]", style="dim")
    return line
