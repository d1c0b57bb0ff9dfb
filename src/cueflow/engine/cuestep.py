"""The step runner for CUE-defined step types (spec 2.9, 3.1-3.5).

A step evaluates the template with the rendered `context`/`parameter` written below it, as
one file. The template is compiled once (per step type name, which names the file); each
evaluation parses only its inputs and joins them to it. Then the provider-resolution loop
finds the first task (a struct with concrete `#do`/`#provider`) not yet called, calls its
provider function, fills the result back and starts over, until no task is left, an action
stops the template, or a call fails.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from cueflow import cue
from cueflow.engine.steps import StepInvocation
from cueflow.model import StepPhase, StepReason
from cueflow.model.paths import parse_reference
from cueflow.providers import patching
from cueflow.providers.base import (
    ClusterAccess,
    ProviderContext,
    ProviderError,
    ProviderPackage,
    SecretAccess,
)

logger = logging.getLogger(__name__)

MAX_TASKS = 1000
"""Provider calls one evaluation may make before it is considered runaway."""

RESOLVE_DEADLINE = timedelta(minutes=3)
"""How long one evaluation may take, checked between provider calls (spec 2.1)."""

_ACTION_FUNCTIONS = frozenset({"wait", "suspend", "break", "fail", "message", "var", "log"})
"""Functions acting on the step itself: re-run on replay instead of replaying a result."""

COMPILED_NAMES = 16
"""File names (step type names) one template keeps a compiled copy for."""

RUN_NAME_LABEL = "workflowrun.oam.dev/name"
RUN_NAMESPACE_LABEL = "workflowrun.oam.dev/namespace"


def plain(value: Any, *, bytes_as_base64: bool = False) -> Any:
    """CUE export data as JSON data: Decimals become int or float, bytes become text, or
    base64 text for provider arguments (bytes travel in JSON as base64, which is what
    `util.#ConvertString` decodes)."""
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else float(value)
        )
    if isinstance(value, dict):
        return {k: plain(v, bytes_as_base64=bytes_as_base64) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, bytes_as_base64=bytes_as_base64) for v in value]
    if isinstance(value, bytes):
        if bytes_as_base64:
            return base64.b64encode(value).decode("ascii")
        return value.decode("utf-8", "replace")
    return value


def patch_tags(node: cue.Value, legacy: bool) -> dict[str, dict[str, str]]:
    """The `+patchKey`/`+patchStrategy` comment tags of a task's `patch` argument."""
    patch = node.lookup("patch" if legacy else "$params.patch")
    return patching.tags_from_value(patch) if patch.exists() else {}


def first_permanent_error(value: cue.Value, depth: int = 0) -> cue.CueError | None:
    """The first permanent error in any non-optional field of `value`."""
    error = value.error
    if error is not None and not error.incomplete:
        return error
    if depth > 100:
        return None
    children = [f.value for f in value.fields() if not f.optional and not f.definition]
    for child in children + value.elements():
        found = first_permanent_error(child, depth + 1)
        if found is not None:
            return found
    return None


class CueScope:
    """Outputs evaluated against a step's final CUE value (spec 2.10.2)."""

    def __init__(self, value: cue.Value, context: cue.Context) -> None:
        self.value = value
        self.context = context

    def render(self) -> str:
        """The value as CUE text, for debug snapshots."""
        try:
            return self.value.to_cue()
        except cue.CueError as exc:
            return f"// cannot render the value: {exc}"

    def lookup(self, expression: str) -> Any:
        path = parse_reference(expression)
        if path is not None:
            target = self.value.lookup(path)
            if not target.exists():
                raise LookupError(f"failed to lookup value: var(path={expression}) not exist")
        else:
            target = self.context.compile(expression, filename="output.cue", scope=self.value)
        try:
            return plain(target.to_python())
        except cue.CueError as exc:
            raise LookupError(str(exc)) from exc


class CueStepType:
    """A step type defined by a CUE template."""

    def __init__(
        self,
        template: str,
        packages: Mapping[str, ProviderPackage],
        *,
        clusters: ClusterAccess | None = None,
        secrets: SecretAccess | None = None,
    ) -> None:
        self.template = template
        self.packages = packages
        self.by_provider = {p.provider: p for p in packages.values()}
        self.clusters = clusters
        self.secrets = secrets
        self.context = cue.Context()
        for package in packages.values():
            self.context.register_package(package.path, package.schema, f"{package.path}.cue")
        self._compiled: dict[str, cue.Value] = {}
        self._padding = _padding(template)

    def pending(self, step: Any) -> str | None:
        return None

    @staticmethod
    def filename(inv: StepInvocation) -> str:
        """The file name error positions give: the step type's."""
        return f"{inv.step.type}.cue"

    @staticmethod
    def inputs(inv: StepInvocation) -> str:
        """`context` and `parameter` as CUE declarations (JSON is CUE)."""
        return "context: " + json.dumps(inv.context) + "\nparameter: " + json.dumps(inv.parameter)

    def source(self, inv: StepInvocation) -> str:
        """The file a step evaluates: the template with its inputs written below it."""
        return self.template + "\n" + self.inputs(inv)

    def evaluation(self, inv: StepInvocation) -> cue.Value:
        """`source(inv)` compiled, reusing the template compiled for this file name."""
        filename = self.filename(inv)
        template = self._compiled.get(filename)
        if template is None:
            if len(self._compiled) >= COMPILED_NAMES:
                self._compiled.pop(next(iter(self._compiled)))
            template = self.context.compile(self.template, filename=filename)
            self._compiled[filename] = template
        value = template.extend(self._padding + self.inputs(inv), filename=filename)
        if isinstance(value.error, cue.CueSyntaxError):
            # a template that does not parse alone may parse joined to its inputs, or fail
            # elsewhere: the whole file says which
            return self.context.compile(self.source(inv), filename=filename)
        return value

    async def execute(self, inv: StepInvocation) -> CueScope | None:
        previous = inv.previous
        value = self.evaluation(inv)
        error = value.error
        if error is not None and not error.incomplete and isinstance(error, cue.CueSyntaxError):
            inv.fail(StepReason.EXECUTE, str(error))
            return None
        try:
            value = await self.resolve(value, inv)
        except _CallFailed as failed:
            inv.fail(StepReason.EXECUTE, str(failed))
            return CueScope(failed.value, self.context)
        if previous is None or previous.phase == StepPhase.SUCCEEDED:
            wrong = first_permanent_error(value)
            if wrong is not None:
                inv.fail(StepReason.EXECUTE, str(wrong))
        return CueScope(value, self.context)

    async def resolve(self, value: cue.Value, inv: StepInvocation) -> cue.Value:
        """The provider-resolution loop of spec 3.4."""
        executed: set[str] = set()
        deadline = inv.now() + RESOLVE_DEADLINE
        for _ in range(MAX_TASKS):
            if inv.now() > deadline:
                raise _CallFailed("cuex compile resolve timeout", value)
            task = self.next_task(value, executed)
            if task is None:
                return value
            path, node, provider, function = task
            executed.add(path)
            package = self.by_provider.get(provider)
            if package is None:
                raise _CallFailed(f"provider {provider} not found", value)
            fn = package.functions.get(function)
            if fn is None:
                raise _CallFailed(f"function {function} not found in provider {provider}", value)
            try:
                args = self.arguments(node, package.legacy)
                tags = patch_tags(node, package.legacy)
                result = await self.call(path, provider, function, fn, args, inv, tags)
            except (ProviderError, cue.CueError, TypeError, ValueError) as exc:
                shown = f" (value: {_render(node)})" if getattr(exc, "quote_task", True) else ""
                raise _CallFailed(f"function call error for {path}: {exc}{shown}", value) from exc
            if result is not None:
                filled = result if package.legacy else {"$returns": result}
                value = value.fill(path, filled) if path else value.fill([], filled)
            if inv.actions.stopped:
                return value
        raise _CallFailed(f"more than {MAX_TASKS} provider calls in one evaluation", value)

    @staticmethod
    def next_task(value: cue.Value, executed: set[str]) -> tuple[str, cue.Value, str, str] | None:
        for path, node in value.walk_structs():
            if path in executed:
                continue
            do = node.lookup("#do")
            if not do.exists() or not do.is_concrete():
                continue
            function = do.to_python()
            provider_value = node.lookup("#provider")
            if not isinstance(function, str) or not function or not provider_value.is_concrete():
                continue
            provider = provider_value.to_python()
            if isinstance(provider, str):
                return path, node, provider, function
        return None

    @staticmethod
    def arguments(node: cue.Value, legacy: bool) -> dict[str, Any]:
        if not legacy:
            params = node.lookup("$params")
            if not params.exists():
                return {}
            data = plain(params.to_python(), bytes_as_base64=True)
            if not isinstance(data, dict):
                raise ProviderError("$params must be a struct")
            return data
        args: dict[str, Any] = {}
        for field in node.fields():
            if field.definition or field.hidden or field.optional:
                continue  # an optional field nobody set is absent, as in CUE's export
            try:
                args[field.label] = plain(field.value.to_python(), bytes_as_base64=True)
            except cue.CueError:
                if not field.value.is_incomplete():
                    raise
        return args

    async def call(
        self,
        path: str,
        provider: str,
        function: str,
        fn: Any,
        args: dict[str, Any],
        inv: StepInvocation,
        tags: dict[str, dict[str, str]] | None = None,
    ) -> Any:
        journaled = function not in _ACTION_FUNCTIONS
        key = f"{path}:{provider}.{function}"
        if journaled:
            entry = inv.journal.replay(key)
            if entry is not None:
                if "effect" in entry:
                    inv.actions.restore(entry["effect"])
                return entry["result"]
            await inv.journal.before_call()
        before = inv.actions.snapshot()
        label = path.rsplit(".", 1)[-1] if path else ""
        ctx = ProviderContext(
            run_name=inv.run_name,
            namespace=inv.namespace,
            step_name=inv.step.name,
            step_id=inv.status.id,
            label=label,
            logger=inv.logger,
            actions=inv.actions,
            clusters=self.clusters,
            secrets=self.secrets,
            labels={RUN_NAME_LABEL: inv.run_name, RUN_NAMESPACE_LABEL: inv.namespace},
            variables=inv.store,
            process_context=inv.context,
            previous_phase=(inv.previous.phase or "") if inv.previous else "",
            extras={"now": inv.now, "wake": inv.wake, "patch_tags": tags or {}},
        )
        result = plain(await fn(ctx, args))
        if journaled:
            after = inv.actions.snapshot()
            await inv.journal.append(key, result, after if after != before else None)
        return result


class _CallFailed(Exception):
    """The loop stopped on an error; `value` is the value as far as it got."""

    def __init__(self, message: str, value: cue.Value) -> None:
        super().__init__(message)
        self.value = value


def _padding(template: str) -> str:
    """What puts text written after it where it stands after `template` + "\\n": on the same
    line, below the same comment lines (the comment lines ending a template without a final
    newline are the doc comment of the field after it)."""
    lines = template.split("\n")
    comments: list[str] = []
    if not template.endswith("\n"):
        while lines and lines[-1].lstrip().startswith("//"):
            comments.insert(0, lines.pop())
    return "\n" * len(lines) + "".join(line + "\n" for line in comments)


def _render(node: cue.Value) -> str:
    try:
        return node.to_cue()
    except Exception:  # rendering is only for the message; never mask the real error
        return "<unrenderable>"
