"""The `vela/builtin` provider functions (spec 3.6, 2.14.1, 5.3 #68)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cueflow.engine.steps import Operation, StepActions
from cueflow.model import StepPhase, StepStatusBase
from cueflow.providers import builtin
from cueflow.providers.base import ProviderContext, ProviderError


class Log:
    def log(self, line: str, level: str = "info") -> None: ...


def context(store, now, previous="", label=""):
    status = StepStatusBase(id="test-id", phase=StepPhase.SUCCEEDED)
    actions = StepActions(status, Operation())
    ctx = ProviderContext(
        run_name="app",
        namespace="default",
        step_name="s",
        step_id="test-id",
        label=label,
        logger=Log(),
        actions=actions,
        variables=store,
        previous_phase=previous,
        extras={"now": lambda: now},
    )
    return ctx, status, actions


async def test_suspend_with_duration_resumes_after_it():
    """#68."""
    store: dict = {"vars": {}}
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ctx, status, actions = context(store, start)
    await builtin.suspend(ctx, {"duration": "1s"})
    assert (status.phase, status.reason, status.message) == (
        "suspending",
        "Suspend",
        "Suspended by field ",
    )
    assert actions.operation.suspend and actions.stopped
    ctx, status, _ = context(store, start + timedelta(milliseconds=500))
    await builtin.suspend(ctx, {"duration": "1s"})
    assert status.phase == "suspending"
    ctx, status, actions = context(store, start + timedelta(seconds=1.5))
    await builtin.suspend(ctx, {"duration": "1s"})
    assert status.phase == "succeeded" and not actions.stopped


async def test_suspend_passes_once_resumed_by_hand():
    store: dict = {"vars": {}}
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ctx, status, _ = context(store, now, label="pause")
    await builtin.suspend(ctx, {"message": "waiting for approval"})
    assert status.message == "waiting for approval"
    ctx, status, actions = context(store, now, previous="running", label="pause")
    await builtin.suspend(ctx, {})
    assert status.phase == "succeeded" and not actions.stopped


async def test_suspend_rejects_bad_duration():
    ctx, _, _ = context({"vars": {}}, datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ProviderError, match=r"unknown unit \"d\" in duration"):
        await builtin.suspend(ctx, {"duration": "1d"})


async def test_wait_break_fail_message():
    """#55, the actions."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    ctx, status, actions = context({}, now)
    await builtin.wait(ctx, {"continue": True})
    assert status.phase == "succeeded" and not actions.stopped
    await builtin.wait(ctx, {"message": "I am waiting"})
    assert (status.phase, status.reason, status.message) == ("running", "Wait", "I am waiting")
    ctx, status, actions = context({}, now)
    await builtin.break_(ctx, {"message": "bye"})
    assert (status.phase, status.reason) == (
        "succeeded",
        "Terminate",
    ) and actions.operation.terminated
    ctx, status, actions = context({}, now)
    await builtin.fail(ctx, {})
    assert (status.phase, status.reason) == ("failed", "Action") and actions.operation.terminated
    ctx, status, actions = context({}, now)
    await builtin.message(ctx, {"message": "hello"})
    assert status.message == "hello" and not actions.stopped


async def test_var_put_and_get():
    """#65."""
    store: dict = {"vars": {}}
    ctx, _, _ = context(store, datetime(2026, 1, 1, tzinfo=UTC))
    await builtin.var(ctx, {"method": "Put", "path": "clusterIP", "value": "1.1.1.1"})
    assert await builtin.var(ctx, {"path": "clusterIP"}) == {"value": "1.1.1.1"}
    await builtin.var(ctx, {"method": "Put", "path": "football.score", "value": 100})
    assert await builtin.var(ctx, {"method": "Get", "path": "football"}) == {
        "value": {"score": 100}
    }
    with pytest.raises(ProviderError, match=r"football.score: conflicting values 101 and 100"):
        await builtin.var(ctx, {"method": "Put", "path": "football", "value": {"score": 101}})
    with pytest.raises(ProviderError, match=r"var\(path=nope\) not exist"):
        await builtin.var(ctx, {"path": "nope"})


def test_package_schema_declares_the_functions():
    package = builtin.package()
    assert package.path == "vela/builtin" and package.provider == "builtin"
    for function in package.functions:
        assert f'#do:       "{function}"' in package.schema
