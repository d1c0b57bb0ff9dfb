"""The strategic patch of `kube.#Patch` and `util.#PatchK8sObject`, and apply's merge patch.

`strategic_unify` unifies a patch onto a base object the way CUE unification
would after "opening" the base's lists, steered by the patch's comment tags
(`// +patchKey=name`, `// +patchStrategy=replace|retainKeys`). The tags reach
Python as a mapping from the dotted field path inside the patch (list elements
add no path element) to `{"patchKey": ..., "patchStrategy": ...}`; the step
runner collects them from the patch's comments and passes them in
`ProviderContext.extras["patch_tags"]` (see `tags_from_value`).

`three_way_merge_patch` is the JSON merge patch `#Apply` sends to an existing
object: what the last applied configuration had and the desired one dropped is
removed, what the live object lacks or holds differently is set.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from cueflow import cue
from cueflow.providers.base import ProviderError

__all__ = ["PatchConflict", "strategic_unify", "tags_from_value", "three_way_merge_patch"]

Tags = Mapping[str, Mapping[str, str]]


class PatchConflict(ProviderError):
    """The patch contradicts the base and no tag says how to resolve it."""


def tags_from_value(patch: cue.Value) -> dict[str, dict[str, str]]:
    """The `+patchKey`/`+patchStrategy` comment tags of a patch value, by dotted field path
    (list elements add no path element)."""
    tags: dict[str, dict[str, str]] = {}

    def visit(value: cue.Value, path: tuple[str, ...]) -> None:
        if value.kind() == "list":
            for element in value.elements():
                visit(element, path)
            return
        if value.kind() != "struct":
            return
        for field in value.fields():
            if field.definition or field.hidden:
                continue
            here = (*path, field.label)
            for line in field.doc:
                name, _, setting = line.strip().lstrip("+").partition("=")
                if name in ("patchKey", "patchStrategy") and line.strip().startswith("+"):
                    tags.setdefault(".".join(here), {})[name] = setting.strip()
            visit(field.value, here)

    visit(patch, ())
    return tags


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def strategic_unify(base: Any, patch: Any, tags: Tags | None = None) -> Any:
    """Unify `patch` onto `base`; raise `PatchConflict` naming the field on a conflict."""
    return _unify(base, patch, (), tags or {})


def _unify(base: Any, patch: Any, path: tuple[str, ...], tags: Tags) -> Any:
    tag = tags.get(".".join(path), {})
    strategy = tag.get("patchStrategy", "")
    if isinstance(base, list) and isinstance(patch, list):
        if strategy == "replace":
            return copy.deepcopy(patch)
        if tag.get("patchKey"):
            return _merge_keyed(base, patch, path, tags, tag["patchKey"], strategy)
        if len(patch) < len(base):
            raise PatchConflict(f"{'.'.join(path) or 'value'}: incompatible list lengths "
                                f"({len(base)} in the object, {len(patch)} in the patch)")
        merged = [_unify(b, p, path, tags) for b, p in zip(base, patch, strict=False)]
        return merged + copy.deepcopy(patch[len(base):])
    if strategy == "retainKeys":
        return copy.deepcopy(patch)
    if isinstance(base, dict) and isinstance(patch, dict):
        result = copy.deepcopy(base)
        for key, value in patch.items():
            result[key] = _unify(base[key], value, (*path, key), tags) if key in base \
                else copy.deepcopy(value)
        return result
    if base == patch and type(base) is type(patch):
        return copy.deepcopy(patch)
    raise PatchConflict(f"{'.'.join(path) or 'value'}: conflicting values {_show(base)} "
                        f"(in the object) and {_show(patch)} (in the patch)")


def _dotted(item: Any, key: str) -> Any:
    for part in key.split("."):
        item = item.get(part) if isinstance(item, dict) else None
    return item


def _merge_keyed(base: list[Any], patch: list[Any], path: tuple[str, ...], tags: Tags,
                 patch_key: str, strategy: str) -> list[Any]:
    keys = [key.strip() for key in patch_key.split(",") if key.strip()]

    def identity(item: Any) -> tuple[Any, ...]:
        return tuple(_dotted(item, key) for key in keys)

    merged = copy.deepcopy(base)
    for item in patch:
        index = next((i for i, old in enumerate(merged) if identity(old) == identity(item)),
                     None)
        if index is None:
            merged.append(copy.deepcopy(item))
        elif strategy == "retainKeys":
            merged[index] = copy.deepcopy(item)
        else:
            merged[index] = _unify(merged[index], item, path, tags)
    return merged


def three_way_merge_patch(original: Any, desired: Any, live: Any) -> dict[str, Any]:
    """A merge patch turning `live` into `desired`, deleting what `original` had and
    `desired` dropped (fields others added to `live` are left alone)."""
    patch: dict[str, Any] = {}
    original = original if isinstance(original, dict) else {}
    live = live if isinstance(live, dict) else {}
    for key in original:
        if key not in desired and key in live:
            patch[key] = None
    for key, value in desired.items():
        current = live.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            nested = three_way_merge_patch(original.get(key), value, current)
            if nested:
                patch[key] = nested
        elif key not in live or current != value:
            patch[key] = copy.deepcopy(value)
    return patch
