"""Step definitions: the built-in step library and the catalog of known step types.

`Catalog` finds a step type's `Definition` (built-in or added by the user);
`Definition.template` is the CUE text the engine compiles for a step and
`Definition.parameters()` describes its `parameter` block. The reference
functions render listings and Markdown pages for the CLI and the docs.
"""

from __future__ import annotations

from cueflow.definitions.catalog import Catalog, Definition, DefinitionError, parse_definition
from cueflow.definitions.reference import list_definitions, render_index, render_reference
from cueflow.definitions.stubs import lay_out_vela_stubs

__all__ = [
    "Catalog",
    "Definition",
    "DefinitionError",
    "lay_out_vela_stubs",
    "list_definitions",
    "parse_definition",
    "render_index",
    "render_reference",
]
