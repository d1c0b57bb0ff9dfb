"""`if` expressions and output scripts, evaluated by the CUE engine over plain data."""

from __future__ import annotations

import json
from typing import Any


class IfError(Exception):
    """An `if` expression failed to evaluate or did not give a boolean."""


def _compile(data: Any) -> Any:
    from cueflow import cue

    return cue.Context().compile(json.dumps(data, default=str), filename="scope.cue")


def evaluate_if(expression: str, document: dict[str, Any]) -> bool:
    """Evaluate an `if` over {inputs, status, context, parameter} (spec 2.7.1)."""
    from cueflow import cue

    try:
        result = _compile(document).eval_expr(expression)
        if result.error is not None:
            raise IfError(f"invalid if value: {result.error}")
        value = result.to_python()
    except cue.CueError as exc:
        raise IfError(f"invalid if value: {exc}") from exc
    if not isinstance(value, bool):
        raise IfError(f"invalid if value: {value!r} is not a boolean")
    return value


def evaluate_script(expression: str, data: Any) -> Any:
    """A CUE expression (an output `valueFrom` that is not a plain reference) over `data`."""
    from cueflow import cue

    try:
        result = _compile(data).eval_expr(expression)
        if result.error is not None:
            raise LookupError(str(result.error))
        return result.to_python()
    except cue.CueError as exc:
        raise LookupError(str(exc)) from exc
