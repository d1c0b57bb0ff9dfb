"""CUE step throughput: the built-in `request` step run by the step runner, provider stubbed.

    python bench/cuestep_bench.py [-n 200]

`request` is the realistic case: `http.#HTTPDo` with a `json.Marshal`ed body, then `if`s on
`$returns` that unmarshal the answer. The HTTP function is replaced by an in-process stub, so
the figure is the runner's own cost: compiling, one provider call, filling its result in and
evaluating again. Each step gets its own `context` (as in a run), so nothing is reused
between steps but what the runner itself keeps. "compile each time" is the runner
compiling the template's text with the inputs appended on every evaluation; "compiled
once" is the runner as it is. Rates are per second of CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from cueflow.definitions.catalog import Catalog
from cueflow.engine.cuestep import CueStepType
from cueflow.engine.steps import Operation, StepActions, StepInvocation, StepJournal, StepLog
from cueflow.model import StepBase, StepPhase, StepStatusBase
from cueflow.providers.base import ProviderContext, ProviderPackage
from cueflow.providers.registry import default_packages

PROPERTIES = {
    "url": "http://api.example.test/v1/deployments",
    "method": "POST",
    "body": {"name": "web", "replicas": 3, "labels": {"app": "web", "tier": "front"}},
    "header": {"Content-Type": "application/json", "X-Request-Id": "bench"},
}

ANSWER = json.dumps({"id": "dep-42", "status": "created", "replicas": 3})


async def fake_http(ctx: ProviderContext, args: dict[str, Any]) -> dict[str, Any]:
    """A 201 answer with a JSON body, as the real `vela/http` function returns it."""
    return {
        "statusCode": 201,
        "body": ANSWER,
        "header": {"Content-Type": ["application/json"]},
        "trailer": {},
    }


def packages() -> dict[str, ProviderPackage]:
    found = default_packages()
    found["vela/http"] = dataclasses.replace(found["vela/http"], functions={"do": fake_http})
    return found


def invocation(number: int) -> StepInvocation:
    """Step `number` of a run, with its own step id in `context`, as the scheduler makes it."""
    step_id = f"bench-{number:08d}"
    status = StepStatusBase(id=step_id, name="call", type="request", phase=StepPhase.RUNNING)
    operation = Operation()
    return StepInvocation(
        step=StepBase(name="call", type="request", properties=PROPERTIES),
        status=status,
        operation=operation,
        actions=StepActions(status, operation),
        context={
            "name": "app",
            "namespace": "default",
            "workflowName": "",
            "publishVersion": "",
            "stepName": "call",
            "stepSessionID": step_id,
            "spanID": f"trace.{step_id}",
        },
        parameter=json.loads(json.dumps(PROPERTIES)),
        previous=None,
        run_name="app",
        namespace="default",
        store={"vars": {}},
        now=lambda: datetime(2026, 1, 1, tzinfo=UTC),
        fail=lambda reason, message: print(f"step failed: {reason}: {message}"),
        logger=StepLog(lambda line, level: None),
        journal=StepJournal(),
        wake=lambda: None,
    )


class CompileEachTime(CueStepType):
    """The runner compiling template and inputs as one text on every evaluation."""

    def evaluation(self, inv: StepInvocation) -> Any:
        return self.context.compile(self.source(inv), filename=self.filename(inv))


async def run_steps(step_type: CueStepType, first: int, steps: int) -> float:
    """Steps run per second of this process's CPU time (other processes' load does not
    count), each step one full evaluation with its provider call."""
    begin = time.process_time()
    for number in range(first, first + steps):
        scope = await step_type.execute(invocation(number))
        assert scope is not None and scope.lookup("response.id") == "dep-42"
    return steps / (time.process_time() - begin)


async def compare(
    before: CueStepType, after: CueStepType, steps: int, rounds: int
) -> tuple[float, float]:
    """Median steps/s of both runners, their rounds interleaved so that whatever else the
    machine does falls on both alike."""
    rates: tuple[list[float], list[float]] = ([], [])
    for round_number in range(rounds):
        for rate, step_type in zip(rates, (before, after), strict=True):
            rate.append(await run_steps(step_type, round_number * steps, steps))
    return statistics.median(rates[0]), statistics.median(rates[1])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--steps", type=int, default=200, help="steps per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    definition = Catalog().get("request")
    assert definition is not None
    found = packages()
    before, after = await compare(
        CompileEachTime(definition.template, found),
        CueStepType(definition.template, found),
        args.steps,
        args.rounds,
    )
    print(f"`request` step, provider stubbed ({args.steps} steps x {args.rounds} rounds, median)")
    print(f"compile each time: {before:8.0f} steps/s  {1000 / before:6.2f} ms/step")
    print(f"compiled once:     {after:8.0f} steps/s  {1000 / after:6.2f} ms/step")
    print(f"speed-up:          {after / before:8.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
