"""Checking provider arguments and parsing the Go-style durations they carry.

Arguments arrive as decoded JSON; a wrong type becomes a `ProviderError` that
names the field and what was expected, so the step message says what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from cueflow.providers.base import ProviderContext, ProviderError

__all__ = [
    "load_schema",
    "now",
    "optional_object",
    "optional_str",
    "parse_duration",
    "require_int",
    "require_object",
    "require_str",
    "string_map",
]

_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", int: "an integer",
               bool: "a boolean", float: "a number", type(None): "null"}


def _kind(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


class Nested(dict[str, Any]):
    """An object argument that remembers where it sits, so messages name `from.host`."""

    path = ""


def _name(args: Mapping[str, Any], field: str) -> str:
    parent = getattr(args, "path", "")
    return f"{parent}.{field}" if parent else field


def require_object(args: Mapping[str, Any], field: str) -> dict[str, Any]:
    value = args.get(field)
    if not isinstance(value, dict):
        what = "is missing" if value is None else f"must be an object, not {_kind(value)}"
        raise ProviderError(f"{_name(args, field)} {what}")
    nested = Nested(value)
    nested.path = _name(args, field)
    return nested


def optional_object(args: Mapping[str, Any], field: str) -> dict[str, Any] | None:
    return None if args.get(field) is None else require_object(args, field)


def require_str(args: Mapping[str, Any], field: str, *, allow_empty: bool = False) -> str:
    value = args.get(field)
    if not isinstance(value, str):
        what = "is missing" if value is None else f"must be a string, not {_kind(value)}"
        raise ProviderError(f"{_name(args, field)} {what}")
    if not value and not allow_empty:
        raise ProviderError(f"{_name(args, field)} must not be empty")
    return value


def optional_str(args: Mapping[str, Any], field: str, default: str = "") -> str:
    return default if args.get(field) is None else require_str(args, field, allow_empty=True)


def require_int(args: Mapping[str, Any], field: str) -> int:
    value = args.get(field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        what = "is missing" if value is None else f"must be an integer, not {_kind(value)}"
        raise ProviderError(f"{_name(args, field)} {what}")
    return value


def string_map(args: Mapping[str, Any], field: str) -> dict[str, str]:
    """An optional `{[string]: string}` field (absent is empty)."""
    value = args.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ProviderError(f"{_name(args, field)} must map names to strings")
    return value


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0,
                 "m": 60.0, "h": 3600.0}


def parse_duration(text: str, field: str = "duration") -> float:
    """Seconds in a Go duration (`300ms`, `1m30s`, `-2h`); anything else is an error."""
    body = text.strip()
    sign = -1.0 if body.startswith("-") else 1.0
    body = body.lstrip("+-")
    if body == "0":
        return 0.0
    total, position = 0.0, 0
    for match in _DURATION_PART.finditer(body):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not body or position != len(body):
        raise ProviderError(f'{field} "{text}" is not a valid duration (use e.g. "30s", "1m30s")')
    return sign * total


def load_schema(package: str) -> str:
    """The CUE schema shipped for `vela/<package>` (empty if it is not installed)."""
    try:
        return (resources.files("cueflow.providers") / "schemas" / f"{package}.cue").read_text()
    except FileNotFoundError:
        return ""


def now(ctx: ProviderContext) -> datetime:
    """The engine's clock (`extras["now"]`) when it gave one, else the wall clock."""
    clock = ctx.extras.get("now")
    return clock() if callable(clock) else datetime.now(UTC)
