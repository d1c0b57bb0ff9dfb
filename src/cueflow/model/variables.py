"""Workflow variables (spec 2.10, 2.12): run-global data that outputs unify into."""

from __future__ import annotations

import copy
import json
from typing import Any

from cueflow.model.paths import Path, dotted, get_path


class VariableError(Exception):
    """A variable is missing or a write conflicts with what is stored."""


def read_variable(variables: dict[str, Any], path: Path) -> Any:
    try:
        return get_path(variables, path)
    except KeyError:
        raise VariableError(f"failed to lookup value: var(path={dotted(path)}) not exist") from None


def _render(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _unify(old: Any, new: Any, where: list[str]) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _unify(old[key], value, [*where, key]) if key in old else value
        return merged
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            _unify(a, b, [*where, str(i)]) for i, (a, b) in enumerate(zip(old, new, strict=True))
        ]
    if old == new and type(old) is type(new):
        return old
    raise VariableError(f"{'.'.join(where)}: conflicting values {_render(new)} and {_render(old)}")


def write_variable(variables: dict[str, Any], path: Path, value: Any) -> None:
    """Unify `value` into the variable at `path`; on conflict nothing is changed."""
    keys = [str(k) for k in path]
    node: Any = variables
    for key in keys[:-1]:
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif not isinstance(child, dict):
            raise VariableError(f"{key}: conflicting values {{}} and {_render(child)}")
        node = child
    last = keys[-1]
    if last in node and node[last] is not None:
        node[last] = _unify(node[last], copy.deepcopy(value), keys)
    else:
        node[last] = copy.deepcopy(value)
