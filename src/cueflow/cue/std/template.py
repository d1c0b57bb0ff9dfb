"""The CUE `text/template` package: Go's text/template over a CUE value."""

from __future__ import annotations

from cueflow.cue.std.base import package
from cueflow.cue.std.html import escape
from cueflow.cue.std.strconv import is_print

_JS_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "<": "\\u003C",
    ">": "\\u003E",
    "&": "\\u0026",
    "=": "\\u003D",
}


def html_escape(s: str) -> str:
    """Go's HTMLEscapeString: html.Escape, and NUL becomes U+FFFD."""
    return escape(s).replace("\0", "\ufffd")


def js_escape(s: str) -> str:
    """Go's JSEscapeString: quotes, `\\`, `<>&=` and control characters escaped."""
    out = []
    for char in s:
        if char in _JS_ESCAPES:
            out.append(_JS_ESCAPES[char])
        elif char < " " or (char >= "\x80" and not is_print(ord(char))):
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


MEMBERS = package(
    "text/template",
    [
        ("HTMLEscape", html_escape, "string", "string"),
        ("JSEscape", js_escape, "string", "string"),
    ],
)
