"""Legacy `vela/op` actions that only KubeVela can perform (spec 3.9).

KubeVela's controller adds operations on the Application a workflow belongs to:
loading and applying its components, env bindings, placements, cloud resources.
A WorkflowRun in cueflow has no Application, so these cannot work. Without a
definition, `op.#ApplyApplication & {}` is merely an unresolved reference and the
step would succeed having done nothing; instead each name is defined as a task
whose call fails the step with a message naming it.
"""

from __future__ import annotations

from typing import Any

from cueflow.providers.base import ProviderContext, ProviderError, ProviderFunction

__all__ = ["OP_DEFINITIONS", "KubeVelaOnly", "op_functions", "op_schema"]

OP_DEFINITIONS = (
    "Load", "LoadComponets", "LoadInOrder", "LoadComponetsInOrder", "LoadPolicies",
    "ApplyComponent", "RenderComponent", "ApplyApplication", "ApplyApplicationInParallel",
    "ApplyComponentRemaining", "ApplyRemaining", "ApplyEnvBindApp", "DeployCloudResource",
    "ShareCloudResource", "LoadTerraformComponents", "GetConnectionStatus",
    "GetPlacementsFromTopologyPolicies", "ListClusters", "MakePlacementDecisions",
    "PatchApplication", "Deploy",
)
"""The `vela/op` definitions of KubeVela's Application controller (its legacy `oam`,
`multicluster` and `terraform` providers)."""

_FUNCTION_PREFIX = "kubevela-only:"
"""`#do` of these tasks: the definition name after a prefix no real function has."""


class KubeVelaOnly(ProviderError):
    """An action that needs a KubeVela Application; the message says which and why."""

    quote_task = False


def op_schema() -> str:
    """CUE definitions for `OP_DEFINITIONS`, to append to the `vela/op` schema; each is an
    open task, so whatever fields a KubeVela template passes still unify."""
    return "\n".join(
        f'#{name}: {{\n\t#do: "{_FUNCTION_PREFIX}{name}"\n\t#provider: "op"\n\t...\n}}\n'
        for name in OP_DEFINITIONS)


def _unavailable(name: str) -> ProviderFunction:
    async def call(ctx: ProviderContext, args: dict[str, Any]) -> Any:
        raise KubeVelaOnly(
            f"op.#{name} needs a KubeVela Application and works only inside KubeVela; a "
            "cueflow WorkflowRun has none (apply the objects with op.#Apply or kube.#Apply)")

    call.__doc__ = f"`op.#{name}`: always fails, naming the definition."
    return call


def op_functions() -> dict[str, ProviderFunction]:
    """The failing functions behind `op_schema()`, by `#do`."""
    return {f"{_FUNCTION_PREFIX}{name}": _unavailable(name) for name in OP_DEFINITIONS}
