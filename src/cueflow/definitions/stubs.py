"""Lay out the `vela/*` provider schemas as a CUE module tree.

Real CUE treats `vela/...` as a standard-library path, so tools that check our
templates with real CUE serve these imports from a module directory instead
(the test oracle's `-V` layout). This module only copies the schema files of
`cueflow.providers.schemas`; it knows nothing about the oracle itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

__all__ = ["VELA_MODULE_HOST", "lay_out_vela_stubs", "schema_sources"]

VELA_MODULE_HOST = "kubevela.local"
"""Host under which `vela/<name>` is served (`cue.mod/pkg/<host>/vela/<name>`)."""

_MODULE_FILE = 'module: "cueflow.local/steps"\n'


def schema_sources() -> dict[str, str]:
    """The CUE text of every `vela/<name>` package schema, keyed by package name."""
    folder = resources.files("cueflow.providers") / "schemas"
    return {
        entry.name.removesuffix(".cue"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda item: item.name)
        if entry.name.endswith(".cue")
    }


def lay_out_vela_stubs(dest: Path, sources: Mapping[str, str] | None = None) -> Path:
    """Write `dest/cue.mod/pkg/kubevela.local/vela/<name>/<name>.cue` for every schema.

    `sources` (package name to CUE text) replaces the schema files, for a check
    that must see exactly what an engine registers (a provider package may add
    definitions to its schema). Creates `dest/cue.mod/module.cue` when it is
    missing and overwrites the schema copies, so calling it again refreshes an
    existing tree. Returns `dest`.
    """
    module_dir = dest / "cue.mod"
    module_dir.mkdir(parents=True, exist_ok=True)
    module_file = module_dir / "module.cue"
    if not module_file.exists():
        module_file.write_text(_MODULE_FILE, encoding="utf-8")
    for name, text in (schema_sources() if sources is None else sources).items():
        package_dir = module_dir / "pkg" / VELA_MODULE_HOST / "vela" / name
        package_dir.mkdir(parents=True, exist_ok=True)
        (package_dir / f"{name}.cue").write_text(text, encoding="utf-8")
    return dest
