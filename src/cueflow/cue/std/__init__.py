"""CUE's standard library, as Python functions the evaluator can call.

`PACKAGES` maps an import path ("strings", "encoding/json") to its members: a
`Builtin` for a function, a plain value for a constant. Arguments and results are
concrete Python values: int for CUE int, `decimal.Decimal` for float (never a
Python float), str, bytes, bool, None for null, list, and dict for a struct
(insertion order is field order).
"""

from __future__ import annotations

from cueflow.cue.std import (
    bits,
    csv,
    encoding,
    encoding_json,
    encoding_yaml,
    html,
    net,
    path,
    regexp,
    strconv,
    strings,
    tabwriter,
    template,
    toml,
    uuid,
)
from cueflow.cue.std import list as list_pkg
from cueflow.cue.std import math as math_pkg
from cueflow.cue.std import struct as struct_pkg
from cueflow.cue.std import time as time_pkg
from cueflow.cue.std.base import Builtin, BuiltinError, ValidationError

__all__ = ["PACKAGES", "Builtin", "BuiltinError", "ValidationError"]

PACKAGES: dict[str, dict[str, Builtin | object]] = {
    "crypto/ed25519": encoding.ED25519,
    "crypto/hmac": encoding.HMAC,
    "crypto/md5": encoding.MD5,
    "crypto/sha1": encoding.SHA1,
    "crypto/sha256": encoding.SHA256,
    "crypto/sha512": encoding.SHA512,
    "encoding/base64": encoding.BASE64,
    "encoding/csv": csv.MEMBERS,
    "encoding/hex": encoding.HEX,
    "encoding/json": encoding_json.MEMBERS,
    "encoding/toml": toml.MEMBERS,
    "encoding/yaml": encoding_yaml.MEMBERS,
    "html": html.MEMBERS,
    "list": list_pkg.MEMBERS,
    "math": math_pkg.MEMBERS,
    "math/bits": bits.MEMBERS,
    "net": net.MEMBERS,
    "path": path.MEMBERS,
    "regexp": regexp.MEMBERS,
    "strconv": strconv.MEMBERS,
    "strings": strings.MEMBERS,
    "struct": struct_pkg.MEMBERS,
    "text/tabwriter": tabwriter.MEMBERS,
    "text/template": template.MEMBERS,
    "time": time_pkg.MEMBERS,
    "uuid": uuid.MEMBERS,
}
