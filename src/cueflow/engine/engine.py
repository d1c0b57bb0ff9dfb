"""The engine: one asyncio task per unfinished run, woken by events, never by polling.

A run's task sleeps on its wake-up event. Events are: the run was applied, a timer came due
(backoff, suspend duration, timeout), an operation was requested (resume, terminate, ...),
a definition or workflow it needs was applied. Each wake-up runs one pass (scheduler.py),
persists the result and arms the next timer. State reaches the store before anything acts
on it: the pass checkpoints before every provider call and after every provider result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from cueflow.engine import operations
from cueflow.engine.clock import Clock, SystemClock, Timer
from cueflow.engine.scheduler import (
    STEP_GROUP,
    EnginePass,
    GenerateError,
    PassError,
    Plan,
    RunState,
)
from cueflow.engine.settings import EngineSettings
from cueflow.engine.steps import StepType
from cueflow.model import (
    FINISHED_RUN_PHASES,
    Condition,
    ModelError,
    RunPhase,
    StepPhase,
    Workflow,
    WorkflowRun,
    WorkflowRunStatus,
    WorkflowStepDefinition,
    admit_run,
    check_definition,
    is_step_finished,
    name_steps,
    parse_object,
    validate_steps,
)
from cueflow.providers.base import ClusterAccess, ProviderPackage, SecretAccess
from cueflow.store.base import LogLine, NotFound, Record, Store, StoreError

logger = logging.getLogger(__name__)

ENGINE_STATE_KEY = "cueflowState"
"""Top-level key of a stored WorkflowRun document holding the context store and journal."""

VELA_SYSTEM = "vela-system"

SUSPEND_TEMPLATE = """import "vela/builtin"
suspend: builtin.#Suspend & {
  $params: {
    if parameter.duration != _|_ {duration: parameter.duration}
    if parameter.message != _|_ {message: parameter.message}
  }
}
parameter: {duration?: string, message?: string}
"""
"""The embedded `suspend` type (spec 1.5); it wins over any stored `suspend` definition."""


class StepCatalog(Protocol):
    """Where step types come from: built-in definitions plus user ones."""

    def get(self, type_name: str, namespace: str) -> str | None:
        """The CUE template of a step type visible from `namespace`, or None."""


class EngineError(Exception):
    """An engine operation was refused; the message says why."""


@dataclass
class Event:
    """Something observable about a run: `status` (after each persisted change) or `log`."""

    kind: str
    namespace: str
    name: str
    phase: str = ""
    status: dict[str, Any] | None = None
    step: str = ""
    text: str = ""
    level: str = ""
    time: datetime | None = None


def public_document(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored run document without the engine's private state."""
    return {k: v for k, v in doc.items() if k != ENGINE_STATE_KEY}


@dataclass(eq=False)
class _Run:
    state: RunState
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    task: asyncio.Task[None] | None = None
    timer: Timer | None = None
    error_backoff: float = 0.0
    waiters: list[asyncio.Future[Record]] = field(default_factory=list)
    watchers: list[asyncio.Queue[Event | None]] = field(default_factory=list)
    logs: list[LogLine] = field(default_factory=list)
    first_write: asyncio.Future[Record] | None = None
    record: Record | None = None  # the finished run as written
    log_seq: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        meta = self.state.run.metadata
        return meta.namespace or "default", meta.name


class Engine:
    """Runs WorkflowRuns stored in `store`; see the module docstring for the model."""

    def __init__(
        self,
        store: Store,
        packages: Mapping[str, ProviderPackage] | None = None,
        catalog: StepCatalog | None = None,
        settings: EngineSettings | None = None,
        *,
        clock: Clock | None = None,
        step_types: Mapping[str, StepType] | None = None,
        clusters: ClusterAccess | None = None,
        secrets: SecretAccess | None = None,
    ) -> None:
        """`step_types` adds or overrides step types implemented in Python (tests, embedding);
        `clusters` and `secrets` are handed to provider functions."""
        self.clusters = clusters
        self.secrets = secrets
        self.store = store
        self.packages = dict(packages) if packages is not None else _default_packages(store)
        self.catalog = catalog
        self.settings = settings or EngineSettings()
        self.clock: Clock = clock or SystemClock()
        self.step_types = dict(step_types or {})
        self._runs: dict[tuple[str, str], _Run] = {}
        self._definitions: dict[tuple[str, str], str] = {}
        self._workflows: dict[tuple[str, str], Workflow] = {}
        self._template_types: dict[str, StepType] = {}
        self._written_steps: dict[tuple[str, str], tuple[int, datetime]] = {}
        """Per run: how many top-level status entries the last status write held, and when."""
        self._writer = _GroupCommit(store)
        self._server: asyncio.Server | None = None
        self._wakeup_task: asyncio.Task[None] | None = None
        self._wakeup_path: Path | None = None

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Load definitions and workflows, resume every unfinished run, act on stored requests;
        when the store holds its engine lock, listen for wake-ups from other processes."""
        await self._sync_with_store()
        wakeup_socket = getattr(self.store, "wakeup_socket", None)  # SqlStore, not the protocol
        path = wakeup_socket() if wakeup_socket is not None else None
        if path is not None:
            await self._listen(path)

    async def _sync_with_store(self) -> None:
        """Read definitions and workflows, adopt unfinished runs this engine does not drive
        yet, then act on pending requests."""
        for record in await self.store.list(WorkflowStepDefinition.KIND):
            definition = WorkflowStepDefinition.model_validate(record.doc)
            self._definitions[(record.namespace, record.name)] = definition.template
        for record in await self.store.list(Workflow.KIND):
            self._workflows[(record.namespace, record.name)] = Workflow.model_validate(record.doc)
        for record in await self.store.list(WorkflowRun.KIND, unfinished_only=True):
            if (record.namespace, record.name) not in self._runs:
                self._adopt(record)
        await self.take_requests()
        self._wake_initializing()

    async def _listen(self, path: Path) -> None:
        """Serve the wake-up socket (`cueflow.store.wakeup`). Connections only set an event;
        one task does the store work, so a burst of wake-ups costs one sync."""
        path.unlink(missing_ok=True)  # left by a dead engine: we hold the lock now
        woken = asyncio.Event()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            woken.set()
            writer.close()

        async def sync_on_wakeup() -> None:
            while True:
                await woken.wait()
                woken.clear()
                try:
                    await self._sync_with_store()
                except StoreError as exc:
                    logger.error("wake-up: cannot read the store: %s", exc)

        self._server = await asyncio.start_unix_server(on_connect, path=os.fspath(path))
        self._wakeup_path = path
        self._wakeup_task = asyncio.create_task(sync_on_wakeup(), name="engine wake-ups")

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._wakeup_task is not None:
            self._wakeup_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._wakeup_task
            self._wakeup_task = None
        if self._wakeup_path is not None:
            self._wakeup_path.unlink(missing_ok=True)
            self._wakeup_path = None

    async def stop(self) -> None:
        """Cancel every run task; their state is already in the store."""
        await self._stop_listening()
        runs = list(self._runs.values())
        self._runs.clear()
        for run in runs:
            await self._halt(run)

    @staticmethod
    async def _halt(run: _Run) -> None:
        """Stop a run's task between passes and end its watchers."""
        if run.timer is not None:
            run.timer.cancel()
        # let a pass in progress finish its store write: cancelling it mid-transaction would
        # leave the database connection unusable
        async with run.lock:
            if run.task is not None:
                run.task.cancel()
        if run.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await run.task
        for queue in run.watchers:
            queue.put_nowait(None)

    async def take_requests(self) -> None:
        """Act on operations other processes recorded in the store."""
        for request in await self.store.take_requests():
            namespace, _, name = request.run.partition("/")
            handler = {
                "suspend": self.suspend,
                "resume": self.resume,
                "terminate": self.terminate,
                "restart": self.restart,
                "retry": self.retry,
            }.get(request.op)
            if handler is None:
                logger.warning("unknown request %s for %s", request.op, request.run)
                continue
            try:
                await handler(namespace, name, **request.args)
            except (EngineError, NotFound) as exc:
                logger.warning("request %s on %s failed: %s", request.op, request.run, exc)

    # --- objects -------------------------------------------------------------------------

    async def apply(self, doc: dict[str, Any]) -> Record:
        """Store a Workflow or WorkflowStepDefinition; store and start a WorkflowRun."""
        try:
            obj = parse_object(doc)
        except ModelError as exc:
            raise EngineError(str(exc)) from exc
        namespace = obj.metadata.namespace = obj.metadata.namespace or "default"
        name = obj.metadata.name
        if isinstance(obj, WorkflowStepDefinition):
            try:
                check_definition(obj, packages={p.path: p.schema for p in self.packages.values()})
            except ModelError as exc:
                raise EngineError(str(exc)) from exc
            record = await self.store.put(Record(obj.KIND, namespace, name, obj.to_dict()))
            self._definitions[(namespace, name)] = obj.template
            self._wake_initializing()
            return record
        if isinstance(obj, Workflow):
            name_steps(obj.steps)
            try:
                validate_steps(obj.steps)
            except ModelError as exc:
                raise EngineError(str(exc)) from exc
            record = await self.store.put(Record(obj.KIND, namespace, name, obj.to_dict()))
            self._workflows[(namespace, name)] = obj
            self._wake_initializing()
            return record
        assert isinstance(obj, WorkflowRun)
        ref = obj.spec.workflow_ref
        exists = (
            None
            if obj.spec.workflow_spec
            else await self._workflow(namespace, ref or "") is not None
        )
        try:
            admit_run(obj, exists)
        except ModelError as exc:
            raise EngineError(str(exc)) from exc
        current = self._runs.get((namespace, name))
        if current is not None:
            async with current.lock:
                current.state.run.spec = obj.spec
                record = await self._persist(current)
            current.wake.set()
            return record
        try:
            existing: Record | None = await self.store.get(obj.KIND, namespace, name)
        except NotFound:
            existing = None
        if (
            existing is not None
            and existing.finished
            and existing.doc.get("spec") == obj.spec.to_dict()
        ):
            return existing  # applying a finished run unchanged does nothing
        if existing is not None and not existing.finished:
            state = _load_state(existing)  # not adopted yet (engine not started): keep status
            state.run.spec = obj.spec
        else:
            obj.status = None
            state = RunState(run=obj)
        run = _Run(state=state)
        # The first pass runs before the first write: steps without side effects need no
        # earlier write, and the pass checkpoints before any provider call.
        run.first_write = asyncio.get_running_loop().create_future()
        self._launch(run)
        return await run.first_write

    async def _workflow(self, namespace: str, name: str) -> Workflow | None:
        found = self._workflows.get((namespace, name))
        if found is None:
            try:
                record = await self.store.get(Workflow.KIND, namespace, name)
            except NotFound:
                return None
            found = self._workflows[(namespace, name)] = Workflow.model_validate(record.doc)
        return found

    def _wake_initializing(self) -> None:
        for run in self._runs.values():
            if run.state.status.status == RunPhase.INITIALIZING:
                run.wake.set()

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        """Delete a stored object; a run is stopped first (its logs go with it)."""
        if kind == WorkflowRun.KIND:
            run = self._runs.pop((namespace, name), None)
            self._written_steps.pop((namespace, name), None)
            if run is not None:
                await self._halt(run)
                for future in run.waiters:
                    if not future.done():
                        future.set_exception(NotFound(f"{namespace}/{name} was deleted"))
        await self.store.delete(kind, namespace, name)
        if kind == WorkflowStepDefinition.KIND:
            self._definitions.pop((namespace, name), None)
        if kind == Workflow.KIND:
            self._workflows.pop((namespace, name), None)

    # --- observing -----------------------------------------------------------------------

    async def get(self, namespace: str, name: str) -> Record:
        return await self.store.get(WorkflowRun.KIND, namespace, name)

    async def wait(self, namespace: str, name: str, timeout: float | None = None) -> Record:
        """Return the run's record once it has finished."""
        run = self._runs.get((namespace, name))
        if run is None:
            return await self.get(namespace, name)
        future: asyncio.Future[Record] = asyncio.get_running_loop().create_future()
        run.waiters.append(future)
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        finally:
            if future in run.waiters:
                run.waiters.remove(future)

    async def watch(self, namespace: str, name: str) -> AsyncIterator[Event]:
        """Yield status changes and log lines of a run until it finishes."""
        run = self._runs.get((namespace, name))
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        if run is not None:
            run.watchers.append(queue)  # before reading, so that no change is missed
        try:
            record = await self.get(namespace, name)
            status = record.doc.get("status") or {}
            yield Event("status", namespace, name, status.get("status", ""), status)
            if run is None or record.finished:
                return
            while (event := await queue.get()) is not None:
                yield event
        finally:
            if run is not None:
                with contextlib.suppress(ValueError):
                    run.watchers.remove(queue)

    # --- operations --------------------------------------------------------------------------

    async def suspend(self, namespace: str, name: str, step: str | None = None) -> None:
        await self._operate(namespace, name, lambda state: operations.suspend_run(state, step))

    async def resume(self, namespace: str, name: str, step: str | None = None) -> None:
        await self._operate(namespace, name, lambda state: operations.resume_run(state, step))

    async def terminate(self, namespace: str, name: str) -> None:
        await self._operate(namespace, name, operations.terminate_run)

    async def restart(self, namespace: str, name: str, step: str | None = None) -> None:
        """Run again from scratch, or from a failed step (its dependants run again too)."""
        if step is None:
            await self._operate(namespace, name, operations.restart_run, revive=True)
            return
        plan = None

        async def prepare(state: RunState) -> None:
            nonlocal plan
            plan = await self._plan(state.run)

        await self._operate(
            namespace,
            name,
            lambda state: operations.restart_from(state, plan, step),  # type: ignore[arg-type]
            revive=True,
            prepare=prepare,
        )

    async def rollback(self, namespace: str, name: str) -> None:
        """Refused with an EngineError, the run left as it is (spec 2.14.3)."""
        await self._operate(namespace, name, operations.rollback_run)

    async def retry(self, namespace: str, name: str, step: str) -> None:
        """Retry a failed step now: a retrying one without waiting for its backoff, a step
        that failed for good (after retries, timeout, ...) by restarting from it."""

        def retry_now(state: RunState) -> None:
            for entry in state.status.steps or []:
                for item in [entry, *(entry.sub_steps or [])]:
                    retrying = item.phase == StepPhase.FAILED and not is_step_finished(
                        item.phase, item.reason or ""
                    )
                    if item.name == step and retrying:
                        state.backoff_times.pop(item.id, None)
                        return
            raise _Fallback

        try:
            await self._operate(namespace, name, retry_now)
        except _Fallback:
            await self.restart(namespace, name, step)

    async def _operate(
        self,
        namespace: str,
        name: str,
        change: Callable[[RunState], None],
        *,
        revive: bool = False,
        prepare: Callable[[RunState], Any] | None = None,
    ) -> None:
        run = self._runs.get((namespace, name))
        if run is None:
            record = await self.get(namespace, name)
            run = _Run(state=_load_state(record))
            await self._change(run, change, prepare)
            if not revive and record.finished:
                raise EngineError(f"workflow run {namespace}/{name} has finished")
            await self._persist(run)
            self._launch(run)
            return
        async with run.lock:
            await self._change(run, change, prepare)
            await self._persist(run)
        run.wake.set()

    @staticmethod
    async def _change(
        run: _Run, change: Callable[[RunState], None], prepare: Callable[[RunState], Any] | None
    ) -> None:
        if prepare is not None:
            await prepare(run.state)
        try:
            change(run.state)
        except operations.OperationError as exc:
            raise EngineError(str(exc)) from exc

    # --- driving a run -------------------------------------------------------------------------

    def _adopt(self, record: Record) -> None:
        self._launch(_Run(state=_load_state(record)))

    def _launch(self, run: _Run) -> None:
        self._runs[run.key] = run
        run.wake.set()
        namespace, name = run.key
        run.task = asyncio.create_task(self._drive(run), name=f"run {namespace}/{name}")
        run.task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s crashed", task.get_name(), exc_info=task.exception())

    async def _drive(self, run: _Run) -> None:
        while True:
            await run.wake.wait()
            run.wake.clear()
            async with run.lock:
                try:
                    phase = await self._pass(run)
                except StoreError as exc:
                    logger.error("run %s/%s: the store failed, retrying: %s", *run.key, exc)
                    self._retry_later(run)
                    continue
                except Exception:  # an engine bug must not leave the run without a task
                    logger.exception("run %s/%s: the pass failed, retrying", *run.key)
                    self._retry_later(run)
                    continue
            if phase in FINISHED_RUN_PHASES and run.record is not None:
                self._runs.pop(run.key, None)
                for future in run.waiters:
                    if not future.done():
                        future.set_result(run.record)
                for queue in run.watchers:
                    queue.put_nowait(None)
                return

    async def _plan(self, run: WorkflowRun) -> Plan:
        spec = run.spec
        if spec.workflow_spec is not None:
            return Plan(spec.workflow_spec.steps, spec.mode)
        namespace = run.metadata.namespace or "default"
        if not spec.workflow_ref:
            raise GenerateError("neither workflowSpec nor workflowRef is set")
        workflow = await self._workflow(namespace, spec.workflow_ref)
        if workflow is None:
            raise GenerateError(f'Workflow "{spec.workflow_ref}" not found')
        steps = [s.model_copy(deep=True) for s in workflow.steps]
        name_steps(steps)
        return Plan(steps, spec.mode if spec.mode is not None else workflow.mode)

    def _resolver(self, namespace: str) -> Callable[[str], StepType]:
        def resolve(type_name: str) -> StepType:
            found = self.step_types.get(type_name)
            if found is not None:
                return found
            if type_name == "suspend":
                return self._template_type(SUSPEND_TEMPLATE)
            template = self._definitions.get((namespace, type_name))
            if template is None:
                template = self._definitions.get((VELA_SYSTEM, type_name))
            if template is None and self.catalog is not None:
                template = self.catalog.get(type_name, namespace)
            if template is None:
                raise GenerateError(f'WorkflowStepDefinition "{type_name}" not found')
            return self._template_type(template)

        return resolve

    def _template_type(self, template: str) -> StepType:
        found = self._template_types.get(template)
        if found is None:
            from cueflow.engine.cuestep import CueStepType

            found = self._template_types[template] = CueStepType(
                template, self.packages, clusters=self.clusters, secrets=self.secrets
            )
        return found

    async def _pass(self, run: _Run) -> RunPhase:
        state = run.state
        namespace, _ = run.key
        if run.timer is not None:
            run.timer.cancel()
            run.timer = None
        if state.status.finished:
            return state.status.status or RunPhase.SUCCEEDED
        try:
            plan = await self._plan(state.run)
            resolve = self._resolver(namespace)
            for step in plan.steps:
                for item in [step, *(step.sub_steps or [])]:
                    if item.type != STEP_GROUP or item is not step:
                        resolve(item.type)
        except GenerateError as exc:
            state.status.status = RunPhase.INITIALIZING
            self._set_condition(
                state, "False", "ReconcileError", f"fail to generate workflow runners: {exc}"
            )
            await self._persist(run)
            self._retry_later(run)
            return RunPhase.INITIALIZING
        engine_pass = EnginePass(
            state,
            plan,
            resolve,
            self.settings,
            self.clock.now,
            checkpoint=lambda: self._checkpoint(run),
            log=lambda step, text, level: self._log(run, step, text, level),
            wake=run.wake.set,
            written_steps=self._remembered_steps(run),
        )
        try:
            phase = await engine_pass.execute()
        except PassError as exc:
            logger.warning("run %s/%s: %s", *run.key, exc)
            state.status.status = RunPhase.EXECUTING
            self._set_condition(state, "False", "ReconcileError", f"fail to execute: {exc}")
            await self._persist(run)
            self._retry_later(run)
            return RunPhase.EXECUTING
        run.error_backoff = 0.0
        if phase == RunPhase.SKIPPED:  # spec 2.15: nothing ran, nothing is written
            logger.debug("run %s/%s: stale status, looking again later", *run.key)
            wake_at = self.clock.now() + engine_pass.backoff_interval()
            run.timer = self.clock.call_at(wake_at, run.wake.set)
            return phase
        status = state.status
        status.status = phase
        if status.conditions:
            status.conditions = [
                c for c in status.conditions if c.reason != "ReconcileError"
            ] or None
        if phase in FINISHED_RUN_PHASES:
            status.finished = True
            status.end_time = self.clock.now().replace(microsecond=0)
            if phase == RunPhase.SUCCEEDED:
                self._set_condition(state, "True", "Available", None)
            state.drop_counters()
            state.journal.clear()
        await self._persist(run)
        wake_at = engine_pass.next_wakeup(phase)
        if wake_at is not None:
            run.timer = self.clock.call_at(wake_at, run.wake.set)
        return phase

    def _remembered_steps(self, run: _Run) -> int | None:
        """The stale-status guard's memory of the run (spec 2.15): None once it expired, or
        when the pass is about to re-initialise the run (which drops it)."""
        remembered = self._written_steps.get(run.key)
        if remembered is not None and not run.state.fresh:
            count, written_at = remembered
            if self.clock.now() - written_at <= self.settings.stale_status_memory:
                return count
        self._written_steps.pop(run.key, None)
        return None

    def _retry_later(self, run: _Run) -> None:
        base = self.settings.error_backoff.total_seconds()
        run.error_backoff = min(300.0, run.error_backoff * 2 if run.error_backoff else base)
        when = self.clock.now() + timedelta(seconds=run.error_backoff)
        run.timer = self.clock.call_at(when, run.wake.set)

    def _set_condition(self, state: RunState, value: str, reason: str, message: str | None) -> None:
        existing = [c for c in state.status.conditions or [] if c.type != "WorkflowRun"]
        for c in state.status.conditions or []:
            if c.type == "WorkflowRun" and (c.status, c.reason, c.message) == (
                value,
                reason,
                message,
            ):
                return
        condition = Condition(
            type="WorkflowRun",
            status=value,
            reason=reason,
            message=message,
            last_transition_time=self.clock.now(),
        )
        state.status.conditions = [*existing, condition]

    # --- persistence and events -------------------------------------------------------------

    def _log(self, run: _Run, step: str, text: str, level: str) -> None:
        namespace, name = run.key
        now = self.clock.now()
        run.logs.append(LogLine(f"{namespace}/{name}", step, 0, now, level, text))
        for queue in run.watchers:
            queue.put_nowait(
                Event("log", namespace, name, step=step, text=text, level=level, time=now)
            )

    async def _checkpoint(self, run: _Run) -> None:
        """Make the run's in-memory progress durable (before a provider call, after its result)."""
        await self._persist(run)

    async def _persist(self, run: _Run) -> Record:
        state = run.state
        namespace, name = run.key
        if run.logs:
            if run.log_seq is None:
                existing = await self.store.logs(f"{namespace}/{name}")
                run.log_seq = existing[-1].seq if existing else 0
            for line in run.logs:
                run.log_seq += 1
                line.seq = run.log_seq
            await self.store.append_logs(run.logs)
            run.logs = []
        doc = state.run.to_dict()
        doc[ENGINE_STATE_KEY] = {"context": state.store, "journal": state.journal}
        if state.debug:
            doc[ENGINE_STATE_KEY]["debug"] = state.debug
        status = state.status
        stored = Record(
            WorkflowRun.KIND,
            namespace,
            name,
            doc,
            phase=status.status or "",
            finished=status.finished,
        )
        try:
            record = await self._writer.put(stored)
        except StoreError as exc:
            self._written_steps.pop(run.key, None)  # the store may hold fewer entries now
            if run.first_write is not None and not run.first_write.done():
                run.first_write.set_exception(exc)
                self._runs.pop(run.key, None)
                if run.task is not None:
                    run.task.cancel()
            raise
        if status.finished:
            run.record = record  # what waiters get; not kept earlier, to save memory
            self._written_steps.pop(run.key, None)
        else:
            self._written_steps[run.key] = (len(status.steps or []), self.clock.now())
        if run.first_write is not None and not run.first_write.done():
            run.first_write.set_result(record)
        if run.watchers:
            event = Event("status", namespace, name, status.status or "", doc.get("status"))
            for queue in run.watchers:
                queue.put_nowait(event)
        return record


class _GroupCommit:
    """Writes the records that concurrent passes hand in while the previous write is in
    progress in one store transaction (`Store.put_many`). Each caller gets its record back
    only once that transaction has committed, so nothing acts on a change before it is
    durable; with one busy run this is one write per record, as before."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: list[tuple[Record, asyncio.Future[Record]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def put(self, record: Record) -> Record:
        future: asyncio.Future[Record] = asyncio.get_running_loop().create_future()
        self._queue.append((record, future))
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush(), name="engine store writes")
        # shielded: a caller cancelled mid-write must not cancel the others' transaction
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    stored = await self.store.put_many([record for record, _ in batch])
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), record in zip(batch, stored, strict=True):
                    if not future.done():
                        future.set_result(record)
        finally:
            self._flusher = None


class _Fallback(Exception):
    """Internal: "retry now" does not apply, restart from the step instead."""


def _load_state(record: Record) -> RunState:
    doc = dict(record.doc)
    private = doc.pop(ENGINE_STATE_KEY, None) or {}
    run = WorkflowRun.model_validate(doc)
    run.metadata.namespace = run.metadata.namespace or record.namespace
    if run.status is None:
        run.status = WorkflowRunStatus()
    return RunState(
        run=run,
        store=private.get("context") or {"vars": {}},
        journal=private.get("journal") or {},
        debug=private.get("debug") or {},
    )


def _default_packages(store: Store) -> dict[str, ProviderPackage]:
    from cueflow.providers.registry import default_packages

    return default_packages(kv=store)
