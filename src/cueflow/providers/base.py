"""The contract between the step runner and provider packages.

A provider package is what a template imports as `vela/<name>`: a CUE schema
(definitions carrying `#do` and `#provider`) plus async Python functions. The
runner finds a task in the evaluated template, calls the function with the
task's arguments and a narrow `ProviderContext`, and unifies the result back.
Providers never see the scheduler or the store directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class ProviderError(Exception):
    """A provider call failed; the message is shown to the user as the step message.

    The runner normally appends the task rendered as CUE (spec 3.4), which shows what the
    call was given. Subclasses whose message says all there is to say (an unknown cluster,
    an action cueflow cannot perform) set `quote_task = False`: there the rendered task
    would only bury the one line that matters.
    """

    quote_task: bool = True


class StepLogger(Protocol):
    """Writes lines to the running step's log (durably, through the engine)."""

    def log(self, line: str, level: str = "info") -> None: ...


class ClusterAccess(Protocol):
    """Kubernetes clients by cluster name; `""` is the default cluster."""

    async def client(self, cluster: str) -> Any: ...


class SecretAccess(Protocol):
    """Secret data by namespace and name, from the default cluster or cueflow's store."""

    async def get(self, namespace: str, name: str) -> dict[str, str]: ...


class ActionSink(Protocol):
    """The running step's action object (spec 3.5); actions other than message/log end the pass."""

    def wait(self, message: str = "") -> None: ...
    def suspend(self, message: str = "") -> None: ...
    def resume(self, message: str = "") -> None: ...
    def terminate(self, message: str = "") -> None: ...
    def fail(self, message: str = "") -> None: ...
    def message(self, message: str) -> None: ...


@dataclass
class ProviderContext:
    """What a provider function may know about the run it serves."""

    run_name: str
    namespace: str
    step_name: str
    step_id: str
    label: str  # the task's field label, e.g. `suspend` for `suspend: builtin.#Suspend`
    logger: StepLogger
    actions: ActionSink
    clusters: ClusterAccess | None = None
    secrets: SecretAccess | None = None
    labels: Mapping[str, str] = field(default_factory=dict)  # labels for objects the step applies
    variables: dict[str, Any] = field(default_factory=dict)  # the run's context store (spec 2.12)
    process_context: Mapping[str, Any] = field(default_factory=dict)  # the `context` value
    previous_phase: str = ""  # the step's previously recorded phase (GetStatus, spec 3.5)
    extras: dict[str, Any] = field(default_factory=dict)


# A provider function gets the decoded arguments (`$params` for new-style packages,
# the whole task struct for legacy `vela/op`) and returns what is unified back
# (`{"$returns": ...}` content for new style is wrapped by the runner), or None.
ProviderFunction = Callable[[ProviderContext, dict[str, Any]], Awaitable[Any]]


@dataclass
class ProviderPackage:
    """One importable package: `path` is the import path (`vela/http`), `provider` the
    value of `#provider` in its definitions (`http`), `schema` its CUE source."""

    path: str
    provider: str
    schema: str
    functions: Mapping[str, ProviderFunction]
    legacy: bool = False  # legacy packages take their arguments from the task struct itself


ENTRY_POINT_GROUP = "cueflow.providers"
"""Third-party packages register a `ProviderPackage` (or a callable returning one) here."""
