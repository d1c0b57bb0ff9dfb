"""The one error type the CUE package raises or carries as a value."""

from __future__ import annotations

from dataclasses import dataclass, field

from cueflow.cue.ast import Pos


@dataclass
class CueError(Exception):
    """A CUE error: what went wrong, at which field path, from which source positions.

    `incomplete` marks a value that is not known yet (not wrong): a type without a
    concrete value, a reference to a field that does not exist yet.
    """

    message: str
    path: str = ""
    positions: list[Pos] = field(default_factory=list)
    incomplete: bool = False

    def __post_init__(self) -> None:
        Exception.__init__(self, str(self))

    def __str__(self) -> str:
        head = f"{self.path}: {self.message}" if self.path else self.message
        if not self.positions:
            return head
        return head + "".join(f"\n    {p}" for p in self.positions)


class CueSyntaxError(CueError):
    """Raised by the parser; carried as `Value.error` by `Context.compile`."""
