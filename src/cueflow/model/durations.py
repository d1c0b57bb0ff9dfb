"""Go duration syntax (`300ms`, `1.5h`, `2m15s`), the only duration form the spec accepts."""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


class DurationError(ValueError):
    """The text is not a Go duration."""


def parse_duration(text: str) -> timedelta:
    """Parse a Go duration; raise DurationError with Go's wording on anything else."""
    body = text
    sign = 1.0
    if body[:1] in "+-" and body:
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    if body == "0":
        return timedelta(0)
    if not body:
        raise DurationError(f'time: invalid duration "{text}"')
    total = 0.0
    pos = 0
    while pos < len(body):
        match = _PART.match(body, pos)
        if match is None:
            number = re.match(r"(\d+\.?\d*|\.\d+)([^\d.]*)", body[pos:])
            if number is None:
                raise DurationError(f'time: invalid duration "{text}"')
            if not number.group(2):
                raise DurationError(f'time: missing unit in duration "{text}"')
            unit = re.match(r"[^\d.]+", number.group(2))
            raise DurationError(
                f'time: unknown unit "{unit.group(0) if unit else ""}" in duration "{text}"'
            )
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return timedelta(seconds=sign * total)
