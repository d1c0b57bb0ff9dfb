"""The CUE `regexp` package: Go RE2 patterns run on Python's `re`.

`translate` rewrites the RE2 spellings Python lacks (`\\z`, `(?<name>`, `\\Q..\\E`,
POSIX classes, `$` meaning end of text) and refuses what `re` cannot do
(Unicode classes `\\pL`, the `U` flag). "All" functions skip an empty match right
after the previous match, as Go does.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from cueflow.cue.std.base import BuiltinError, package

_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7F",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1F\\x7F",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}


def _syntax(problem: str, fragment: str) -> BuiltinError:
    """Go's regexp syntax error text."""
    return BuiltinError(f"error parsing regexp: {problem}: `{fragment}`")


def translate(pattern: str) -> str:
    """An RE2 pattern in Python `re` syntax; raises BuiltinError where `re` cannot follow."""
    multiline = bool(re.search(r"\(\?[a-zA-Z]*m", pattern))
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                literal = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(literal))
                i = len(pattern) if end < 0 else end + 2
                continue
            if nxt in "pP":
                raise _syntax("Unicode classes are not supported", pattern)
            if nxt in "123456789":
                raise _syntax("invalid escape sequence", char + nxt)
            out.append("\\Z" if nxt == "z" and not in_class else char + nxt)
            i += 2
            continue
        if in_class:
            posix = re.match(r"\[:(\^?)(\w+):\]", pattern[i:])
            if posix and posix.group(2) in _POSIX:
                if posix.group(1):
                    raise _syntax("negated POSIX classes are not supported", pattern)
                out.append(_POSIX[posix.group(2)])
                i += posix.end()
                continue
            if char == "]":
                in_class = False
            elif char == "[":
                out.append("\\[")
                i += 1
                continue
        elif char == "[":
            in_class = True
            out.append(char)
            i += 1
            for lead in ("^", "]"):
                if pattern[i : i + 1] == lead:
                    out.append("\\]" if lead == "]" else lead)
                    i += 1
            continue
        elif pattern.startswith(("(?=", "(?!", "(?<=", "(?<!", "(?>"), i):
            raise _syntax("invalid or unsupported Perl syntax", pattern[i : i + 3])
        elif pattern.startswith("(?<", i):
            out.append("(?P<")
            i += 3
            continue
        elif char == "$" and not multiline:
            out.append("\\Z")
            i += 1
            continue
        elif re.match(r"\(\?[imsU-]*U", pattern[i:]):
            raise _syntax("the U flag is not supported", pattern)
        out.append(char)
        i += 1
    return "".join(out)


# Python's `re` complaints, in Go's words.
_GO_PROBLEMS = {
    "unbalanced parenthesis": "unexpected )",
    "missing ), unterminated subpattern": "missing closing )",
    "unterminated character set": "missing closing ]",
    "nothing to repeat": "missing argument to repetition operator",
    "multiple repeat": "invalid nested repetition operator",
    "bad escape": "invalid escape sequence",
    "bad character range": "invalid character class range",
}


@functools.lru_cache(maxsize=256)
def compile_go(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(translate(pattern))
    except re.error as exc:
        problem = next((go for py, go in _GO_PROBLEMS.items() if exc.msg.startswith(py)), exc.msg)
        raise _syntax(problem, pattern) from exc


def _matches(pattern: str, s: str, n: int) -> list[re.Match[str]]:
    found: list[re.Match[str]] = []
    previous_end = -1
    for match in compile_go(pattern).finditer(s):
        if n >= 0 and len(found) >= n:
            break
        if match.start() == match.end() == previous_end:
            continue
        found.append(match)
        previous_end = match.end()
    return found


def _groups(match: re.Match[str]) -> list[str]:
    return [match.group(0), *(g or "" for g in match.groups())]


def _named(match: re.Match[str]) -> dict[str, str]:
    """Named groups as a struct; CUE builds it from a Go map, so fields are sorted."""
    return {name: match.group(name) or "" for name in sorted(match.re.groupindex)}


def _no_match() -> BuiltinError:
    return BuiltinError("no match")


def find(pattern: str, s: str) -> str:
    match = compile_go(pattern).search(s)
    if match is None:
        raise _no_match()
    return match.group(0)


def find_all(pattern: str, s: str, n: int) -> list[str]:
    found = _matches(pattern, s, n)
    if not found:
        raise _no_match()
    return [m.group(0) for m in found]


def find_submatch(pattern: str, s: str) -> list[str]:
    match = compile_go(pattern).search(s)
    if match is None:
        raise _no_match()
    return _groups(match)


def find_all_submatch(pattern: str, s: str, n: int) -> list[list[str]]:
    found = _matches(pattern, s, n)
    if not found:
        raise _no_match()
    return [_groups(m) for m in found]


def find_named_submatch(pattern: str, s: str) -> dict[str, str]:
    match = compile_go(pattern).search(s)
    if match is None:
        raise _no_match()
    return _named(match)


def find_all_named_submatch(pattern: str, s: str, n: int) -> list[dict[str, str]]:
    found = _matches(pattern, s, n)
    if not found:
        raise _no_match()
    return [_named(m) for m in found]


_TEMPLATE = re.compile(r"\$(?:\$|\{(\w+)\}|(\w+))")


def _expand(template: str, match: re.Match[str]) -> str:
    """Go's Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; unknown groups are empty."""

    def group(ref: re.Match[str]) -> str:
        name = ref.group(1) or ref.group(2)
        if name is None:
            return "$"
        if name.isdigit():
            index = int(name)
            return (match.group(index) or "") if index <= (match.re.groups) else ""
        return (match.group(name) or "") if name in match.re.groupindex else ""

    return _TEMPLATE.sub(group, template)


def _replace(pattern: str, src: str, replacement: Any) -> str:
    out: list[str] = []
    position = 0
    for match in _matches(pattern, src, -1):
        out.append(src[position : match.start()])
        out.append(replacement(match))
        position = match.end()
    out.append(src[position:])
    return "".join(out)


def replace_all(pattern: str, src: str, repl: str) -> str:
    return _replace(pattern, src, lambda m: _expand(repl, m))


def replace_all_literal(pattern: str, src: str, repl: str) -> str:
    return _replace(pattern, src, lambda m: repl)


def valid(pattern: str) -> bool:
    compile_go(pattern)
    return True


MEMBERS = package(
    "regexp",
    [
        ("Find", find, "string string", "string"),
        ("FindAll", find_all, "string string int", "list"),
        ("FindAllNamedSubmatch", find_all_named_submatch, "string string int", "list"),
        ("FindAllSubmatch", find_all_submatch, "string string int", "list"),
        ("FindNamedSubmatch", find_named_submatch, "string string", "struct"),
        ("FindSubmatch", find_submatch, "string string", "list"),
        ("ReplaceAll", replace_all, "string string string", "string"),
        ("ReplaceAllLiteral", replace_all_literal, "string string string", "string"),
        ("Valid", valid, "string", "bool"),
        (
            "Match",
            lambda pattern, s: compile_go(pattern).search(s) is not None,
            "string string",
            "bool",
        ),
        ("QuoteMeta", lambda s: re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", s), "string", "string"),
    ],
)
