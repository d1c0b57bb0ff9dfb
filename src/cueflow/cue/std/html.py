"""The CUE `html` package: Go's minimal HTML escaping (`<>&'"`) and entity decoding."""

from __future__ import annotations

import html

from cueflow.cue.std.base import package

_ESCAPES = str.maketrans({"<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;"})


def escape(s: str) -> str:
    return s.translate(_ESCAPES)


MEMBERS = package(
    "html",
    [
        ("Escape", escape, "string", "string"),
        ("Unescape", html.unescape, "string", "string"),
    ],
)
