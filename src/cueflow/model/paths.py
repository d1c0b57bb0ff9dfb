"""CUE-style reference paths (`a.b[1]["c-d"]`) as lists of keys, for lookups on plain data."""

from __future__ import annotations

import json
import re
from typing import Any

_IDENT = re.compile(r"[A-Za-z_$#][A-Za-z0-9_$#]*")
_INDEX = re.compile(r"\[\s*(\d+)\s*\]")
_QUOTED = re.compile(r'\[\s*("(?:[^"\\]|\\.)*")\s*\]')

Path = list[str | int]


def parse_reference(text: str) -> Path | None:
    """Keys of a plain reference (identifier, selectors, indexes), or None for anything else."""
    text = text.strip()
    match = _IDENT.match(text)
    if match is None:
        return None
    keys: Path = [match.group(0)]
    pos = match.end()
    while pos < len(text):
        if text[pos] == ".":
            match = _IDENT.match(text, pos + 1)
            if match is None:
                match = re.compile(r'"(?:[^"\\]|\\.)*"').match(text, pos + 1)
                if match is None:
                    return None
                keys.append(json.loads(match.group(0)))
            else:
                keys.append(match.group(0))
        elif (index := _INDEX.match(text, pos)) is not None:
            keys.append(int(index.group(1)))
            match = index
        elif (quoted := _QUOTED.match(text, pos)) is not None:
            keys.append(json.loads(quoted.group(1)))
            match = quoted
        else:
            return None
        pos = match.end()
    return keys


def dotted(path: Path) -> str:
    return ".".join(str(k) for k in path)


_MISSING = object()


def get_path(data: Any, path: Path) -> Any:
    """The value at `path`; raise KeyError when any step is missing."""
    node = data
    for key in path:
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                raise KeyError(key)
            node = node[key]
        else:
            if not isinstance(node, dict) or key not in node:
                raise KeyError(key)
            node = node[key]
    return node


def set_path(data: dict[str, Any], path: Path, value: Any) -> None:
    """Replace the value at `path`, creating structs on the way; a final index pads lists."""
    node: Any = data
    for i, key in enumerate(path[:-1]):
        nxt = path[i + 1]
        fresh: Any = [] if isinstance(nxt, int) else {}
        if isinstance(key, int):
            if not isinstance(node, list) or key >= len(node):
                raise KeyError(key)
            if not isinstance(node[key], dict | list):
                node[key] = fresh
            node = node[key]
        else:
            if not isinstance(node.get(key, _MISSING), dict | list):
                node[key] = fresh
            node = node[key]
    last = path[-1]
    if isinstance(last, int):
        if not isinstance(node, list):
            raise KeyError(last)
        while len(node) <= last:
            node.append({})
        node[last] = value
    else:
        node[last] = value
