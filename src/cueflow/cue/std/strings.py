"""The CUE `strings` package: text functions with Go's semantics.

Indexes returned by `Index`/`LastIndex`/`IndexAny` count UTF-8 bytes, as in Go;
`Runes`/`SliceRunes`/`MinRunes` count code points. Case mapping is per code point
(`ß` stays `ß` under `ToUpper`), and "space" is Go's `unicode.IsSpace`.
"""

from __future__ import annotations

from collections.abc import Callable

from cueflow.cue.std.base import BuiltinError, as_bytes, package, strings_of

MAX_REPEAT = 1_000_000
_LATIN1_SPACE = frozenset("\t\n\v\f\r \x85\xa0")


def is_space(char: str) -> bool:
    """Go's `unicode.IsSpace` (Python's `isspace` also counts \\x1c-\\x1f)."""
    return char in _LATIN1_SPACE or (ord(char) > 0xFF and char.isspace())


# Go maps case with Unicode's simple (one code point) mappings; Python's str methods
# use the full ones. Where a full mapping expands, these are the simple mappings
# that exist (every other such code point has none and stays as it is).
_SIMPLE_LOWER = {"\u0130": "i"}
_SIMPLE_UPPER = {
    **{chr(c): chr(c + 8) for start in (0x1F80, 0x1F90, 0x1FA0) for c in range(start, start + 8)},
    "\u1fb3": "\u1fbc",
    "\u1fc3": "\u1fcc",
    "\u1ff3": "\u1ffc",
}


def _simple(mapping: Callable[[str], str], simple: dict[str, str]) -> Callable[[str], str]:
    """Apply a case mapping code point by code point, as Go's unicode.To* do."""

    def apply(char: str) -> str:
        mapped = mapping(char)
        return mapped if len(mapped) == 1 else simple.get(char, char)

    return apply


_upper = _simple(str.upper, _SIMPLE_UPPER)
_lower = _simple(str.lower, _SIMPLE_LOWER)
_title = _simple(str.title, {})


def to_upper(s: str) -> str:
    return "".join(map(_upper, s))


def to_lower(s: str) -> str:
    return "".join(map(_lower, s))


def _map_word_starts(s: str, mapping: Callable[[str], str]) -> str:
    """Map each code point that follows a space (or starts the text)."""
    out = []
    prev = " "
    for char in s:
        out.append(mapping(char) if is_space(prev) else char)
        prev = char
    return "".join(out)


def to_title(s: str) -> str:
    """Title-case the first letter of every word (CUE's ToTitle, not Go's)."""
    return _map_word_starts(s, _title)


def to_camel(s: str) -> str:
    """Lower-case the first letter of every word."""
    return _map_word_starts(s, _lower)


def _byte_index(s: str, char_index: int) -> int:
    return -1 if char_index < 0 else len(s[:char_index].encode("utf-8"))


def index(s: str, sub: str) -> int:
    return _byte_index(s, s.find(sub))


def last_index(s: str, sub: str) -> int:
    return _byte_index(s, s.rfind(sub))


def index_any(s: str, chars: str) -> int:
    return _byte_index(s, next((i for i, c in enumerate(s) if c in chars), -1))


def last_index_any(s: str, chars: str) -> int:
    found = [i for i, c in enumerate(s) if c in chars]
    return _byte_index(s, found[-1] if found else -1)


def count(s: str, sub: str) -> int:
    return s.count(sub)


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 by byte order (UTF-8 byte order equals code point order)."""
    return (a > b) - (a < b)


def _split(s: str, sep: str, n: int, keep_sep: bool) -> list[str]:
    """Go's genSplit: at most n parts (n < 0: all, n == 0: none)."""
    if n == 0:
        return []
    if sep == "":
        chars = list(s)
        if 0 < n < len(chars):
            return [*chars[: n - 1], "".join(chars[n - 1 :])]
        return chars
    parts = s.split(sep, n - 1 if n > 0 else -1)
    if keep_sep:
        parts = [part + sep for part in parts[:-1]] + parts[-1:]
    return parts


def split(s: str, sep: str) -> list[str]:
    return _split(s, sep, -1, keep_sep=False)


def split_n(s: str, sep: str, n: int) -> list[str]:
    return _split(s, sep, n, keep_sep=False)


def split_after(s: str, sep: str) -> list[str]:
    return _split(s, sep, -1, keep_sep=True)


def split_after_n(s: str, sep: str, n: int) -> list[str]:
    return _split(s, sep, n, keep_sep=True)


def fields(s: str) -> list[str]:
    """Words between runs of Go white space."""
    words: list[str] = []
    current: list[str] = []
    for char in s:
        if is_space(char):
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words


def join(elems: list[str], sep: str) -> str:
    return sep.join(strings_of(elems))


def trim_space(s: str) -> str:
    start, end = 0, len(s)
    while start < end and is_space(s[start]):
        start += 1
    while end > start and is_space(s[end - 1]):
        end -= 1
    return s[start:end]


def replace(s: str, old: str, new: str, n: int) -> str:
    return s.replace(old, new, n if n >= 0 else -1)


def repeat(s: str, n: int) -> str:
    if n < 0:
        raise BuiltinError("negative count")
    if n > MAX_REPEAT:
        raise BuiltinError(f"count {n} exceeds limit of {MAX_REPEAT}")
    return s * n


def byte_at(b: str | bytes, i: int) -> int:
    data = as_bytes(b)
    if not 0 <= i < len(data):
        raise BuiltinError("index out of range")
    return data[i]


def byte_slice(b: str | bytes, start: int, end: int) -> bytes:
    """Bytes `start` to `end` of the UTF-8 text; the result is bytes even for a string."""
    data = as_bytes(b)
    if start < 0 or start > end or end > len(data):
        raise BuiltinError("index out of range")
    return data[start:end]


def runes(s: str) -> list[int]:
    return [ord(c) for c in s]


def slice_runes(s: str, start: int, end: int) -> str:
    if start < 0 or start > end or end > len(s):
        raise BuiltinError("index out of range")
    return s[start:end]


MEMBERS = package(
    "strings",
    [
        ("ByteAt", byte_at, "bytes|string int", "int"),
        ("ByteSlice", byte_slice, "bytes|string int int", "bytes"),
        ("Runes", runes, "string", "list"),
        ("Repeat", repeat, "string int", "string"),
        ("MinRunes", lambda s, n: len(s) >= n, "string int", "bool"),
        ("MaxRunes", lambda s, n: len(s) <= n, "string int", "bool"),
        ("ToTitle", to_title, "string", "string"),
        ("ToCamel", to_camel, "string", "string"),
        ("SliceRunes", slice_runes, "string int int", "string"),
        ("Compare", compare, "string string", "int"),
        ("Count", count, "string string", "int"),
        ("Contains", lambda s, sub: sub in s, "string string", "bool"),
        ("ContainsAny", lambda s, chars: any(c in chars for c in s), "string string", "bool"),
        ("LastIndex", last_index, "string string", "int"),
        ("IndexAny", index_any, "string string", "int"),
        ("LastIndexAny", last_index_any, "string string", "int"),
        ("SplitN", split_n, "string string int", "list"),
        ("SplitAfterN", split_after_n, "string string int", "list"),
        ("Split", split, "string string", "list"),
        ("SplitAfter", split_after, "string string", "list"),
        ("Fields", fields, "string", "list"),
        ("Join", join, "list string", "string"),
        ("HasPrefix", str.startswith, "string string", "bool"),
        ("HasSuffix", str.endswith, "string string", "bool"),
        ("ToUpper", to_upper, "string", "string"),
        ("ToLower", to_lower, "string", "string"),
        ("Trim", lambda s, cut: s.strip(cut), "string string", "string"),
        ("TrimLeft", lambda s, cut: s.lstrip(cut), "string string", "string"),
        ("TrimRight", lambda s, cut: s.rstrip(cut), "string string", "string"),
        ("TrimSpace", trim_space, "string", "string"),
        ("TrimPrefix", str.removeprefix, "string string", "string"),
        ("TrimSuffix", str.removesuffix, "string string", "string"),
        ("Replace", replace, "string string string int", "string"),
        ("Index", index, "string string", "int"),
    ],
)
