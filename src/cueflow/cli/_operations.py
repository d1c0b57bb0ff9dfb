"""`cueflow suspend|resume|terminate|restart|retry|rollback RUN` and `cueflow logs RUN`.

Operations are recorded as requests in the store: the engine that owns the store takes them,
and with no engine running, the next one to start acts on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape

from cueflow import store
from cueflow.cli._documents import RUN
from cueflow.cli._resources import NamespaceOption
from cueflow.cli._session import BadInput, CliError, Session, split_name

FOLLOW_INTERVAL = 0.5
"""Seconds between reads of the store while following a run's log from another process."""

RunArgument = Annotated[str, typer.Argument(help="The run, NAME or NAMESPACE/NAME.")]
StepOption = Annotated[str | None, typer.Option("--step", "-s", help="Only this step.")]


class Operation(StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    RESTART = "restart"
    RETRY = "retry"


def request(
    session: Session, operation: Operation, run: str, namespace: str | None, step: str | None
) -> None:
    """Check the run exists and record the operation for the engine."""

    async def command(opened: store.SqlStore) -> None:
        ns, name = split_name(run, namespace)
        if operation is Operation.RETRY and step is None:
            raise BadInput("retry needs --step: the failed step to run again")
        await opened.get(RUN, ns, name)
        await opened.add_request(f"{ns}/{name}", operation.value, {"step": step} if step else {})
        store.notify_engine(opened.url.render_as_string(hide_password=False))
        holder = await opened.engine_lock_holder()
        target = f"run {ns}/{name}" + (f", step {step}" if step else "")
        if holder is None:
            session.out.print(
                f"{operation.value} requested for {target}. No engine is running: the next "
                "engine to start acts on it.",
                highlight=False,
            )
        else:
            session.out.print(
                f"{operation.value} requested for {target}; the running engine ({holder}) "
                "acts on it.",
                highlight=False,
            )

    session.execute(command)


def _operation_command(operation: Operation, summary: str) -> Callable[..., None]:
    def command(
        ctx: typer.Context,
        run: RunArgument,
        step: StepOption = None,
        namespace: NamespaceOption = None,
    ) -> None:
        request(ctx.obj, operation, run, namespace, step)

    command.__doc__ = summary
    command.__name__ = operation.value
    return command


OPERATION_COMMANDS = {
    Operation.SUSPEND: _operation_command(
        Operation.SUSPEND, "Suspend a run (or one step) until it is resumed."
    ),
    Operation.RESUME: _operation_command(Operation.RESUME, "Resume a suspended run or step."),
    Operation.TERMINATE: _operation_command(Operation.TERMINATE, "Terminate a run."),
    Operation.RESTART: _operation_command(
        Operation.RESTART, "Run a run again from the start (or from --step)."
    ),
    Operation.RETRY: _operation_command(Operation.RETRY, "Retry a failed step now."),
}


def rollback(ctx: typer.Context, run: RunArgument, namespace: NamespaceOption = None) -> None:
    """Roll a run back (not supported for WorkflowRuns: they keep no revisions)."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        from cueflow.engine.operations import ROLLBACK_REFUSED  # the engine loads lazily

        ns, name = split_name(run, namespace)
        await opened.get(RUN, ns, name)
        raise CliError(ROLLBACK_REFUSED)

    session.execute(command)


def logs(
    ctx: typer.Context,
    run: RunArgument,
    step: StepOption = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing until the run finishes.")
    ] = False,
    namespace: NamespaceOption = None,
) -> None:
    """Print the log lines of a run's steps."""
    session: Session = ctx.obj

    async def command(opened: store.SqlStore) -> None:
        ns, name = split_name(run, namespace)
        key = f"{ns}/{name}"
        record = await opened.get(RUN, ns, name)
        seen = 0
        while True:
            lines = await opened.logs(key, step, after_seq=seen)
            for line in lines:
                print_log_line(session, line)
                seen = max(seen, line.seq)
            if not follow or (record.finished and not lines):
                return
            await asyncio.sleep(FOLLOW_INTERVAL)
            record = await opened.get(RUN, ns, name)

    session.execute(command)


LEVEL_STYLES = {"error": "red", "warning": "yellow", "debug": "dim"}


def print_log_line(session: Session, line: store.LogLine) -> None:
    style = LEVEL_STYLES.get(line.level.lower(), "")
    text = escape(line.text)
    session.out.print(
        f"[dim]{line.time:%H:%M:%S}[/dim] [cyan]{escape(line.step)}[/cyan] "
        + (f"[{style}]{text}[/{style}]" if style else text),
        highlight=False,
        soft_wrap=True,
    )
