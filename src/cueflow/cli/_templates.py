"""Step templates outside a run: checking a step's properties before the run starts, and the
dry run of `cueflow def render` (provider calls listed, none made)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cueflow import cue
from cueflow.engine.cuestep import first_permanent_error, plain
from cueflow.providers.base import ProviderPackage


@dataclass
class ProviderCall:
    """A task the template would hand to a provider: `arguments` is None while they depend
    on the result of an earlier call (`missing` says what is not known yet)."""

    path: str
    provider: str
    function: str
    arguments: dict[str, Any] | None
    missing: str = ""


class Templates:
    """Compiles step templates against the provider packages' schemas."""

    def __init__(self, packages: dict[str, ProviderPackage]) -> None:
        self.context = cue.Context()
        for package in packages.values():
            self.context.register_package(package.path, package.schema, f"{package.path}.cue")

    def compile(
        self,
        template: str,
        type_name: str,
        parameter: dict[str, Any],
        context: dict[str, Any] | None = None,
    ) -> cue.Value:
        rendered = f"parameter: {json.dumps(parameter)}"
        if context is not None:
            rendered += f"\ncontext: {json.dumps(context)}"
        return self.context.compile(f"{template}\n{rendered}", filename=f"{type_name}.cue")

    def parameter_error(
        self, template: str, type_name: str, properties: dict[str, Any]
    ) -> cue.CueError | None:
        """The error a step's properties cause in its template's `parameter`, if any.
        Fields still missing are fine: inputs may fill them when the step runs; a template
        that does not compile is its definition's fault, reported when the step runs."""
        value = self.compile(template, type_name, properties)
        if isinstance(value.error, cue.CueSyntaxError):
            return None
        return first_permanent_error(value.lookup("parameter"))

    @staticmethod
    def provider_calls(value: cue.Value) -> list[ProviderCall]:
        """The tasks of an evaluated template, in order, without calling anything."""
        calls = []
        for path, node in value.walk_structs():
            do, provider = node.lookup("#do"), node.lookup("#provider")
            if not (do.exists() and do.is_concrete() and provider.is_concrete()):
                continue
            params = node.lookup("$params")
            try:
                arguments = plain(params.to_python()) if params.exists() else {}
            except cue.CueError as error:
                calls.append(
                    ProviderCall(path, provider.to_python(), do.to_python(), None, str(error))
                )
                continue
            calls.append(ProviderCall(path, provider.to_python(), do.to_python(), arguments))
        return calls
