"""CUE's standard library, as Python functions the evaluator can call.

`PACKAGES` maps an import path ("strings", "encoding/json") to its members: a
`Builtin` for a function, a plain value for a constant. Arguments and results are
concrete Python values: int for CUE int, `decimal.Decimal` for float (never a
Python float), str, bytes, bool, None for null, list, and dict for a struct
(insertion order is field order).
"""

from __future__ import annotations

from cueflow.cue.std import list as list_pkg
from cueflow.cue.std import strconv, strings
from cueflow.cue.std.base import Builtin, BuiltinError

__all__ = ["PACKAGES", "Builtin", "BuiltinError"]

PACKAGES: dict[str, dict[str, Builtin | object]] = {
    "list": list_pkg.MEMBERS,
    "strconv": strconv.MEMBERS,
    "strings": strings.MEMBERS,
}
