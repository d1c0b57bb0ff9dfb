"""The Python side of `vela/builtin` (spec 3.6): process control and workflow variables.

The functions act on the running step through `ctx.actions` and on the run's context store
through `ctx.variables`; the legacy `vela/op` package reuses them (`FUNCTIONS`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Any

from cueflow.model import DurationError, StepPhase, parse_duration
from cueflow.model.variables import VariableError, read_variable, write_variable
from cueflow.providers.base import ProviderContext, ProviderError, ProviderFunction, ProviderPackage

__all__ = ["FUNCTIONS", "package"]


def _now(ctx: ProviderContext) -> datetime:
    clock = ctx.extras.get("now")
    return clock() if callable(clock) else datetime.now(UTC)


def _message(args: dict[str, Any]) -> str:
    message = args.get("message")
    return message if isinstance(message, str) else ""


async def wait(ctx: ProviderContext, args: dict[str, Any]) -> None:
    """`#ConditionalWait`: keep the step running until `continue` is true."""
    if not args.get("continue", False):
        ctx.actions.wait(_message(args))


async def suspend(ctx: ProviderContext, args: dict[str, Any]) -> None:
    """`#Suspend` (spec 2.14.1): suspend once per task; with `duration`, resume by itself."""
    store = ctx.variables
    now = _now(ctx)
    message = _message(args) or f"Suspended by field {ctx.label}"
    resume_key = f"{ctx.step_id}.resumeTimeStamp"
    if resume_key in store:
        if now > datetime.fromisoformat(store[resume_key]):
            ctx.actions.resume()
            return
        ctx.actions.suspend(message)
        return
    duration = args.get("duration")
    if duration:
        try:
            store[resume_key] = (now + parse_duration(str(duration))).isoformat()
        except DurationError as exc:
            raise ProviderError(str(exc)) from exc
    seen_key = f"{ctx.step_id}.{ctx.label}.suspendTimeStamp"
    if seen_key in store:
        if ctx.previous_phase == StepPhase.RUNNING:
            return  # resumed by hand: this suspend has been passed
    else:
        store[seen_key] = now.isoformat()
    ctx.actions.suspend(message)


async def break_(ctx: ProviderContext, args: dict[str, Any]) -> None:
    """`#Break`: end the run; the step itself succeeds with reason Terminate."""
    ctx.actions.terminate(_message(args))


async def fail(ctx: ProviderContext, args: dict[str, Any]) -> None:
    """`#Fail`: fail the step for good (reason Action)."""
    ctx.actions.fail(_message(args))


async def message(ctx: ProviderContext, args: dict[str, Any]) -> None:
    """`#Message`: set the step message and go on."""
    text = _message(args)
    if text:
        ctx.actions.message(text)


async def var(ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any] | None:
    """`#DoVar`: Get reads a workflow variable, Put unifies a value into one."""
    path = args.get("path")
    if not isinstance(path, str) or not path:
        raise ProviderError("var: path must be a non-empty string")
    variables = ctx.variables.setdefault("vars", {})
    keys: list[str | int] = list(path.split("."))
    try:
        if args.get("method", "Get") == "Put":
            write_variable(variables, keys, args.get("value"))
            return None
        return {"value": read_variable(variables, keys)}
    except VariableError as exc:
        raise ProviderError(str(exc)) from exc


FUNCTIONS: dict[str, ProviderFunction] = {
    "wait": wait,
    "suspend": suspend,
    "break": break_,
    "fail": fail,
    "message": message,
    "var": var,
}


def package() -> ProviderPackage:
    """`vela/builtin` with its CUE schema."""
    schema = resources.files("cueflow.providers").joinpath("schemas/builtin.cue").read_text()
    return ProviderPackage(
        path="vela/builtin", provider="builtin", schema=schema, functions=FUNCTIONS
    )
