"""One engine pass over a run (spec 2.4-2.13): which steps run, in which order, with which result.

A pass works on the in-memory `RunState` and leaves it changed; the engine persists the state
and arms the timer for the next pass. Step bodies are run through `StepType`s; this module
knows nothing about CUE templates, the store or the event loop.
"""

from __future__ import annotations

import copy
import math
import random
import string
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cueflow.engine.expressions import IfError, evaluate_if
from cueflow.engine.settings import EngineSettings
from cueflow.engine.steps import (
    DataScope,
    Operation,
    Scope,
    StepActions,
    StepInvocation,
    StepJournal,
    StepLog,
    StepType,
)
from cueflow.model import (
    AUTO_SUSPEND_MESSAGE,
    DurationError,
    Mode,
    RunPhase,
    StepBase,
    StepPhase,
    StepReason,
    StepStatus,
    StepStatusBase,
    WorkflowExecuteMode,
    WorkflowRun,
    WorkflowRunStatus,
    WorkflowStep,
    is_step_finished,
    parse_duration,
)
from cueflow.model.paths import get_path, parse_reference, set_path
from cueflow.model.variables import VariableError, read_variable, write_variable

STEP_GROUP = "step-group"
DEBUG_ANNOTATION = "workflowrun.oam.dev/debug"
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz123456789"
_SLACK = timedelta(milliseconds=10)


def new_step_id() -> str:
    return "".join(random.choices(_ID_ALPHABET, k=10))


class PassError(Exception):
    """A step runner raised: the pass is abandoned (spec 2.1 step 6)."""


class GenerateError(Exception):
    """The run cannot be turned into runners (unknown step type, missing workflowRef)."""


@dataclass
class RunState:
    """Everything the engine knows about one run; all but the counters is persisted."""

    run: WorkflowRun
    store: dict[str, Any] = field(default_factory=lambda: {"vars": {}})
    """The context store of spec 2.12: `vars` plus `<id>.resumeTimeStamp`-style keys."""
    journal: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Provider results of the open attempt of each step id (StepJournal entries)."""
    debug: dict[str, str] = field(default_factory=dict)
    """Debug mode (spec 2.16): the last evaluated value of each step id, as CUE text."""
    failed_times: dict[str, int] = field(default_factory=dict)
    backoff_times: dict[str, int] = field(default_factory=dict)
    backoff_reason: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> WorkflowRunStatus:
        if self.run.status is None:
            self.run.status = WorkflowRunStatus()
        return self.run.status

    @property
    def fresh(self) -> bool:
        """Brand new or cleared by a restart: the next pass initialises it (spec 2.2)."""
        return self.status.start_time is None and not self.status.steps

    @property
    def variables(self) -> dict[str, Any]:
        return self.store.setdefault("vars", {})

    def drop_counters(self) -> None:
        """Forget the in-memory bookkeeping (spec 2.12: lost on finish, suspend, restart)."""
        self.failed_times.clear()
        self.backoff_times.clear()
        self.backoff_reason.clear()


@dataclass
class Plan:
    """The steps of a run and the modes they run in, resolved afresh for every pass."""

    steps: list[WorkflowStep]
    mode: WorkflowExecuteMode | None  # the mode in effect (run's, else workflow's), unresolved

    def effective_mode(self) -> WorkflowExecuteMode:
        mode = self.mode or WorkflowExecuteMode()
        return WorkflowExecuteMode(
            steps=mode.steps or Mode.STEP_BY_STEP, sub_steps=mode.sub_steps or Mode.DAG
        )

    def sub_mode(self, step: WorkflowStep) -> Mode:
        if step.mode:
            return step.mode
        if self.mode is not None and self.mode.sub_steps:
            return self.mode.sub_steps
        return Mode.DAG


@dataclass
class _Group:
    step: WorkflowStep
    id: str
    mode: Mode
    published: StepStatusBase | None = None


def _status_view(entry: StepStatusBase) -> dict[str, Any]:
    view = entry.to_dict()
    view.pop("subSteps", None)
    for key in ("id", "name", "type", "phase", "message", "reason"):
        view.setdefault(key, "")
    phase, reason = entry.phase, entry.reason or ""
    view.update(
        failed=phase == StepPhase.FAILED,
        succeeded=phase == StepPhase.SUCCEEDED,
        skipped=phase == StepPhase.SKIPPED,
        timeout=reason == StepReason.TIMEOUT,
        failedAfterRetries=reason == StepReason.FAILED_AFTER_RETRIES,
        terminate=reason == StepReason.TERMINATE,
    )
    return view


class EnginePass:
    """Runs one pass (spec 2.4) over a run's state and returns the run phase it ends in."""

    def __init__(
        self,
        state: RunState,
        plan: Plan,
        resolve: Callable[[str], StepType],
        settings: EngineSettings,
        now: Callable[[], datetime],
        checkpoint: Callable[[], Awaitable[None]],
        log: Callable[[str, str, str], None],
        wake: Callable[[], None] = lambda: None,
        written_steps: int | None = None,
    ) -> None:
        """`written_steps`: how many top-level status entries the engine last wrote, if it
        remembers (the stale-status guard, spec 2.15)."""
        self.state = state
        self.plan = plan
        self.resolve = resolve
        self.settings = settings
        self._now = now
        self.checkpoint = checkpoint
        self.log = log
        self.wake = wake
        self.written_steps = written_steps
        self.op = Operation()
        self.trace = "i-" + "".join(random.choices(string.ascii_lowercase + string.digits, k=8))
        self.index: dict[str, StepStatusBase] = {}
        self.extra_names: dict[str, StepStatusBase] = {}
        self.specs: dict[str, StepBase] = {}
        annotations = state.run.metadata.annotations or {}
        self.debug = annotations.get(DEBUG_ANNOTATION) == "true"

    # --- time and finished-ness -------------------------------------------------------

    def now(self) -> datetime:
        return self._now().replace(microsecond=0)

    def finished(self, entry: StepStatusBase) -> bool:
        return is_step_finished(
            entry.phase or "",
            entry.reason or "",
            suspend_on_failure=self.settings.suspend_on_failure,
        )

    # --- the pass --------------------------------------------------------------------

    async def execute(self) -> RunPhase:
        status = self.state.status
        if self.state.fresh:
            self.initialise()
        self.build_index()
        all_done, all_succeeded = self.check_steps()
        if status.terminated and all_done:
            return RunPhase.TERMINATED if self.manually_terminated() else RunPhase.FAILED
        if self.run_suspended():
            return RunPhase.SUSPENDING
        if all_succeeded:
            return RunPhase.SUCCEEDED
        if self.written_steps is not None and len(status.steps or []) < self.written_steps:
            return RunPhase.SKIPPED  # older than the engine's own last write: do not act on it
        await self.run_steps(
            self.plan.steps, None, self.plan.effective_mode().steps or Mode.STEP_BY_STEP
        )
        return self.phase_after_run()

    def initialise(self) -> None:
        run = self.state.run
        self.state.run.status = WorkflowRunStatus(
            mode=self.plan.effective_mode(),
            start_time=self.now(),
            status=RunPhase.EXECUTING,
            context_backend={  # type: ignore[arg-type]
                "name": f"workflow-{run.metadata.name}-context",
                "namespace": run.metadata.namespace or "default",
            },
        )
        self.state.store = {"vars": {}}
        self.state.journal.clear()
        self.state.debug.clear()
        self.state.drop_counters()

    def build_index(self) -> None:
        for step in self.plan.steps:
            self.specs[step.name] = step
            for sub in step.sub_steps or []:
                self.specs[sub.name] = sub
        for entry in self.state.status.steps or []:
            self.index[entry.name] = entry
            for sub in entry.sub_steps or []:
                self.index[sub.name] = sub
        for step in self.plan.steps:  # additional names, spec 2.10.4: snapshot at pass start
            props = step.properties or {}
            alias = props.get("name") if isinstance(props.get("name"), str) else None
            alias = alias or (
                props.get("component") if isinstance(props.get("component"), str) else None
            )
            if alias and alias not in self.specs:
                entry = self.index.get(step.name)
                self.extra_names[alias] = entry.model_copy() if entry else StepStatusBase()

    def lookup_status(self, name: str) -> StepStatusBase | None:
        return self.index.get(name) or self.extra_names.get(name)

    def check_steps(self) -> tuple[bool, bool]:
        all_done = all_succeeded = True
        for step in self.plan.steps:
            entry = self.top_entry(step.name)
            done = entry is not None and self.finished(entry)
            all_done = all_done and done
            ok = (
                done
                and entry is not None
                and entry.phase in (StepPhase.SUCCEEDED, StepPhase.SKIPPED)
            )
            all_succeeded = all_succeeded and ok
        return all_done, all_succeeded

    def manually_terminated(self) -> bool:
        failed = [e for e in self.top_entries() if e.phase == StepPhase.FAILED]
        return bool(failed) and all(e.reason == StepReason.TERMINATE for e in failed)

    def run_suspended(self) -> bool:
        if not self.state.status.suspend:
            return False
        for entry in self.all_entries():
            if entry.phase == StepPhase.SUSPENDING and entry.reason == StepReason.SUSPEND:
                return False
        return True

    def phase_after_run(self) -> RunPhase:
        status = self.state.status
        auto_suspend = (
            self.settings.suspend_on_failure
            and self.op.failed_after_retries
            and not self.op.waiting
        )
        status.message = AUTO_SUSPEND_MESSAGE if auto_suspend else None
        if auto_suspend:
            status.suspend = True
        if status.terminated:
            for entry in self.all_entries():
                if entry.reason == StepReason.TERMINATE:
                    self.clear_backoff(entry.id)
            all_done, _ = self.check_steps()
            if all_done:
                self.state.drop_counters()
                return RunPhase.TERMINATED if self.manually_terminated() else RunPhase.FAILED
        if status.suspend:
            self.state.drop_counters()
            return RunPhase.SUSPENDING
        _, all_succeeded = self.check_steps()
        return RunPhase.SUCCEEDED if all_succeeded else RunPhase.EXECUTING

    # --- status entries ----------------------------------------------------------------

    def top_entries(self) -> list[StepStatus]:
        return self.state.status.steps or []

    def all_entries(self) -> list[StepStatusBase]:
        entries: list[StepStatusBase] = []
        for entry in self.top_entries():
            entries.append(entry)
            entries.extend(entry.sub_steps or [])
        return entries

    def top_entry(self, name: str) -> StepStatus | None:
        for entry in self.top_entries():
            if entry.name == name:
                return entry
        return None

    def entry(self, name: str, group: _Group | None) -> StepStatusBase | None:
        if group is None:
            return self.top_entry(name)
        parent = self.top_entry(group.step.name)
        for sub in (parent.sub_steps or []) if parent else []:
            if sub.name == name:
                return sub
        return None

    async def record(self, status: StepStatusBase, group: _Group | None) -> None:
        """Write a step status into the run status (spec 2.6 "record status"); with
        `patch_status_at_once`, also into the store, with the run phase it implies now."""
        now = self.now()
        target: StepStatusBase
        if group is None:
            found = self.top_entry(status.name)
            if found is None:
                found = StepStatus(name=status.name, first_execute_time=now)
                self.state.status.steps = [*self.top_entries(), found]
            target = found
        else:
            parent = self.top_entry(group.step.name)
            if parent is None:
                parent = StepStatus(
                    id=group.id, name=group.step.name, type=STEP_GROUP, first_execute_time=now
                )
                self.state.status.steps = [*self.top_entries(), parent]
                self.index[parent.name] = parent
            sub = self.entry(status.name, group)
            if sub is None:
                sub = StepStatusBase(name=status.name, first_execute_time=now)
                parent.sub_steps = [*(parent.sub_steps or []), sub]
            target = sub
        target.id = status.id
        target.type = status.type
        target.phase = status.phase
        target.message = status.message or None
        target.reason = status.reason or None
        if target.first_execute_time is None:
            target.first_execute_time = now
        target.last_execute_time = now
        self.index[target.name] = target
        if self.settings.patch_status_at_once:
            self.state.status.status = self.phase_after_run()
            await self.checkpoint()

    # --- backoff bookkeeping (spec 2.12 / 2.14.4) -------------------------------------------

    def bump_backoff(self, step_id: str, message: str) -> None:
        if self.state.backoff_reason.get(step_id) != message:
            self.state.backoff_times.pop(step_id, None)
            self.state.backoff_reason[step_id] = message
        self.state.backoff_times[step_id] = self.state.backoff_times.get(step_id, -1) + 1

    def clear_backoff(self, step_id: str) -> None:
        self.state.backoff_times.pop(step_id, None)
        self.state.backoff_reason.pop(step_id, None)

    # --- scheduling modes (spec 2.6) ------------------------------------------------------

    async def run_steps(self, steps: Sequence[StepBase], group: _Group | None, mode: Mode) -> None:
        if mode == Mode.DAG:
            await self.dag(steps, group, record_pending=False)
            return
        for i in range(len(steps)):
            if not await self.step_body(steps, i, group, mode, stop_early=True):
                return

    async def dag(
        self, steps: Sequence[StepBase], group: _Group | None, record_pending: bool
    ) -> None:
        todo: list[StepBase] = []
        waiting: list[StepBase] = []
        unfinished = False
        for step in steps:
            entry = self.entry(step.name, group)
            if entry is not None and self.finished(entry):
                self.clear_backoff(entry.id)
                continue
            unfinished = True
            reason = self.pending_reason(step, group)
            if reason is not None:
                if record_pending:
                    await self.record_pending(step, group, reason)
                waiting.append(step)
                continue
            todo.append(step)
        if not unfinished or not todo:
            return
        for i in range(len(todo)):
            await self.step_body(todo, i, group, Mode.DAG, stop_early=False)
        if self.state.status.suspend:
            return
        if waiting:
            await self.dag(waiting, group, record_pending=True)

    async def step_body(
        self,
        steps: Sequence[StepBase],
        i: int,
        group: _Group | None,
        mode: Mode,
        *,
        stop_early: bool,
    ) -> bool:
        """Run steps[i] if it is due; False means "stop this StepByStep walk"."""
        step = steps[i]
        entry = self.entry(step.name, group)
        if entry is not None and self.finished(entry):
            return True
        reason = self.pending_reason(step, group)
        if reason is not None:
            await self.record_pending(step, group, reason)
            return not stop_early
        previous = self.dependency_phase(step, steps, i, mode)
        status, op = await self.run_step(step, group, previous)
        self.merge(op)
        if not self.finished(status) and status.phase != StepPhase.SUSPENDING:
            await self.record(status, group)
            self.bump_backoff(status.id, status.message or "")
            return not stop_early
        self.clear_backoff(status.id)
        await self.record(status, group)
        return not (stop_early and self.state.status.suspend)

    def merge(self, op: Operation) -> None:
        self.op.suspend = self.op.suspend or op.suspend
        self.op.waiting = self.op.waiting or op.waiting
        self.op.failed_after_retries = self.op.failed_after_retries or op.failed_after_retries
        self.op.terminated = self.op.terminated or op.terminated
        status = self.state.status
        status.suspend = self.op.suspend
        status.terminated = status.terminated or op.terminated
        if op.failed_after_retries and not self.settings.suspend_on_failure:
            status.terminated = True

    # --- pending (spec 2.6.1) ------------------------------------------------------------

    def pending_reason(self, step: StepBase, group: _Group | None) -> str | None:
        for name in step.depends_on or []:
            entry = self.lookup_status(name)
            if entry is None or not self.finished(entry):
                return f"Pending on DependsOn: {name}"
        if step.inputs:
            basic = self.basic_value(step, group, "", pending_check=True)
            for item in step.inputs:
                if not self.input_value(item.from_, basic)[0]:
                    return f"Pending on Input: {item.from_}"
        if step.type != STEP_GROUP:
            reason = self.resolve(step.type).pending(step)
            if reason is not None:
                return reason
        return None

    async def record_pending(self, step: StepBase, group: _Group | None, reason: str) -> None:
        entry = self.entry(step.name, group)
        step_id = entry.id if entry is not None and entry.id else new_step_id()
        self.bump_backoff(step_id, reason)
        pending = StepStatusBase(
            id=step_id, name=step.name, type=step.type, phase=StepPhase.PENDING, message=reason
        )
        await self.record(pending, group)

    def input_value(self, source: str, basic: dict[str, Any]) -> tuple[bool, Any]:
        try:
            return True, read_variable(self.state.variables, source.split("."))
        except VariableError:
            pass
        path = parse_reference(source)
        if path is None:
            return False, None
        try:
            return True, get_path(basic, path)
        except KeyError:
            return False, None

    # --- pre-checks (spec 2.7, 2.8) ----------------------------------------------------------

    def dependency_phase(
        self, step: StepBase, siblings: Sequence[StepBase], i: int, mode: Mode
    ) -> str:
        if mode == Mode.DAG or step.depends_on:
            return self._walk_depends(step, set())
        if i == 0:
            return StepPhase.SUCCEEDED
        for earlier in reversed(siblings[:i]):
            entry = self.lookup_status(earlier.name)
            phase = entry.phase if entry else None
            if phase not in (StepPhase.SUCCEEDED, StepPhase.SKIPPED):
                return phase or ""
        entry = self.lookup_status(siblings[i - 1].name)
        return (entry.phase or "") if entry else ""

    def _walk_depends(self, step: StepBase, seen: set[str]) -> str:
        for name in step.depends_on or []:
            entry = self.lookup_status(name)
            phase = (entry.phase or "") if entry else ""
            if phase != StepPhase.SUCCEEDED:
                return phase
            spec = self.specs.get(name)
            if spec is not None and name not in seen:
                seen.add(name)
                deeper = self._walk_depends(spec, seen)
                if deeper != StepPhase.SUCCEEDED:
                    return deeper
        return StepPhase.SUCCEEDED

    def skip_check(
        self, step: StepBase, group: _Group | None, previous: str, basic: dict[str, Any]
    ) -> tuple[bool, str | None]:
        if self.settings.suspend_on_failure:
            return False, None
        published = group.published if group is not None else None
        if published is not None and published.phase == StepPhase.SKIPPED:
            return True, None
        condition = (step.if_ or "").strip()
        if condition == "always":
            return False, None
        if not condition:
            if step.depends_on:
                return previous != StepPhase.SUCCEEDED, None
            return previous not in (StepPhase.SUCCEEDED, StepPhase.SKIPPED), None
        try:
            return not evaluate_if(condition, self.if_document(step, basic)), None
        except IfError as exc:
            return True, f"pre check error: {exc}"

    def if_document(self, step: StepBase, basic: dict[str, Any]) -> dict[str, Any]:
        inputs = {}
        for item in step.inputs or []:
            found, value = self.input_value(item.from_, basic)
            if found:
                inputs[item.from_] = value
        statuses = {name: _status_view(e) for name, e in self.extra_names.items()}
        statuses.update((name, _status_view(e)) for name, e in self.index.items())
        return {
            "inputs": inputs,
            "status": statuses,
            "context": basic["context"],
            "parameter": step.properties or {},
        }

    def timed_out(self, step: StepBase, group: _Group | None, entry: StepStatusBase | None) -> bool:
        published = group.published if group else None
        if (
            published is not None
            and published.phase == StepPhase.FAILED
            and published.reason == StepReason.TIMEOUT
        ):
            return True
        if not step.timeout or entry is None or entry.first_execute_time is None:
            return False
        deadline = entry.first_execute_time + parse_duration(step.timeout)
        return self.now() > deadline

    # --- running one step (spec 2.9) ---------------------------------------------------------

    def context(self, name: str, step_id: str, group: _Group | None, span: str) -> dict[str, Any]:
        run = self.state.run
        context: dict[str, Any] = {
            "name": run.metadata.name,
            "namespace": run.metadata.namespace or "default",
            "workflowName": "",
            "publishVersion": "",
            "stepName": name,
            "stepSessionID": step_id,
            "spanID": span,
        }
        if group is not None:
            context["stepGroupName"] = group.step.name
        context.update(copy.deepcopy(run.spec.context or {}))
        return context

    def basic_value(
        self, step: StepBase, group: _Group | None, step_id: str, *, pending_check: bool = False
    ) -> dict[str, Any]:
        if pending_check:
            span = self.trace
        elif group is None:
            span = f"{self.trace}.{step_id}"
        else:
            span = f"{self.trace}.{group.id}.{step_id}"
        ctx_name = step.name
        context = self.context(ctx_name, step_id, group, span)
        if step.type == STEP_GROUP and group is None:
            context["stepGroupName"] = step.name
            parameter: dict[str, Any] = {}
        else:
            parameter = copy.deepcopy(step.properties or {})
        return {"context": context, "parameter": parameter}

    async def run_step(
        self, step: StepBase, group: _Group | None, previous: str
    ) -> tuple[StepStatusBase, Operation]:
        if step.type == STEP_GROUP and group is None:
            assert isinstance(step, WorkflowStep)
            return await self.run_group(step, previous)
        entry = self.entry(step.name, group)
        step_id = entry.id if entry is not None and entry.id else new_step_id()
        status = StepStatusBase(
            id=step_id, name=step.name, type=step.type, phase=StepPhase.SUCCEEDED
        )
        op = Operation()
        basic = self.basic_value(step, group, step_id)
        skip, error = self.skip_check(step, group, previous, basic)
        timed_out = False
        if not skip:
            try:
                timed_out = self.timed_out(step, group, entry)
            except DurationError as exc:
                skip, error = True, f"pre check error: {exc}"
        scope: Scope | None = None
        if skip:
            status.phase, status.reason, status.message = StepPhase.SKIPPED, StepReason.SKIP, error
            op.skip = True
        else:
            if timed_out:
                status.phase, status.reason = StepPhase.FAILED, StepReason.TIMEOUT
                op.terminated = True
            scope = await self.evaluate(step, group, status, op, basic, entry, timed_out)
        self.state.journal.pop(step_id, None)  # the attempt is over: its calls are not replayed
        if self.debug and scope is not None and hasattr(scope, "render"):
            self.state.debug[step_id] = scope.render()
        if self.finished(status):
            self.write_outputs(step, status, scope or DataScope(basic), skipped=skip)
        return status, op

    def failure_recorder(
        self, step: StepBase, status: StepStatusBase, op: Operation
    ) -> Callable[[str, str], None]:
        limit = self.settings.max_step_error_retries
        if (
            step.meta is not None
            and step.meta.retry is not None
            and step.meta.retry.times is not None
        ):
            limit = step.meta.retry.times

        def fail(reason: str, message: str) -> None:
            status.phase = StepPhase.FAILED
            status.message = message
            if not status.reason:
                status.reason = reason
            if reason == StepReason.EXECUTE:
                op.waiting = True
            else:
                op.terminated = True
            count = self.state.failed_times.get(status.id, -1) + 1
            self.state.failed_times[status.id] = count
            if count >= limit:
                status.reason = StepReason.FAILED_AFTER_RETRIES
                op.failed_after_retries = True
                op.waiting = False

        return fail

    async def evaluate(
        self,
        step: StepBase,
        group: _Group | None,
        status: StepStatusBase,
        op: Operation,
        basic: dict[str, Any],
        entry: StepStatusBase | None,
        timed_out: bool,
    ) -> Scope | None:
        fail = self.failure_recorder(step, status, op)
        parameter = basic["parameter"]
        for item in step.inputs or []:
            found, value = self.input_value(item.from_, basic)
            if not found:
                fail(
                    StepReason.INPUT,
                    f"get input from [{item.from_}]: failed to lookup value: var(path={item.from_}) not exist",
                )
                return None
            if item.parameter_key:
                path = parse_reference(item.parameter_key)
                try:
                    if path is None:
                        raise KeyError(item.parameter_key)
                    set_path(parameter, path, copy.deepcopy(value))
                except (KeyError, TypeError) as exc:
                    fail(
                        StepReason.INPUT,
                        f"fill input {item.from_} into {item.parameter_key}: {exc}",
                    )
                    return None
        journal = StepJournal(entries=self.state.journal.setdefault(status.id, []))
        journal.record = self.checkpoint
        name = step.name
        invocation = StepInvocation(
            step=step,
            status=status,
            operation=op,
            actions=StepActions(status, op),
            context=basic["context"],
            parameter=parameter,
            previous=entry.model_copy() if entry is not None else None,
            run_name=self.state.run.metadata.name,
            namespace=self.state.run.metadata.namespace or "default",
            store=self.state.store,
            now=self._now,
            fail=fail,
            logger=StepLog(lambda line, level: self.log(name, line, level)),
            journal=journal,
            wake=self.wake,
            timed_out=timed_out,
        )
        try:
            return await self.resolve(step.type).execute(invocation)
        except PassError:
            raise
        except Exception as exc:
            raise PassError(f"step {step.name}: {exc}") from exc

    def write_outputs(
        self, step: StepBase, status: StepStatusBase, scope: Scope, *, skipped: bool
    ) -> str:
        """Spec 2.10.2; returns the error text (also put into the step message)."""
        errors = ""
        for output in step.outputs or []:
            value = None
            if not skipped:
                try:
                    value = lookup_output(scope, output.value_from)
                except LookupError as exc:
                    errors += f"failed to get output from {output.value_from}: {exc.args[0] if exc.args else exc}\n"
            path = parse_reference(output.name) or [output.name]
            try:
                write_variable(self.state.variables, path, value)
            except VariableError as exc:
                errors += f"failed to set output {output.name}: {exc}\n"
        if errors and step.type != STEP_GROUP:
            status.message = errors
        return errors

    # --- step groups (spec 2.11) ------------------------------------------------------------

    async def run_group(
        self, step: WorkflowStep, previous: str
    ) -> tuple[StepStatusBase, Operation]:
        entry = self.top_entry(step.name)
        group_id = entry.id if entry is not None and entry.id else new_step_id()
        group = _Group(step=step, id=group_id, mode=self.plan.sub_mode(step))
        status = StepStatusBase(id=group_id, name=step.name, type=STEP_GROUP)
        op = Operation()
        basic = self.basic_value(step, None, group_id)
        skip, error = self.skip_check(step, None, previous, basic)
        timed_out = False
        if skip:
            status.phase, status.reason, status.message = StepPhase.SKIPPED, StepReason.SKIP, error
            op.skip = True
            if error is None:
                group.published = status.model_copy()
        if not skip or error is not None:
            try:
                timed_out = self.timed_out(step, None, entry)
            except DurationError as exc:
                skip, error = True, f"pre check error: {exc}"
                status.phase, status.reason, status.message = (
                    StepPhase.SKIPPED,
                    StepReason.SKIP,
                    error,
                )
            if timed_out:
                status.phase, status.reason, status.message = (
                    StepPhase.FAILED,
                    StepReason.TIMEOUT,
                    None,
                )
                op.terminated = True
                group.published = status.model_copy()
        subs = step.sub_steps or []
        if subs:
            await self.run_steps(subs, group, group.mode)
        parent = self.top_entry(step.name)
        sub_entries = (parent.sub_steps or []) if parent else []
        if timed_out or skip:
            pass
        else:
            self.aggregate(status, subs, sub_entries)
        if self.finished(status):
            errors = self.write_outputs(
                step, status, DataScope(basic), skipped=status.phase == StepPhase.SKIPPED
            )
            if errors and status.phase != StepPhase.SKIPPED:
                status.phase = StepPhase.FAILED
                status.reason = status.reason or StepReason.OUTPUT
                status.message = f"output error: {errors}"
                op.terminated = True
        return status, op

    @staticmethod
    def aggregate(
        status: StepStatusBase, subs: Sequence[StepBase], entries: Sequence[StepStatusBase]
    ) -> None:
        phases = [e.phase for e in entries]
        status.reason = None
        if StepPhase.SUSPENDING in phases:
            status.phase = StepPhase.SUSPENDING
        elif len(entries) < len(subs) or StepPhase.RUNNING in phases:
            status.phase = StepPhase.RUNNING
        elif StepPhase.PENDING in phases:
            status.phase = StepPhase.PENDING
        elif StepPhase.FAILED in phases:
            status.phase = StepPhase.FAILED
            reasons = {e.reason for e in entries if e.phase == StepPhase.FAILED}
            for reason in (
                StepReason.FAILED_AFTER_RETRIES,
                StepReason.TIMEOUT,
                StepReason.ACTION,
                StepReason.TERMINATE,
            ):
                if reason in reasons:
                    status.reason = reason
                    break
        elif entries and all(p == StepPhase.SKIPPED for p in phases):
            status.phase, status.reason = StepPhase.SKIPPED, StepReason.SKIP
        else:
            status.phase = StepPhase.SUCCEEDED

    # --- when to look again (spec 2.14.4) --------------------------------------------------

    def next_wakeup(self, phase: RunPhase) -> datetime | None:
        now = self._now()
        if phase == RunPhase.SUSPENDING:
            wait = self.suspend_wait()
            # a deadline counts as passed only once now is after it: wake just after
            return None if wait is None else now + wait + _SLACK
        if phase != RunPhase.EXECUTING:
            return None
        return now + self.backoff_interval()

    def backoff_interval(self) -> timedelta:
        delay, governed = self.retry_policy_delay()
        counts = [n for i, n in self.state.backoff_times.items() if n > 0 and i not in governed]
        others = any(i not in governed for i in self.state.backoff_times)
        if delay is not None and not others:
            seconds = delay
        elif not counts:
            seconds = 1.0
        else:
            n = min([15, *counts])
            cap = self.settings.max_wait_backoff
            if any(e.phase == StepPhase.FAILED for e in self.top_entries()):
                cap = self.settings.max_failed_backoff
            seconds = min(max(1.0, math.floor(2**n * 0.05)), cap.total_seconds())
        if delay is not None:
            seconds = min(seconds, delay)
        deadline = self.nearest_deadline(StepPhase.RUNNING, StepPhase.PENDING)
        if deadline is not None and max(1.0, math.ceil(deadline)) < seconds:
            return timedelta(seconds=max(1.0, math.ceil(deadline))) + _SLACK
        return timedelta(seconds=seconds)

    def retry_policy_delay(self) -> tuple[float | None, set[str]]:
        """cueflow extension: `meta.retry.backoff` sets the delay of a failing step's retries.

        Returns the shortest such delay and the ids of the steps it governs."""
        delays = []
        governed: set[str] = set()
        for entry in self.all_entries():
            spec = self.specs.get(entry.name)
            if entry.phase != StepPhase.FAILED or spec is None or spec.meta is None:
                continue
            retry = spec.meta.retry
            if retry is None or not retry.backoff or self.finished(entry):
                continue
            try:
                base = parse_duration(retry.backoff).total_seconds()
            except DurationError:
                continue
            failures = max(0, self.state.failed_times.get(entry.id, 0))
            delays.append(base * 2**failures)
            governed.add(entry.id)
        return (min(delays) if delays else None), governed

    def nearest_deadline(self, *phases: StepPhase) -> float | None:
        """Seconds until the earliest timeout deadline of a step in one of `phases`."""
        now = self._now()
        best: float | None = None
        for entry in self.all_entries():
            spec = self.specs.get(entry.name)
            if entry.phase not in phases or spec is None or not spec.timeout:
                continue
            if entry.first_execute_time is None:
                continue
            try:
                deadline = entry.first_execute_time + parse_duration(spec.timeout)
            except DurationError:
                continue
            remaining = (deadline - now).total_seconds()
            best = remaining if best is None else min(best, remaining)
        return best

    def suspend_wait(self) -> timedelta | None:
        now = self._now()
        best: float | None = None
        for entry in self.all_entries():
            if entry.phase != StepPhase.SUSPENDING:
                continue
            spec = self.specs.get(entry.name)
            candidates = []
            if spec is not None and spec.timeout:
                try:
                    timeout = parse_duration(spec.timeout)
                except DurationError:
                    continue
                if entry.first_execute_time is not None:
                    candidates.append((entry.first_execute_time + timeout - now).total_seconds())
            resume_at = self.state.store.get(f"{entry.id}.resumeTimeStamp")
            if resume_at:
                candidates.append((datetime.fromisoformat(resume_at) - now).total_seconds())
            for candidate in candidates:
                if candidate > 0:
                    best = candidate if best is None else min(best, candidate)
        return None if best is None else timedelta(seconds=best)


def lookup_output(scope: Scope, value_from: str) -> Any:
    """Look an output up, falling back to the `$returns` spelling of new-style tasks."""
    try:
        return scope.lookup(value_from)
    except LookupError:
        if "$returns." in value_from or parse_reference(value_from) is None:
            raise  # an expression (with imports, calls, ...) has no `$returns` spelling
        if "output." in value_from:
            head, _, tail = value_from.partition("output.")
            alternative = f"{head}output.$returns.{tail}"
        else:
            alternative = f"{value_from}.$returns"
        return scope.lookup(alternative)
