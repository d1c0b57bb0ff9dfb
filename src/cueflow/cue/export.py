"""Rendering evaluated values: JSON and YAML as `cue export` prints them, and CUE text."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import yaml

from cueflow.cue import numbers
from cueflow.cue.evaluator import (
    LIST,
    MARKED,
    STRUCT,
    Vertex,
    describe_vertex,
    format_atom,
    format_label,
    quote_string,
    temp_vertex,
)


def json_text(value: Any, indent: int | None = None) -> str:
    """JSON for an exported Python value: floats keep CUE's spelling, bytes are base64."""
    return _json(value, indent, 0)


def _json(v: Any, indent: int | None, level: int) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return numbers.format_float(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bytes):
        return json.dumps(base64.b64encode(v).decode("ascii"))
    if isinstance(v, dict):
        items = [
            f"{json.dumps(k, ensure_ascii=False)}: {_json(x, indent, level + 1)}"
            for k, x in v.items()
        ]
        return _wrap("{", "}", items, indent, level)
    items = [_json(x, indent, level + 1) for x in v]
    return _wrap("[", "]", items, indent, level)


def _wrap(open_: str, close: str, items: list[str], indent: int | None, level: int) -> str:
    if not items:
        return open_ + close
    if indent is None:
        return open_ + ", ".join(items) + close
    pad = " " * (indent * (level + 1))
    return open_ + "\n" + ",\n".join(pad + i for i in items) + "\n" + " " * (indent * level) + close


class _Dumper(yaml.SafeDumper):
    """YAML dumper that knows CUE floats (Decimal) and bytes."""


def _decimal(dumper: yaml.SafeDumper, d: Decimal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:float", numbers.format_float(d))


def _bytes(dumper: yaml.SafeDumper, b: bytes) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", base64.b64encode(b).decode("ascii"))


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(bytes, _bytes)


def yaml_text(value: Any) -> str:
    """YAML for an exported Python value, keys in field order."""
    return yaml.dump(value, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def python_to_cue(v: Any) -> str:
    """A Python value (builtin argument) in CUE syntax."""
    if isinstance(v, Decimal):
        return numbers.format_float(v)
    if isinstance(v, str):
        return quote_string(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{format_label(k)}: {python_to_cue(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(python_to_cue(x) for x in v) + "]"
    return _json(v, None, 0)


def cue_text(v: Vertex, level: int = 0) -> str:
    """An evaluated value as CUE source: fields with their flags, defaults marked with `*`."""
    v.eval()
    if v.disj is not None:
        return " | ".join(
            ("*" if d == MARKED else "") + cue_text(c, level)
            for c, d in zip(v.disj, v.disj_default, strict=True)
        )
    if v.err is not None:
        return "_|_ // " + v.err.message.replace("\n", " ")
    if v.atom is not None:
        return format_atom(v.atom)
    pad = "\t" * (level + 1)
    if v.kind == STRUCT:
        lines = []
        for label, a in v.arcs.items():
            mark = "" if a.regular else ("!" if a.required else "?")
            lines.append(f"{pad}{format_label(label)}{mark}: {cue_text(a, level + 1)}")
        if any(g.open for g in v.groups):
            lines.append(pad + "...")
        if not lines:
            return "{}"
        return "{\n" + "\n".join(lines) + "\n" + "\t" * level + "}"
    if v.kind == LIST:
        items = [cue_text(v.arcs[i], level + 1) for i in range(len(v.arcs))]
        if v.list_len is None:
            types = [(e, env) for _, e, env, _ in v.elem_types if e is not None]
            items.append("..." + (cue_text(temp_vertex(*types[-1]), level + 1) if types else ""))
        return "[" + ", ".join(items) + "]"
    return describe_vertex(v)
