"""The CUE `path` package: Go's `path/filepath` for a chosen OS, not the host's.

Every function takes the OS last (`path.Unix`, the default, `path.Windows` or
`path.Plan9`; Go's other GOOS names mean Unix); `VolumeName` defaults to Windows,
and `SplitList`, `ToSlash` and `FromSlash` need it given. Windows accepts both
`\\` and `/` as separators, has drive (`c:`) and UNC (`\\\\host\\share`) volume
names, compares case-insensitively in `Rel`, and writes `\\`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cueflow.cue.std.base import BuiltinError, package

_UNIX_LIKE = frozenset(
    {
        *("aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios"),
        *("js", "linux", "nacl", "netbsd", "openbsd", "solaris", "zos"),
    }
)
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)]
)


@dataclass(frozen=True)
class _OS:
    """What differs between the three path flavours."""

    name: str
    separator: str
    list_separator: str

    @property
    def windows(self) -> bool:
        return self.name == "windows"

    def is_sep(self, char: str) -> bool:
        return char == "/" or (self.windows and char == "\\")

    def volume_len(self, path: str) -> int:
        """Length of the leading drive letter or UNC `\\\\host\\share` (Windows only)."""
        if not self.windows or len(path) < 2:
            return 0
        if path[1] == ":" and path[0].isascii() and path[0].isalpha():
            return 2
        n = len(path)
        if n >= 5 and self.is_sep(path[0]) and self.is_sep(path[1]) and path[2] not in "\\/.":
            host_end = next((i for i in range(3, n - 1) if self.is_sep(path[i])), None)
            if host_end is not None:
                share = host_end + 1
                if not self.is_sep(path[share]) and path[share] != ".":
                    end = share
                    while end < n and not self.is_sep(path[end]):
                        end += 1
                    return end
        return 0

    def is_abs(self, path: str) -> bool:
        if self.name == "plan9":
            return path.startswith(("/", "#"))
        if not self.windows:
            return path.startswith("/")
        if path.upper() in _RESERVED:
            return True
        n = self.volume_len(path)
        return n > 0 and len(path) > n and self.is_sep(path[n])

    def same(self, a: str, b: str) -> bool:
        return a.casefold() == b.casefold() if self.windows else a == b

    def from_slash(self, path: str) -> str:
        return path.replace("/", "\\") if self.windows else path

    def clean(self, path: str) -> str:
        """The shortest equivalent path: no `.`, no inner `..`, no repeated separators."""
        vol_len = self.volume_len(path)
        volume, rest = path[:vol_len], path[vol_len:]
        if rest == "":
            if vol_len > 1 and path[1] != ":":
                return self.from_slash(path)  # a UNC volume on its own
            return path + "."
        rooted = self.is_sep(rest[0])
        parts: list[str] = []
        floor = 0  # parts before this index are leading `..` that cannot be undone
        for element in _elements(rest, self.is_sep):
            if element in ("", "."):
                continue
            if element == "..":
                if len(parts) > floor:
                    parts.pop()
                elif not rooted:
                    parts.append("..")
                    floor = len(parts)
                continue
            parts.append(element)
        body = self.separator.join(parts)
        if rooted:
            body = self.separator + body
        return self.from_slash(volume + (body or "."))

    def join(self, elems: list[str]) -> str:
        first = next((i for i, e in enumerate(elems) if e), None)
        if first is None:
            return ""
        elems = elems[first:]
        if not self.windows:
            return self.clean(self.separator.join(elems))
        if len(elems[0]) == 2 and elems[0][1] == ":":
            # A bare drive stays relative to that drive's current directory.
            rest = [e for e in elems[1:] if e]
            return self.clean(elems[0] + "\\".join(rest))
        joined = self.clean("\\".join(elems))
        if not self._unc(joined) or self._unc(head := self.clean(elems[0])):
            return joined
        # Two non-UNC parts must not join into a UNC path.
        tail = self.clean("\\".join(elems[1:]))
        return head + tail if head.endswith("\\") else head + "\\" + tail

    def _unc(self, path: str) -> bool:
        return self.volume_len(path) > 2

    def split_list(self, path: str) -> list[str]:
        if path == "":
            return []
        if not self.windows:
            return path.split(self.list_separator)
        items, start, quoted = [], 0, False
        for i, char in enumerate(path):
            if char == '"':
                quoted = not quoted
            elif char == ";" and not quoted:
                items.append(path[start:i])
                start = i + 1
        items.append(path[start:])
        return [item.replace('"', "") for item in items]


def _elements(path: str, is_sep: Callable[[str], bool]) -> list[str]:
    """The path split at every separator (empty elements kept)."""
    out, current = [], []
    for char in path:
        if is_sep(char):
            out.append("".join(current))
            current = []
        else:
            current.append(char)
    out.append("".join(current))
    return out


_SYSTEMS = {
    "unix": _OS("unix", "/", ":"),
    "windows": _OS("windows", "\\", ";"),
    "plan9": _OS("plan9", "/", "\0"),
}


def _os(name: str) -> _OS:
    if name in _SYSTEMS:
        return _SYSTEMS[name]
    if name in _UNIX_LIKE:
        return _SYSTEMS["unix"]
    raise BuiltinError(f"unsupported OS {name!r}: want one of unix, windows, plan9 or a GOOS name")


def clean(path: str, os: str = "unix") -> str:
    return _os(os).clean(path)


def to_slash(path: str, os: str) -> str:
    return path.replace("\\", "/") if _os(os).windows else path


def from_slash(path: str, os: str) -> str:
    return _os(os).from_slash(path)


def split_list(path: str, os: str) -> list[str]:
    return _os(os).split_list(path)


def _last_sep(path: str, system: _OS, stop: int) -> int:
    i = len(path) - 1
    while i >= stop and not system.is_sep(path[i]):
        i -= 1
    return i


def split(path: str, os: str = "unix") -> list[str]:
    """[dir, file]: everything up to and including the last separator, and the rest."""
    system = _os(os)
    i = _last_sep(path, system, system.volume_len(path))
    return [path[: i + 1], path[i + 1 :]]


def join(elems: list[str], os: str = "unix") -> str:
    for i, elem in enumerate(elems):
        if not isinstance(elem, str):
            raise BuiltinError(f"invalid list element {i} in argument 0 to call: not a string")
    return _os(os).join(elems)


def ext(path: str, os: str = "unix") -> str:
    system = _os(os)
    for i in range(len(path) - 1, -1, -1):
        if system.is_sep(path[i]):
            break
        if path[i] == ".":
            return path[i:]
    return ""


def resolve(dir_: str, sub: str, os: str = "unix") -> str:
    """`sub` if absolute, else `sub` joined to `dir`; cleaned either way."""
    system = _os(os)
    if system.is_abs(sub):
        return system.clean(sub)
    return system.join([system.clean(dir_), sub])


def rel(base_path: str, target_path: str, os: str = "unix") -> str:
    """The path that leads from `base_path` to `target_path` (both cleaned first)."""
    system = _os(os)
    base_vol = base_path[: system.volume_len(base_path)]
    target_vol = target_path[: system.volume_len(target_path)]
    base, target = system.clean(base_path), system.clean(target_path)
    if system.same(target, base):
        return "."
    base, target = base[len(base_vol) :], target[len(target_vol) :]
    if base == ".":
        base = ""
    sep = system.separator
    rooted = base.startswith(sep)
    if rooted != target.startswith(sep) or not system.same(base_vol, target_vol):
        raise BuiltinError(f"Rel: can't make {target_path} relative to {base_path}")
    if rooted:
        base, target = base[1:], target[1:]
    base_parts = base.split(sep) if base else []
    target_parts = target.split(sep) if target else []
    common = 0
    while (
        common < len(base_parts)
        and common < len(target_parts)
        and system.same(base_parts[common], target_parts[common])
    ):
        common += 1
    if common < len(base_parts) and base_parts[common] == "..":
        raise BuiltinError(f"Rel: can't make {target_path} relative to {base_path}")
    ups = [".."] * (len(base_parts) - common)
    return sep.join(ups + target_parts[common:])


def base(path: str, os: str = "unix") -> str:
    """The last element, trailing separators and the volume name dropped."""
    system = _os(os)
    if path == "":
        return "."
    path = path.rstrip("/\\" if system.windows else "/")
    path = path[system.volume_len(path) :]
    path = path[_last_sep(path, system, 0) + 1 :]
    return path or system.separator


def dir_(path: str, os: str = "unix") -> str:
    """All but the last element, cleaned."""
    system = _os(os)
    volume = path[: system.volume_len(path)]
    i = _last_sep(path, system, len(volume))
    directory = system.clean(path[len(volume) : i + 1])
    if directory == "." and len(volume) > 2:
        return volume  # a UNC volume
    return volume + directory


def is_abs(path: str, os: str = "unix") -> bool:
    return _os(os).is_abs(path)


def volume_name(path: str, os: str = "windows") -> str:
    system = _os(os)
    return path[: system.volume_len(path)]


def match(pattern: str, name: str, os: str = "unix") -> bool:
    """Whether `name` matches the shell pattern (`*`, `?`, `[a-z]`, `\\\\` escapes but on Windows).

    `*` and `?` never match a separator; a malformed pattern is an error.
    """
    system = _os(os)
    sep = system.separator
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern, system)
        if star and chunk == "":
            return sep not in name  # a trailing * matches the rest of this element
        rest = _match_chunk(chunk, name, system)
        if rest is not None and (rest == "" or pattern):
            name = rest
            continue
        if star:
            found = False
            for i in range(len(name)):
                if name[i] == sep:
                    break
                rest = _match_chunk(chunk, name[i + 1 :], system)
                if rest is not None:
                    if not pattern and rest:
                        continue
                    name, found = rest, True
                    break
            if found:
                continue
        while pattern:  # the rest of the pattern must still be well formed
            _, _, pattern = _scan_chunk(pattern, system)
        return False
    return name == ""


_BAD_PATTERN = "syntax error in pattern"


def _scan_chunk(pattern: str, system: _OS) -> tuple[bool, str, str]:
    """Split off a leading `*` and the literal chunk up to the next `*`."""
    star = pattern.startswith("*")
    if star:
        pattern = pattern[1:]
        if pattern.startswith("*"):
            raise BuiltinError("'**' is not supported in patterns as of yet")
    in_range = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and not system.windows and i + 1 < len(pattern):
            i += 1
        elif char == "[":
            in_range = True
        elif char == "]":
            in_range = False
        elif char == "*" and not in_range:
            break
        i += 1
    return star, pattern[:i], pattern[i:]


def _match_chunk(chunk: str, s: str, system: _OS) -> str | None:
    """What is left of `s` after `chunk` matched its start, or None.

    The whole chunk is always read, so a malformed one fails even when `s` does not match.
    """
    failed = False
    while chunk:
        failed = failed or s == ""
        head = chunk[0]
        if head == "[":
            char = "" if failed else s[0]
            if not failed:
                s = s[1:]
            chunk = chunk[1:]
            negated = chunk.startswith("^")
            if negated:
                chunk = chunk[1:]
            matched, ranges = False, 0
            while True:
                if chunk.startswith("]") and ranges:
                    chunk = chunk[1:]
                    break
                lo, chunk = _range_char(chunk, system)
                hi = lo
                if chunk[0] == "-":
                    hi, chunk = _range_char(chunk[1:], system)
                matched = matched or (not failed and lo <= char <= hi)
                ranges += 1
            failed = failed or matched == negated
        elif head == "?":
            if not failed:
                failed = s[0] == system.separator
                s = s[1:]
            chunk = chunk[1:]
        else:
            if head == "\\" and not system.windows:
                chunk = chunk[1:]
                if not chunk:
                    raise BuiltinError(_BAD_PATTERN)
            if not failed:
                failed = chunk[0] != s[0]
                s = s[1:]
            chunk = chunk[1:]
    return None if failed else s


def _range_char(chunk: str, system: _OS) -> tuple[str, str]:
    """One (possibly escaped) character of a `[...]` class and the chunk after it."""
    if chunk == "" or chunk[0] in "-]":
        raise BuiltinError(_BAD_PATTERN)
    if chunk[0] == "\\" and not system.windows:
        chunk = chunk[1:]
        if chunk == "":
            raise BuiltinError(_BAD_PATTERN)
    if len(chunk) == 1:
        raise BuiltinError(_BAD_PATTERN)
    return chunk[0], chunk[1:]


MEMBERS = package(
    "path",
    [
        ("Split", split, "string string?", "list"),
        ("SplitList", split_list, "string string", "list"),
        ("Join", join, "list string?", "string"),
        ("Match", match, "string string string?", "bool"),
        ("Clean", clean, "string string?", "string"),
        ("ToSlash", to_slash, "string string", "string"),
        ("FromSlash", from_slash, "string string", "string"),
        ("Ext", ext, "string string?", "string"),
        ("Resolve", resolve, "string string string?", "string"),
        ("Rel", rel, "string string string?", "string"),
        ("Base", base, "string string?", "string"),
        ("Dir", dir_, "string string?", "string"),
        ("IsAbs", is_abs, "string string?", "bool"),
        ("VolumeName", volume_name, "string string?", "string"),
    ],
    {"Unix": "unix", "Windows": "windows", "Plan9": "plan9"},
)
