"""The CUE `struct` package: field-count validators (`a: struct.MinFields(1)`)."""

from __future__ import annotations

from typing import Any

from cueflow.cue.std.base import ValidationError, package


def min_fields(fields: dict[str, Any], n: int) -> bool:
    if len(fields) < n:
        raise ValidationError(f"len(fields) < MinFields({n}) ({len(fields)} < {n})")
    return True


def max_fields(fields: dict[str, Any], n: int) -> bool:
    if len(fields) > n:
        raise ValidationError(f"len(fields) > MaxFields({n}) ({len(fields)} > {n})")
    return True


MEMBERS = package(
    "struct",
    [
        ("MinFields", min_fields, "struct int", "bool"),
        ("MaxFields", max_fields, "struct int", "bool"),
    ],
)
